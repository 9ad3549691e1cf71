// The misuse catalogue's checks (tests/unit/test_misuse_*.c): each macro is one case, a
// call a new user gets wrong, which must fail with the message that names its cause (key
// words, or PyTorch's exact text where ctorch mirrors it), leaking nothing (LeakSanitizer
// under make sanitize) and leaving the library usable. One test per public area; a case
// that does not fail as expected is reported and its area's test fails once all its cases
// have run. Included by one file per executable (the counters are per file).
#ifndef CTORCH_TESTS_MISUSE_H
#define CTORCH_TESTS_MISUSE_H
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "unit.h"

// Each macro is one case of the catalogue.
// A call returning a pointer fails (NULL) with a message containing each of the
// '|'-separated key phrases.
#define MISUSE(call, keys) (cases_run++, expect_failure((call) == NULL, #call, keys))
// A call returning a ct_status fails with a message containing each key phrase.
#define MISUSE_STATUS(call, keys) (cases_run++, expect_failure((call) != CT_OK, #call, keys))
// A call of another return type fails when `failed` holds (ct_size(x, 5) == -1 ...).
#define MISUSE_IF(failed, keys) (cases_run++, expect_failure((failed), #failed, keys))

// The NULL rule (error.h): a NULL tensor is the failure of an earlier call, whose message
// is the first cause of the chain. A tensor-returning call given one returns NULL without
// a new message; a status-returning call returns the pending error's status, keeping its
// message, and with no error pending reports "<fn>: tensor is NULL".
#define NULL_PASSES(call) (cases_run++, set_first_cause(), expect_cause_kept((call) == NULL, true, #call))
#define NULL_STATUS(call, fn)                                                                                \
  (cases_run++, set_first_cause(), expect_status_kept((call), #call),                                        \
   expect_failure((call) == CT_ERR_ARG, #call, fn ": tensor is NULL"))

static int cases_run;       // every case of every area of this file
static int area_mismatches; // cases of the running area that did not fail as expected

static void expect_failure(bool failed, const char *call, const char *keys) {
  const char *message = ct_last_error();
  if (!failed) {
    print_error("%s: did not fail (expected a message with \"%s\")\n", call, keys);
    area_mismatches++;
  }
  for (const char *k = keys; failed && *k;) {
    const char *bar = strchr(k, '|');
    size_t len = bar ? (size_t)(bar - k) : strlen(k);
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)len, k);
    if (!strstr(message, key)) {
      print_error("%s: message \"%s\" lacks \"%s\"\n", call, message, key);
      area_mismatches++;
    }
    k += len + (bar != NULL);
  }
  ct_clear_error();
}

// The first cause: a failed creation (no tensor is made, so nothing needs freeing).
static const char first_cause[] = "Trying to create tensor with negative dimension -1: [-1]";

static void set_first_cause(void) {
  ct_clear_error();
  assert_null(ct_zeros(CT_SHAPE(-1), CT_FLOAT32));
  assert_string_equal(ct_last_error(), first_cause);
}

// After the call: it failed, returning the pending status (`same_status`), and the first
// cause's message is untouched.
static void expect_cause_kept(bool failed, bool same_status, const char *call) {
  if (!failed || !same_status || strcmp(ct_last_error(), first_cause) != 0) {
    print_error("%s: %s; the message is now \"%s\"\n", call,
                !failed        ? "did not fail"
                : !same_status ? "returned another status"
                               : "replaced the first cause",
                ct_last_error());
    area_mismatches++;
  }
  ct_clear_error();
}

static inline void expect_status_kept(ct_status status, const char *call) {
  expect_cause_kept(status != CT_OK, status == ct_last_status(), call);
}

// Ends an area: fails the test when any of its cases did not fail as expected.
static void area_done(ct_scope *s) {
  ct_scope_close(s);
  int n = area_mismatches;
  area_mismatches = 0;
  if (n) fail_msg("%d mismatch(es) above: misuse cases that did not fail as expected", n);
}

/// Keeps a file's catalogue from shrinking unnoticed.
static void expect_cases_at_least(int n) {
  if (cases_run < n) fail_msg("the catalogue shrank: %d cases, expected at least %d", cases_run, n);
}

#endif

// Helpers for the cmocka unit tests (tests/unit/test_*.c): failing calls and their
// messages, and error tests run in a scope of their own and in the thread's root scope.
#ifndef CTORCH_TESTS_UNIT_H
#define CTORCH_TESTS_UNIT_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "testutil.h"

/// ct_last_error() is exactly `message`.
#define EXPECT_LAST_ERROR(message) assert_string_equal(ct_last_error(), (message))
/// `call` fails: returns NULL, leaving exactly `message`. The error is cleared first, so a
/// message left by an earlier call cannot pass for this one's.
#define EXPECT_ERROR(call, message)                                                                      \
  do {                                                                                                   \
    ct_clear_error();                                                                                    \
    assert_null(call);                                                                                   \
    EXPECT_LAST_ERROR(message);                                                                          \
  } while (0)
/// `call` returns the ct_status `status`, leaving exactly `message` (cleared first).
#define EXPECT_STATUS(call, status, message)                                                             \
  do {                                                                                                   \
    ct_clear_error();                                                                                    \
    assert_int_equal((call), (status));                                                                  \
    EXPECT_LAST_ERROR(message);                                                                          \
  } while (0)
/// `call` returns NULL, leaving a message that contains `part` (cleared first).
#define EXPECT_ERROR_CONTAINING(call, part)                                                              \
  do {                                                                                                   \
    ct_clear_error();                                                                                    \
    assert_null(call);                                                                                   \
    tu_assert_contains(ct_last_error(), (part));                                                         \
  } while (0)

/// Fails the test, showing both, unless `text` contains `part`.
static inline void tu_assert_contains(const char *text, const char *part) {
  if (!strstr(text, part)) fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/// Blocks of tensor memory (tensor structs, storages, graph nodes) this thread holds
/// (internal: src/core/pool.h). A computation that frees all it made leaves it unchanged.
int64_t ct__pool_live_blocks(void);

// Error tests over a struct of input tensors, walked as an array of n tensor pointers,
// run in a scope of their own and in the thread's root scope (no scope open).

/// Asserts each input was made and moves it from the caller's own scope `s`, which it
/// closes, to the enclosing scope (the root scope when no other is open).
static inline void tu_keep_inputs(ct_tensor **inputs, size_t n, ct_scope *s) {
  for (size_t i = 0; i < n; i++) {
    assert_non_null(inputs[i]);
    ct_keep(inputs[i]);
  }
  assert_int_equal(ct_scope_close(s), CT_OK);
}

/// Gives up the root scope's references to the inputs (error cases run with no scope open).
static inline void tu_release_inputs(ct_tensor **inputs, size_t n) {
  for (size_t i = 0; i < n; i++) assert_int_equal(ct_scope_release(inputs[i]), CT_OK);
}

/// Runs error_cases(true) in a scope of its own, which must hold exactly `kept` tensors
/// afterwards (the inputs: failing calls register nothing), and closes it.
static inline void tu_errors_in_scope(void (*error_cases)(bool scoped), size_t kept) {
  ct_scope *s = ct_scope_open();
  error_cases(true);
  assert_int_equal(ct_scope_size(s), kept);
  assert_int_equal(ct_scope_close(s), CT_OK);
}

/// Runs error_cases(false) with no scope open: the root scope owns the inputs, which
/// error_cases releases (tu_release_inputs); then every block it took must be back.
static inline void tu_errors_in_root_scope(void (*error_cases)(bool scoped)) {
  int64_t before = ct__pool_live_blocks();
  error_cases(false);
  assert_int_equal(ct__pool_live_blocks(), before);
}

/// Defines the cmocka tests test_errors_in_scope (tu_errors_in_scope) and
/// test_errors_without_scope (tu_errors_in_root_scope).
#define TU_ERROR_TESTS(error_cases, kept)                                                                \
  static void test_errors_in_scope(void **state) {                                                       \
    (void)state;                                                                                         \
    tu_errors_in_scope(error_cases, kept);                                                               \
  }                                                                                                      \
  static void test_errors_without_scope(void **state) {                                                  \
    (void)state;                                                                                         \
    tu_errors_in_root_scope(error_cases);                                                                \
  }

#endif

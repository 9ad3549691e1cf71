// A learning-rate scheduler's state_dict() as a value tree in PyTorch's layout, and back:
//   {"base_lrs": [0.1], "last_epoch": 3, "_step_count": 4, "_last_lr": [0.01], "gamma": 0.1 ...}
// through the public snapshot API (ct_lr_state), whose entries are named lists of doubles.
// PyTorch keeps per-group attributes as lists, counters as ints and the rest as floats; the
// names tell which. SequentialLR's children ("_schedulers.<i>.<key>" in the snapshot) are
// the dicts of its "_schedulers" list, as in PyTorch. Loading skips the attributes that are
// no numbers (verbose flags, mode strings), which ctorch's schedulers keep outside their state.
// MultiStepLR's "milestones" is a collections.Counter in PyTorch, which neither a
// weights_only file nor a list can stand for (PyTorch indexes it by epoch, missing ones
// count 0): it is not saved, and each side keeps the milestones it was made with.
#include "core/error_impl.h"
#include "ctorch/lr_scheduler.h"
#include "io/value_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHILDREN "_schedulers"

static bool named(const char *key, const char *const *names) {
  for (; *names; names++)
    if (!strcmp(key, *names)) return true;
  return false;
}

static const char *const list_keys[] = {"base_lrs", "_last_lr", "min_lrs", "milestones", "_milestones", NULL};
static const char *const int_keys[] = {"last_epoch",     "_step_count", "step_size", "milestones",
                                       "T_max",          "T_0",         "T_mult",    "total_iters",
                                       "total_steps",    "patience",    "cooldown",  "cooldown_counter",
                                       "num_bad_epochs", "_milestones", NULL};

static ct_value *number(const char *key, double x) {
  return named(key, int_keys) ? ct_value_int((int64_t)x) : ct_value_float(x);
}

static ct_value *entry_value(const char *key, const double *values, int n) {
  if (!named(key, list_keys)) return n == 1 ? number(key, values[0]) : NULL;
  ct_value *list = ct_value_list();
  for (int i = 0; list && i < n; i++)
    if (ct_value_append(list, number(key, values[i])) != CT_OK) {
      ct_value_free(list);
      return NULL;
    }
  return list;
}

// The dict that holds `key` ("_schedulers.1.gamma": the second child's), made on the way;
// *leaf gets the key's last part.
static ct_value *holder(ct_value *root, const char *key, const char **leaf) {
  const size_t len = strlen(CHILDREN);
  *leaf = key;
  if (strncmp(key, CHILDREN ".", len + 1)) return root;
  char *end;
  long i = strtol(key + len + 1, &end, 10);
  if (*end != '.') return root;
  ct_value *children = ct_value_get(root, CHILDREN);
  if (!children && ct_value_dict_set_str(root, CHILDREN, children = ct_value_list()) != CT_OK) return NULL;
  while (ct_value_len(children) <= i)
    if (ct_value_append(children, ct_value_dict()) != CT_OK) return NULL;
  return holder(ct_value_at(children, i), end + 1, leaf);
}

ct_value *ct_lr_scheduler_state_value(const ct_lr_scheduler *s) {
  if (!s) return ct__error_null(CT_ERR_ARG, "ct_lr_scheduler_state_value: scheduler is NULL");
  ct_lr_state *snap = ct_lr_scheduler_state_dict(s);
  ct_value *root = snap ? ct_value_dict() : NULL;
  bool ok = root != NULL;
  for (int i = 0; ok && i < ct_lr_state_len(snap); i++) {
    const char *key, *leaf;
    const double *values;
    int n;
    ct_lr_state_entry(snap, i, &key, &values, &n);
    ct_value *d = holder(root, key, &leaf);
    if (d && !strcmp(leaf, "milestones")) continue;
    ok = d && ct_value_dict_set_str(d, leaf, entry_value(leaf, values, n)) == CT_OK;
  }
  ct_lr_state_free(snap);
  if (!ok) {
    ct_value_free(root);
    return NULL;
  }
  return root;
}

static bool is_number(const ct_value *v) {
  return ct_value_get_kind(v) == CT_VALUE_INT || ct_value_get_kind(v) == CT_VALUE_FLOAT;
}

static ct_status long_key(const char *key) {
  return ct__error(CT_ERR_ARG, "scheduler load_state_dict: attribute '%.80s' is not one of this scheduler's",
                   key);
}

// The numeric entries of dict d, keys prefixed, into snap (children's dicts recursively).
static ct_status flatten(const ct_value *d, const char *prefix, ct_lr_state *snap, int depth) {
  if (ct_value_get_kind(d) != CT_VALUE_DICT)
    return ct__error(CT_ERR_ARG, "scheduler load_state_dict: expected a dict of attributes");
  if (depth > 8) return ct__error(CT_ERR_ARG, "scheduler load_state_dict: SequentialLRs nest too deep");
  ct_status st = CT_OK;
  for (int64_t i = 0; st == CT_OK && i < ct_value_len(d); i++) {
    const char *key = ct_value_as_string(ct_value_key_at(d, i));
    const ct_value *v = ct_value_at(d, i);
    char full[64];
    if (!key) return ct__error(CT_ERR_ARG, "scheduler load_state_dict: an attribute name is not a string");
    if (!strcmp(key, CHILDREN) && ct_value_get_kind(v) == CT_VALUE_LIST) {
      for (int64_t c = 0; st == CT_OK && c < ct_value_len(v); c++) {
        if (snprintf(full, sizeof full, "%s%s.%lld.", prefix, CHILDREN, (long long)c) >= (int)sizeof full)
          return long_key(key);
        st = flatten(ct_value_at(v, c), full, snap, depth + 1);
      }
      continue;
    }
    bool list = ct_value_get_kind(v) == CT_VALUE_LIST;
    int64_t n = list ? ct_value_len(v) : 1;
    bool numbers = list || is_number(v);
    for (int64_t j = 0; list && numbers && j < n; j++)
      numbers = is_number(ct_value_at(v, j));
    if (!numbers) continue; // verbose, mode strings, ...: not part of a ctorch scheduler's state
    if (n > 1 << 20) return ct__error(CT_ERR_ARG, "scheduler load_state_dict: '%s' is too long", key);
    double *values = malloc((size_t)(n + 1) * sizeof *values);
    if (!values) return ct__error(CT_ERR_MEMORY, "out of memory");
    for (int64_t j = 0; j < n; j++)
      values[j] = ct_value_as_float(list ? ct_value_at(v, j) : v);
    st = snprintf(full, sizeof full, "%s%s", prefix, key) < (int)sizeof full
             ? ct_lr_state_add(snap, full, values, (int)n)
             : long_key(key);
    free(values);
  }
  return st;
}

ct_status ct_lr_scheduler_load_state_value(ct_lr_scheduler *s, const ct_value *v) {
  if (!v) return ct__null_value_status("ct_lr_scheduler_load_state_value");
  if (!s) return ct__error(CT_ERR_ARG, "ct_lr_scheduler_load_state_value: scheduler is NULL");
  ct_lr_state *snap = ct_lr_state_new();
  ct_status st = snap ? flatten(v, "", snap, 0) : ct_last_status();
  if (st == CT_OK) st = ct_lr_scheduler_load_state_dict(s, snap);
  ct_lr_state_free(snap);
  return st;
}

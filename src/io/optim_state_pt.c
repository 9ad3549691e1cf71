// An optimizer's state_dict() as a value tree in PyTorch's layout, and back:
//   {"state": {param index: {key: tensor or int ...} ...},
//    "param_groups": [{option: value ..., "params": [0, 1 ...]} ...]}
// Everything goes through the public snapshot API (ct_optim_state): its entries are the
// "state", its groups (every option PyTorch's group dict holds, in its order) the
// "param_groups". RMSprop's "step" is a Python int in PyTorch and a 0-d int64 tensor in the
// snapshot; a 0-d int64 tensor saves as an int and an int loads as one.
#include "core/error_impl.h"
#include "ctorch/optim.h"
#include "io/value_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool add(ct_value *d, const char *key, ct_value *v) {
  return ct_value_dict_set_str(d, key, v) == CT_OK;
}

// One group option as Python holds it: a float, a bool, a (float, float) tuple or None.
static ct_value *option_value(const ct_group_option *o) {
  switch (o->kind) {
  case CT_OPTION_BOOL: return ct_value_bool(o->value != 0);
  case CT_OPTION_NONE: return ct_value_none();
  case CT_OPTION_PAIR: {
    ct_value *t = ct_value_tuple();
    if (t && (ct_value_append(t, ct_value_float(o->value)) != CT_OK ||
              ct_value_append(t, ct_value_float(o->value2)) != CT_OK)) {
      ct_value_free(t);
      return NULL;
    }
    return t;
  }
  default: return ct_value_float(o->value);
  }
}

// param_groups[g]: its options in the snapshot's (PyTorch's) order, then "params".
static ct_value *group_value(const ct_optim_state *snap, int g) {
  ct_value *d = ct_value_dict();
  bool ok = d != NULL;
  for (int i = 0; ok && i < ct_optim_state_group_num_options(snap, g); i++) {
    ct_group_option o;
    ok = ct_optim_state_group_option(snap, g, i, &o) == CT_OK && add(d, o.key, option_value(&o));
  }
  const int *params = NULL;
  int n = 0;
  ok = ok && ct_optim_state_group_params(snap, g, &params, &n) == CT_OK;
  ct_value *list = ok ? ct_value_list() : NULL;
  for (int i = 0; list && ok && i < n; i++)
    ok = ct_value_append(list, ct_value_int(params[i])) == CT_OK;
  if (ok)
    ok = add(d, "params", list); // add takes the list, also on failure
  else
    ct_value_free(list);
  if (!ok) {
    ct_value_free(d);
    return NULL;
  }
  return d;
}

// A state entry as PyTorch keeps it: a 0-d int64 tensor (RMSprop's step) is a Python int.
static ct_value *state_entry_value(const ct_tensor *t) {
  int64_t step;
  if (ct_get_dtype(t) == CT_INT64 && ct_dim(t) == 0 && ct_item_int(t, &step) == CT_OK)
    return ct_value_int(step);
  return ct_value_tensor((ct_tensor *)t);
}

// "state": {index: {key: value}} from the snapshot's entries (kept in PyTorch's order).
static ct_value *state_value(const ct_optim_state *snap) {
  ct_value *state = ct_value_dict();
  for (int i = 0; state && i < ct_optim_state_len(snap); i++) {
    int param;
    const char *key;
    ct_tensor *t;
    ct_optim_state_entry(snap, i, &param, &key, &t);
    ct_value *k = ct_value_int(param), *per = NULL;
    int64_t at = k ? ct__value_dict_find(state, k) : -1;
    if (at >= 0) {
      per = ct_value_at(state, at);
      ct_value_free(k);
    } else if (!k || ct_value_dict_set(state, k, per = ct_value_dict()) != CT_OK) {
      per = NULL;
    }
    if (!per || !add(per, key, state_entry_value(t))) {
      ct_value_free(state);
      return NULL;
    }
  }
  return state;
}

ct_value *ct_optimizer_state_value(const ct_optimizer *opt) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "ct_optimizer_state_value: optimizer is NULL");
  ct_optim_state *snap = ct_optimizer_state_dict(opt);
  if (!snap) return NULL;
  ct_value *root = ct_value_dict(), *groups = ct_value_list();
  bool ok = root && groups;
  for (int g = 0; ok && g < ct_optim_state_num_groups(snap); g++)
    ok = ct_value_append(groups, group_value(snap, g)) == CT_OK;
  ok = ok && add(root, "state", state_value(snap)); // add takes the value, also on failure
  if (ok)
    ok = add(root, "param_groups", groups);
  else
    ct_value_free(groups);
  ct_optim_state_free(snap);
  if (!ok) {
    ct_value_free(root);
    return NULL;
  }
  return root;
}

static ct_status bad_state(const char *why) {
  return ct__error(CT_ERR_ARG, "optimizer load_state_dict: %s", why);
}

// A param group's option from its Python value; false for a value no option can hold.
static bool option_of(const char *key, const ct_value *v, ct_group_option *o) {
  *o = (ct_group_option){.key = key};
  switch (ct_value_get_kind(v)) {
  case CT_VALUE_INT:
  case CT_VALUE_FLOAT: o->kind = CT_OPTION_FLOAT, o->value = ct_value_as_float(v); return true;
  case CT_VALUE_BOOL: o->kind = CT_OPTION_BOOL, o->value = ct_value_as_bool(v); return true;
  case CT_VALUE_NONE: o->kind = CT_OPTION_NONE; return true;
  case CT_VALUE_TUPLE:
  case CT_VALUE_LIST: {
    const ct_value *a = ct_value_at(v, 0), *b = ct_value_at(v, 1);
    bool numbers = ct_value_len(v) == 2 &&
                   (ct_value_get_kind(a) == CT_VALUE_INT || ct_value_get_kind(a) == CT_VALUE_FLOAT) &&
                   (ct_value_get_kind(b) == CT_VALUE_INT || ct_value_get_kind(b) == CT_VALUE_FLOAT);
    o->kind = CT_OPTION_PAIR, o->value = ct_value_as_float(a), o->value2 = ct_value_as_float(b);
    return numbers;
  }
  default: return false;
  }
}

// One saved param group into the snapshot: its options (all of them: load_state_dict sets
// the known ones and keeps the others, as PyTorch replaces the group dict) and its params.
static ct_status add_group(ct_optim_state *snap, const ct_value *group) {
  const ct_value *params = ct_value_get(group, "params");
  if (ct_value_get_kind(group) != CT_VALUE_DICT || ct_value_get_kind(params) != CT_VALUE_LIST)
    return bad_state("each param group must be a dict with a 'params' list");
  int64_t n_options = ct_value_len(group), n_params = ct_value_len(params);
  if (n_options > INT32_MAX || n_params > INT32_MAX) return bad_state("a param group is too large");
  ct_group_option *options = malloc((size_t)(n_options + 1) * sizeof *options);
  int *indices = malloc((size_t)(n_params + 1) * sizeof *indices);
  ct_status st = options && indices ? CT_OK : ct__error(CT_ERR_MEMORY, "out of memory");
  int n = 0;
  for (int64_t i = 0; st == CT_OK && i < n_options; i++) {
    const char *key = ct_value_as_string(ct_value_key_at(group, i));
    if (!key) {
      st = bad_state("a param group key is not a string");
    } else if (strcmp(key, "params") && !option_of(key, ct_value_at(group, i), &options[n++])) {
      st = ct__error(CT_ERR_ARG,
                     "optimizer load_state_dict: param group option '%s' is not a number, bool, pair of "
                     "numbers or None",
                     key);
    }
  }
  for (int64_t i = 0; st == CT_OK && i < n_params; i++) {
    const ct_value *p = ct_value_at(params, i);
    if (ct_value_get_kind(p) != CT_VALUE_INT || ct_value_as_int(p) < 0 || ct_value_as_int(p) > INT32_MAX)
      st = bad_state("'params' must list parameter indices");
    else
      indices[i] = (int)ct_value_as_int(p);
  }
  if (st == CT_OK) st = ct_optim_state_add_group(snap, options, n, indices, (int)n_params);
  free(options);
  free(indices);
  return st;
}

// "state": {index: {key: tensor, int or None}} into the snapshot.
static ct_status add_state(ct_optim_state *snap, const ct_value *state) {
  ct_status st = CT_OK;
  for (int64_t i = 0; st == CT_OK && i < ct_value_len(state); i++) {
    const ct_value *k = ct_value_key_at(state, i), *per = ct_value_at(state, i);
    if (ct_value_get_kind(k) != CT_VALUE_INT || ct_value_get_kind(per) != CT_VALUE_DICT ||
        ct_value_as_int(k) < 0 || ct_value_as_int(k) > INT32_MAX)
      return bad_state("'state' must map parameter indices to dicts");
    for (int64_t j = 0; st == CT_OK && j < ct_value_len(per); j++) {
      const char *key = ct_value_as_string(ct_value_key_at(per, j));
      const ct_value *val = ct_value_at(per, j);
      int param = (int)ct_value_as_int(k);
      if (!key) {
        st = bad_state("a state key is not a string");
      } else if (ct_value_get_kind(val) == CT_VALUE_NONE) {
        continue;                                          // SGD without momentum: momentum_buffer None
      } else if (ct_value_get_kind(val) == CT_VALUE_INT) { // RMSprop's step
        int64_t step = ct_value_as_int(val);
        ct_tensor *t = ct_tensor_from_i64(&step, 0, NULL); // freed by the load's scope
        st = t ? ct_optim_state_add(snap, param, key, t) : ct_last_status();
      } else if (!ct_value_as_tensor(val)) {
        st = bad_state("a state value is not a tensor or an int");
      } else {
        st = ct_optim_state_add(snap, param, key, ct_value_as_tensor(val));
      }
    }
  }
  return st;
}

ct_status ct_optimizer_load_state_value(ct_optimizer *opt, const ct_value *v) {
  if (!v) return ct__null_value_status("ct_optimizer_load_state_value");
  if (!opt) return ct__error(CT_ERR_ARG, "ct_optimizer_load_state_value: optimizer is NULL");
  const ct_value *state = ct_value_get(v, "state"), *groups = ct_value_get(v, "param_groups");
  if (ct_value_get_kind(state) != CT_VALUE_DICT || ct_value_get_kind(groups) != CT_VALUE_LIST)
    return bad_state("expected a dict with 'state' (a dict) and 'param_groups' (a list)");
  ct_scope *scope = ct_scope_open();
  ct_optim_state *snap = scope ? ct_optim_state_new() : NULL;
  ct_status st = snap ? CT_OK : ct_last_status();
  for (int64_t g = 0; st == CT_OK && g < ct_value_len(groups); g++)
    st = add_group(snap, ct_value_at(groups, g));
  if (st == CT_OK) st = add_state(snap, state);
  if (st == CT_OK) st = ct_optimizer_load_state_dict(opt, snap);
  ct_optim_state_free(snap);
  if (scope) ct_scope_close(scope);
  return st;
}

ct_status ct_save_optimizer_state_pt(const ct_optimizer *opt, const char *path) {
  ct_value *v = ct_optimizer_state_value(opt);
  if (!v) return ct_last_status();
  ct_status st = ct_save_pt(path, v);
  ct_value_free(v);
  return st;
}

ct_status ct_optimizer_load_state_pt(ct_optimizer *opt, const char *path) {
  ct_value *v = ct_load_pt(path);
  if (!v) return ct_last_status();
  ct_status st = ct_optimizer_load_state_value(opt, v);
  ct_value_free(v);
  return st;
}

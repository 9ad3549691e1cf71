// An optimizer's state_dict() as a value tree in PyTorch's layout, and back:
//   {"state": {param index: {key: tensor ...} ...},
//    "param_groups": [{hyperparameters ..., "params": [0, 1 ...]}]}
// The per-parameter tensors go through the public snapshot API (ct_optim_state); the
// hyperparameters are read from the optimizer's options, the one place this file looks
// inside src/optim (optim_internal.h), in param_group() below.
#include "core/error_impl.h"
#include "io/value_impl.h"
#include "optim/optim_internal.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static bool add(ct_value *d, const char *key, ct_value *v) {
  return ct_value_dict_set_str(d, key, v) == CT_OK;
}

static ct_value *betas(const ct_adam_options *o) {
  ct_value *t = ct_value_tuple();
  if (t && (ct_value_append(t, ct_value_float(o->beta1)) != CT_OK ||
            ct_value_append(t, ct_value_float(o->beta2)) != CT_OK)) {
    ct_value_free(t);
    return NULL;
  }
  return t;
}

// param_groups[0] with PyTorch 1.13's keys, in its order, for the optimizer's kind.
static ct_value *param_group(const ct_optimizer *opt) {
  ct_value *g = ct_value_dict();
  bool ok = g != NULL;
  if (ok && opt->kind == CT_OPTIM_SGD) {
    const ct_sgd_options *o = &opt->options.sgd;
    ok = add(g, "lr", ct_value_float(o->lr)) && add(g, "momentum", ct_value_float(o->momentum)) &&
         add(g, "dampening", ct_value_float(o->dampening)) &&
         add(g, "weight_decay", ct_value_float(o->weight_decay)) &&
         add(g, "nesterov", ct_value_bool(o->nesterov)) && add(g, "maximize", ct_value_bool(o->maximize)) &&
         add(g, "foreach", ct_value_none()) && add(g, "differentiable", ct_value_bool(false));
  } else if (ok && (opt->kind == CT_OPTIM_ADAM || opt->kind == CT_OPTIM_ADAMW)) {
    const ct_adam_options *o = &opt->options.adam;
    bool adam = opt->kind == CT_OPTIM_ADAM;
    ok = add(g, "lr", ct_value_float(o->lr)) && add(g, "betas", betas(o)) &&
         add(g, "eps", ct_value_float(o->eps)) && add(g, "weight_decay", ct_value_float(o->weight_decay)) &&
         add(g, "amsgrad", ct_value_bool(o->amsgrad));
    if (adam)
      ok = ok && add(g, "maximize", ct_value_bool(o->maximize)) && add(g, "foreach", ct_value_none()) &&
           add(g, "capturable", ct_value_bool(false)) && add(g, "differentiable", ct_value_bool(false)) &&
           add(g, "fused", ct_value_bool(false));
    else
      ok = ok && add(g, "foreach", ct_value_none()) && add(g, "maximize", ct_value_bool(o->maximize)) &&
           add(g, "capturable", ct_value_bool(false));
  } else if (ok) {
    ct__error(CT_ERR_ARG, "saving the state of %s is not supported", ct_optimizer_name(opt));
    ok = false;
  }
  ct_value *params = ok ? ct_value_list() : NULL;
  for (int i = 0; i < opt->n && ok; i++)
    ok = ct_value_append(params, ct_value_int(i)) == CT_OK;
  if (ok)
    ok = add(g, "params", params); // add takes params, also on failure
  else
    ct_value_free(params);
  if (!ok) {
    ct_value_free(g);
    return NULL;
  }
  return g;
}

// "state": {index: {key: tensor}} from the snapshot's entries (kept in PyTorch's order).
static ct_value *state_dict_of(const ct_optim_state *snap) {
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
    if (!per || !add(per, key, ct_value_tensor(t))) {
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
  ct_value *root = ct_value_dict(), *state = state_dict_of(snap), *groups = ct_value_list();
  ct_optim_state_free(snap);
  if (groups && ct_value_append(groups, param_group(opt)) != CT_OK) {
    ct_value_free(groups);
    groups = NULL;
  }
  bool ok = add(root, "state", state); // add takes the value, also on failure
  if (ok)
    ok = add(root, "param_groups", groups);
  else
    ct_value_free(groups);
  if (!ok) {
    ct_value_free(root);
    return NULL;
  }
  return root;
}

static ct_status bad_state(const char *why) {
  return ct__error(CT_ERR_ARG, "optimizer load_state_dict: %s", why);
}

// Each saved hyperparameter must equal the optimizer's, except lr (set after the state).
static ct_status check_group(ct_optimizer *opt, const ct_value *group) {
  ct_value *own = param_group(opt);
  if (!own) return ct_last_status();
  ct_status st = CT_OK;
  for (int64_t i = 0; st == CT_OK && i < ct_value_len(own); i++) {
    const char *key = ct_value_as_string(ct_value_key_at(own, i));
    const ct_value *mine = ct_value_at(own, i), *theirs = ct_value_get(group, key);
    if (!strcmp(key, "lr") || !strcmp(key, "params") || !strcmp(key, "foreach") || !theirs) continue;
    bool same;
    if (ct_value_get_kind(mine) == CT_VALUE_TUPLE)
      same = ct_value_len(theirs) == 2 &&
             ct_value_as_float(ct_value_at(theirs, 0)) == ct_value_as_float(ct_value_at(mine, 0)) &&
             ct_value_as_float(ct_value_at(theirs, 1)) == ct_value_as_float(ct_value_at(mine, 1));
    else if (ct_value_get_kind(mine) == CT_VALUE_BOOL)
      same = ct_value_get_kind(theirs) == CT_VALUE_BOOL && ct_value_as_bool(theirs) == ct_value_as_bool(mine);
    else
      same = ct_value_as_float(theirs) == ct_value_as_float(mine);
    if (!same)
      st = ct__error(CT_ERR_ARG,
                     "optimizer load_state_dict: the saved %s differs from this %s's; build the "
                     "optimizer with the saved options",
                     key, ct_optimizer_name(opt));
  }
  ct_value_free(own);
  const ct_value *lr = ct_value_get(group, "lr");
  if (st == CT_OK && lr && !(ct_value_as_float(lr) >= 0))
    st = ct__error(CT_ERR_ARG, "Invalid learning rate: %g", ct_value_as_float(lr));
  return st;
}

ct_status ct_optimizer_load_state_value(ct_optimizer *opt, const ct_value *v) {
  if (!v) return ct__null_value_status("ct_optimizer_load_state_value");
  if (!opt) return ct__error(CT_ERR_ARG, "ct_optimizer_load_state_value: optimizer is NULL");
  const ct_value *state = ct_value_get(v, "state"), *groups = ct_value_get(v, "param_groups");
  if (ct_value_get_kind(state) != CT_VALUE_DICT || ct_value_get_kind(groups) != CT_VALUE_LIST)
    return bad_state("expected a dict with 'state' (a dict) and 'param_groups' (a list)");
  if (ct_value_len(groups) != 1) return bad_state("ctorch optimizers have one parameter group");
  const ct_value *group = ct_value_at(groups, 0);
  if (ct_value_len(ct_value_get(group, "params")) != ct_optimizer_num_params(opt))
    return bad_state(
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  ct_optim_state *snap = ct_optim_state_new();
  if (!snap) return ct_last_status();
  ct_status st = CT_OK;
  for (int64_t i = 0; st == CT_OK && i < ct_value_len(state); i++) {
    const ct_value *k = ct_value_key_at(state, i), *per = ct_value_at(state, i);
    if (ct_value_get_kind(k) != CT_VALUE_INT || ct_value_get_kind(per) != CT_VALUE_DICT ||
        ct_value_as_int(k) > INT32_MAX) {
      st = bad_state("'state' must map parameter indices to dicts");
      break;
    }
    for (int64_t j = 0; st == CT_OK && j < ct_value_len(per); j++) {
      const char *key = ct_value_as_string(ct_value_key_at(per, j));
      const ct_value *val = ct_value_at(per, j);
      if (!key)
        st = bad_state("a state key is not a string");
      else if (ct_value_get_kind(val) == CT_VALUE_NONE)
        continue; // SGD without momentum: momentum_buffer None
      else if (!ct_value_as_tensor(val))
        st = bad_state("a state value is not a tensor");
      else
        st = ct_optim_state_add(snap, (int)ct_value_as_int(k), key, ct_value_as_tensor(val));
    }
  }
  if (st == CT_OK) st = check_group(opt, group);
  if (st == CT_OK) st = ct_optimizer_load_state_dict(opt, snap);
  const ct_value *lr = ct_value_get(group, "lr");
  if (st == CT_OK && lr) st = ct_optimizer_set_lr(opt, ct_value_as_float(lr)); // checked above: cannot fail
  ct_optim_state_free(snap);
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

// Optimizer state snapshots (PyTorch's optimizer.state_dict() / load_state_dict()):
// "state", a list of (parameter index, key, tensor copy), and "param_groups", each group's
// options in PyTorch's key order with its parameter indices.
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "optim/optim_internal.h"

#define KEY_CAP 32

typedef struct state_entry {
  int param;
  char key[KEY_CAP];
  ct_tensor *value; // owned, outside any scope
} state_entry;

typedef struct state_group {
  int n_options;
  ct_group_option *options; // keys owned (malloc'd copies)
  int n_params;
  int *params;
} state_group;

struct ct_optim_state {
  bool has_kind; // made by ct_optimizer_state_dict: `kind` names its optimizer
  ct_optim_kind kind;
  int count, capacity;
  state_entry *entries;
  int n_groups;
  state_group *groups;
};

ct_optim_state *ct_optim_state_new(void) {
  ct_optim_state *s = calloc(1, sizeof *s);
  if (!s) return ct__error_null(CT_ERR_MEMORY, "out of memory creating an optimizer state");
  return s;
}

static void free_group(state_group *g) {
  for (int i = 0; i < g->n_options; i++) free((char *)g->options[i].key);
  free(g->options);
  free(g->params);
}

void ct_optim_state_free(ct_optim_state *s) {
  if (!s) return;
  for (int i = 0; i < s->count; i++) ct_release(s->entries[i].value);
  for (int g = 0; g < s->n_groups; g++) free_group(&s->groups[g]);
  free(s->groups);
  free(s->entries);
  free(s);
}

static char *copy_key(const char *key) {
  char *k = malloc(strlen(key) + 1);
  return k ? strcpy(k, key) : NULL;
}

ct_status ct_optim_state_add_group(ct_optim_state *s, const ct_group_option *options, int n_options,
                                   const int *params, int n_params) {
  if (!s) return ct__error(CT_ERR_ARG, "optim_state_add_group: state is NULL");
  if (n_options < 0 || n_params < 0 || (n_options && !options) || (n_params && !params))
    return ct__error(CT_ERR_ARG, "optim_state_add_group: bad option or parameter list");
  for (int i = 0; i < n_options; i++)
    if (!options[i].key) return ct__error(CT_ERR_ARG, "optim_state_add_group: option %d has no key", i);
  for (int i = 0; i < n_params; i++)
    if (params[i] < 0) return ct__error(CT_ERR_INDEX, "optim_state_add_group: negative parameter index %d", params[i]);
  state_group g = {.n_params = n_params}; // n_options counts the keys copied so far
  g.options = calloc((size_t)n_options + 1, sizeof *g.options);
  g.params = malloc(((size_t)n_params + 1) * sizeof *g.params);
  state_group *grown = realloc(s->groups, (size_t)(s->n_groups + 1) * sizeof *grown);
  if (grown) s->groups = grown;
  bool ok = g.options && g.params && grown;
  for (int i = 0; ok && i < n_options; i++) {
    g.options[i] = options[i];
    g.options[i].key = copy_key(options[i].key);
    ok = g.options[i].key != NULL;
    g.n_options += ok;
  }
  if (!ok) {
    free_group(&g);
    return ct__error(CT_ERR_MEMORY, "out of memory adding a parameter group to an optimizer state");
  }
  if (n_params) memcpy(g.params, params, (size_t)n_params * sizeof *params);
  s->groups[s->n_groups++] = g;
  return CT_OK;
}

int ct_optim_state_num_groups(const ct_optim_state *s) { return s ? s->n_groups : 0; }

int ct_optim_state_group_num_options(const ct_optim_state *s, int g) {
  return s && g >= 0 && g < s->n_groups ? s->groups[g].n_options : -1;
}

static ct_status check_group_index(const ct_optim_state *s, int g) {
  if (!s) return ct__error(CT_ERR_ARG, "optimizer state is NULL");
  if (g < 0 || g >= s->n_groups)
    return ct__error(CT_ERR_INDEX, "parameter group %d out of range (the state has %d)", g, s->n_groups);
  return CT_OK;
}

ct_status ct_optim_state_group_option(const ct_optim_state *s, int g, int i, ct_group_option *out) {
  if (check_group_index(s, g) != CT_OK) return ct_last_status();
  if (i < 0 || i >= s->groups[g].n_options || !out)
    return ct__error(CT_ERR_INDEX, "parameter group option %d out of range (the group has %d)", i,
                     s->groups[g].n_options);
  *out = s->groups[g].options[i];
  return CT_OK;
}

ct_status ct_optim_state_group_params(const ct_optim_state *s, int g, const int **params, int *n) {
  if (check_group_index(s, g) != CT_OK) return ct_last_status();
  if (params) *params = s->groups[g].params;
  if (n) *n = s->groups[g].n_params;
  return CT_OK;
}

// A contiguous copy of t in dtype on the device of `place`, owned by the caller (no scope
// holds it).
static ct_tensor *owned_copy(const ct_tensor *t, ct_dtype dtype, const ct_tensor *place) {
  ct_scope *sc = ct_scope_open();
  if (!sc) return NULL;
  ct_tensor *c = ct__alloc_like(place, dtype, t->ndim, t->shape);
  ct_tensor *kept = c && ct__copy_into(c, t) == CT_OK ? ct_retain(c) : NULL;
  ct_scope_close(sc);
  return kept;
}

static state_entry *find(const ct_optim_state *s, int param, const char *key) {
  for (int i = 0; i < s->count; i++)
    if (s->entries[i].param == param && !strcmp(s->entries[i].key, key)) return &s->entries[i];
  return NULL;
}

ct_status ct_optim_state_add(ct_optim_state *s, int param, const char *key, const ct_tensor *value) {
  if (!value) return ct__null_tensor_status("optim_state_add"); // keeps a pending first cause
  if (!s) return ct__error(CT_ERR_ARG, "optim_state_add: state is NULL");
  if (!key) return ct__error(CT_ERR_ARG, "optim_state_add: key is NULL");
  if (param < 0) return ct__error(CT_ERR_INDEX, "optim_state_add: negative parameter index %d", param);
  if (strlen(key) >= KEY_CAP) return ct__error(CT_ERR_ARG, "optim_state_add: unknown key '%s'", key);
  ct_tensor *copy = owned_copy(value, value->dtype, value);
  if (!copy) return ct_last_status();
  state_entry *e = find(s, param, key);
  if (e) {
    ct_release(e->value);
    e->value = copy;
    return CT_OK;
  }
  if (s->count == s->capacity) {
    int cap = s->capacity ? 2 * s->capacity : 8;
    state_entry *grown = realloc(s->entries, (size_t)cap * sizeof *grown);
    if (!grown) {
      ct_release(copy);
      return ct__error(CT_ERR_MEMORY, "out of memory adding optimizer state");
    }
    s->entries = grown;
    s->capacity = cap;
  }
  e = &s->entries[s->count++];
  e->param = param;
  strcpy(e->key, key);
  e->value = copy;
  return CT_OK;
}

int ct_optim_state_len(const ct_optim_state *s) { return s ? s->count : 0; }

ct_status ct_optim_state_entry(const ct_optim_state *s, int i, int *param, const char **key, ct_tensor **value) {
  if (!s || i < 0 || i >= s->count)
    return ct__error(CT_ERR_INDEX, "optimizer state entry %d out of range (%d entries)", i, s ? s->count : 0);
  if (param) *param = s->entries[i].param;
  if (key) *key = s->entries[i].key;
  if (value) *value = s->entries[i].value;
  return CT_OK;
}

ct_tensor *ct_optim_state_get(const ct_optim_state *s, int param, const char *key) {
  if (!s || !key) return NULL;
  state_entry *e = find(s, param, key);
  return e ? e->value : NULL;
}

// param_groups[g] as PyTorch packs it: the options in its key order, the extra keys, and
// "params" as indices (a repeated parameter by the index of its first occurrence).
static ct_status pack_group(const ct_optimizer *opt, const ct_param_group *group, ct_optim_state *s) {
  ct_group_option options[CT_MAX_OPTION_FIELDS + CT_MAX_GROUP_EXTRAS];
  int n = 0;
  for (const ct_option_field *f = opt->algo->fields; f->key; f++) options[n++] = ct__optim_field_get(f, &group->options);
  for (int e = 0; e < group->n_extra; e++) options[n++] = group->extra[e].value;
  int *indices = malloc(((size_t)group->count + 1) * sizeof *indices);
  if (!indices) return ct__error(CT_ERR_MEMORY, "out of memory packing a parameter group");
  for (int i = 0; i < group->count; i++) indices[i] = opt->state_of[group->first + i];
  ct_status status = ct_optim_state_add_group(s, options, n, indices, group->count);
  free(indices);
  return status;
}

// state[i] of one parameter: "step" (and NAdam's "mu_product") first, then the buffers.
static ct_status pack_state(const ct_optimizer *opt, int i, ct_optim_state *s) {
  const ct_param_state *st = &opt->state[i];
  ct_status status = CT_OK;
  if (opt->algo->step != CT_STEP_NONE) {
    ct_tensor *step = opt->algo->step == CT_STEP_INT ? ct_scalar((double)st->int_step, CT_INT64)
                                                      : ct_scalar(st->step, CT_FLOAT32);
    status = step ? ct_optim_state_add(s, i, "step", step) : ct_last_status();
  }
  if (status == CT_OK && opt->algo->has_mu_product) {
    ct_tensor *mu = ct_scalar(st->mu_product, st->mu_product_dtype);
    status = mu ? ct_optim_state_add(s, i, "mu_product", mu) : ct_last_status();
  }
  for (int b = 0; b < CT_OPTIM_MAX_BUFFERS && status == CT_OK; b++)
    if (st->buf[b]) status = ct_optim_state_add(s, i, opt->algo->buffer_keys[b], st->buf[b]);
  return status;
}

ct_optim_state *ct_optimizer_state_dict(const ct_optimizer *opt) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "optimizer is NULL");
  ct_optim_state *s = ct_optim_state_new();
  if (!s) return NULL;
  s->has_kind = true;
  s->kind = opt->kind;
  ct_scope *sc = ct_scope_open();
  ct_status status = sc ? CT_OK : ct_last_status();
  for (int i = 0; i < opt->n && status == CT_OK; i++)
    if (opt->state_of[i] == i && opt->state[i].initialized) status = pack_state(opt, i, s);
  for (int g = 0; g < opt->n_groups && status == CT_OK; g++) status = pack_group(opt, &opt->groups[g], s);
  ct_scope_close(sc);
  if (status != CT_OK) {
    ct_optim_state_free(s);
    return NULL;
  }
  return s;
}

static int buffer_index(const ct_optimizer *opt, const char *key) {
  for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++)
    if (opt->algo->buffer_keys[b] && !strcmp(opt->algo->buffer_keys[b], key)) return b;
  return -1;
}

static bool is_scalar_key(const ct_optimizer *opt, const char *key) {
  return (!strcmp(key, "step") && opt->algo->step != CT_STEP_NONE) ||
         (!strcmp(key, "mu_product") && opt->algo->has_mu_product);
}

// Checks entry e, whose state goes to parameter `param` of opt.
static ct_status check_entry(const ct_optimizer *opt, const state_entry *e, int param) {
  if (param < 0 || param >= opt->n)
    return ct__error(CT_ERR_INDEX, "loaded state dict has state for parameter %d, but the optimizer has %d",
                     e->param, opt->n);
  if (opt->state_of[param] != param)
    return ct__error(CT_ERR_ARG, "loaded state dict has state for parameter %d, a repeat of parameter %d",
                     e->param, opt->state_of[param]);
  const ct_tensor *p = opt->params[param], *v = e->value;
  if (is_scalar_key(opt, e->key)) {
    if (ct_numel(v) != 1)
      return ct__error(CT_ERR_ARG, "loaded state '%s' of parameter %d is not a scalar", e->key, e->param);
    return CT_OK;
  }
  if (buffer_index(opt, e->key) < 0)
    return ct__error(CT_ERR_ARG, "loaded state dict has key '%s', which %s does not use", e->key, opt->algo->name);
  if (v->ndim != p->ndim || memcmp(v->shape, p->shape, (size_t)p->ndim * sizeof(int64_t))) {
    char a[256], b[256];
    ct__shape_to_str(v->ndim, v->shape, a, sizeof a);
    ct__shape_to_str(p->ndim, p->shape, b, sizeof b);
    return ct__error(CT_ERR_ARG, "loaded state '%s' of parameter %d has shape %s, the parameter has %s", e->key,
                     e->param, a, b);
  }
  return CT_OK;
}

// Builds the new per-parameter state in `fresh` (all or nothing); map[k] is the
// parameter of saved index k (-1: none).
static ct_status build_state(const ct_optimizer *opt, const ct_optim_state *s, const int *map,
                             ct_param_state *fresh) {
  for (int i = 0; i < s->count; i++) {
    const state_entry *e = &s->entries[i];
    ct_param_state *st = &fresh[map[i]];
    st->initialized = true;
    if (is_scalar_key(opt, e->key)) {
      double v;
      if (ct_item(e->value, &v) != CT_OK) return ct_last_status();
      if (!strcmp(e->key, "mu_product")) { // cast like every non-step tensor (PyTorch's load_state_dict)
        st->mu_product_dtype = opt->params[map[i]]->dtype;
        st->mu_product = st->mu_product_dtype == CT_FLOAT32 ? (float)v : v;
      }
      else if (opt->algo->step == CT_STEP_INT) st->int_step = (int64_t)v;
      else st->step = (float)v;
      continue;
    }
    int b = buffer_index(opt, e->key);
    // PyTorch's load_state_dict casts state to its parameter's dtype and device.
    ct_tensor *copy = owned_copy(e->value, opt->params[map[i]]->dtype, opt->params[map[i]]);
    if (!copy) return ct_last_status();
    ct_release(st->buf[b]);
    st->buf[b] = copy;
  }
  return CT_OK;
}

// Optimizers whose state has the same keys (a snapshot of one loads into the other).
static bool same_state_layout(ct_optim_kind a, ct_optim_kind b) {
  bool adam_a = a == CT_OPTIM_ADAM || a == CT_OPTIM_ADAMW, adam_b = b == CT_OPTIM_ADAM || b == CT_OPTIM_ADAMW;
  return a == b || (adam_a && adam_b);
}

// The saved groups' options applied to copies of opt's groups (PyTorch replaces each group
// dict by the saved one): known keys set the options, unknown ones become extra keys.
static ct_status load_groups(const ct_optimizer *opt, const ct_optim_state *s, ct_param_group *groups) {
  if (s->n_groups != opt->n_groups)
    return ct__error(CT_ERR_ARG, "loaded state dict has a different number of parameter groups");
  for (int g = 0; g < s->n_groups; g++)
    if (s->groups[g].n_params != opt->groups[g].count)
      return ct__error(CT_ERR_ARG, "loaded state dict contains a parameter group that doesn't match the size of "
                                   "optimizer's group");
  for (int g = 0; g < s->n_groups; g++) {
    groups[g].n_extra = 0;
    for (int i = 0; i < s->groups[g].n_options; i++) {
      const ct_group_option *o = &s->groups[g].options[i];
      const ct_option_field *f = ct__optim_field(opt->algo, o->key);
      ct_status st = CT_OK;
      if (!f) st = ct__optim_group_set_extra(&groups[g], o->key, *o);
      else if (f->offset >= 0) st = ct__optim_field_set(opt->algo, f, &groups[g].options, o);
      if (st != CT_OK) return st;
    }
  }
  return CT_OK;
}

// map[i]: the parameter that entry i's state belongs to. Saved indices pair with opt's
// parameters by position in the groups' "params" lists (PyTorch's id_map; a repeat pairs
// with its first occurrence, which holds the state); without saved
// groups an index is the parameter's own.
static void map_entries(const ct_optim_state *s, int *map) {
  for (int i = 0; i < s->count; i++) {
    map[i] = s->n_groups ? -1 : s->entries[i].param;
    int position = 0;
    for (int g = 0; g < s->n_groups; g++)
      for (int k = 0; k < s->groups[g].n_params; k++, position++)
        if (map[i] < 0 && s->groups[g].params[k] == s->entries[i].param) map[i] = position;
  }
}

ct_status ct_optimizer_load_state_dict(ct_optimizer *opt, const ct_optim_state *s) {
  if (!opt || !s) return ct__error(CT_ERR_ARG, "load_state_dict: NULL argument");
  if (s->has_kind && !same_state_layout(s->kind, opt->kind))
    return ct__error(CT_ERR_ARG, "loaded state dict belongs to %s, not %s", ct__optim_algorithm(s->kind)->name,
                     opt->algo->name);
  ct_param_group *groups = malloc((size_t)opt->n_groups * sizeof *groups);
  int *map = malloc(((size_t)s->count + 1) * sizeof *map);
  ct_param_state *fresh = calloc((size_t)opt->n, sizeof *fresh);
  if (!groups || !map || !fresh) {
    free(groups);
    free(map);
    free(fresh);
    return ct__error(CT_ERR_MEMORY, "out of memory loading optimizer state");
  }
  memcpy(groups, opt->groups, (size_t)opt->n_groups * sizeof *groups);
  map_entries(s, map);
  ct_status status = s->n_groups ? load_groups(opt, s, groups) : CT_OK;
  for (int i = 0; i < s->count && status == CT_OK; i++) status = check_entry(opt, &s->entries[i], map[i]);
  if (status == CT_OK) status = build_state(opt, s, map, fresh);
  for (int i = 0; i < opt->n; i++) {
    ct_param_state *drop = status == CT_OK ? &opt->state[i] : &fresh[i];
    for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++) ct_release(drop->buf[b]);
  }
  if (status == CT_OK) {
    memcpy(opt->state, fresh, (size_t)opt->n * sizeof *fresh);
    memcpy(opt->groups, groups, (size_t)opt->n_groups * sizeof *groups);
    for (int g = 0; g < opt->n_groups; g++) // the extras' values point at their own keys
      for (int e = 0; e < opt->groups[g].n_extra; e++) opt->groups[g].extra[e].value.key = opt->groups[g].extra[e].key;
  }
  free(groups);
  free(map);
  free(fresh);
  return status;
}

// Optimizer state snapshots (PyTorch's optimizer.state_dict() / load_state_dict()):
// a list of (parameter index, key, tensor copy) plus the hyperparameters.
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

struct ct_optim_state {
  bool has_options;
  ct_optim_kind kind;
  ct_optim_options options;
  int count, capacity;
  state_entry *entries;
};

ct_optim_state *ct_optim_state_new(void) {
  ct_optim_state *s = calloc(1, sizeof *s);
  if (!s) return ct__error_null(CT_ERR_MEMORY, "out of memory creating an optimizer state");
  return s;
}

void ct_optim_state_free(ct_optim_state *s) {
  if (!s) return;
  for (int i = 0; i < s->count; i++) ct_release(s->entries[i].value);
  free(s->entries);
  free(s);
}

// A contiguous copy of t in dtype, owned by the caller (no scope holds it).
static ct_tensor *owned_copy(const ct_tensor *t, ct_dtype dtype) {
  ct_scope *sc = ct_scope_open();
  if (!sc) return NULL;
  ct_tensor *c = ct_retain(ct__copy_as(t, dtype));
  ct_scope_close(sc);
  return c;
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
  ct_tensor *copy = owned_copy(value, value->dtype);
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

ct_optim_state *ct_optimizer_state_dict(const ct_optimizer *opt) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "optimizer is NULL");
  ct_optim_state *s = ct_optim_state_new();
  if (!s) return NULL;
  s->has_options = true;
  s->kind = opt->kind;
  s->options = opt->options;
  ct_scope *sc = ct_scope_open();
  ct_status status = sc ? CT_OK : ct_last_status();
  for (int i = 0; i < opt->n && status == CT_OK; i++) {
    const ct_param_state *st = &opt->state[i];
    if (opt->state_of[i] != i || !st->initialized) continue;
    if (opt->algo->has_step) {
      ct_tensor *step = ct_scalar(st->step, CT_FLOAT32);
      status = step ? ct_optim_state_add(s, i, "step", step) : ct_last_status();
    }
    for (int b = 0; b < CT_OPTIM_MAX_BUFFERS && status == CT_OK; b++)
      if (st->buf[b]) status = ct_optim_state_add(s, i, opt->algo->buffer_keys[b], st->buf[b]);
  }
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

static ct_status check_entry(const ct_optimizer *opt, const state_entry *e) {
  if (e->param >= opt->n)
    return ct__error(CT_ERR_INDEX, "loaded state dict has state for parameter %d, but the optimizer has %d",
                     e->param, opt->n);
  if (opt->state_of[e->param] != e->param)
    return ct__error(CT_ERR_ARG, "loaded state dict has state for parameter %d, a repeat of parameter %d",
                     e->param, opt->state_of[e->param]);
  const ct_tensor *p = opt->params[e->param], *v = e->value;
  if (!strcmp(e->key, "step") && opt->algo->has_step) {
    if (ct_numel(v) != 1) return ct__error(CT_ERR_ARG, "loaded state 'step' of parameter %d is not a scalar", e->param);
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

// Builds the new per-parameter state in `fresh` (all or nothing).
static ct_status build_state(const ct_optimizer *opt, const ct_optim_state *s, ct_param_state *fresh) {
  for (int i = 0; i < s->count; i++) {
    const state_entry *e = &s->entries[i];
    ct_param_state *st = &fresh[e->param];
    st->initialized = true;
    if (!strcmp(e->key, "step")) {
      double v;
      if (ct_item(e->value, &v) != CT_OK) return ct_last_status();
      st->step = (float)v;
      continue;
    }
    int b = buffer_index(opt, e->key);
    ct_tensor *copy = owned_copy(e->value, opt->params[e->param]->dtype);
    if (!copy) return ct_last_status();
    ct_release(st->buf[b]);
    st->buf[b] = copy;
  }
  return CT_OK;
}

ct_status ct_optimizer_load_state_dict(ct_optimizer *opt, const ct_optim_state *s) {
  if (!opt || !s) return ct__error(CT_ERR_ARG, "load_state_dict: NULL argument");
  bool sgd_mismatch = s->has_options && ((s->kind == CT_OPTIM_SGD) != (opt->kind == CT_OPTIM_SGD));
  if (sgd_mismatch)
    return ct__error(CT_ERR_ARG, "loaded state dict belongs to %s, not %s",
                     s->kind == CT_OPTIM_SGD ? "SGD" : "Adam", opt->algo->name);
  for (int i = 0; i < s->count; i++) {
    ct_status st = check_entry(opt, &s->entries[i]);
    if (st != CT_OK) return st;
  }
  ct_param_state *fresh = calloc((size_t)opt->n, sizeof *fresh);
  if (!fresh) return ct__error(CT_ERR_MEMORY, "out of memory loading optimizer state");
  ct_status status = build_state(opt, s, fresh);
  for (int i = 0; i < opt->n; i++) {
    ct_param_state *drop = status == CT_OK ? &opt->state[i] : &fresh[i];
    for (int b = 0; b < CT_OPTIM_MAX_BUFFERS; b++) ct_release(drop->buf[b]);
  }
  if (status == CT_OK) {
    memcpy(opt->state, fresh, (size_t)opt->n * sizeof *fresh);
    if (s->has_options) opt->options = s->options;
  }
  free(fresh);
  return status;
}

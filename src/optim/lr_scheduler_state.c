// Scheduler state dicts: the attributes a scheduler changes as it steps, by PyTorch's
// names, as lists of numbers; SequentialLR's children's under "_schedulers.<i>.".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "optim/lr_scheduler_internal.h"

#define LR_KEY_CAP 48

typedef struct lr_entry {
  char key[LR_KEY_CAP];
  int n;
  double *values;
} lr_entry;

struct ct_lr_state {
  int count, capacity;
  lr_entry *entries;
};

void ct_lr_state_free(ct_lr_state *st) {
  if (!st) return;
  for (int i = 0; i < st->count; i++) free(st->entries[i].values);
  free(st->entries);
  free(st);
}

int ct_lr_state_len(const ct_lr_state *st) { return st ? st->count : 0; }

ct_status ct_lr_state_entry(const ct_lr_state *st, int i, const char **key, const double **values, int *n) {
  if (!st || i < 0 || i >= st->count)
    return ct__error(CT_ERR_INDEX, "scheduler state entry %d out of range (%d entries)", i, st ? st->count : 0);
  if (key) *key = st->entries[i].key;
  if (values) *values = st->entries[i].values;
  if (n) *n = st->entries[i].n;
  return CT_OK;
}

// One attribute: a double array, or an int64 one (stored as doubles).
typedef struct lr_field {
  const char *key;
  double *d;
  int64_t *i;
  int n;
} lr_field;

#define D(key, ptr) (lr_field){key, ptr, NULL, 1}
#define I(key, ptr) (lr_field){key, NULL, ptr, 1}

// s's attributes as PyTorch's scheduler.__dict__ names them (the numeric ones: mode
// strings and callables have no place here), for both directions of the state dict.
static int fields_of(ct_lr_scheduler *s, lr_field *f) {
  int k = 0;
  const bool lr_scheduler = s->kind != CT_LR_PLATEAU && s->kind != CT_LR_SEQUENTIAL; // an _LRScheduler
  if (lr_scheduler) f[k++] = (lr_field){"base_lrs", s->base_lrs, NULL, s->n_groups};
  f[k++] = I("last_epoch", &s->last_epoch);
  if (lr_scheduler) f[k++] = I("_step_count", &s->step_count);
  f[k++] = (lr_field){"_last_lr", s->last_lr, NULL, s->n_groups};
  switch (s->kind) {
  case CT_LR_STEP: f[k++] = I("step_size", &s->step_size), f[k++] = D("gamma", &s->gamma); break;
  case CT_LR_MULTISTEP:
    f[k++] = (lr_field){"milestones", NULL, s->milestones, s->n_milestones}; // Counter's elements, sorted
    f[k++] = D("gamma", &s->gamma);
    break;
  case CT_LR_EXPONENTIAL: f[k++] = D("gamma", &s->gamma); break;
  case CT_LR_COSINE: f[k++] = I("T_max", &s->T_max), f[k++] = D("eta_min", &s->eta_min); break;
  case CT_LR_WARM_RESTARTS:
    f[k++] = I("T_0", &s->T_0), f[k++] = D("T_i", &s->T_i), f[k++] = I("T_mult", &s->T_mult);
    f[k++] = D("eta_min", &s->eta_min), f[k++] = D("T_cur", &s->T_cur);
    break;
  case CT_LR_LINEAR:
    f[k++] = D("start_factor", &s->start_factor), f[k++] = D("end_factor", &s->end_factor);
    f[k++] = I("total_iters", &s->total_iters);
    break;
  case CT_LR_ONE_CYCLE: f[k++] = I("total_steps", &s->total_steps); break;
  case CT_LR_PLATEAU:
    f[k++] = D("factor", &s->plateau.factor), f[k++] = (lr_field){"min_lrs", s->min_lrs, NULL, s->n_groups};
    f[k++] = I("patience", &s->plateau.patience), f[k++] = I("cooldown", &s->plateau.cooldown);
    f[k++] = I("cooldown_counter", &s->cooldown_counter), f[k++] = D("threshold", &s->plateau.threshold);
    f[k++] = D("best", &s->best), f[k++] = I("num_bad_epochs", &s->num_bad_epochs);
    f[k++] = D("eps", &s->plateau.eps);
    break;
  case CT_LR_SEQUENTIAL: f[k++] = (lr_field){"_milestones", NULL, s->milestones, s->n_milestones}; break;
  default: break;
  }
  return k;
}

static ct_status add_entry(ct_lr_state *st, const char *prefix, const lr_field *f) {
  if (st->count == st->capacity) {
    int cap = st->capacity ? 2 * st->capacity : 16;
    lr_entry *grown = realloc(st->entries, (size_t)cap * sizeof *grown);
    if (!grown) return ct__error(CT_ERR_MEMORY, "out of memory building a scheduler state");
    st->entries = grown;
    st->capacity = cap;
  }
  lr_entry *e = &st->entries[st->count];
  e->values = malloc(((size_t)f->n + 1) * sizeof *e->values);
  if (!e->values) return ct__error(CT_ERR_MEMORY, "out of memory building a scheduler state");
  snprintf(e->key, sizeof e->key, "%s%s", prefix, f->key);
  e->n = f->n;
  for (int j = 0; j < f->n; j++) e->values[j] = f->d ? f->d[j] : (double)f->i[j];
  st->count++;
  return CT_OK;
}

static ct_status pack(const ct_lr_scheduler *s, const char *prefix, ct_lr_state *st) {
  lr_field f[16];
  int n = fields_of((ct_lr_scheduler *)s, f);
  for (int k = 0; k < n; k++)
    if (add_entry(st, prefix, &f[k]) != CT_OK) return ct_last_status();
  for (int c = 0; c < s->n_children; c++) {
    char child[LR_KEY_CAP];
    snprintf(child, sizeof child, "%s_schedulers.%d.", prefix, c);
    if (pack(s->children[c], child, st) != CT_OK) return ct_last_status();
  }
  return CT_OK;
}

ct_lr_state *ct_lr_scheduler_state_dict(const ct_lr_scheduler *s) {
  if (!s) return ct__error_null(CT_ERR_ARG, "lr_scheduler is NULL");
  ct_lr_state *st = calloc(1, sizeof *st);
  if (!st) return ct__error_null(CT_ERR_MEMORY, "out of memory building a scheduler state");
  if (pack(s, "", st) != CT_OK) return ct_lr_state_free(st), NULL;
  return st;
}

ct_lr_state *ct_lr_state_new(void) {
  ct_lr_state *st = calloc(1, sizeof *st);
  return st ? st : ct__error_null(CT_ERR_MEMORY, "out of memory building a scheduler state");
}

ct_status ct_lr_state_add(ct_lr_state *st, const char *key, const double *values, int n) {
  if (!st || !key || n < 0 || (n && !values)) return ct__error(CT_ERR_ARG, "lr_state_add: bad argument");
  if (strlen(key) >= LR_KEY_CAP)
    return ct__error(CT_ERR_ARG, "scheduler state key '%s' is longer than %d bytes", key, LR_KEY_CAP - 1);
  return add_entry(st, "", &(lr_field){key, (double *)values, NULL, n});
}

// The field of s (or a child, by prefix) named key, or NULL.
static bool find_field(ct_lr_scheduler *s, const char *key, lr_field *out) {
  lr_field f[16];
  int n = fields_of(s, f);
  for (int k = 0; k < n; k++)
    if (!strcmp(f[k].key, key)) return *out = f[k], true;
  for (int c = 0; c < s->n_children; c++) {
    char prefix[LR_KEY_CAP];
    int len = snprintf(prefix, sizeof prefix, "_schedulers.%d.", c);
    if (!strncmp(key, prefix, (size_t)len)) return find_field(s->children[c], key + len, out);
  }
  return false;
}

ct_status ct_lr_scheduler_load_state_dict(ct_lr_scheduler *s, const ct_lr_state *st) {
  if (!s || !st) return ct__error(CT_ERR_ARG, "load_state_dict: NULL argument");
  lr_field f;
  for (int i = 0; i < st->count; i++) { // check everything before changing anything
    if (!find_field(s, st->entries[i].key, &f))
      return ct__error(CT_ERR_ARG, "scheduler state has key '%s', which this scheduler does not have",
                       st->entries[i].key);
    if (f.n != st->entries[i].n)
      return ct__error(CT_ERR_ARG, "scheduler state '%s' has %d values, expected %d", st->entries[i].key,
                       st->entries[i].n, f.n);
  }
  for (int i = 0; i < st->count; i++) {
    find_field(s, st->entries[i].key, &f);
    for (int j = 0; j < f.n; j++) {
      if (f.d) f.d[j] = st->entries[i].values[j];
      else f.i[j] = (int64_t)st->entries[i].values[j];
    }
  }
  return CT_OK;
}

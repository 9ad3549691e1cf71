// Learning-rate schedulers: construction (PyTorch's checks and messages, "initial_lr" set in
// each group), step / step(epoch) / step(metrics), get_last_lr, and state dicts.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "optim/lr_scheduler_internal.h"

double ct__lr_group(const ct_lr_scheduler *s, int g) { return s->opt->groups[g].options.sgd.lr; }
void ct__lr_set_group(ct_lr_scheduler *s, int g, double lr) { s->opt->groups[g].options.sgd.lr = lr; }

void ct_lr_scheduler_free(ct_lr_scheduler *s) {
  if (!s) return;
  for (int i = 0; i < s->n_children; i++) ct_lr_scheduler_free(s->children[i]);
  free(s->children);
  free(s->fns);
  free(s->ctxs);
  for (int v = 0; v < CYCLE_VALUES; v++) free(s->cycle[v]);
  free(s->min_lrs);
  free(s->milestones);
  free(s->base_lrs);
  free(s->last_lr);
  free(s);
}

bool ct__lr_alloc_array(ct_lr_scheduler *s, double **array, int n) {
  *array = calloc(n > 0 ? (size_t)n : 1, sizeof **array);
  if (*array) return true;
  ct_lr_scheduler_free(s);
  ct__error(CT_ERR_MEMORY, "out of memory creating a learning-rate scheduler");
  return false;
}

ct_lr_scheduler *ct__lr_alloc(ct_optimizer *opt, ct_lr_kind kind) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "lr_scheduler: optimizer is NULL");
  ct_lr_scheduler *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->opt = opt;
    s->n_groups = opt->n_groups;
    s->base_lrs = calloc((size_t)opt->n_groups, sizeof *s->base_lrs);
    s->last_lr = calloc((size_t)opt->n_groups, sizeof *s->last_lr);
    s->last_epoch = -1;
  }
  if (!s || !s->base_lrs || !s->last_lr) {
    ct_lr_scheduler_free(s);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a learning-rate scheduler");
  }
  return s;
}

static void record_last_lr(ct_lr_scheduler *s) {
  for (int g = 0; g < s->n_groups; g++) s->last_lr[g] = ct__lr_group(s, g);
}

// _LRScheduler.step(epoch): last_epoch advances (or is set), the kind's lrs go into the groups.
static ct_status step_at(ct_lr_scheduler *s, bool has_epoch, int64_t epoch) {
  s->step_count++;
  double lrs[s->n_groups > 0 ? s->n_groups : 1];
  ct_status status = CT_OK;
  if (!has_epoch) {
    s->last_epoch++;
    status = ct__lr_get_lr(s, lrs);
  } else {
    s->last_epoch = epoch;
    if (!ct__lr_closed_form(s, lrs)) status = ct__lr_get_lr(s, lrs);
  }
  if (status != CT_OK) return status;
  for (int g = 0; g < s->n_groups; g++) ct__lr_set_group(s, g, lrs[g]);
  record_last_lr(s);
  return CT_OK;
}

// CosineAnnealingWarmRestarts.step(epoch): its own bookkeeping of T_cur and T_i.
static ct_status warm_restarts_step(ct_lr_scheduler *s, bool has_epoch, double epoch) {
  if (!has_epoch && s->last_epoch < 0) {
    has_epoch = true;
    epoch = 0;
  }
  if (!has_epoch) {
    epoch = (double)(s->last_epoch + 1);
    s->T_cur = s->T_cur + 1;
    if (s->T_cur >= s->T_i) {
      s->T_cur = s->T_cur - s->T_i;
      s->T_i = s->T_i * (double)s->T_mult;
    }
  } else {
    if (epoch < 0) {
      char num[64];
      snprintf(num, sizeof num, "%.17g", epoch);
      return ct__error(CT_ERR_ARG, "Expected non-negative epoch, but got %s", num);
    }
    const double T_0 = (double)s->T_0, T_mult = (double)s->T_mult;
    if (epoch >= T_0) {
      if (s->T_mult == 1) {
        s->T_cur = fmod(epoch, T_0);
      } else {
        const int64_t n = (int64_t)(log(epoch / T_0 * (T_mult - 1) + 1) / log(T_mult));
        const double power = pow(T_mult, (double)n); // an exact integer
        s->T_cur = epoch - T_0 * (power - 1) / (T_mult - 1);
        s->T_i = T_0 * power;
      }
    } else {
      s->T_i = T_0;
      s->T_cur = epoch;
    }
  }
  s->last_epoch = (int64_t)floor(epoch); // its step() is its own: _step_count stays as _initial_step set it
  double lrs[s->n_groups > 0 ? s->n_groups : 1];
  ct__lr_get_lr(s, lrs);
  for (int g = 0; g < s->n_groups; g++) ct__lr_set_group(s, g, lrs[g]);
  record_last_lr(s);
  return CT_OK;
}

// _LRScheduler.__init__ with last_epoch -1: group.setdefault('initial_lr', lr), base_lrs,
// then the first step. Frees s on error.
static ct_lr_scheduler *start(ct_lr_scheduler *s) {
  for (int g = 0; g < s->n_groups; g++) {
    ct_group_option initial;
    if (ct_optimizer_get_group_option(s->opt, g, "initial_lr", &initial) != CT_OK) {
      ct_clear_error();
      initial = (ct_group_option){.key = "initial_lr", .value = ct__lr_group(s, g)};
      if (ct__optim_group_set_extra(&s->opt->groups[g], "initial_lr", initial) != CT_OK) {
        ct_lr_scheduler_free(s);
        return NULL;
      }
    }
    s->base_lrs[g] = initial.value;
  }
  ct_status status = s->kind == CT_LR_WARM_RESTARTS ? warm_restarts_step(s, false, 0) : step_at(s, false, 0);
  if (status != CT_OK) {
    ct_lr_scheduler_free(s);
    return NULL;
  }
  return s;
}

ct_lr_scheduler *ct_step_lr_new(ct_optimizer *opt, int64_t step_size, double gamma) {
  if (step_size <= 0) return ct__error_null(CT_ERR_ARG, "StepLR: step_size must be positive, got %lld", (long long)step_size);
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_STEP);
  if (!s) return NULL;
  s->step_size = step_size;
  s->gamma = gamma;
  return start(s);
}

static int compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

// A sorted copy of n milestones into s.
static bool copy_milestones(ct_lr_scheduler *s, const int64_t *milestones, int n) {
  s->milestones = malloc(((size_t)n + 1) * sizeof *s->milestones);
  if (!s->milestones) return ct__error(CT_ERR_MEMORY, "out of memory copying milestones"), false;
  if (n) memcpy(s->milestones, milestones, (size_t)n * sizeof *milestones);
  s->n_milestones = n;
  return true;
}

ct_lr_scheduler *ct_multistep_lr_new(ct_optimizer *opt, const int64_t *milestones, int n, double gamma) {
  if (n < 0 || (n > 0 && !milestones)) return ct__error_null(CT_ERR_ARG, "MultiStepLR: bad milestone list");
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_MULTISTEP);
  if (!s) return NULL;
  if (!copy_milestones(s, milestones, n)) return ct_lr_scheduler_free(s), NULL;
  qsort(s->milestones, (size_t)n, sizeof *s->milestones, compare_int64); // Counter's elements, sorted
  s->gamma = gamma;
  return start(s);
}

ct_lr_scheduler *ct_exponential_lr_new(ct_optimizer *opt, double gamma) {
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_EXPONENTIAL);
  if (!s) return NULL;
  s->gamma = gamma;
  return start(s);
}

ct_lr_scheduler *ct_cosine_annealing_lr_new(ct_optimizer *opt, int64_t T_max, double eta_min) {
  if (T_max <= 0) return ct__error_null(CT_ERR_ARG, "CosineAnnealingLR: T_max must be positive, got %lld", (long long)T_max);
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_COSINE);
  if (!s) return NULL;
  s->T_max = T_max;
  s->eta_min = eta_min;
  return start(s);
}

ct_lr_scheduler *ct_cosine_annealing_warm_restarts_new(ct_optimizer *opt, int64_t T_0, int64_t T_mult,
                                                       double eta_min) {
  if (T_0 <= 0) return ct__error_null(CT_ERR_ARG, "Expected positive integer T_0, but got %lld", (long long)T_0);
  if (T_mult < 1) return ct__error_null(CT_ERR_ARG, "Expected integer T_mult >= 1, but got %lld", (long long)T_mult);
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_WARM_RESTARTS);
  if (!s) return NULL;
  s->T_0 = T_0;
  s->T_i = (double)T_0;
  s->T_mult = T_mult;
  s->eta_min = eta_min;
  s->T_cur = -1; // last_epoch
  return start(s);
}

ct_lr_scheduler *ct_linear_lr_new(ct_optimizer *opt, double start_factor, double end_factor, int64_t total_iters) {
  if (start_factor > 1.0 || start_factor < 0)
    return ct__error_null(CT_ERR_ARG, "Starting multiplicative factor expected to be between 0 and 1.");
  if (end_factor > 1.0 || end_factor < 0)
    return ct__error_null(CT_ERR_ARG, "Ending multiplicative factor expected to be between 0 and 1.");
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_LINEAR);
  if (!s) return NULL;
  s->start_factor = start_factor;
  s->end_factor = end_factor;
  s->total_iters = total_iters;
  return start(s);
}

// LambdaLR / MultiplicativeLR with n functions (one per group; n 1 with `shared`: the
// same for every group).
static ct_lr_scheduler *lambda_new(ct_optimizer *opt, ct_lr_kind kind, const ct_lr_lambda *fns, void *const *ctxs,
                                   int n, bool shared) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "lr_scheduler: optimizer is NULL");
  if (!shared && n != opt->n_groups)
    return ct__error_null(CT_ERR_ARG, "Expected %d lr_lambdas, but got %d", opt->n_groups, n);
  for (int i = 0; i < n; i++)
    if (!fns || !fns[i]) return ct__error_null(CT_ERR_ARG, "lr_lambda is NULL");
  ct_lr_scheduler *s = ct__lr_alloc(opt, kind);
  if (!s) return NULL;
  s->fns = malloc(((size_t)s->n_groups + 1) * sizeof *s->fns);
  s->ctxs = malloc(((size_t)s->n_groups + 1) * sizeof *s->ctxs);
  if (!s->fns || !s->ctxs) {
    ct_lr_scheduler_free(s);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a learning-rate scheduler");
  }
  for (int g = 0; g < s->n_groups; g++) {
    s->fns[g] = fns[shared ? 0 : g];
    s->ctxs[g] = ctxs ? ctxs[shared ? 0 : g] : NULL;
  }
  return start(s);
}

ct_lr_scheduler *ct_lambda_lr_new(ct_optimizer *opt, ct_lr_lambda fn, void *ctx) {
  return lambda_new(opt, CT_LR_LAMBDA, &fn, &ctx, 1, true);
}

ct_lr_scheduler *ct_multiplicative_lr_new(ct_optimizer *opt, ct_lr_lambda fn, void *ctx) {
  return lambda_new(opt, CT_LR_MULTIPLICATIVE, &fn, &ctx, 1, true);
}

ct_lr_scheduler *ct_lambda_lr_new_per_group(ct_optimizer *opt, const ct_lr_lambda *fns, void *const *ctxs, int n) {
  return lambda_new(opt, CT_LR_LAMBDA, fns, ctxs, n, false);
}

ct_lr_scheduler *ct_multiplicative_lr_new_per_group(ct_optimizer *opt, const ct_lr_lambda *fns, void *const *ctxs,
                                                    int n) {
  return lambda_new(opt, CT_LR_MULTIPLICATIVE, fns, ctxs, n, false);
}

ct_status ct_lr_scheduler_step(ct_lr_scheduler *s) {
  if (!s) return ct__error(CT_ERR_ARG, "lr_scheduler is NULL");
  if (s->kind == CT_LR_PLATEAU)
    return ct__error(CT_ERR_ARG, "ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'");
  if (s->kind == CT_LR_SEQUENTIAL) {
    s->last_epoch++;
    int idx = 0;
    while (idx < s->n_milestones && s->milestones[idx] <= s->last_epoch) idx++; // bisect_right
    ct_lr_scheduler *child = s->children[idx];
    ct_status status = idx > 0 && s->milestones[idx - 1] == s->last_epoch ? ct_lr_scheduler_step_epoch(child, 0)
                                                                          : ct_lr_scheduler_step(child);
    memcpy(s->last_lr, child->last_lr, (size_t)s->n_groups * sizeof *s->last_lr);
    return status;
  }
  return s->kind == CT_LR_WARM_RESTARTS ? warm_restarts_step(s, false, 0) : step_at(s, false, 0);
}

ct_status ct_lr_scheduler_step_epoch(ct_lr_scheduler *s, double epoch) {
  if (!s) return ct__error(CT_ERR_ARG, "lr_scheduler is NULL");
  if (s->kind == CT_LR_WARM_RESTARTS) return warm_restarts_step(s, true, epoch);
  if (s->kind == CT_LR_PLATEAU || s->kind == CT_LR_SEQUENTIAL)
    return ct__error(CT_ERR_ARG, "step(epoch) is not supported by this scheduler");
  if (epoch != floor(epoch)) return ct__error(CT_ERR_ARG, "step(epoch): epoch must be an integer, got %g", epoch);
  return step_at(s, true, (int64_t)epoch);
}

int ct_lr_scheduler_get_last_lr(const ct_lr_scheduler *s, double *out, int cap) {
  if (!s) return ct__error(CT_ERR_ARG, "lr_scheduler is NULL"), -1;
  for (int g = 0; g < s->n_groups && g < cap && out; g++) out[g] = s->last_lr[g];
  return s->n_groups;
}

int64_t ct_lr_scheduler_last_epoch(const ct_lr_scheduler *s) { return s ? s->last_epoch : -1; }

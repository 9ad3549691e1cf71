// OneCycleLR, ReduceLROnPlateau and SequentialLR construction and ReduceLROnPlateau's
// step(metrics), plus every scheduler's state dict.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "optim/lr_scheduler_internal.h"

// The first step, as lr_scheduler.c's start() does it (group initial_lr already set here).
static ct_lr_scheduler *first_step(ct_lr_scheduler *s) {
  if (ct_lr_scheduler_step(s) != CT_OK) {
    ct_lr_scheduler_free(s);
    return NULL;
  }
  return s;
}

ct_one_cycle_options ct_one_cycle_defaults(double max_lr, int64_t total_steps) {
  return (ct_one_cycle_options){.max_lr = max_lr, .total_steps = total_steps, .pct_start = 0.3,
                                .cycle_momentum = true, .base_momentum = 0.85, .max_momentum = 0.95,
                                .div_factor = 25., .final_div_factor = 1e4};
}

static ct_status one_cycle_checks(const ct_one_cycle_options *o) {
  if (o->total_steps <= 0 && o->epochs == 0 && o->steps_per_epoch == 0)
    return ct__error(CT_ERR_ARG, "You must define either total_steps OR (epochs AND steps_per_epoch)");
  if (o->total_steps < 0)
    return ct__error(CT_ERR_ARG, "Expected positive integer total_steps, but got %lld", (long long)o->total_steps);
  if (o->total_steps == 0 && o->epochs <= 0)
    return ct__error(CT_ERR_ARG, "Expected positive integer epochs, but got %lld", (long long)o->epochs);
  if (o->total_steps == 0 && o->steps_per_epoch <= 0)
    return ct__error(CT_ERR_ARG, "Expected positive integer steps_per_epoch, but got %lld",
                     (long long)o->steps_per_epoch);
  if (o->pct_start < 0 || o->pct_start > 1) {
    char num[64];
    snprintf(num, sizeof num, "%.17g", o->pct_start);
    return ct__error(CT_ERR_ARG, "Expected float between 0 and 1 pct_start, but got %s", num);
  }
  return CT_OK;
}

// OneCycleLR's phases: where each ends and which group values it anneals between.
static void set_phases(ct_lr_scheduler *s, const ct_one_cycle_options *o) {
  s->total_steps = o->total_steps > 0 ? o->total_steps : o->epochs * o->steps_per_epoch;
  const double total = (double)s->total_steps;
  if (o->three_phase) {
    s->phases[0] = (ct_cycle_phase){o->pct_start * total - 1, CYCLE_INITIAL_LR, CYCLE_MAX_LR, CYCLE_MAX_MOMENTUM,
                                    CYCLE_BASE_MOMENTUM};
    s->phases[1] = (ct_cycle_phase){2 * o->pct_start * total - 2, CYCLE_MAX_LR, CYCLE_INITIAL_LR,
                                    CYCLE_BASE_MOMENTUM, CYCLE_MAX_MOMENTUM};
    s->phases[2] = (ct_cycle_phase){total - 1, CYCLE_INITIAL_LR, CYCLE_MIN_LR, CYCLE_MAX_MOMENTUM,
                                    CYCLE_MAX_MOMENTUM};
    s->n_phases = 3;
  } else {
    s->phases[0] = (ct_cycle_phase){o->pct_start * total - 1, CYCLE_INITIAL_LR, CYCLE_MAX_LR, CYCLE_MAX_MOMENTUM,
                                    CYCLE_BASE_MOMENTUM};
    s->phases[1] = (ct_cycle_phase){total - 1, CYCLE_MAX_LR, CYCLE_MIN_LR, CYCLE_BASE_MOMENTUM, CYCLE_MAX_MOMENTUM};
    s->n_phases = 2;
  }
}

ct_lr_scheduler *ct_one_cycle_lr_new(ct_optimizer *opt, ct_one_cycle_options o) {
  if (!opt) return ct__error_null(CT_ERR_ARG, "lr_scheduler: optimizer is NULL");
  if (one_cycle_checks(&o) != CT_OK) return NULL;
  const bool has_momentum = ct__optim_field(opt->algo, "momentum") != NULL;
  const bool has_betas = ct__optim_field(opt->algo, "betas") != NULL;
  if (o.cycle_momentum && !has_momentum && !has_betas)
    return ct__error_null(CT_ERR_ARG, "optimizer must support momentum with `cycle_momentum` option enabled");
  if (o.max_lrs && o.n_max_lrs != opt->n_groups)
    return ct__error_null(CT_ERR_ARG, "expected %d values for max_lr, got %d", opt->n_groups, o.n_max_lrs);
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_ONE_CYCLE);
  if (!s) return NULL;
  for (int v = 0; v < CYCLE_VALUES; v++)
    if (!ct__lr_alloc_array(s, &s->cycle[v], s->n_groups)) return NULL;
  set_phases(s, &o);
  s->anneal_linear = o.anneal_linear;
  s->cycle_momentum = o.cycle_momentum;
  s->use_beta1 = has_betas;
  bool ok = true;
  static const char *const keys[CYCLE_VALUES] = {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"};
  for (int g = 0; g < s->n_groups; g++) {
    ct_param_group *group = &opt->groups[g];
    const double max_lr = o.max_lrs ? o.max_lrs[g] : o.max_lr;
    s->cycle[CYCLE_INITIAL_LR][g] = max_lr / o.div_factor;
    s->cycle[CYCLE_MAX_LR][g] = max_lr;
    s->cycle[CYCLE_MIN_LR][g] = s->cycle[CYCLE_INITIAL_LR][g] / o.final_div_factor;
    s->cycle[CYCLE_MAX_MOMENTUM][g] = o.max_momentum;
    s->cycle[CYCLE_BASE_MOMENTUM][g] = o.base_momentum;
    const int n_keys = o.cycle_momentum ? CYCLE_VALUES : CYCLE_MAX_MOMENTUM;
    for (int v = 0; v < n_keys && ok; v++)
      ok = ct__optim_group_set_extra(group, keys[v], (ct_group_option){.value = s->cycle[v][g]}) == CT_OK;
    if (o.cycle_momentum) { // group['momentum'] (or betas[0]) = max_momentum
      ct_group_option m;
      ct_optimizer_get_group_option(opt, g, has_betas ? "betas" : "momentum", &m);
      m.value = o.max_momentum;
      ct_optimizer_set_group_option(opt, g, m);
    }
    s->base_lrs[g] = s->cycle[CYCLE_INITIAL_LR][g];
  }
  if (!ok) return ct_lr_scheduler_free(s), NULL;
  return first_step(s);
}

ct_plateau_options ct_plateau_defaults(void) {
  return (ct_plateau_options){.factor = 0.1, .patience = 10, .threshold = 1e-4, .eps = 1e-8};
}

ct_lr_scheduler *ct_reduce_lr_on_plateau_new(ct_optimizer *opt, ct_plateau_options o) {
  if (o.factor >= 1.0) return ct__error_null(CT_ERR_ARG, "Factor should be < 1.0.");
  if (opt && o.min_lrs && o.n_min_lrs != opt->n_groups)
    return ct__error_null(CT_ERR_ARG, "expected %d min_lrs, got %d", opt->n_groups, o.n_min_lrs);
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_PLATEAU);
  if (!s || !ct__lr_alloc_array(s, &s->min_lrs, s->n_groups)) return NULL;
  s->plateau = o;
  s->plateau.min_lrs = NULL; // the caller's array is not kept
  s->plateau.n_min_lrs = 0;
  s->last_epoch = 0;
  for (int g = 0; g < s->n_groups; g++) {
    s->min_lrs[g] = o.min_lrs ? o.min_lrs[g] : o.min_lr;
    s->last_lr[g] = ct__lr_group(s, g);
  }
  s->best = o.mode_max ? -INFINITY : INFINITY; // mode_worse
  return s;
}

static bool is_better(const ct_lr_scheduler *s, double a, double best) {
  const ct_plateau_options *o = &s->plateau;
  if (!o->mode_max && !o->threshold_abs) return a < best * (1. - o->threshold);
  if (!o->mode_max) return a < best - o->threshold;
  if (!o->threshold_abs) return a > best * (o->threshold + 1.);
  return a > best + o->threshold;
}

ct_status ct_lr_scheduler_step_metric(ct_lr_scheduler *s, double current) {
  if (!s) return ct__error(CT_ERR_ARG, "lr_scheduler is NULL");
  if (s->kind != CT_LR_PLATEAU) return ct__error(CT_ERR_ARG, "step(metrics) is ReduceLROnPlateau's");
  s->last_epoch++;
  if (is_better(s, current, s->best)) {
    s->best = current;
    s->num_bad_epochs = 0;
  } else {
    s->num_bad_epochs++;
  }
  if (s->cooldown_counter > 0) {
    s->cooldown_counter--;
    s->num_bad_epochs = 0; // ignore any bad epochs in cooldown
  }
  if (s->num_bad_epochs > s->plateau.patience) {
    for (int g = 0; g < s->n_groups; g++) {
      const double old_lr = ct__lr_group(s, g), scaled = old_lr * s->plateau.factor;
      const double new_lr = s->min_lrs[g] > scaled ? s->min_lrs[g] : scaled; // Python's max(scaled, min_lr)
      if (old_lr - new_lr > s->plateau.eps) ct__lr_set_group(s, g, new_lr);
    }
    s->cooldown_counter = s->plateau.cooldown;
    s->num_bad_epochs = 0;
  }
  for (int g = 0; g < s->n_groups; g++) s->last_lr[g] = ct__lr_group(s, g);
  return CT_OK;
}

static ct_lr_scheduler *sequential_fail(ct_lr_scheduler **children, int n) {
  for (int i = 0; i < n; i++) ct_lr_scheduler_free(children[i]);
  return NULL;
}

ct_lr_scheduler *ct_sequential_lr_new(ct_optimizer *opt, ct_lr_scheduler **children, int n, const int64_t *milestones,
                                      int n_milestones) {
  if (!children || n <= 0) return ct__error_null(CT_ERR_ARG, "SequentialLR: no schedulers");
  for (int i = 0; i < n; i++) {
    if (!children[i]) return sequential_fail(children, n); // keeps the failed constructor's error
    if (children[i]->opt != opt) {
      ct__error(CT_ERR_ARG,
                "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers "
                "at index %d to be different than the optimizer passed in.",
                i);
      return sequential_fail(children, n);
    }
  }
  if (n_milestones != n - 1 || (n_milestones > 0 && !milestones)) {
    ct__error(CT_ERR_ARG,
              "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
              "milestone points, but got number of schedulers %d and the number of milestones to be equal to %d",
              n, n_milestones);
    return sequential_fail(children, n);
  }
  ct_lr_scheduler *s = ct__lr_alloc(opt, CT_LR_SEQUENTIAL);
  if (s) {
    s->children = malloc((size_t)n * sizeof *s->children);
    s->milestones = malloc(((size_t)n_milestones + 1) * sizeof *s->milestones);
  }
  if (!s || !s->children || !s->milestones) {
    if (s) ct__error(CT_ERR_MEMORY, "out of memory creating a learning-rate scheduler");
    ct_lr_scheduler_free(s);
    return sequential_fail(children, n);
  }
  memcpy(s->children, children, (size_t)n * sizeof *children);
  s->n_children = n;
  if (n_milestones) memcpy(s->milestones, milestones, (size_t)n_milestones * sizeof *milestones);
  s->n_milestones = n_milestones;
  s->last_epoch = 0;
  for (int g = 0; g < s->n_groups; g++) { // group["lr"] = group["initial_lr"]
    ct_group_option initial;
    if (ct_optimizer_get_group_option(opt, g, "initial_lr", &initial) == CT_OK) ct__lr_set_group(s, g, initial.value);
  }
  for (int i = 0; i < n; i++) children[i]->last_epoch -= 1;
  ct_lr_scheduler *first = children[0]; // _initial_step: _step_count = 0, then step()
  first->step_count = 0;
  ct_status status = ct_lr_scheduler_step(first);
  if (status != CT_OK) return ct_lr_scheduler_free(s), NULL;
  memcpy(s->last_lr, first->last_lr, (size_t)s->n_groups * sizeof *s->last_lr);
  return s;
}

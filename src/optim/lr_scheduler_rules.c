// Each scheduler kind's get_lr (PyTorch 1.13's chainable form, from the groups' current
// lr) and _get_closed_form_lr, as double arithmetic in the order Python evaluates it.
#include <math.h>
#include "core/error_impl.h"
#include "optim/lr_scheduler_internal.h"

int64_t ct__py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

static int milestone_count(const ct_lr_scheduler *s, int64_t epoch) {
  int count = 0;
  for (int i = 0; i < s->n_milestones; i++) count += s->milestones[i] == epoch;
  return count;
}

static double cosine_lr(const ct_lr_scheduler *s, int g) {
  const double e = (double)s->last_epoch, T = (double)s->T_max, lr = ct__lr_group(s, g), eta = s->eta_min;
  if (s->last_epoch == 0) return lr;
  if (ct__py_mod(s->last_epoch - 1 - s->T_max, 2 * s->T_max) == 0)
    return lr + (s->base_lrs[g] - eta) * (1 - cos(CT_PY_PI / T)) / 2;
  return (1 + cos(CT_PY_PI * e / T)) / (1 + cos(CT_PY_PI * (e - 1) / T)) * (lr - eta) + eta;
}

static double linear_lr(const ct_lr_scheduler *s, int g) {
  const double lr = ct__lr_group(s, g), start = s->start_factor, end = s->end_factor;
  if (s->last_epoch == 0) return lr * start;
  if (s->last_epoch > s->total_iters) return lr;
  return lr * (1. + (end - start) / ((double)s->total_iters * start + (double)(s->last_epoch - 1) * (end - start)));
}

static double anneal(const ct_lr_scheduler *s, double start, double end, double pct) {
  if (s->anneal_linear) return (end - start) * pct + start;
  const double cos_out = cos(CT_PY_PI * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

// OneCycleLR: the phase holding last_epoch gives the lr and, with cycle_momentum, the
// group's momentum (or beta1).
static ct_status one_cycle_lr(ct_lr_scheduler *s, double *lrs) {
  const int64_t step_num = s->last_epoch;
  if (step_num > s->total_steps)
    return ct__error(CT_ERR_ARG, "Tried to step %lld times. The specified number of total steps is %lld",
                     (long long)(step_num + 1), (long long)s->total_steps);
  for (int g = 0; g < s->n_groups; g++) {
    double start_step = 0;
    for (int i = 0; i < s->n_phases; i++) {
      const ct_cycle_phase *ph = &s->phases[i];
      if ((double)step_num <= ph->end_step || i == s->n_phases - 1) {
        const double pct = ((double)step_num - start_step) / (ph->end_step - start_step);
        lrs[g] = anneal(s, s->cycle[ph->start_lr][g], s->cycle[ph->end_lr][g], pct);
        if (s->cycle_momentum) {
          const double m = anneal(s, s->cycle[ph->start_momentum][g], s->cycle[ph->end_momentum][g], pct);
          ct_group_option o;
          ct_optimizer_get_group_option(s->opt, g, s->use_beta1 ? "betas" : "momentum", &o);
          o.value = m;
          ct_optimizer_set_group_option(s->opt, g, o);
        }
        break;
      }
      start_step = ph->end_step;
    }
  }
  return CT_OK;
}

ct_status ct__lr_get_lr(ct_lr_scheduler *s, double *lrs) {
  if (s->kind == CT_LR_ONE_CYCLE) return one_cycle_lr(s, lrs);
  const int64_t e = s->last_epoch;
  for (int g = 0; g < s->n_groups; g++) {
    const double lr = ct__lr_group(s, g);
    switch (s->kind) {
    case CT_LR_STEP: lrs[g] = e == 0 || ct__py_mod(e, s->step_size) != 0 ? lr : lr * s->gamma; break;
    case CT_LR_MULTISTEP: {
      const int count = milestone_count(s, e);
      lrs[g] = count == 0 ? lr : lr * pow(s->gamma, count);
      break;
    }
    case CT_LR_EXPONENTIAL: lrs[g] = e == 0 ? lr : lr * s->gamma; break;
    case CT_LR_COSINE: lrs[g] = cosine_lr(s, g); break;
    case CT_LR_WARM_RESTARTS:
      lrs[g] = s->eta_min + (s->base_lrs[g] - s->eta_min) * (1 + cos(CT_PY_PI * s->T_cur / s->T_i)) / 2;
      break;
    case CT_LR_LINEAR: lrs[g] = linear_lr(s, g); break;
    case CT_LR_LAMBDA: lrs[g] = s->base_lrs[g] * s->fns[g](e, s->ctxs[g]); break;
    case CT_LR_MULTIPLICATIVE: lrs[g] = e > 0 ? lr * s->fns[g](e, s->ctxs[g]) : lr; break;
    default: lrs[g] = lr; break;
    }
  }
  return CT_OK;
}

// bisect_right(sorted milestones, epoch)
static int64_t milestones_passed(const ct_lr_scheduler *s, int64_t epoch) {
  int64_t k = 0;
  for (int i = 0; i < s->n_milestones; i++) k += s->milestones[i] <= epoch;
  return k;
}

// Python's a // b for b > 0.
static int64_t py_floordiv(int64_t a, int64_t b) { return (a - ct__py_mod(a, b)) / b; }

bool ct__lr_closed_form(const ct_lr_scheduler *s, double *lrs) {
  const int64_t e = s->last_epoch;
  for (int g = 0; g < s->n_groups; g++) {
    const double b = s->base_lrs[g];
    switch (s->kind) {
    case CT_LR_STEP: lrs[g] = b * pow(s->gamma, (double)py_floordiv(e, s->step_size)); break;
    case CT_LR_MULTISTEP: lrs[g] = b * pow(s->gamma, (double)milestones_passed(s, e)); break;
    case CT_LR_EXPONENTIAL: lrs[g] = b * pow(s->gamma, (double)e); break;
    case CT_LR_COSINE:
      lrs[g] = s->eta_min + (b - s->eta_min) * (1 + cos(CT_PY_PI * (double)e / (double)s->T_max)) / 2;
      break;
    case CT_LR_LINEAR: {
      const double done = (double)(s->total_iters < e ? s->total_iters : e);
      lrs[g] = b * (s->start_factor + (s->end_factor - s->start_factor) * done / (double)s->total_iters);
      break;
    }
    default: return false;
    }
  }
  return true;
}

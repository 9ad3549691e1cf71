// Learning-rate scheduler internals shared by lr_scheduler.c (construction, stepping,
// state dicts) and lr_scheduler_rules.c (each kind's get_lr and closed form).
#ifndef CTORCH_SRC_OPTIM_LR_SCHEDULER_INTERNAL_H
#define CTORCH_SRC_OPTIM_LR_SCHEDULER_INTERNAL_H
#include "ctorch/lr_scheduler.h"
#include "optim/optim_internal.h"

typedef enum ct_lr_kind {
  CT_LR_STEP,
  CT_LR_MULTISTEP,
  CT_LR_EXPONENTIAL,
  CT_LR_COSINE,
  CT_LR_WARM_RESTARTS,
  CT_LR_LINEAR,
  CT_LR_LAMBDA,
  CT_LR_MULTIPLICATIVE,
  CT_LR_ONE_CYCLE,
  CT_LR_PLATEAU,
  CT_LR_SEQUENTIAL,
} ct_lr_kind;

/// One phase of OneCycleLR: where it ends and which group values it anneals between
/// (indices into ct_lr_scheduler.cycle: INITIAL_LR, MAX_LR, MIN_LR, MAX_MOM, BASE_MOM).
typedef struct ct_cycle_phase {
  double end_step;
  int start_lr, end_lr, start_momentum, end_momentum;
} ct_cycle_phase;

enum { CYCLE_INITIAL_LR, CYCLE_MAX_LR, CYCLE_MIN_LR, CYCLE_MAX_MOMENTUM, CYCLE_BASE_MOMENTUM, CYCLE_VALUES };

struct ct_lr_scheduler {
  ct_lr_kind kind;
  ct_optimizer *opt; // borrowed
  int n_groups;
  double *base_lrs, *last_lr; // per group
  int64_t last_epoch, step_count;
  // the kinds' hyperparameters and state, by PyTorch's attribute names
  int64_t step_size, T_max, T_0, T_mult, total_iters, total_steps;
  double gamma, eta_min, start_factor, end_factor, T_cur, T_i;
  int64_t *milestones; // MultiStepLR (sorted, with repeats), SequentialLR
  int n_milestones;
  ct_lr_lambda *fns; // LambdaLR / MultiplicativeLR: one function and context per group
  void **ctxs;
  // OneCycleLR
  ct_cycle_phase phases[3];
  int n_phases;
  bool anneal_linear, cycle_momentum, use_beta1;
  double *cycle[CYCLE_VALUES]; // per group
  // ReduceLROnPlateau
  ct_plateau_options plateau;
  double best, *min_lrs;
  int64_t num_bad_epochs, cooldown_counter;
  // SequentialLR
  ct_lr_scheduler **children;
  int n_children;
};

/// A scheduler of `kind` over opt with base_lrs and last_lr allocated (one per group) and
/// last_epoch -1, before its first step; NULL (error recorded) when opt is NULL or memory
/// runs out.
ct_lr_scheduler *ct__lr_alloc(ct_optimizer *opt, ct_lr_kind kind);
/// n doubles (at least one) for a per-group array of s; false (error recorded, s freed) on failure.
bool ct__lr_alloc_array(ct_lr_scheduler *s, double **array, int n);
/// The group's current lr (param_groups[g]['lr']) and its setter (no range check, as Python).
double ct__lr_group(const ct_lr_scheduler *s, int g);
void ct__lr_set_group(ct_lr_scheduler *s, int g, double lr);
/// get_lr() of s's kind at its last_epoch into lrs (one per group): the chainable form.
ct_status ct__lr_get_lr(ct_lr_scheduler *s, double *lrs);
/// _get_closed_form_lr() where the kind has one; false when it has none.
bool ct__lr_closed_form(const ct_lr_scheduler *s, double *lrs);
/// math.pi
#define CT_PY_PI 3.141592653589793
/// Python's a % b for b > 0 (the result has b's sign).
int64_t ct__py_mod(int64_t a, int64_t b);
#endif

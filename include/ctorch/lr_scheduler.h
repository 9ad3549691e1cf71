/// @file lr_scheduler.h
/// @brief Learning-rate schedulers (torch.optim.lr_scheduler): StepLR, MultiStepLR,
/// ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR, LambdaLR,
/// MultiplicativeLR, OneCycleLR, ReduceLROnPlateau, SequentialLR. Each computes PyTorch
/// 1.13's learning-rate sequence to the last bit (the same double arithmetic in the same
/// order, chainable forms included) and writes it into every parameter group's "lr".
///
/// A scheduler is made over an optimizer, which must outlive it; like PyTorch's it takes
/// its first step when made (groups get "initial_lr"). Python to C, line for line:
/// ```c
/// ct_lr_scheduler *sched = ct_step_lr_new(opt, 30, 0.1);  // StepLR(opt, 30, gamma=0.1)
/// for (int epoch = 0; epoch < 100; epoch++) {
///   train(...);                                          // optimizer.step() inside
///   ct_lr_scheduler_step(sched);                         // scheduler.step()
/// }
/// ct_lr_scheduler_free(sched);
/// ```
#ifndef CTORCH_LR_SCHEDULER_H
#define CTORCH_LR_SCHEDULER_H
#include "ctorch/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A learning-rate scheduler. Opaque.
typedef struct ct_lr_scheduler ct_lr_scheduler;

/// LambdaLR / MultiplicativeLR's function: the factor for `epoch`, given the caller's ctx.
typedef double (*ct_lr_lambda)(int64_t epoch, void *ctx);

/// StepLR(optimizer, step_size, gamma): lr *= gamma every step_size epochs.
CT_API ct_lr_scheduler *ct_step_lr_new(ct_optimizer *opt, int64_t step_size, double gamma);
/// MultiStepLR(optimizer, milestones, gamma): lr *= gamma at each milestone (a repeated
/// milestone multiplies by gamma**count).
CT_API ct_lr_scheduler *ct_multistep_lr_new(ct_optimizer *opt, const int64_t *milestones, int n_milestones,
                                            double gamma);
/// ExponentialLR(optimizer, gamma): lr *= gamma every epoch.
CT_API ct_lr_scheduler *ct_exponential_lr_new(ct_optimizer *opt, double gamma);
/// CosineAnnealingLR(optimizer, T_max, eta_min), in PyTorch's recursive (chainable) form.
CT_API ct_lr_scheduler *ct_cosine_annealing_lr_new(ct_optimizer *opt, int64_t T_max, double eta_min);
/// CosineAnnealingWarmRestarts(optimizer, T_0, T_mult, eta_min). Errors: "Expected positive
/// integer T_0, but got 0", "Expected integer T_mult >= 1, but got 0".
CT_API ct_lr_scheduler *ct_cosine_annealing_warm_restarts_new(ct_optimizer *opt, int64_t T_0, int64_t T_mult,
                                                              double eta_min);
/// LinearLR(optimizer, start_factor, end_factor, total_iters) (PyTorch's defaults: 1/3, 1.0,
/// 5). Errors: "Starting multiplicative factor expected to be between 0 and 1.", "Ending ...".
CT_API ct_lr_scheduler *ct_linear_lr_new(ct_optimizer *opt, double start_factor, double end_factor,
                                         int64_t total_iters);
/// LambdaLR(optimizer, lr_lambda): lr = initial_lr * fn(epoch, ctx), the same function for
/// every group.
CT_API ct_lr_scheduler *ct_lambda_lr_new(ct_optimizer *opt, ct_lr_lambda fn, void *ctx);
/// MultiplicativeLR(optimizer, lr_lambda): lr *= fn(epoch, ctx) from epoch 1 on.
CT_API ct_lr_scheduler *ct_multiplicative_lr_new(ct_optimizer *opt, ct_lr_lambda fn, void *ctx);
/// LambdaLR(optimizer, [f0, f1, ...]): one function (and context; ctxs may be NULL) per
/// parameter group. Error: "Expected 2 lr_lambdas, but got 1".
CT_API ct_lr_scheduler *ct_lambda_lr_new_per_group(ct_optimizer *opt, const ct_lr_lambda *fns, void *const *ctxs,
                                                   int n);
/// MultiplicativeLR(optimizer, [f0, f1, ...]), as ct_lambda_lr_new_per_group.
CT_API ct_lr_scheduler *ct_multiplicative_lr_new_per_group(ct_optimizer *opt, const ct_lr_lambda *fns,
                                                           void *const *ctxs, int n);

/// OneCycleLR's options; ct_one_cycle_defaults gives PyTorch's.
typedef struct ct_one_cycle_options {
  double max_lr;         ///< peak learning rate (every group)
  int64_t total_steps;   ///< steps in the cycle (> 0); or 0 and epochs * steps_per_epoch
  int64_t epochs, steps_per_epoch;
  double pct_start;      ///< fraction of the cycle spent increasing (0.3)
  bool anneal_linear;    ///< anneal_strategy 'linear' instead of 'cos'
  bool cycle_momentum;   ///< cycle SGD/RMSprop momentum or Adam-like beta1 (true)
  double base_momentum;  ///< 0.85
  double max_momentum;   ///< 0.95
  double div_factor;     ///< initial_lr = max_lr / div_factor (25)
  double final_div_factor; ///< min_lr = initial_lr / final_div_factor (1e4)
  bool three_phase;      ///< false
  const double *max_lrs; ///< per-group max_lr (n_max_lrs of them); NULL: max_lr for every group
  int n_max_lrs;
} ct_one_cycle_options;

/// PyTorch's OneCycleLR defaults with the given max_lr and total_steps.
CT_API ct_one_cycle_options ct_one_cycle_defaults(double max_lr, int64_t total_steps);
/// OneCycleLR(optimizer, ...). Errors with PyTorch's messages ("expected 2 values for
/// max_lr, got 1", total_steps, epochs,
/// steps_per_epoch, pct_start, "optimizer must support momentum with `cycle_momentum`
/// option enabled"); stepping past total_steps fails with "Tried to step 12 times. The
/// specified number of total steps is 10".
CT_API ct_lr_scheduler *ct_one_cycle_lr_new(ct_optimizer *opt, ct_one_cycle_options options);

/// ReduceLROnPlateau's options; ct_plateau_defaults gives PyTorch's.
typedef struct ct_plateau_options {
  bool mode_max;        ///< mode 'max' (else 'min')
  double factor;        ///< 0.1 (must be < 1)
  int64_t patience;     ///< 10
  double threshold;     ///< 1e-4
  bool threshold_abs;   ///< threshold_mode 'abs' (else 'rel')
  int64_t cooldown;     ///< 0
  double min_lr;        ///< 0 (every group)
  double eps;           ///< 1e-8
  const double *min_lrs; ///< per-group min_lr (n_min_lrs of them); NULL: min_lr for every group
  int n_min_lrs;
} ct_plateau_options;

/// PyTorch's ReduceLROnPlateau defaults.
CT_API ct_plateau_options ct_plateau_defaults(void);
/// ReduceLROnPlateau(optimizer, ...). Step it with ct_lr_scheduler_step_metric. Errors:
/// "Factor should be < 1.0.", "expected 2 min_lrs, got 1".
CT_API ct_lr_scheduler *ct_reduce_lr_on_plateau_new(ct_optimizer *opt, ct_plateau_options options);

/// SequentialLR(optimizer, schedulers, milestones): n schedulers (made over opt, in order)
/// and n - 1 milestones. It takes ownership of the schedulers (freed with it, also on
/// error). Errors with PyTorch's messages.
CT_API ct_lr_scheduler *ct_sequential_lr_new(ct_optimizer *opt, ct_lr_scheduler **schedulers, int n,
                                             const int64_t *milestones, int n_milestones);

/// scheduler.step(). ReduceLROnPlateau needs ct_lr_scheduler_step_metric.
CT_API ct_status ct_lr_scheduler_step(ct_lr_scheduler *s);
/// scheduler.step(epoch): CosineAnnealingWarmRestarts with a fractional epoch; the others
/// use PyTorch's closed form at that epoch (deprecated in PyTorch, kept for parity).
CT_API ct_status ct_lr_scheduler_step_epoch(ct_lr_scheduler *s, double epoch);
/// ReduceLROnPlateau.step(metrics).
CT_API ct_status ct_lr_scheduler_step_metric(ct_lr_scheduler *s, double metric);
/// get_last_lr(): writes up to cap learning rates (one per group) into out; returns the
/// number of groups, or -1 on error.
CT_API int ct_lr_scheduler_get_last_lr(const ct_lr_scheduler *s, double *out, int cap);
/// last_epoch.
CT_API int64_t ct_lr_scheduler_last_epoch(const ct_lr_scheduler *s);
/// Frees the scheduler (and, for SequentialLR, its schedulers). NULL is a no-op.
CT_API void ct_lr_scheduler_free(ct_lr_scheduler *s);

/// A scheduler's state (PyTorch's scheduler.state_dict(), in memory): its numeric attributes
/// as named lists of numbers with PyTorch's keys ("base_lrs", "last_epoch", "_step_count",
/// "_last_lr", and the kind's own: "step_size", "gamma", "milestones", "T_max", "eta_min",
/// "T_0", "T_i", "T_mult", "T_cur", "start_factor", "end_factor", "total_iters",
/// "total_steps", "factor", "min_lrs", "patience", "cooldown", "cooldown_counter",
/// "threshold", "best", "num_bad_epochs", "eps", "_milestones"; SequentialLR's children's
/// prefixed "_schedulers.<i>."). Mode strings and callables are not in it; OneCycleLR's
/// per-group values live in the optimizer's param_groups, as in PyTorch.
typedef struct ct_lr_state ct_lr_state;
/// Snapshot of s's state (NULL on error). Free with ct_lr_state_free.
CT_API ct_lr_state *ct_lr_scheduler_state_dict(const ct_lr_scheduler *s);
/// load_state_dict: restores every key the state has, hyperparameters included, as PyTorch's
/// __dict__.update does. Errors (s unchanged): a key this scheduler does not have, or a list
/// of another length.
CT_API ct_status ct_lr_scheduler_load_state_dict(ct_lr_scheduler *s, const ct_lr_state *state);
/// Number of entries.
CT_API int ct_lr_state_len(const ct_lr_state *state);
/// Entry i: key and values (borrowed).
CT_API ct_status ct_lr_state_entry(const ct_lr_state *state, int i, const char **key, const double **values, int *n);
/// Frees a state. NULL is a no-op.
CT_API void ct_lr_state_free(ct_lr_state *state);
/// An empty state, to fill with ct_lr_state_add (e.g. from a file).
CT_API ct_lr_state *ct_lr_state_new(void);
/// Appends (key, copy of n values) to the state; keys are at most 47 bytes.
CT_API ct_status ct_lr_state_add(ct_lr_state *state, const char *key, const double *values, int n);

#ifdef __cplusplus
}
#endif
#endif

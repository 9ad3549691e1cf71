/// @file optim.h
/// @brief Optimizers: SGD, Adam, AdamW (torch.optim), with PyTorch 1.13's update formulas
/// bit for bit (its single-tensor path: Python scalars computed in double and rounded to
/// the parameter's dtype, fused multiply-adds where PyTorch's AVX2 kernels have them).
///
/// An optimizer works on an array of parameter tensors (one parameter group, in array
/// order, like PyTorch's param_groups[0]['params']); ct_module_parameters() gives such an
/// array. It holds a reference to each parameter and owns its state tensors (momentum
/// buffers, Adam moments), which live outside any scope until ct_optimizer_free().
///
/// ```c
/// int n;
/// ct_tensor **params = ct_module_parameters(model, &n);
/// ct_optimizer *opt = ct_adam_new(params, n, ct_adam_defaults());
/// free(params);                      // the optimizer keeps its own references
/// for (...) {
///   ct_scope *s = ct_scope_open();
///   ct_optimizer_zero_grad(opt, true);
///   ct_backward(loss_of_batch(...), NULL);
///   ct_optimizer_step(opt);
///   ct_scope_close(s);
/// }
/// ct_optimizer_free(opt);
/// ```
#ifndef CTORCH_OPTIM_H
#define CTORCH_OPTIM_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// An optimizer over a fixed list of parameters. Opaque.
typedef struct ct_optimizer ct_optimizer;

/// torch.optim.SGD's options. A zero-initialised struct plus .lr is PyTorch's default
/// (momentum 0, dampening 0, weight_decay 0, nesterov and maximize false).
typedef struct ct_sgd_options {
  double lr;           ///< learning rate (required in PyTorch; must be >= 0)
  double momentum;     ///< momentum factor (>= 0)
  double dampening;    ///< dampening for momentum
  double weight_decay; ///< L2 penalty (>= 0)
  bool nesterov;       ///< Nesterov momentum (needs momentum > 0 and dampening 0)
  bool maximize;       ///< maximise the objective instead of minimising
} ct_sgd_options;

/// torch.optim.Adam / AdamW options (betas are (beta1, beta2)).
typedef struct ct_adam_options {
  double lr;           ///< learning rate (>= 0)
  double beta1, beta2; ///< running-average coefficients, each in [0, 1)
  double eps;          ///< added to the denominator (>= 0)
  double weight_decay; ///< Adam: L2 penalty added to the gradient; AdamW: decoupled decay
  bool amsgrad;        ///< use the maximum of past second moments
  bool maximize;       ///< maximise the objective instead of minimising
} ct_adam_options;

/// SGD options with PyTorch's defaults and the given learning rate.
CT_API ct_sgd_options ct_sgd_defaults(double lr);
/// Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
CT_API ct_adam_options ct_adam_defaults(void);
/// AdamW's defaults: as Adam's but weight_decay 1e-2.
CT_API ct_adam_options ct_adamw_defaults(void);

/// torch.optim.SGD(params, ...). Errors (NULL) with PyTorch's messages: "Invalid learning
/// rate: -0.1", "Invalid momentum value: ...", "Invalid weight_decay value: ...",
/// "Nesterov momentum requires a momentum and zero dampening", "optimizer got an empty
/// parameter list", "can't optimize a non-leaf Tensor". The optimizer retains the params.
CT_API ct_optimizer *ct_sgd_new(ct_tensor *const *params, int n, ct_sgd_options options);
/// torch.optim.Adam(params, ...). Also checks "Invalid epsilon value: ..." and "Invalid beta
/// parameter at index 0: 1.5" (and index 1).
CT_API ct_optimizer *ct_adam_new(ct_tensor *const *params, int n, ct_adam_options options);
/// torch.optim.AdamW(params, ...): Adam with decoupled weight decay (param *= 1 - lr*wd
/// before the update, also when wd is 0 as PyTorch does).
CT_API ct_optimizer *ct_adamw_new(ct_tensor *const *params, int n, ct_adam_options options);

/// optimizer.step(): updates every parameter that has a .grad (others are skipped, as in
/// PyTorch), in place, without recording graph nodes. State is created on a parameter's
/// first step. Returns CT_OK, or an error status (NULL optimizer).
CT_API ct_status ct_optimizer_step(ct_optimizer *opt);
/// optimizer.zero_grad(set_to_none). set_to_none=true (PyTorch 2's default; 1.13's is
/// false) drops each .grad; false zeroes the existing gradients in place.
CT_API ct_status ct_optimizer_zero_grad(ct_optimizer *opt, bool set_to_none);
/// Releases the parameters' references and the state. NULL is a no-op.
CT_API void ct_optimizer_free(ct_optimizer *opt);

/// "SGD", "Adam" or "AdamW".
CT_API const char *ct_optimizer_name(const ct_optimizer *opt);
/// Number of parameters.
CT_API int ct_optimizer_num_params(const ct_optimizer *opt);
/// The i-th parameter (borrowed), NULL if out of range.
CT_API ct_tensor *ct_optimizer_param(const ct_optimizer *opt, int i);
/// Current learning rate (param_groups[0]['lr']); NaN for NULL.
CT_API double ct_optimizer_get_lr(const ct_optimizer *opt);
/// Change the learning rate (for schedules); errors on a negative or NaN value.
CT_API ct_status ct_optimizer_set_lr(ct_optimizer *opt, double lr);

/// A snapshot of an optimizer's state (PyTorch's optimizer.state_dict(), in memory):
/// the hyperparameters and, per parameter index that has state, named tensors with
/// PyTorch's keys: "step" (0-d float32) for Adam/AdamW, "exp_avg", "exp_avg_sq",
/// "max_exp_avg_sq" (amsgrad), "momentum_buffer" (SGD with momentum). Tensors in it are
/// copies, unaffected by later steps.
typedef struct ct_optim_state ct_optim_state;

/// Snapshot of opt's state (NULL on error). Free with ct_optim_state_free.
CT_API ct_optim_state *ct_optimizer_state_dict(const ct_optimizer *opt);
/// optimizer.load_state_dict(): copies the state into opt (converting to each parameter's
/// dtype; "step" stays float32) and, when the snapshot came from an optimizer of the same
/// kind, its hyperparameters. Errors when an index is out of range, a key is unknown for
/// this optimizer, or a tensor's shape differs from its parameter's. opt is unchanged on error.
CT_API ct_status ct_optimizer_load_state_dict(ct_optimizer *opt, const ct_optim_state *state);
/// An empty state (no hyperparameters), to fill with ct_optim_state_add (e.g. from a file).
CT_API ct_optim_state *ct_optim_state_new(void);
/// Adds (param_index, key, copy of value) to the state. Replaces an existing entry.
CT_API ct_status ct_optim_state_add(ct_optim_state *state, int param_index, const char *key,
                                    const ct_tensor *value);
/// Number of entries.
CT_API int ct_optim_state_len(const ct_optim_state *state);
/// Entry i: its parameter index, key and tensor (borrowed; owned by the state). Entries keep
/// insertion order; ct_optimizer_state_dict inserts by parameter index, in PyTorch's key
/// order ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq").
CT_API ct_status ct_optim_state_entry(const ct_optim_state *state, int i, int *param_index,
                                      const char **key, ct_tensor **value);
/// The tensor stored for (param_index, key), borrowed, or NULL.
CT_API ct_tensor *ct_optim_state_get(const ct_optim_state *state, int param_index, const char *key);
/// Frees a state and its tensors. NULL is a no-op.
CT_API void ct_optim_state_free(ct_optim_state *state);

#ifdef __cplusplus
}
#endif
#endif

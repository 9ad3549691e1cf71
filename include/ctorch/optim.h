/// @file optim.h
/// @brief Optimizers: SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam (torch.optim),
/// with parameter groups and PyTorch 1.13's update formulas
/// bit for bit (its single-tensor path: Python scalars computed in double and rounded to
/// the parameter's dtype, fused multiply-adds where PyTorch's AVX2 kernels have them).
///
/// An optimizer works on arrays of parameter tensors: the constructor's array is
/// param_groups[0]['params'] (ct_module_parameters() gives such an array), and
/// ct_optimizer_add_param_group() appends more groups, each with its own options.
/// Parameters are numbered across groups in order, as PyTorch's state_dict numbers them. It holds a reference to each parameter and owns its state tensors (momentum
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
/// Groups, as `SGD([{'params': base}, {'params': head, 'lr': 1e-3}], lr=1e-2, momentum=0.9)`:
/// ```c
/// ct_optimizer *opt = ct_sgd_new(base, n_base, (ct_sgd_options){.lr = 1e-2, .momentum = 0.9});
/// ct_optimizer_add_param_group(opt, head, n_head, (ct_group_option[]){{.key = "lr", .value = 1e-3}}, 1);
/// ```
#ifndef CTORCH_OPTIM_H
#define CTORCH_OPTIM_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// An optimizer over parameter groups (ct_optimizer_add_param_group adds more). Opaque.
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

/// torch.optim.RMSprop options.
typedef struct ct_rmsprop_options {
  double lr;           ///< learning rate (>= 0)
  double alpha;        ///< smoothing constant of the squared-gradient average (>= 0)
  double eps;          ///< added to the denominator (>= 0)
  double weight_decay; ///< L2 penalty (>= 0)
  double momentum;     ///< momentum factor (>= 0)
  bool centered;       ///< normalise by the estimated variance of the gradient
  bool maximize;       ///< maximise the objective instead of minimising
} ct_rmsprop_options;

/// torch.optim.Adagrad options.
typedef struct ct_adagrad_options {
  double lr;                        ///< learning rate (>= 0)
  double lr_decay;                  ///< learning-rate decay per step (>= 0)
  double weight_decay;              ///< L2 penalty (>= 0)
  double initial_accumulator_value; ///< starting value of the squared-gradient sum (>= 0)
  double eps;                       ///< added to the denominator (>= 0)
  bool maximize;                    ///< maximise the objective instead of minimising
} ct_adagrad_options;

/// torch.optim.Adamax options.
typedef struct ct_adamax_options {
  double lr;           ///< learning rate (>= 0)
  double beta1, beta2; ///< running-average coefficients, each in [0, 1)
  double eps;          ///< added to the denominator (>= 0)
  double weight_decay; ///< L2 penalty (>= 0)
  bool maximize;       ///< maximise the objective instead of minimising
} ct_adamax_options;

/// torch.optim.NAdam options.
typedef struct ct_nadam_options {
  double lr;             ///< learning rate (>= 0)
  double beta1, beta2;   ///< running-average coefficients, each in [0, 1)
  double eps;            ///< added to the denominator (>= 0)
  double weight_decay;   ///< L2 penalty (>= 0)
  double momentum_decay; ///< momentum decay (>= 0)
} ct_nadam_options;

/// torch.optim.RAdam options.
typedef struct ct_radam_options {
  double lr;           ///< learning rate (>= 0)
  double beta1, beta2; ///< running-average coefficients, each in [0, 1)
  double eps;          ///< added to the denominator (>= 0)
  double weight_decay; ///< L2 penalty (>= 0)
} ct_radam_options;

/// SGD options with PyTorch's defaults and the given learning rate.
CT_API ct_sgd_options ct_sgd_defaults(double lr);
/// Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
CT_API ct_adam_options ct_adam_defaults(void);
/// AdamW's defaults: as Adam's but weight_decay 1e-2.
CT_API ct_adam_options ct_adamw_defaults(void);

/// RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay or momentum.
CT_API ct_rmsprop_options ct_rmsprop_defaults(void);
/// Adagrad's defaults: lr 1e-2, eps 1e-10, everything else 0.
CT_API ct_adagrad_options ct_adagrad_defaults(void);
/// Adamax's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8.
CT_API ct_adamax_options ct_adamax_defaults(void);
/// NAdam's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, momentum_decay 4e-3.
CT_API ct_nadam_options ct_nadam_defaults(void);
/// RAdam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
CT_API ct_radam_options ct_radam_defaults(void);

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

/// torch.optim.RMSprop(params, ...). Checks, in PyTorch's order: "Invalid learning rate",
/// "Invalid epsilon value", "Invalid momentum value", "Invalid weight_decay value",
/// "Invalid alpha value". State: "step" (PyTorch keeps a Python int; here a 0-d int64
/// tensor), "square_avg", "momentum_buffer" (momentum > 0), "grad_avg" (centered).
CT_API ct_optimizer *ct_rmsprop_new(ct_tensor *const *params, int n, ct_rmsprop_options options);
/// torch.optim.Adagrad(params, ...). Checks lr, lr_decay, weight_decay,
/// initial_accumulator_value, eps. As in PyTorch, every parameter gets its state ("step",
/// "sum" filled with initial_accumulator_value) when it joins the optimizer.
CT_API ct_optimizer *ct_adagrad_new(ct_tensor *const *params, int n, ct_adagrad_options options);
/// torch.optim.Adamax(params, ...). Checks lr, eps, betas, weight_decay. State: "step",
/// "exp_avg", "exp_inf".
CT_API ct_optimizer *ct_adamax_new(ct_tensor *const *params, int n, ct_adamax_options options);
/// torch.optim.NAdam(params, ...). Checks lr, eps, betas, weight_decay, momentum_decay.
/// State: "step", "mu_product" (0-d float32), "exp_avg", "exp_avg_sq".
CT_API ct_optimizer *ct_nadam_new(ct_tensor *const *params, int n, ct_nadam_options options);
/// torch.optim.RAdam(params, ...). Checks lr, eps, betas, weight_decay. State: "step",
/// "exp_avg", "exp_avg_sq".
CT_API ct_optimizer *ct_radam_new(ct_tensor *const *params, int n, ct_radam_options options);

/// How a parameter-group option's value reads in Python.
typedef enum ct_option_kind {
  CT_OPTION_FLOAT, ///< a number (value)
  CT_OPTION_BOOL,  ///< True/False (value 1/0)
  CT_OPTION_PAIR,  ///< a tuple of two numbers (value, value2): "betas"
  CT_OPTION_NONE,  ///< None ("foreach")
} ct_option_kind;

/// One entry of a parameter group's dict, by PyTorch's key: {"lr", 1e-3},
/// {"betas", 0.8, 0.99}, {"nesterov", 1}. Given to ct_optimizer_add_param_group, kind
/// may be left 0: the optimizer knows each key's kind.
typedef struct ct_group_option {
  const char *key;
  double value, value2;
  ct_option_kind kind;
} ct_group_option;

/// optimizer.add_param_group({'params': params, key: value, ...}): a new group whose options
/// are the optimizer's defaults (the constructor's options) overridden by `options` (n_options
/// entries; NULL when 0). As in PyTorch, group options are not range-checked. Errors:
/// "some parameters appear in more than one parameter group", "can't optimize a non-leaf
/// Tensor", an empty list, a key the optimizer does not have ("'lrr' is not an option of
/// SGD"), or an option PyTorch fixes ("foreach", "differentiable", ...).
CT_API ct_status ct_optimizer_add_param_group(ct_optimizer *opt, ct_tensor *const *params, int n,
                                              const ct_group_option *options, int n_options);
/// Number of parameter groups (>= 1); 0 for NULL.
CT_API int ct_optimizer_num_groups(const ct_optimizer *opt);
/// Number of parameters in group g; -1 when g is out of range.
CT_API int ct_optimizer_group_size(const ct_optimizer *opt, int group);
/// param_groups[group][key] into *out (kind, value, value2; key borrowed, static). Errors on a
/// bad group or unknown key.
CT_API ct_status ct_optimizer_get_group_option(const ct_optimizer *opt, int group, const char *key,
                                               ct_group_option *out);
/// param_groups[group][option.key] = option's value (a pair for "betas"). Errors as
/// ct_optimizer_add_param_group's options.
CT_API ct_status ct_optimizer_set_group_option(ct_optimizer *opt, int group, ct_group_option option);
/// param_groups[group]['lr']; NaN (error recorded) for a bad optimizer or group.
CT_API double ct_optimizer_get_group_lr(const ct_optimizer *opt, int group);
/// param_groups[group]['lr'] = lr (errors on a negative or NaN value, or a bad group).
CT_API ct_status ct_optimizer_set_group_lr(ct_optimizer *opt, int group, double lr);

/// optimizer.step(): updates every parameter that has a .grad (others are skipped, as in
/// PyTorch), in place, without recording graph nodes. State is created on a parameter's
/// first step. Returns CT_OK, or an error status (NULL optimizer).
CT_API ct_status ct_optimizer_step(ct_optimizer *opt);
/// optimizer.zero_grad(set_to_none). set_to_none=true (PyTorch 2's default; 1.13's is
/// false) drops each .grad; false zeroes the existing gradients in place.
CT_API ct_status ct_optimizer_zero_grad(ct_optimizer *opt, bool set_to_none);
/// Releases the parameters' references and the state. NULL is a no-op.
CT_API void ct_optimizer_free(ct_optimizer *opt);

/// "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam" or "RAdam".
CT_API const char *ct_optimizer_name(const ct_optimizer *opt);
/// Number of parameters, all groups together.
CT_API int ct_optimizer_num_params(const ct_optimizer *opt);
/// The i-th parameter counting across groups in order (borrowed), NULL if out of range.
CT_API ct_tensor *ct_optimizer_param(const ct_optimizer *opt, int i);
/// Current learning rate (param_groups[0]['lr']); NaN for NULL.
CT_API double ct_optimizer_get_lr(const ct_optimizer *opt);
/// Sets every group's learning rate; errors on a negative or NaN value.
CT_API ct_status ct_optimizer_set_lr(ct_optimizer *opt, double lr);

/// A snapshot of an optimizer's state (PyTorch's optimizer.state_dict(), in memory).
/// "state": per parameter index that has state, named tensors with PyTorch's keys ("step"
/// a 0-d float32 tensor for Adam, AdamW, Adagrad, Adamax, NAdam, RAdam and a 0-d int64
/// for RMSprop, whose step PyTorch keeps as a Python int; "exp_avg", "exp_avg_sq",
/// "max_exp_avg_sq", "momentum_buffer", "square_avg", "grad_avg", "sum", "exp_inf",
/// "mu_product"; SGD without momentum keeps none, where PyTorch stores momentum_buffer
/// None). "param_groups": per group, every option PyTorch's group dict holds, in
/// its order (foreach None, differentiable False, ... included), and the group's "params"
/// index list. Tensors in it are copies, unaffected by later steps.
typedef struct ct_optim_state ct_optim_state;

/// Snapshot of opt's state (NULL on error). Free with ct_optim_state_free.
CT_API ct_optim_state *ct_optimizer_state_dict(const ct_optimizer *opt);
/// optimizer.load_state_dict(): copies the state into opt (converting to each parameter's
/// dtype; "step" and "mu_product" keep theirs) and, when the snapshot has param_groups, each
/// group's options (keys opt does not have are ignored, as they would not affect PyTorch's
/// step). Errors (opt unchanged): a snapshot from an optimizer with other state keys,
/// "loaded state dict has a different number of parameter groups", "loaded state dict
/// contains a parameter group that doesn't match the size of optimizer's group", an index
/// out of range, a key unknown to this optimizer, a tensor shaped unlike its parameter.
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
/// Appends a param group to the state (e.g. read from a file): its options (keys copied;
/// kind as given) and the parameter indices of its "params" list.
CT_API ct_status ct_optim_state_add_group(ct_optim_state *state, const ct_group_option *options, int n_options,
                                          const int *params, int n_params);
/// Number of param groups (0 for a state built with ct_optim_state_new and no groups).
CT_API int ct_optim_state_num_groups(const ct_optim_state *state);
/// Number of options of group g (not counting "params"); -1 when g is out of range.
CT_API int ct_optim_state_group_num_options(const ct_optim_state *state, int group);
/// Option i of group g, in PyTorch's key order (key borrowed from the state).
CT_API ct_status ct_optim_state_group_option(const ct_optim_state *state, int group, int i, ct_group_option *out);
/// Group g's "params" list: *n indices in *params (borrowed from the state).
CT_API ct_status ct_optim_state_group_params(const ct_optim_state *state, int group, const int **params, int *n);
/// Frees a state and its tensors. NULL is a no-op.
CT_API void ct_optim_state_free(ct_optim_state *state);

#ifdef __cplusplus
}
#endif
#endif

/// @file nn_extra.h
/// @brief More of torch.nn: activations (SiLU, Mish, ELU, Hardtanh, Softplus), containers
/// (ModuleList, ModuleDict, apply), and nn.utils' gradient clipping and parameter vectors.
///
/// ```c
/// ct_module *blocks = ct_module_list_new(0, NULL);            // nn.ModuleList()
/// ct_module_list_append(blocks, ct_linear_new(4, 4, true));   // blocks.append(nn.Linear(4, 4))
/// ct_module_list_append(blocks, ct_silu_new());               // blocks.append(nn.SiLU())
/// ...
/// ct_tensor *total = ct_clip_grad_norm_(params, n, 1.0, 2.0, false); // nn.utils.clip_grad_norm_
/// ```
#ifndef CTORCH_NN_EXTRA_H
#define CTORCH_NN_EXTRA_H
#include "ctorch/loss.h"
#include "ctorch/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- activations: functions (torch.nn.functional) ----

/// F.silu: x * sigmoid(x), computed as x / (1 + exp(-x)) (SiluBackward0). Floating inputs
/// only ("\"silu_cpu\" not implemented for 'Long'").
CT_API ct_tensor *ct_silu(ct_tensor *input);
/// F.mish: x * tanh(softplus(x)) (MishBackward0). Floating inputs only.
CT_API ct_tensor *ct_mish(ct_tensor *input);
/// F.elu(x, alpha): x > 0 ? x : alpha * (exp(x) - 1) (EluBackward0). Floating inputs only.
CT_API ct_tensor *ct_elu(ct_tensor *input, double alpha);
/// F.hardtanh(x, min_val, max_val): x clamped to [min_val, max_val] in x's dtype (integers
/// too, bounds truncated; bool refused: "Bool inputs not supported for hardtanh").
/// HardtanhBackward0: the gradient is zero at and beyond the bounds.
CT_API ct_tensor *ct_hardtanh(ct_tensor *input, double min_val, double max_val);

// ---- activations: modules ----

/// nn.SiLU(): forward ct_silu. Repr "SiLU()".
CT_API ct_module *ct_silu_new(void);
/// nn.Mish(): forward ct_mish. Repr "Mish()".
CT_API ct_module *ct_mish_new(void);
/// nn.ELU(alpha) (PyTorch's default alpha is 1.0): forward ct_elu. Repr "ELU(alpha=1.0)".
CT_API ct_module *ct_elu_new(double alpha);
/// nn.Hardtanh(min_val, max_val) (defaults -1.0, 1.0): forward ct_hardtanh. PyTorch
/// asserts max_val > min_val: NULL and an AssertionError-like CT_ERR_ARG otherwise. Repr
/// "Hardtanh(min_val=-1.0, max_val=1.0)".
CT_API ct_module *ct_hardtanh_new(double min_val, double max_val);
/// nn.Softplus(beta, threshold) (defaults 1, 20): forward ct_softplus. Repr
/// "Softplus(beta=1, threshold=20)": integral values print as PyTorch prints its int
/// defaults, others as Python floats ("beta=0.5").
CT_API ct_module *ct_softplus_new(double beta, double threshold);

// ---- containers ----

/// nn.ModuleList(modules): children "0", "1" ... without a forward (calling it fails as
/// PyTorch's: "Module [ModuleList] is missing the required \"forward\" function"). Takes
/// ownership of the modules, also on failure; n = 0 makes an empty list. Printed as
/// PyTorch prints it; named_parameters gives "0.weight", "2.bias" ...
CT_API ct_module *ct_module_list_new(int n, ct_module *const *modules);
/// append(module): registers it as str(len). The list owns module, also on failure.
CT_API ct_status ct_module_list_append(ct_module *list, ct_module *module);
/// extend(modules): appends each in order (owning them, also on failure).
CT_API ct_status ct_module_list_extend(ct_module *list, int n, ct_module *const *modules);
/// insert(index, module), 0 <= index <= len: later children move one place up. A negative
/// index fails as PyTorch's (KeyError "'-1'"); index > len is refused ("index 5 is out of
/// range"; PyTorch would register it under that number, leaving a gap). Owns module.
CT_API ct_status ct_module_list_insert(ct_module *list, int64_t index, ct_module *module);
/// len(list).
CT_API int ct_module_list_len(const ct_module *list);
/// list[index] (borrowed); negative counts from the end. PyTorch's IndexError text "index
/// 3 is out of range".
CT_API ct_module *ct_module_list_get(ct_module *list, int64_t index);

/// nn.ModuleDict({keys[i]: modules[i]}): children in insertion order. Owns the modules,
/// also on failure. Keys follow add_module's rules (no '.', not empty).
CT_API ct_module *ct_module_dict_new(int n, const char *const *keys, ct_module *const *modules);
/// dict[key] = module. A key in use keeps its place; its previous module is freed (borrowed
/// pointers to it dangle). Owns module, also on failure.
CT_API ct_status ct_module_dict_set(ct_module *dict, const char *key, ct_module *module);
/// dict[key] (borrowed); NULL with PyTorch's KeyError text "'key'" when absent.
CT_API ct_module *ct_module_dict_get(ct_module *dict, const char *key);
/// key in dict.
CT_API bool ct_module_dict_contains(const ct_module *dict, const char *key);
/// len(dict).
CT_API int ct_module_dict_len(const ct_module *dict);

/// Module.apply(fn): calls fn(module, ctx) on every child, recursively, then on m itself
/// (PyTorch's order: children first). Returns m (NULL for a NULL m or fn).
CT_API ct_module *ct_module_apply(ct_module *m, void (*fn)(ct_module *m, void *ctx), void *ctx);

// ---- Bilinear ----

/// F.bilinear(x1, x2, weight, bias): out[..., o] = x1[..., :] W[o] x2[..., :]^T + b[o] for
/// x1 (..., in1), x2 (..., in2) with the same batch dims, weight (out, in1, in2), bias
/// (out) or NULL. PyTorch's checks and messages ("bilinear(): input1 size does not match
/// weight size: got 4 but expected 3" ...) and graph: AddBackward0 over
/// ReshapeAliasBackward0 over TrilinearBackward0. One dtype throughout ("expected scalar
/// type Double but found Float").
CT_API ct_tensor *ct_bilinear(ct_tensor *input1, ct_tensor *input2, ct_tensor *weight, ct_tensor *bias);
/// nn.Bilinear(in1, in2, out, bias): weight (out, in1, in2) and bias (out) drawn from
/// U(-1/sqrt(in1), 1/sqrt(in1)) as PyTorch's reset_parameters draws them (same values after
/// the same seed). Repr "Bilinear(in1_features=3, in2_features=4, out_features=5,
/// bias=True)". Its forward takes two inputs: call ct_bilinear_forward (ct_module_forward
/// fails as Python's one-argument call does).
CT_API ct_module *ct_bilinear_new(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias);
/// bilinear(input1, input2) of a module from ct_bilinear_new.
CT_API ct_tensor *ct_bilinear_forward(ct_module *bilinear, ct_tensor *input1, ct_tensor *input2);

// ---- EmbeddingBag ----

/// How EmbeddingBag combines a bag's rows (values as PyTorch's mode enum).
typedef enum ct_embedding_bag_mode {
  CT_EMBEDDING_BAG_SUM = 0,
  CT_EMBEDDING_BAG_MEAN = 1, ///< PyTorch's default
  CT_EMBEDDING_BAG_MAX = 2,
} ct_embedding_bag_mode;

/// F.embedding_bag(input, weight, offsets, mode=..., per_sample_weights=...,
/// include_last_offset=..., padding_idx=...): one row per bag, (bags, dim). A 1-D input
/// (int64 or int32) is cut into bags at `offsets` (1-D, starting at 0, non-decreasing; the
/// last bag runs to the end, or, with include_last_offset, offsets' last entry ends the
/// last bag); a 2-D input (offsets NULL) has one bag per row. Sum (scaled by
/// per_sample_weights, shaped like input, sum mode only), mean, or max per feature; rows at
/// padding_idx (CT_NO_PADDING_IDX: none; negative counts from the end) are skipped, and an
/// empty bag gives zeros. grad_fn EmbeddingBagBackward0 with gradients to weight and
/// per_sample_weights. PyTorch's checks and messages (the index message is FBGEMM's for
/// float32 sum/mean). Sum and mean add a bag's rows in order, as PyTorch's kernel.
CT_API ct_tensor *ct_embedding_bag(ct_tensor *input, ct_tensor *weight, ct_tensor *offsets, ct_embedding_bag_mode mode,
                                   ct_tensor *per_sample_weights, bool include_last_offset, int64_t padding_idx);
/// nn.EmbeddingBag(num, dim, mode=..., include_last_offset=..., padding_idx=...): weight
/// (num, dim) from N(0, 1) (PyTorch's draws), the padding row zeroed. Repr
/// "EmbeddingBag(10, 3, mode=mean, padding_idx=2)". ct_module_forward takes a 2-D input;
/// ct_embedding_bag_forward also offsets and per_sample_weights (either may be NULL).
CT_API ct_module *ct_embedding_bag_new(int64_t num_embeddings, int64_t embedding_dim, ct_embedding_bag_mode mode,
                                       bool include_last_offset, int64_t padding_idx);
/// embedding_bag(input, offsets, per_sample_weights) of a module from ct_embedding_bag_new.
CT_API ct_tensor *ct_embedding_bag_forward(ct_module *embedding_bag, ct_tensor *input, ct_tensor *offsets,
                                           ct_tensor *per_sample_weights);

// ---- losses and distances (ct_reduction: loss.h) ----

/// F.kl_div's 'batchmean' (valid for ct_kl_div only): the summed loss divided by the
/// input's first size.
#define CT_REDUCTION_BATCHMEAN ((ct_reduction)3)

/// F.smooth_l1_loss(input, target, reduction, beta): z = |input - target|, z < beta ?
/// 0.5 z^2 / beta : z - 0.5 beta; PyTorch's fused kernel (SmoothL1LossBackward0 for every
/// reduction; gradients to input and target). beta 0 is L1 ("smooth_l1_loss does not
/// support negative values for beta."). Broadcasting and dtypes as ct_mse_loss.
CT_API ct_tensor *ct_smooth_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double beta);
/// F.huber_loss(input, target, reduction, delta): z < delta ? 0.5 z^2 : delta (z - 0.5
/// delta) (HuberLossBackward0; "huber_loss does not support non-positive values for delta.").
CT_API ct_tensor *ct_huber_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double delta);
/// F.kl_div(input, target, reduction, log_target): input holds log-probabilities; the
/// pointwise loss is target * (log target - input) (xlogy: 0 where target is 0), or with
/// log_target exp(target) * (target - input). Reductions none / mean / sum /
/// CT_REDUCTION_BATCHMEAN; PyTorch's composite, so the same grad_fn graph ("kl_div:
/// Integral inputs not supported." for integer inputs). No warning for 'mean'.
CT_API ct_tensor *ct_kl_div(ct_tensor *input, ct_tensor *target, ct_reduction reduction, bool log_target);
/// F.cosine_similarity(x1, x2, dim, eps) (PyTorch's defaults dim 1, eps 1e-8): inputs
/// broadcast together, sum(x1 / |x1| * x2 / |x2|, dim) with each norm at least eps;
/// PyTorch 1.13's formula and graph (SumBackward1 over MulBackward0 ...). Integer inputs
/// are converted to the common floating dtype; an integer common dtype fails ("expected
/// common dtype to be floating point, yet common dtype is Long").
CT_API ct_tensor *ct_cosine_similarity(ct_tensor *x1, ct_tensor *x2, int dim, double eps);

// ---- nn.utils: gradient clipping and parameter vectors ----
// `params` is an array of n parameters (ct_module_parameters gives a module's).

/// clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite): the total norm of
/// the gradients (the norm_type-norm of their norms; norm_type INFINITY: the largest |g|),
/// then every gradient is multiplied in place by min(max_norm / (total + 1e-6), 1) with
/// PyTorch 1.13's arithmetic (reciprocal, then times max_norm, in total's dtype).
/// Parameters without a gradient are skipped. Returns the total norm (a 0-d tensor; 0.0
/// float32 when no parameter has a gradient). error_if_nonfinite: a NaN or infinite total
/// fails with PyTorch's message, before anything is scaled.
CT_API ct_tensor *ct_clip_grad_norm_(ct_tensor *const *params, int n, double max_norm, double norm_type,
                                     bool error_if_nonfinite);
/// clip_grad_value_(params, clip_value): every gradient clamped in place to
/// [-clip_value, clip_value].
CT_API ct_status ct_clip_grad_value_(ct_tensor *const *params, int n, double clip_value);
/// parameters_to_vector(params): the parameters flattened and concatenated (CatBackward0
/// over ViewBackward0: gradients flow back). A parameter that cannot be viewed flat
/// fails with view's message; n = 0 with torch.cat's.
CT_API ct_tensor *ct_parameters_to_vector(ct_tensor *const *params, int n);
/// vector_to_parameters(vec, params): consecutive slices of vec, viewed as each
/// parameter's shape, are copied into the parameters (PyTorch makes each parameter a view
/// of vec instead, sharing its memory and dtype). A vec too short fails with view's
/// message ("shape '[2, 3]' is invalid for input of size 4"), leaving the parameters
/// before it already set, as in PyTorch.
CT_API ct_status ct_vector_to_parameters(ct_tensor *vec, ct_tensor *const *params, int n);

#ifdef __cplusplus
}
#endif
#endif

/// @file loss.h
/// @brief Loss functions (torch.nn.functional's losses).
///
/// Each loss is one fused kernel with its own backward node, named as PyTorch names it
/// (BinaryCrossEntropyBackward0, MseLossBackward0, NllLossBackward0 ...). Inputs are
/// float32 or float64; `weight`-like arguments may be NULL (PyTorch's None). The result is
/// a 0-d tensor for CT_REDUCTION_MEAN / CT_REDUCTION_SUM and an elementwise tensor for
/// CT_REDUCTION_NONE. BCE, MSE, L1 and NLL follow PyTorch 1.13's CPU kernels bit for bit on
/// contiguous same-shape inputs (including the cascade summation of their reductions);
/// BCE with logits uses glibc's exp/log where PyTorch uses SLEEF, so it matches to float
/// rounding. Losses run single-threaded, like PyTorch's reductions on this machine.
#ifndef CTORCH_LOSS_H
#define CTORCH_LOSS_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// How the elementwise losses are combined (values as PyTorch's at::Reduction).
typedef enum ct_reduction {
  CT_REDUCTION_NONE = 0, ///< 'none': one loss per element
  CT_REDUCTION_MEAN = 1, ///< 'mean' (PyTorch's default): sum / count (weighted for NLL)
  CT_REDUCTION_SUM = 2,  ///< 'sum'
} ct_reduction;

/// PyTorch's default ignore_index for nll_loss / cross_entropy.
#define CT_IGNORE_INDEX_DEFAULT (-100)

/// F.binary_cross_entropy: -(t*max(log x, -100) + (1-t)*max(log(1-x), -100)) * weight.
/// `input` and `target` must have the same shape (PyTorch's "Using a target size ...
/// is deprecated" error otherwise), input values in [0, 1]. `weight` (nullable)
/// broadcasts to the input's shape. Gradients flow to input and target; weight cannot
/// require grad (as in PyTorch). grad_fn BinaryCrossEntropyBackward0.
CT_API ct_tensor *ct_binary_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                          ct_reduction reduction);

/// F.binary_cross_entropy_with_logits: BCE on sigmoid(input), computed stably from the
/// logits. `weight` and `pos_weight` (both nullable; pos_weight weighs the positive term,
/// usually one value per class along the last dim) broadcast to the input's shape.
/// grad_fn BinaryCrossEntropyWithLogitsBackward0.
CT_API ct_tensor *ct_binary_cross_entropy_with_logits(ct_tensor *input, ct_tensor *target,
                                                      ct_tensor *weight, ct_tensor *pos_weight,
                                                      ct_reduction reduction);

/// F.mse_loss: (input - target)^2, input and target broadcast together (PyTorch warns when
/// their sizes differ; ctorch does not print warnings). Mixed float dtypes promote.
/// grad_fn MseLossBackward0.
CT_API ct_tensor *ct_mse_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction);

/// F.l1_loss: |input - target|, broadcasting like ct_mse_loss. PyTorch 1.13 builds it from
/// sub, abs and mean/sum, so its grad_fn is AbsBackward0 / MeanBackward0 / SumBackward0 for
/// none / mean / sum; ctorch computes it in one fused node carrying that name.
CT_API ct_tensor *ct_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction);

/// F.nll_loss: -input[n, target[n]] * weight[target[n]]. `input` holds log-probabilities:
/// (C) with a 0-d target, (N, C) with target (N), or (N, C, d1, ...) with target
/// (N, d1, ...). `target` is int64; entries equal to `ignore_index` contribute nothing
/// (pass CT_IGNORE_INDEX_DEFAULT for PyTorch's default). `weight` (nullable) has C
/// entries. 'mean' divides by the summed weight of the counted targets. grad_fn
/// NllLossBackward0 (NllLoss2DBackward0 for inputs with more than two dims, as PyTorch).
CT_API ct_tensor *ct_nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                              int64_t ignore_index, ct_reduction reduction);

/// F.cross_entropy with class-index targets: nll_loss(log_softmax(input, class dim)).
/// Class-probability targets (a float target shaped like input) are not supported.
/// Shapes, weight, ignore_index and reduction as ct_nll_loss (class dim is 0 for 1-D input,
/// 1 otherwise). `label_smoothing` in [0, 1] mixes in the uniform distribution with
/// PyTorch's formula (1-ls)*nll + ls/C * smooth loss; values <= 0 disable it. grad_fn
/// NllLossBackward0 <- LogSoftmaxBackward0 (AddBackward0 on top with label smoothing).
CT_API ct_tensor *ct_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                   int64_t ignore_index, double label_smoothing,
                                   ct_reduction reduction);

#ifdef __cplusplus
}
#endif
#endif

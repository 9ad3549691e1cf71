/// @file norm.h
/// @brief Normalisation (torch.nn.functional.batch_norm, layer_norm, group_norm), channel
/// dropout (dropout2d) and constant padding (pad): the functional forms behind the layers
/// of nn.h.
///
/// Float32 and float64 with PyTorch 1.13's argument checks, messages and grad_fn names.
/// The loops are PyTorch's CPU kernels' (batch_norm's sums in double, its running-statistics
/// update in PyTorch's mixed precision, layer and group norm's Welford moments), so results
/// agree with PyTorch's to float rounding, and bit for bit for layer_norm, group_norm's
/// forward and float32 batch_norm on contiguous input (PyTorch set to one thread, whose
/// (N, C) batch_norm sums depend on its thread count). A strided input is normalised as its
/// contiguous copy.
/// Optional tensors (weight, bias, running statistics) are NULL when absent.
#ifndef CTORCH_NORM_H
#define CTORCH_NORM_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
/// on input (N, C, ...): normalises each channel c over every dim but dim 1 with
/// (x - mean) / sqrt(var + eps) * weight + bias (NativeBatchNormBackward0). training:
/// the batch's mean and biased variance, and running_mean / running_var (when given) are
/// updated in place to (1 - momentum) * running + momentum * batch statistic, with the
/// unbiased variance (PyTorch's kernel writes them without a version bump, so neither does
/// this); needs more than one value per channel. Otherwise the running statistics
/// normalise ("running_mean must be defined in evaluation mode"). Statistics and weight
/// and bias hold C values ("running_mean should contain 3 elements not 2") of the input's
/// dtype ("mixed dtype (CPU): expect parameter to have scalar type of Float", "expected
/// scalar type Float but found Double", as PyTorch's CPU checks); running statistics must
/// not require grad. An input without elements gives input.clone() * weight[0] + bias[0]
/// (PyTorch's shortcut) and leaves the running statistics alone.
CT_API ct_tensor *ct_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                                ct_tensor *bias, bool training, double momentum, double eps);
/// F.layer_norm(input, normalized_shape, weight, bias, eps): normalises over the last
/// n_dims dims, which must equal normalized_shape ("Given normalized_shape=[4], expected
/// input with shape [*, 4], but got input of size[2, 3]"), with the biased variance;
/// weight and bias have normalized_shape (NativeLayerNormBackward0).
CT_API ct_tensor *ct_layer_norm(ct_tensor *input, int n_dims, const int64_t *normalized_shape, ct_tensor *weight,
                                ct_tensor *bias, double eps);
/// F.group_norm(input, num_groups, weight, bias, eps) on input (N, C, ...): the C channels
/// form num_groups groups of C / num_groups, each normalised over its channels and the
/// spatial dims of one sample; weight and bias (C values) scale and shift per channel
/// (NativeGroupNormBackward0). "Expected number of channels in input to be divisible by
/// num_groups, but got input of shape [2, 4, 3] and num_groups=3".
CT_API ct_tensor *ct_group_norm(ct_tensor *input, int64_t num_groups, ct_tensor *weight, ct_tensor *bias, double eps);
/// F.dropout2d(input, p, training): zeroes whole channels input[n, c] with probability p
/// and scales the others by 1 / (1 - p): input * mask, the mask drawn by PyTorch's
/// bernoulli_(1 - p) on an (N, C, 1, ...) tensor of the input's dtype from the global
/// generator (MulBackward0; PyTorch's draws after ct_manual_seed). Returns the input itself
/// (a new reference) when not training, for p = 0 or an empty input; input * 0 for p = 1.
/// Like PyTorch 1.13 a 3-D input is taken as (N, C, L), and inputs other than 3-D or 4-D
/// work as PyTorch's do after its deprecation warning (ctorch prints no warnings); fewer
/// than 2 dims fail in training ("Feature dropout requires at least 2 dimensions in the
/// input").
CT_API ct_tensor *ct_dropout2d(ct_tensor *input, double p, bool training);
/// F.pad(input, pads, mode='constant', value): pads[2k], pads[2k+1] are the (left, right)
/// amounts of the k-th dim from the last; negative amounts crop. Any dtype (value is
/// converted as fill_ does). "Padding length must be divisible by 2", "Padding length too
/// large", and narrow's and constant_pad_nd's messages for crops past a dim
/// (ConstantPadNdBackward0, whose gradient is the grad cropped back).
CT_API ct_tensor *ct_pad(ct_tensor *input, const int64_t *pads, int n_pads, double value);

#ifdef __cplusplus
}
#endif
#endif

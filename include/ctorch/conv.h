/// @file conv.h
/// @brief Convolution and pooling (torch.nn.functional's conv and pool ops).
///
/// Inputs are batched (N, C, H, W) or unbatched (C, H, W) (for the 1-d ops (N, C, L) or
/// (C, L)), float32 or float64. Arguments, output sizes, grad_fn names and error messages
/// are PyTorch 1.13's.
#ifndef CTORCH_CONV_H
#define CTORCH_CONV_H
#include "ctorch/tensor.h"
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- pooling ----

/// Window options of the pooling ops, per spatial dim (H, W); the 1-d ops use [0] of
/// each pair. Start from ct_pool_defaults(): a zeroed struct has dilation 0 (an error, as
/// in PyTorch) and count_include_pad false.
typedef struct ct_pool_options {
  int64_t stride[2];      ///< 0: the kernel size (PyTorch's stride=None)
  int64_t padding[2];     ///< implicit padding on both sides (-inf for max, 0 for avg)
  int64_t dilation[2];    ///< max pooling only: the step between window elements
  bool ceil_mode;         ///< round output sizes up instead of down
  bool count_include_pad; ///< avg_pool2d: padding counts in the divisor
} ct_pool_options;

/// PyTorch's defaults: stride 0 (= the kernel), padding 0, dilation 1, ceil_mode false,
/// count_include_pad true.
CT_API ct_pool_options ct_pool_defaults(void);

/// F.max_pool1d(input, kernel, stride, padding, dilation, ceil_mode) on (N, C, L) or
/// (C, L). NaN propagates; the first maximum of a window wins ties. With an input that
/// requires grad it runs as PyTorch does, through max_pool2d on input.unsqueeze(-2)
/// (grad_fn SqueezeBackward1 over MaxPool2DWithIndicesBackward0 over
/// UnsqueezeBackward0), and reports that path's messages; otherwise PyTorch's
/// max_pool1d checks ("max_pool1d() kernel_size must be greater than zero, ..."), which
/// allow an empty output.
CT_API ct_tensor *ct_max_pool1d(ct_tensor *input, int64_t kernel, ct_pool_options o);
/// F.max_pool1d(..., return_indices=True): the result, and in *indices (int64, the
/// result's shape) the position along L of each maximum. Always the max_pool2d path.
CT_API ct_tensor *ct_max_pool1d_with_indices(ct_tensor *input, int64_t kernel, ct_pool_options o,
                                             ct_tensor **indices);
/// F.max_pool2d(input, kernel, stride, padding, dilation, ceil_mode) on (N, C, H, W) or
/// (C, H, W); kernel is (kH, kW). NaN propagates; the first maximum (row-major within
/// the window) wins ties. grad_fn MaxPool2DWithIndicesBackward0. Output sizes are
/// PyTorch's (with ceil_mode the last window must start inside the input or its left
/// padding); padding may be at most half the kernel. A channels-last input gives a
/// channels-last result, as in PyTorch.
CT_API ct_tensor *ct_max_pool2d(ct_tensor *input, const int64_t kernel[2], ct_pool_options o);
/// F.max_pool2d(..., return_indices=True): also sets *indices (int64, the result's shape
/// and layout, no grad) to the flat position ih * W + iw within its plane of each
/// maximum (with NaNs: the last NaN of the window). *indices is NULL on failure.
CT_API ct_tensor *ct_max_pool2d_with_indices(ct_tensor *input, const int64_t kernel[2], ct_pool_options o,
                                             ct_tensor **indices);
/// F.avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad) on
/// (N, C, H, W) or (C, H, W): each window's sum (in window order, as PyTorch's CPU
/// kernel, so results are PyTorch's bits) divided by the window size, counting the
/// padding when count_include_pad (windows that reach past the padded input in ceil mode
/// count only up to its edge). o.dilation is ignored. float32, float64 and int64 (integer
/// division, no gradient). grad_fn AvgPool2DBackward0. PyTorch's divisor_override is not
/// offered.
CT_API ct_tensor *ct_avg_pool2d(ct_tensor *input, const int64_t kernel[2], ct_pool_options o);
/// F.adaptive_avg_pool2d(input, output_size) on (N, C, H, W) or (C, H, W): output cell
/// (i, j) averages rows floor(i*H/oH) .. ceil((i+1)*H/oH) - 1 and the columns likewise.
/// An output size of (1, 1) is, as in PyTorch, input.mean((-1, -2), keepdim=True)
/// (grad_fn MeanBackward1); otherwise grad_fn AdaptiveAvgPool2DBackward0. PyTorch's None
/// entries of output_size are not offered.
CT_API ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2]);

#ifdef __cplusplus
}
#endif
#endif

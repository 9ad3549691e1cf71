/// @file conv.h
/// @brief Convolution and pooling (torch.nn.functional's conv1d, conv2d, conv_transpose2d,
/// max_pool1d/2d, avg_pool2d, adaptive_avg_pool2d), with PyTorch 1.13's argument rules
/// and error messages.
///
/// Layouts are PyTorch's: inputs (N, C, L) or (N, C, H, W), or unbatched (C, L) /
/// (C, H, W), which give unbatched results. The layer versions (Conv1d, Conv2d,
/// ConvTranspose2d ...) are in nn.h.
///
/// ```c
/// ct_conv_options o = ct_conv_defaults();
/// o.padding[0] = o.padding[1] = 1;
/// ct_tensor *y = ct_conv2d(x, w, b, o);   // F.conv2d(x, w, b, padding=1)
/// ```
#ifndef CTORCH_CONV_H
#define CTORCH_CONV_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- convolution ----

/// How a convolution's padding is given: the `padding` numbers, or PyTorch's strings.
typedef enum ct_padding_mode {
  CT_PADDING_EXPLICIT = 0, ///< padding[] zeros on each side (PyTorch's int or tuple)
  CT_PADDING_SAME,         ///< padding='same': output size = input size (stride 1 only)
  CT_PADDING_VALID,        ///< padding='valid': no padding
} ct_padding_mode;

/// Arguments of the convolutions and of their layers. Start from ct_conv_defaults() and
/// set what differs; the pairs are (height, width), and 1-D convolutions use element
/// [0] of each. A zero or negative stride, a negative padding and so on are PyTorch's
/// errors, not defaults.
typedef struct ct_conv_options {
  int64_t stride[2], padding[2], dilation[2];
  int64_t output_padding[2]; ///< transposed convolutions only (ignored by the others)
  int64_t groups;
  ct_padding_mode padding_mode; ///< 'same' / 'valid' (not for transposed convolutions)
  bool bias;                    ///< layers only: whether the layer has a bias
} ct_conv_options;

/// PyTorch's defaults: stride 1, padding 0, dilation 1, output_padding 0, groups 1,
/// explicit padding, bias true.
CT_API ct_conv_options ct_conv_defaults(void);

/// F.conv1d(input, weight, bias, stride, padding, dilation, groups): input (N, C_in, L)
/// or (C_in, L), weight (C_out, C_in / groups, k), bias (C_out) or NULL. grad_fn
/// ConvolutionBackward0 (SqueezeBackward1 over it for an unbatched input). Float32,
/// float64, int32 and int64 (int32 not with dilation; no gradients for integers).
CT_API ct_tensor *ct_conv1d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o);
/// F.conv2d: input (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in / groups, kh, kw),
/// bias (C_out) or NULL. 'same' with an even kernel extent pads the input's end by one
/// first, as PyTorch does (grad_fn ConstantPadNdBackward0 below the convolution).
CT_API ct_tensor *ct_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o);
/// F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
/// dilation): input (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out / groups, kh,
/// kw), bias (C_out) or NULL. Output size (H - 1) * stride - 2 * padding + dilation *
/// (kh - 1) + output_padding + 1. Float32, float64 and int64, as PyTorch's CPU kernel.
CT_API ct_tensor *ct_conv_transpose2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o);

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

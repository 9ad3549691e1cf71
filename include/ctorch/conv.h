/// @file conv.h
/// @brief Convolution and pooling (torch.nn.functional's conv1d, conv2d, conv_transpose2d,
/// and the pooling ops), with PyTorch 1.13's argument rules and error messages.
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

#ifdef __cplusplus
}
#endif
#endif

// Convolution kernel family (kernels/cpu/conv*.c): the three linear maps of a 2-D
// convolution over dense, contiguous operands of one dtype on the operands' device. A
// 1-D convolution is a 2-D one of height 1.
//
// Everything is described as a direct convolution: `in` (batch, in_channels, in_size)
// convolved with `weight` (out_channels, in_channels / groups, kernel) gives `out`
// (batch, out_channels, out_size). A transposed convolution is the same geometry read
// the other way: its input is `out`, its output `in`, and its weight (in PyTorch's
// (in, out / groups, kh, kw) layout) is exactly `weight`. So the three maps serve both:
//
//   map         direct convolution            transposed convolution
//   forward     forward                       gradient of its input
//   transpose   gradient of its input         forward
//   weight_grad gradient of its weight        gradient of its weight (out = its input)
//
// The CPU backend unfolds `in` into columns (im2col), multiplies by the weight through
// the blas family, and folds columns back (col2im), calling BLAS exactly as PyTorch's
// slow_conv2d, slow_conv_dilated2d and slow_conv_transpose2d do; where PyTorch runs
// oneDNN (not `exact`) it convolves float32 directly in oneDNN's order of sums
// (cpu/conv_direct.c).
#ifndef CTORCH_SRC_KERNELS_CONV_H
#define CTORCH_SRC_KERNELS_CONV_H
#include "ctorch/dtype.h"
#include <stdint.h>

/// The geometry of a direct 2-D convolution. Every size is at least 1 and groups divides
/// both channel counts. Output position (y, x) reads the window of `in` rows
/// y * stride[0] - padding[0] + i * dilation[0] (i < kernel[0]), likewise for columns;
/// window elements outside `in` read as zeros. A direct convolution's out_size is the
/// largest that keeps every window's last element inside the padded input; a transposed
/// one's `in` may be larger than its windows reach (output_padding): the part no window
/// covers gets only the bias.
typedef struct ct_conv_args {
  int64_t batch, groups;
  int64_t in_channels, out_channels; ///< all groups
  int64_t in_size[2], out_size[2];   ///< (height, width)
  int64_t kernel[2], stride[2], padding[2], dilation[2];
  /// Follow PyTorch's slow paths (their BLAS calls and order of sums). False where
  /// PyTorch itself runs oneDNN: a backend then sums in oneDNN's order where it can
  /// (the CPU backend's float32 maps and bias gradient), else in any order.
  bool exact;
} ct_conv_args;

/// out = weight ⋆ in, plus bias[c] on output channel c when bias is not NULL.
typedef void (*ct_conv_forward_fn)(const ct_conv_args *a, const void *in, const void *weight, const void *bias,
                                   void *out, void *work);
/// in = the transpose of forward applied to out (each `in` element receives the sum of
/// the products it took part in, in PyTorch's col2im order), plus bias[c] on `in`
/// channel c when bias is not NULL. `in` is overwritten.
typedef void (*ct_conv_transpose_fn)(const ct_conv_args *a, const void *out, const void *weight, const void *bias,
                                     void *in, void *work);
/// grad_weight = the gradient of sum(forward(in) * out) with respect to the weight:
/// for each weight element the sum over the batch (in batch order) of out ⋆ in.
/// grad_weight is overwritten.
typedef void (*ct_conv_weight_grad_fn)(const ct_conv_args *a, const void *out, const void *in, void *grad_weight,
                                       void *work);

/// grad_bias[c] = the sum of `out`'s channel c over the batch and positions, for a
/// convolution that is not `exact` (an exact one sums as ct_sum_dims does). grad_bias
/// is overwritten.
typedef void (*ct_conv_bias_grad_fn)(const ct_conv_args *a, const void *out, void *grad_bias);

typedef struct ct_conv_kernels {
  /// Elements of the operands' dtype that the functions below need as scratch space
  /// (`work`, device memory); 0 when they need none.
  int64_t (*workspace)(const ct_conv_args *a);
  /// Entries by dtype; NULL where a dtype is not supported (bool): op code reports
  /// PyTorch's error before calling.
  ct_conv_forward_fn forward[CT_NUM_DTYPES];
  ct_conv_transpose_fn transpose[CT_NUM_DTYPES];
  ct_conv_weight_grad_fn weight_grad[CT_NUM_DTYPES];
  /// NULL where a dtype's bias gradient is ct_sum_dims' even when not `exact`.
  ct_conv_bias_grad_fn bias_grad[CT_NUM_DTYPES];
} ct_conv_kernels;

#endif

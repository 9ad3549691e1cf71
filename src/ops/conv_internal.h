// Shared plumbing of the convolution ops (src/ops/conv*.c): PyTorch's at::convolution
// with its argument checks, and the plan those checks produce for the kernels.
#ifndef CTORCH_SRC_OPS_CONV_INTERNAL_H
#define CTORCH_SRC_OPS_CONV_INTERNAL_H
#include "autograd/node.h"
#include "kernels/conv.h"

/// at::convolution's arguments. `spatial` is how many entries the caller's lists have
/// (1 for conv1d, 2 for conv2d / conv_transpose2d); the weight's rank decides how many
/// the convolution needs, and PyTorch rejects lists that cannot be expanded to it.
typedef struct ct__conv_params {
  int spatial;
  bool transposed;
  int64_t stride[2], padding[2], dilation[2], output_padding[2];
  int64_t groups;
} ct__conv_params;

/// The CPU backend PyTorch 1.13 would pick (its _select_conv_backend). ctorch computes
/// all of them with the same kernels; the choice decides which of PyTorch's backend
/// checks run, in which order and with which wording.
typedef enum ct__conv_backend {
  CT_CONV_EMPTY,          ///< zero batch or zero channels: no kernel runs
  CT_CONV_MKLDNN,         ///< oneDNN (float32, most shapes)
  CT_CONV_SLOW_2D,        ///< slow_conv2d (im2col + GEMM)
  CT_CONV_SLOW_DILATED,   ///< slow_conv_dilated2d
  CT_CONV_SLOW_TRANSPOSE, ///< slow_conv_transpose2d
} ct__conv_backend;

/// What the checks found: the backend, the geometry as a 2-D direct convolution (see
/// kernels/conv.h: for a transposed convolution `in` is its output), and the output.
typedef struct ct__conv_plan {
  ct__conv_backend backend;
  ct_conv_args args;
  int out_ndim;
  int64_t out_shape[4];
  bool convert_bias; ///< slow_conv2d / dilated: a bias of another dtype is converted
} ct__conv_plan;

/// Runs at::convolution's checks on input (3-D or 4-D, batched), weight and bias (NULL
/// for none) in PyTorch's order and wording, and fills *plan. Devices must have been
/// checked. CT_OK or the error's status.
ct_status ct__conv_check(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                         const ct__conv_params *p, ct__conv_plan *plan);

/// at::convolution: checks, then the convolution of a batched input; grad_fn
/// ConvolutionBackward0 with edges (input, weight, bias).
ct_tensor *ct__convolution(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const ct__conv_params *p);

#endif

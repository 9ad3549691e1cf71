// Shared pieces of the pooling ops (ops/pool_*.c): PyTorch 1.13's argument checks and
// output sizes (aten/src/ATen/native/Pool.h), the kernel operands of (C, H, W) and
// (N, C, H, W) tensors, and results laid out as PyTorch lays them out.
#ifndef CTORCH_SRC_OPS_POOL_INTERNAL_H
#define CTORCH_SRC_OPS_POOL_INTERNAL_H
#include "core/tensor_impl.h"
#include "ctorch/conv.h"
#include "kernels/operand.h"
#include "kernels/pool.h"

/// The window of a 2-D op from its kernel and options (a stride of 0 is the kernel),
/// every value checked to fit an int as PyTorch's max_pool2d / avg_pool2d take them
/// ("integer out of range"). `dilation` false: avg_pool2d's window (dilation 1).
ct_status ct__pool_window(const int64_t kernel[2], const ct_pool_options *o, bool dilation,
                          ct_pool_window *w);

/// PyTorch's pooling_output_shape for one dim: "stride should not be zero", "pad must be
/// non-negative, ...", "pad should be at most half of kernel size, ...", then
/// floor((in + 2 pad - dil (k - 1) - 1 (+ stride - 1 with ceil_mode)) / stride) + 1, less
/// one in ceil mode when the last window would start past the input and its left padding.
ct_status ct__pool_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                               bool ceil_mode, int64_t *out);

/// Output sizes (dims H, W) of a 3-D or 4-D input, then PyTorch's pool2d_shape_check:
/// kernel, stride and dilation positive, no empty non-batch dim, output at least 1x1.
ct_status ct__pool2d_output_sizes(const ct_tensor *input, const ct_pool_window *w, bool ceil_mode,
                                  int64_t out[2]);

/// "\"<op>\" not implemented for '<Type>'" unless t's dtype is float32/float64 (or int64
/// when `int64_ok`); PyTorch names its channels-last kernel "<op>_channels_last".
ct_status ct__pool_check_dtype(const ct_tensor *t, const char *op, bool int64_ok);

/// The descriptor of a (C, H, W) or (N, C, H, W) tensor as the 4-D operand the kernels
/// take (N = 1 for an unbatched one).
ct_operand ct__pool_operand(const ct_tensor *t);

/// True when PyTorch suggests the channels-last format for t (a 4-D tensor whose strides
/// make channels the fastest dim): its pooling kernels then run their channels-last
/// variants and lay results out that way.
bool ct__pool_channels_last(const ct_tensor *t);

/// A new tensor of `shape` (ndim 3 or 4) laid out as PyTorch lays out a pooling result
/// for `like`: channels-last when ct__pool_channels_last(like), else contiguous.
ct_tensor *ct__pool_alloc(ct_dtype dtype, int ndim, const int64_t *shape, const ct_tensor *like);

/// adaptive_avg_pool2d. `size_is_pair`: the size came as a pair (F.adaptive_avg_pool2d(x,
/// (h, w))), whose Python wrapper first wants 3 or more dims ("Input dimension should be
/// at least 3"); nn.AdaptiveAvgPool2d(n) passes an int, which skips that check.
ct_tensor *ct__adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2], bool size_is_pair);

#endif

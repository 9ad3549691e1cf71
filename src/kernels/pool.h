// Pooling kernel family (kernels/cpu/pool_*.c): max, average and adaptive average pooling
// over 2-D windows, forward and backward. Every operand is a 4-D (N, C, H, W) descriptor
// on one device with any byte strides (ops describe an unbatched input as N = 1). Each
// loop follows PyTorch 1.13's CPU kernel for its op (window bounds, tie and NaN rules,
// summation and division order), so results are PyTorch's bits.
#ifndef CTORCH_SRC_KERNELS_POOL_H
#define CTORCH_SRC_KERNELS_POOL_H
#include "kernels/operand.h"
#include <stdbool.h>
#include <stdint.h>

/// A pooling window, per spatial dim (H, W): every value positive except padding (>= 0,
/// at most half the kernel); the op has checked them.
typedef struct ct_pool_window {
  int64_t kernel[2], stride[2], padding[2], dilation[2];
} ct_pool_window;

/// out = the maximum of each window of `in` (NaN propagates, the first maximum wins
/// ties); `indices` (int64, out's shape; data NULL: not wanted) = the flat position
/// ih * W + iw of that element within its plane (with NaNs: the window's last NaN).
typedef void (*ct_max_pool_fn)(const ct_operand *in, const ct_operand *out, const ct_operand *indices,
                               const ct_pool_window *w);
/// grad_in (written whole) = 0, then grad_in[plane][indices[o]] += grad_out[o] for every
/// output position o of the plane, in row-major order.
typedef void (*ct_max_pool_backward_fn)(const ct_operand *grad_out, const ct_operand *indices,
                                        const ct_operand *grad_in);

/// out = the average of each window of `in` (dilation unused): the window's sum divided
/// by its size within the padded input (count_include_pad) or within the input.
/// `channels_last`: PyTorch ran its channels-last kernel for `in` (which keeps a -0.0
/// average where the other kernel, adding it to 0, gives +0.0).
typedef void (*ct_avg_pool_fn)(const ct_operand *in, const ct_operand *out, const ct_pool_window *w,
                               bool count_include_pad, bool channels_last);
/// grad_in (written whole) = the sum over windows containing each element of
/// grad_out / that window's divisor.
typedef void (*ct_avg_pool_backward_fn)(const ct_operand *grad_out, const ct_operand *grad_in,
                                        const ct_pool_window *w, bool count_include_pad);

/// Adaptive average pooling: out's (oH, oW) cells average the input ranges
/// [floor(i*H/oH), ceil((i+1)*H/oH)) of rows and likewise of columns. `channels_last`:
/// PyTorch ran its channels-last kernel for this operand (in for forward, grad_out for
/// backward), whose vectorised channels divide once by kh*kw where the others divide by
/// kh, then kw.
typedef void (*ct_adaptive_avg_pool_fn)(const ct_operand *in, const ct_operand *out, bool channels_last);
/// grad_in (written whole) = the sum over cells containing each element of
/// grad_out / the cell's size, divided as the forward divides.
typedef void (*ct_adaptive_avg_pool_backward_fn)(const ct_operand *grad_out, const ct_operand *grad_in,
                                                 bool channels_last);

/// Each member is indexed by dtype; NULL entries: dtype not supported.
typedef struct ct_pool_kernels {
  const ct_max_pool_fn *max;                                     ///< floating dtypes
  const ct_max_pool_backward_fn *max_backward;                   ///< floating dtypes
  const ct_avg_pool_fn *avg;                                     ///< floating dtypes and int64
  const ct_avg_pool_backward_fn *avg_backward;                   ///< floating dtypes
  const ct_adaptive_avg_pool_fn *adaptive_avg;                   ///< floating dtypes
  const ct_adaptive_avg_pool_backward_fn *adaptive_avg_backward; ///< floating dtypes
} ct_pool_kernels;

#endif

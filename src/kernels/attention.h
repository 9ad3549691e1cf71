// Attention kernel family (kernels/cpu/attention.c): the core of scaled dot-product
// attention, per (batch, head), in one call:
//
//   forward   w = softmax(mask + (q / scale) kᵀ),  out = w v
//   backward  dw = dout vᵀ,  dv = wᵀ dout,  ds = softmax'(w, dw),
//             dq = (ds k) / scale,  dk = (ds)ᵀ (q / scale)
//
// with the bits of the ops PyTorch's F.multi_head_attention_forward runs one by one
// (div, bmm, add, softmax, bmm and their backward formulas): each product is the blas
// family's bmm on the same sizes, each row the reduce family's softmax. What the fusion
// saves is the copies between them: q, k and v are read where they lie (strided heads of
// the in-projection's output), out and the gradients are written where they belong, and
// the per-head scores stay in cache.
//
// Operands are 4-D [batch, heads, len, dim] views with byte strides (any layout); `mask`
// ([batch, heads, tgt, src], stride 0 along broadcast dims) has ndim 0 when absent.
// `weights` (the softmax output, [batch, heads, tgt, src]) is contiguous: forward writes
// it, backward reads it.
#ifndef CTORCH_SRC_KERNELS_ATTENTION_H
#define CTORCH_SRC_KERNELS_ATTENTION_H
#include "kernels/operand.h"
#include <stdbool.h>

typedef struct ct_attention_args {
  ct_operand q, k, v, mask;          // q [B, H, tgt, E], k [B, H, src, E], v [B, H, src, Ev]
  ct_operand weights;                // [B, H, tgt, src], contiguous
  double scale;                      // q is divided by it (as the dtype, like a Python float)
  ct_operand out;                    // forward: [B, H, tgt, Ev]
  ct_operand grad_out;               // backward: the gradient of out
  ct_operand grad_q, grad_k, grad_v; // backward: written (not accumulated)
} ct_attention_args;

typedef struct ct_attention_kernels {
  /// Whether forward and backward compute these sizes with the composed ops' bits (a
  /// backend answers false where its products would depend on the operands' layouts).
  bool (*fits)(ct_dtype dtype, int64_t tgt, int64_t src, int64_t head_dim, int64_t value_dim);
  /// Each returns false, having written nothing certain, when it is out of memory.
  bool (*forward[CT_NUM_DTYPES])(const ct_attention_args *args);
  bool (*backward[CT_NUM_DTYPES])(const ct_attention_args *args);
} ct_attention_kernels;

#endif

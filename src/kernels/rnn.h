// Recurrent-cell kernel family (kernels/cpu/rnn*.c): the pointwise part of one time step
// of an RNN (tanh, relu), LSTM or GRU layer, forward and backward, over `rows` batch rows.
//
// The op (src/ops/rnn_layer.c) does the matrix products: the input projections of all
// time steps in one GEMM up front (blas family), the hidden projection of each step in
// one product (`hidden_product`, or the blas family's gemm), the hidden-state gradient
// of each backward step in one more. Everything between those products is one call here
// per step.
//
// Gate widths G: RNN H, LSTM 4H (gates i, f, g, o), GRU 3H (gates r, z, n). Each step
// keeps, per row, what backward needs in a `saved` row of `ct_rnn_saved_width(mode, H)`
// elements:
//   RNN   [h' | h]                          (h' the new state, h the previous one)
//   LSTM  [i f g o | tanh(c') | h | c]      (activated gates, previous h and c)
//   GRU   [r z n | W_hn h + b_hn | h]
// All pointers are dense row-major arrays of the op's dtype with the row strides given.
#ifndef CTORCH_SRC_KERNELS_RNN_H
#define CTORCH_SRC_KERNELS_RNN_H
#include "ctorch/dtype.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum ct_rnn_mode {
  CT_RNN_MODE_TANH,
  CT_RNN_MODE_RELU,
  CT_RNN_MODE_LSTM,
  CT_RNN_MODE_GRU
} ct_rnn_mode;

/// Gates per hidden unit: 1, 1, 4, 3.
static inline int64_t ct_rnn_gates(ct_rnn_mode mode) {
  return mode == CT_RNN_MODE_LSTM ? 4 : mode == CT_RNN_MODE_GRU ? 3 : 1;
}
/// Elements of one saved row (see above).
static inline int64_t ct_rnn_saved_width(ct_rnn_mode mode, int64_t hidden) {
  return (mode == CT_RNN_MODE_LSTM ? 7 : mode == CT_RNN_MODE_GRU ? 5 : 2) * hidden;
}

/// One forward step. In: gi (rows × G, row stride ld_gi: x W_ih^T without bias), gh
/// (rows × G, row stride G: h W_hh^T without bias), b_ih / b_hh (G each, or NULL), the
/// state h (and c for LSTM; rows × H, row stride H). Out: h (and c) updated in place to
/// the new state, y (rows × H, row stride ld_y) a copy of the new h, saved (rows ×
/// saved width, row stride ld_saved).
typedef struct ct_rnn_step_args {
  ct_rnn_mode mode;
  int64_t rows, hidden;
  const void *gi;
  int64_t ld_gi;
  const void *gh, *b_ih, *b_hh;
  void *h, *c, *y;
  int64_t ld_y;
  void *saved;
  int64_t ld_saved;
} ct_rnn_step_args;

/// One backward step. In: saved (as written by the forward step), dy (rows × H, row
/// stride ld_dy: the gradient of this step's output), dh / dc (rows × H, row stride H:
/// the gradient reaching the new state from later steps and h_n / c_n). Out: dgi (rows
/// × G, row stride G: the gradient of the input projection's pre-bias sum) and dgh
/// (likewise for the hidden projection; the same array as dgi except for GRU, whose n
/// gate differs); dc becomes the gradient of the previous c (LSTM); for GRU, dh becomes
/// the part of the previous h's gradient that bypasses W_hh (the op adds dgh W_hh).
typedef struct ct_rnn_step_grad_args {
  ct_rnn_mode mode;
  int64_t rows, hidden;
  const void *saved;
  int64_t ld_saved;
  const void *dy;
  int64_t ld_dy;
  void *dh, *dc, *dgi, *dgh;
} ct_rnn_step_grad_args;

/// C (m × n, row stride ldc) = A (m × k, row stride lda) @ B (k × n, dense row-major):
/// a step's hidden projection h @ W_hh^T with B = W_hh^T laid out once per layer, and a
/// backward step's dh = dgates @ W_hh with B = W_hh. C is overwritten; m, n, k >= 1.
typedef struct ct_rnn_product_args {
  int64_t m, n, k;
  const void *a;
  int64_t lda;
  const void *b;
  void *c;
  int64_t ldc;
} ct_rnn_product_args;

typedef void (*ct_rnn_step_fn)(const ct_rnn_step_args *a);
typedef void (*ct_rnn_product_fn)(const ct_rnn_product_args *a);
typedef void (*ct_rnn_step_grad_fn)(const ct_rnn_step_grad_args *a);

typedef struct ct_rnn_kernels {
  /// Entries by dtype; NULL where a dtype is not supported (float32/float64 only).
  ct_rnn_step_fn step[CT_NUM_DTYPES];
  ct_rnn_step_grad_fn step_backward[CT_NUM_DTYPES];
  /// The hidden projection of a forward step (and the hidden-state gradient of a backward
  /// one, but GRU's, which accumulates) where the backend has a faster one than its
  /// general GEMM; NULL entries: the op uses the blas family's gemm.
  const ct_rnn_product_fn *hidden_product;
} ct_rnn_kernels;

#endif

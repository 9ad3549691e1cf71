// Loss kernel family (kernels/cpu/loss_*.c): the loops of the fused losses (src/nn/loss_*.c)
// over dense, contiguous operands of one floating dtype on the operands' device. Each
// follows PyTorch 1.13's CPU kernel for that loss (operation order, rounding, the
// cascade of its reductions), so results are PyTorch's bits.
#ifndef CTORCH_SRC_KERNELS_LOSS_H
#define CTORCH_SRC_KERNELS_LOSS_H
#include "ctorch/dtype.h"
#include <stdbool.h>
#include <stdint.h>

/// How a loss combines its per-element losses (the values of ct_reduction, PyTorch's
/// at::Reduction).
typedef enum ct_loss_reduction {
  CT_LOSS_REDUCE_NONE = 0,
  CT_LOSS_REDUCE_MEAN = 1,
  CT_LOSS_REDUCE_SUM = 2,
} ct_loss_reduction;

/// What a forward loop reports.
typedef enum ct_loss_status {
  CT_LOSS_OK = 0,
  CT_LOSS_INPUT_RANGE, ///< BCE: an input outside [0, 1] (PyTorch's runtime error)
  CT_LOSS_NO_MEMORY,   ///< no scratch memory for the per-element losses
} ct_loss_status;

// ---- elementwise losses ----

/// The elementwise losses, each with a forward and the gradients for input and target.
typedef enum ct_pointwise_loss_kind {
  CT_LOSS_BCE,        ///< binary_cross_entropy (weight)
  CT_LOSS_BCE_LOGITS, ///< binary_cross_entropy_with_logits (weight, pos_weight)
  CT_LOSS_MSE,        ///< mse_loss
  CT_LOSS_L1,         ///< l1_loss
  CT_LOSS_SMOOTH_L1,  ///< smooth_l1_loss (param: beta > 0)
  CT_LOSS_HUBER,      ///< huber_loss (param: delta > 0)
  CT_POINTWISE_LOSS_COUNT
} ct_pointwise_loss_kind;

/// Operands of an elementwise loss: n elements each, one floating dtype; w (weight) and
/// pw (pos_weight) may be NULL. `g`, for the gradients, is the incoming gradient: one
/// value (g_scalar) or n values.
typedef struct ct_pointwise_args {
  const void *x, *t, *w, *pw, *g;
  bool g_scalar;
  int64_t n;
  double divisor; ///< gradients: numel for 'mean' (the gradient is divided by it), else 1
  double param;   ///< smooth_l1's beta, huber's delta
} ct_pointwise_args;

/// out = the n weighted losses (CT_LOSS_REDUCE_NONE), or their sum (summed in PyTorch's
/// cascade order) or mean (that sum / n) into out[0].
typedef ct_loss_status (*ct_pointwise_forward_fn)(const ct_pointwise_args *a, ct_loss_reduction reduction,
                                                  void *out);
/// out[n] = d loss / d input (or target) for the incoming gradient a->g.
typedef void (*ct_pointwise_grad_fn)(const ct_pointwise_args *a, void *out);

typedef struct ct_pointwise_loss_loops {
  ct_pointwise_forward_fn forward;
  ct_pointwise_grad_fn input_grad;
  ct_pointwise_grad_fn target_grad; ///< NULL: the target gets no gradient
} ct_pointwise_loss_loops;

// ---- nll_loss (and cross_entropy's label smoothing) ----

/// nll_loss on log-probabilities x seen as (N, C, M) with targets (N, M).
typedef struct ct_nll_args {
  const void *x;         ///< log-probabilities (N, C, M)
  const int64_t *target; ///< (N, M)
  const void *w;         ///< class weights (C) or NULL
  int64_t n, c, m, ignore;
  ct_loss_reduction reduction;
  double smoothing; ///< > 0: cross_entropy's label smoothing
} ct_nll_args;

/// out = the N*M losses ('none') or the reduced loss (out[0]); *total_weight = the 'mean'
/// denominator (sum of the counted targets' weights). Returns -1, or the index of the
/// first out-of-range target (nothing else is then meaningful).
typedef int64_t (*ct_nll_forward_fn)(const ct_nll_args *a, void *out, double *total_weight);
/// grad_in (N*C*M, written whole) = the gradient for the incoming gradient g (one value,
/// or N*M for 'none') and the forward's total weight.
typedef void (*ct_nll_backward_fn)(const ct_nll_args *a, const void *g, double total_weight, void *grad_in);

typedef struct ct_loss_kernels {
  /// pointwise[kind][dtype], CT_POINTWISE_LOSS_COUNT rows: floating dtypes only (NULL
  /// members otherwise).
  const ct_pointwise_loss_loops (*pointwise)[CT_NUM_DTYPES];
  const ct_nll_forward_fn *nll_forward;   ///< [dtype], floating dtypes
  const ct_nll_backward_fn *nll_backward; ///< [dtype], floating dtypes
} ct_loss_kernels;

#endif

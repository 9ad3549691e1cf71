// Normalisation kernel family (kernels/cpu/norm*.c): batch, layer and group norm, forward
// and backward, over dense contiguous operands of one floating dtype on the operands'
// device. Each follows PyTorch 1.13's CPU kernel for its op: the same statistics (batch
// norm's sums in double, layer and group norm's Welford moments over 256-bit vector lanes),
// the same order of operations and fused multiply-adds where PyTorch's compiled kernels
// have them, so results are PyTorch's to float rounding, mostly to the bit (see
// docs/DESIGN.md). Scalars (eps, momentum) pass by value.
#ifndef CTORCH_SRC_KERNELS_NORM_H
#define CTORCH_SRC_KERNELS_NORM_H
#include "ctorch/dtype.h"
#include <stdbool.h>
#include <stdint.h>

/// batch_norm forward on x seen as (n, c, inner), channel-major within each sample.
typedef struct ct_batch_norm_args {
  const void *x;
  void *y;                          ///< n * c * inner values
  int64_t n, c, inner;
  const void *weight, *bias;        ///< c values each, or NULL (1 and 0)
  void *running_mean, *running_var; ///< c values each, or NULL; training updates them
  /// c values each: training writes the batch's mean and 1/sqrt(var + eps) (kept for
  /// backward); otherwise working space
  void *mean, *invstd;
  void *scratch;                    ///< 2 * c values of working space
  double momentum, eps;
  bool training;                    ///< false: running_mean and running_var normalise
} ct_batch_norm_args;

/// batch_norm backward: the gradients for x (dx), weight (dweight) and bias (dbias) from dy.
typedef struct ct_batch_norm_grad_args {
  const void *x, *dy; ///< n * c * inner values each
  int64_t n, c, inner;
  const void *weight; ///< c values, or NULL (1)
  /// training: the forward's batch mean and invstd; otherwise the running mean and
  /// variance (the kernel forms the invstd as PyTorch does).
  const void *mean, *var_or_invstd;
  double eps;
  bool training;
  void *dx;            ///< n * c * inner values, or NULL when not needed
  void *dweight, *dbias; ///< c values each, always written (they hold the channel sums)
} ct_batch_norm_grad_args;

/// layer_norm over the last `cols` values of each of `rows` rows.
typedef struct ct_layer_norm_args {
  const void *x;
  void *y;                   ///< rows * cols values
  int64_t rows, cols;
  const void *weight, *bias; ///< cols values each, or NULL
  double eps;
  void *mean, *rstd;         ///< rows values each: the row's mean and 1/sqrt(var + eps)
} ct_layer_norm_args;

typedef struct ct_layer_norm_grad_args {
  const void *x, *dy, *mean, *rstd; ///< as the forward's
  const void *weight;               ///< cols values, or NULL
  int64_t rows, cols;
  void *dx, *dweight, *dbias;       ///< each NULL when not needed
} ct_layer_norm_grad_args;

/// group_norm on x seen as (n, c, inner): `groups` groups of c / groups channels.
typedef struct ct_group_norm_args {
  const void *x;
  void *y;                   ///< n * c * inner values
  int64_t n, c, inner, groups;
  const void *weight, *bias; ///< c values each, or NULL
  double eps;
  void *mean, *rstd;         ///< n * groups values each
} ct_group_norm_args;

typedef struct ct_group_norm_grad_args {
  const void *x, *dy, *mean, *rstd; ///< as the forward's
  const void *weight;               ///< c values, or NULL
  int64_t n, c, inner, groups;
  void *dx, *dweight, *dbias;       ///< each NULL when not needed
  void *scratch;                    ///< 2 * n * c values of working space
} ct_group_norm_grad_args;

typedef void (*ct_batch_norm_fn)(const ct_batch_norm_args *a);
typedef void (*ct_batch_norm_backward_fn)(const ct_batch_norm_grad_args *a);
typedef void (*ct_layer_norm_fn)(const ct_layer_norm_args *a);
typedef void (*ct_layer_norm_backward_fn)(const ct_layer_norm_grad_args *a);
typedef void (*ct_group_norm_fn)(const ct_group_norm_args *a);
typedef void (*ct_group_norm_backward_fn)(const ct_group_norm_grad_args *a);

/// The family's member of ct_kernel_table: each a [dtype] row with loops for the floating
/// dtypes (NULL otherwise).
typedef struct ct_norm_kernels {
  const ct_batch_norm_fn *batch_norm;
  const ct_batch_norm_backward_fn *batch_norm_backward;
  const ct_layer_norm_fn *layer_norm;
  const ct_layer_norm_backward_fn *layer_norm_backward;
  const ct_group_norm_fn *group_norm;
  const ct_group_norm_backward_fn *group_norm_backward;
} ct_norm_kernels;

#endif

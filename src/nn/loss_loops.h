// Loop pieces shared by the elementwise loss kernels (loss_bce.c, loss_bce_logits.c,
// loss_regression.c): the incoming gradient of each element, and the weight and 'mean'
// divisor that PyTorch applies after a kernel's formula, in its order.
#ifndef CTORCH_SRC_NN_LOSS_LOOPS_H
#define CTORCH_SRC_NN_LOSS_LOOPS_H
#include "nn/loss_internal.h"

/// Runs the statements for each element i < a->n with `gi`, the incoming gradient of
/// element i (the one value of a reduced loss's gradient, read once).
#define CT__LOSS_FOR_EACH_GRAD(T, a, ...)                                                      \
  do {                                                                                         \
    const T *g_ = (a)->g;                                                                      \
    if ((a)->g_scalar) {                                                                       \
      const T gi = g_[0];                                                                      \
      for (int64_t i = 0; i < (a)->n; i++) { __VA_ARGS__; }                                    \
    } else {                                                                                   \
      for (int64_t i = 0; i < (a)->n; i++) {                                                   \
        const T gi = g_[i];                                                                    \
        __VA_ARGS__;                                                                           \
      }                                                                                        \
    }                                                                                          \
  } while (0)

/// out[i] *= weight[i] when the loss has a weight.
#define CT__LOSS_APPLY_WEIGHT(T, a, out)                                                       \
  do {                                                                                         \
    const T *w_ = (a)->w;                                                                      \
    if (w_)                                                                                    \
      for (int64_t i = 0; i < (a)->n; i++) (out)[i] *= w_[i];                                  \
  } while (0)

/// A gradient's weight, then / numel for 'mean'.
#define CT__LOSS_FINISH_GRAD(T, a, out)                                                        \
  do {                                                                                         \
    CT__LOSS_APPLY_WEIGHT(T, a, out);                                                          \
    if ((a)->divisor != 1)                                                                     \
      for (int64_t i = 0; i < (a)->n; i++) (out)[i] /= (T)(a)->divisor;                        \
  } while (0)

#endif

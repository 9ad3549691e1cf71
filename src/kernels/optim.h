// Optimizer kernel family (kernels/cpu/optim.c): the elementwise update of one parameter
// from its gradient and state buffers, all contiguous arrays of n elements of the
// parameter's dtype on its device. Each follows PyTorch 1.13's single-tensor path in its
// AVX2 build: Python scalars are doubles rounded to the parameter dtype once, fused
// multiply-adds where PyTorch's kernels fuse (add with alpha, addcmul), every other
// operation rounded in PyTorch's order.
#ifndef CTORCH_SRC_KERNELS_OPTIM_H
#define CTORCH_SRC_KERNELS_OPTIM_H
#include "ctorch/dtype.h"
#include <stdbool.h>
#include <stdint.h>

/// One SGD step's scalars (hyperparameters as doubles).
typedef struct ct_sgd_step {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first; ///< the momentum buffer is new: it becomes a copy of the direction
} ct_sgd_step;

/// One Adam/AdamW step's scalars; `step` is the (already incremented) step count.
typedef struct ct_adam_step {
  double lr, beta1, beta2, eps, weight_decay, step;
  bool amsgrad, maximize;
  bool decoupled; ///< AdamW: param *= 1 - lr * wd instead of grad += wd * param
} ct_adam_step;

/// param -= lr * direction, the direction built from grad (weight decay, momentum buffer
/// `buf`, which may be NULL when momentum is 0), as torch.optim.SGD.
typedef void (*ct_sgd_update_fn)(void *param, const void *grad, void *buf, int64_t n, const ct_sgd_step *s);
/// Adam/AdamW update of param with moments m, v (and vmax with amsgrad, else NULL), as
/// torch.optim.Adam / AdamW.
typedef void (*ct_adam_update_fn)(void *param, const void *grad, void *m, void *v, void *vmax, int64_t n,
                                  const ct_adam_step *s);

typedef struct ct_optim_kernels {
  ct_sgd_update_fn sgd[CT_NUM_DTYPES];   ///< floating dtypes (NULL otherwise)
  ct_adam_update_fn adam[CT_NUM_DTYPES]; ///< floating dtypes (NULL otherwise)
} ct_optim_kernels;

#endif

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

/// One RMSprop step's scalars.
typedef struct ct_rmsprop_step {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
} ct_rmsprop_step;

/// One Adagrad step's scalars; clr = lr / (1 + (step - 1) * lr_decay), computed by the caller.
typedef struct ct_adagrad_step {
  double clr, eps, weight_decay;
  bool maximize;
} ct_adagrad_step;

/// One Adamax step's scalars; clr = lr / (1 - beta1^step).
typedef struct ct_adamax_step {
  double clr, beta1, beta2, eps, weight_decay;
  bool maximize;
} ct_adamax_step;

/// One NAdam step's scalars: the two addcdiv values (-lr*(1-mu)/(1-mu_product) and
/// -lr*mu_next/(1-mu_product_next)) and 1 - beta2^step, computed by the caller.
typedef struct ct_nadam_step {
  double beta1, beta2, eps, weight_decay, bias_correction2, grad_value, avg_value;
} ct_nadam_step;

/// One RAdam step's scalars; with `rectify` (rho_t > 5) the update uses the adaptive term
/// sqrt(bias_correction2) / (sqrt(v) + eps) and the rectification `rect`.
typedef struct ct_radam_step {
  double lr, beta1, beta2, eps, weight_decay, bias_correction1, sqrt_bias_correction2, rect;
  bool rectify;
} ct_radam_step;

/// RMSprop: square_avg always; grad_avg with centered (else NULL); buf with momentum > 0
/// (else NULL).
typedef void (*ct_rmsprop_update_fn)(void *param, const void *grad, void *square_avg, void *grad_avg, void *buf,
                                     int64_t n, const ct_rmsprop_step *s);
/// Adagrad with its running sum of squared gradients.
typedef void (*ct_adagrad_update_fn)(void *param, const void *grad, void *sum, int64_t n, const ct_adagrad_step *s);
/// Adamax with its first moment and infinity norm.
typedef void (*ct_adamax_update_fn)(void *param, const void *grad, void *exp_avg, void *exp_inf, int64_t n,
                                    const ct_adamax_step *s);
/// NAdam with its two moments.
typedef void (*ct_nadam_update_fn)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                                   const ct_nadam_step *s);
/// RAdam with its two moments.
typedef void (*ct_radam_update_fn)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                                   const ct_radam_step *s);

typedef struct ct_optim_kernels {
  ct_sgd_update_fn sgd[CT_NUM_DTYPES];   ///< floating dtypes (NULL otherwise)
  ct_adam_update_fn adam[CT_NUM_DTYPES]; ///< floating dtypes (NULL otherwise)
  ct_rmsprop_update_fn rmsprop[CT_NUM_DTYPES];
  ct_adagrad_update_fn adagrad[CT_NUM_DTYPES];
  ct_adamax_update_fn adamax[CT_NUM_DTYPES];
  ct_nadam_update_fn nadam[CT_NUM_DTYPES];
  ct_radam_update_fn radam[CT_NUM_DTYPES];
} ct_optim_kernels;

#endif

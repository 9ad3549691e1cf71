// Elementwise update loops of the optimizers over contiguous arrays (no tensor logic).
// Each follows PyTorch 1.13's single-tensor path in its AVX2 build: Python scalars are
// doubles rounded to the parameter dtype once, fma where PyTorch's kernels fuse (add with
// alpha, addcmul), and every other operation rounded in PyTorch's order.
#ifndef CTORCH_SRC_OPTIM_OPTIM_KERNELS_H
#define CTORCH_SRC_OPTIM_OPTIM_KERNELS_H
#include <stdbool.h>
#include <stdint.h>

/// One SGD step's scalars (hyperparameters as doubles).
typedef struct ct_sgd_step {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first; // the momentum buffer is new: it becomes a copy of the direction
} ct_sgd_step;

/// param -= lr * direction, direction built from grad (weight decay, momentum buffer `buf`,
/// which may be NULL when momentum is 0).
void ct__sgd_update_f32(float *param, const float *grad, float *buf, int64_t n, const ct_sgd_step *s);
void ct__sgd_update_f64(double *param, const double *grad, double *buf, int64_t n, const ct_sgd_step *s);

/// One Adam/AdamW step's scalars; `step` is the (already incremented) step count.
typedef struct ct_adam_step {
  double lr, beta1, beta2, eps, weight_decay, step;
  bool amsgrad, maximize;
  bool decoupled; // AdamW: param *= 1 - lr * wd instead of grad += wd * param
} ct_adam_step;

/// Adam update of param with moments m, v (and vmax with amsgrad, else NULL).
void ct__adam_update_f32(float *param, const float *grad, float *m, float *v, float *vmax, int64_t n,
                         const ct_adam_step *s);
void ct__adam_update_f64(double *param, const double *grad, double *m, double *v, double *vmax, int64_t n,
                         const ct_adam_step *s);
#endif

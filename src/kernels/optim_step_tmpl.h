// The optimizers' per-element arithmetic (kernels/optim.h), written once for every
// backend: the CPU loops (kernels/cpu/optim_tmpl.h, optim_more_tmpl.h) and the CUDA
// kernels (kernels/cuda/optim.cu) call these step functions for element i, so both
// compute the same roundings in the same order. Included once per floating dtype (by
// kernels/optim_steps.h) with
//   T  the element type     SFX  its suffix (f32, f64)
// which the includer undefines afterwards. Compiles as C (step functions static inline,
// always inlined, so each loop keeps its vectorised, flag-specialised body) and as CUDA
// C++ under nvcc (step functions __device__ __forceinline__).
//
// Each optimizer has a struct of its step's constants: the Python scalars rounded to T
// once, as PyTorch 1.13's _single_tensor_<name> passes them to its kernels, and the flags
// that pick the formula. <name>_consts_of fills it on the host from the step's doubles.
// The step functions take the flags as separate arguments so that a loop may pass
// constants (the CPU loops get one branch-free body per flag combination). Their pointers
// are not restrict: the loops' own restrict pointers say the arrays do not overlap (a
// restrict parameter of an inlined per-element call promises it for one element only,
// and GCC then guarded the SGD and Adam loops with run-time overlap checks).
//
// Rounding conventions: `add(x, alpha=a)` is fma(x, a, self), `addcmul(t1, t2, value=v)`
// is fma(v*t1, t2, self) and `addcdiv(t1, t2, value=v)` is self + (v*t1)/t2, as PyTorch's
// AVX2 kernels compute them.
#include "kernels/optim.h"
#include <math.h>

#define OPTIM_PASTE_(x, sfx) x##_##sfx
#define OPTIM_PASTE(x, sfx) OPTIM_PASTE_(x, sfx)
#define NAME(x) OPTIM_PASTE(x, SFX) // the dtype's struct types
#define FMA OPTIM_PASTE(OPTIM_FMA, SFX)
#define SQRT OPTIM_PASTE(OPTIM_SQRT, SFX)
#define OPTIM_FMA_f32 fmaf
#define OPTIM_FMA_f64 fma
#define OPTIM_SQRT_f32 sqrtf
#define OPTIM_SQRT_f64 sqrt
#ifdef __cplusplus
#define STEP(x) x // C++ overloads the functions on the consts struct
#define STEP_FN static __device__ __forceinline__
#else
#define STEP(x) NAME(x)
#define STEP_FN static inline __attribute__((always_inline))
#endif

// ---- SGD (torch/optim/sgd.py) ----
//   d = ±grad; d = d + wd*param; buf = buf*mom + (1-dampening)*d (or d on the first step);
//   d = nesterov ? d + mom*buf : buf; param = param - lr*d
typedef struct NAME(sgd_consts) {
  T sign, wd, mom, keep, neg_lr;
  bool decay, momentum, first, nesterov;
} NAME(sgd_consts);

static inline void STEP(sgd_consts_of)(NAME(sgd_consts) * k, const ct_sgd_step *s) {
  k->sign = s->maximize ? -1 : 1;
  k->wd = (T)s->weight_decay;
  k->mom = (T)s->momentum;
  k->keep = (T)(1 - s->dampening);
  k->neg_lr = (T)(-s->lr);
  k->decay = s->weight_decay != 0;
  k->momentum = s->momentum != 0;
  k->first = s->first;
  k->nesterov = s->nesterov;
}

STEP_FN void STEP(sgd_step)(int64_t i, T *p, const T *g, T *buf, const NAME(sgd_consts) * k, bool decay,
                            bool momentum, bool first, bool nesterov) {
  T d = g[i] * k->sign;
  if (decay) d = FMA(p[i], k->wd, d);
  if (momentum) {
    const T b = first ? d : FMA(d, k->keep, buf[i] * k->mom);
    buf[i] = b;
    d = nesterov ? FMA(b, k->mom, d) : b;
  }
  p[i] = FMA(d, k->neg_lr, p[i]);
}

// ---- Adam / AdamW (adam.py, adamw.py), step already incremented ----
//   AdamW: param *= 1 - lr*wd.  Adam: grad += wd*param.
//   m = m*b1 + (1-b1)*g;  v = v*b2 + ((1-b2)*g)*g;  vmax = max(vmax, v) with amsgrad
//   denom = sqrt(v)/sqrt(1-b2^step) + eps;  param += (-(lr/(1-b1^step)) * m) / denom
typedef struct NAME(adam_consts) {
  T sign, wd, decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, neg_step_size;
  bool coupled, decoupled, amsgrad;
} NAME(adam_consts);

static inline void STEP(adam_consts_of)(NAME(adam_consts) * k, const ct_adam_step *s) {
  // Python computes the bias corrections in double; each reaches the kernel rounded to T.
  const double bc1 = 1 - pow(s->beta1, s->step), bc2 = 1 - pow(s->beta2, s->step);
  const bool wd = s->weight_decay != 0;
  k->sign = s->maximize ? -1 : 1;
  k->wd = (T)s->weight_decay;
  k->decay = (T)(1 - s->lr * s->weight_decay);
  k->b1 = (T)s->beta1;
  k->one_minus_b1 = (T)(1 - s->beta1);
  k->b2 = (T)s->beta2;
  k->one_minus_b2 = (T)(1 - s->beta2);
  k->bc2_sqrt = (T)sqrt(bc2);
  k->eps = (T)s->eps;
  k->neg_step_size = (T)(-(s->lr / bc1));
  k->coupled = wd && !s->decoupled;
  k->decoupled = wd && s->decoupled;
  k->amsgrad = s->amsgrad;
}

STEP_FN void STEP(adam_step)(int64_t i, T *p, const T *g, T *m, T *v, T *vmax, const NAME(adam_consts) * k,
                             bool coupled, bool decoupled, bool amsgrad) {
  T gi = g[i] * k->sign, pi = p[i];
  if (coupled) gi = FMA(pi, k->wd, gi);
  if (decoupled) pi = pi * k->decay;
  const T mi = FMA(gi, k->one_minus_b1, m[i] * k->b1);
  const T vi = FMA(k->one_minus_b2 * gi, gi, v[i] * k->b2);
  m[i] = mi;
  v[i] = vi;
  T second = vi;
  if (amsgrad) {
    const T a = vmax[i];
    second = ((a > vi) | (a != a)) ? a : vi; // torch.maximum propagates nan
    vmax[i] = second;
  }
  const T denom = SQRT(second) / k->bc2_sqrt + k->eps;
  p[i] = pi + (k->neg_step_size * mi) / denom;
}

// ---- RMSprop ----
//   g = ±grad (+ wd*param);  sq = sq*alpha + (1-alpha)*g*g
//   centered: ga = ga*alpha + (1-alpha)*g;  avg = sqrt(sq - ga*ga) + eps  (else sqrt(sq) + eps)
//   momentum: buf = buf*mom + g/avg;  param -= lr*buf.  Else param += (-lr*g)/avg
typedef struct NAME(rmsprop_consts) {
  T sign, wd, alpha, one_minus_alpha, eps, mom, neg_lr;
  bool decay, centered, momentum;
} NAME(rmsprop_consts);

static inline void STEP(rmsprop_consts_of)(NAME(rmsprop_consts) * k, const ct_rmsprop_step *s) {
  k->sign = s->maximize ? -1 : 1;
  k->wd = (T)s->weight_decay;
  k->alpha = (T)s->alpha;
  k->one_minus_alpha = (T)(1 - s->alpha);
  k->eps = (T)s->eps;
  k->mom = (T)s->momentum;
  k->neg_lr = (T)(-s->lr);
  k->decay = s->weight_decay != 0;
  k->centered = s->centered;
  k->momentum = s->momentum > 0;
}

STEP_FN void STEP(rmsprop_step)(int64_t i, T *p, const T *g, T *sq, T *ga, T *buf,
                                const NAME(rmsprop_consts) * k, bool decay, bool centered, bool momentum) {
  T gi = g[i] * k->sign;
  if (decay) gi = FMA(p[i], k->wd, gi);
  const T sqi = FMA(k->one_minus_alpha * gi, gi, sq[i] * k->alpha);
  sq[i] = sqi;
  T avg;
  if (centered) {
    const T gai = FMA(gi, k->one_minus_alpha, ga[i] * k->alpha);
    ga[i] = gai;
    avg = SQRT(FMA(-gai, gai, sqi));
  } else {
    avg = SQRT(sqi);
  }
  avg = avg + k->eps;
  if (momentum) {
    const T b = buf[i] * k->mom + gi / avg;
    buf[i] = b;
    p[i] = FMA(b, k->neg_lr, p[i]);
  } else {
    p[i] = p[i] + (k->neg_lr * gi) / avg;
  }
}

// ---- Adagrad ----
//   g = ±grad (+ wd*param);  sum = sum + g*g;  param += (-clr*g)/(sqrt(sum) + eps)
typedef struct NAME(adagrad_consts) {
  T sign, wd, eps, neg_clr;
  bool decay;
} NAME(adagrad_consts);

static inline void STEP(adagrad_consts_of)(NAME(adagrad_consts) * k, const ct_adagrad_step *s) {
  k->sign = s->maximize ? -1 : 1;
  k->wd = (T)s->weight_decay;
  k->eps = (T)s->eps;
  k->neg_clr = (T)(-s->clr);
  k->decay = s->weight_decay != 0;
}

STEP_FN void STEP(adagrad_step)(int64_t i, T *p, const T *g, T *sum, const NAME(adagrad_consts) * k,
                                bool decay) {
  T gi = g[i] * k->sign;
  if (decay) gi = FMA(p[i], k->wd, gi);
  const T si = FMA(gi, gi, sum[i]);
  sum[i] = si;
  p[i] = p[i] + (k->neg_clr * gi) / (SQRT(si) + k->eps);
}

// ---- Adamax ----
//   g = ±grad (+ wd*param);  m = m*b1 + (1-b1)*g;  u = max(u*b2, |g| + eps) (nan wins);
//   param += (-clr*m)/u
typedef struct NAME(adamax_consts) {
  T sign, wd, b1, one_minus_b1, b2, eps, neg_clr;
  bool decay;
} NAME(adamax_consts);

static inline void STEP(adamax_consts_of)(NAME(adamax_consts) * k, const ct_adamax_step *s) {
  k->sign = s->maximize ? -1 : 1;
  k->wd = (T)s->weight_decay;
  k->b1 = (T)s->beta1;
  k->one_minus_b1 = (T)(1 - s->beta1);
  k->b2 = (T)s->beta2;
  k->eps = (T)s->eps;
  k->neg_clr = (T)(-s->clr);
  k->decay = s->weight_decay != 0;
}

STEP_FN void STEP(adamax_step)(int64_t i, T *p, const T *g, T *m, T *u, const NAME(adamax_consts) * k,
                               bool decay) {
  T gi = g[i] * k->sign;
  if (decay) gi = FMA(p[i], k->wd, gi);
  const T mi = FMA(gi, k->one_minus_b1, m[i] * k->b1);
  m[i] = mi;
  const T decayed = u[i] * k->b2, fresh = (gi < 0 ? -gi : gi) + k->eps;
  const T ui = (decayed > fresh || decayed != decayed) ? decayed : fresh; // torch.amax propagates nan
  u[i] = ui;
  p[i] = p[i] + (k->neg_clr * mi) / ui;
}

// ---- NAdam and RAdam: the running moments they share ----
//   g = grad (+ wd*param);  m = m*b1 + (1-b1)*g;  v = v*b2 + (1-b2)*g*g
typedef struct NAME(moments) {
  T wd, b1, one_minus_b1, b2, one_minus_b2;
  bool decay;
} NAME(moments);

static inline void STEP(moments_of)(NAME(moments) * k, double weight_decay, double beta1, double beta2) {
  k->wd = (T)weight_decay;
  k->b1 = (T)beta1;
  k->one_minus_b1 = (T)(1 - beta1);
  k->b2 = (T)beta2;
  k->one_minus_b2 = (T)(1 - beta2);
  k->decay = weight_decay != 0;
}

/// Updates m[i] and v[i]; returns element i's gradient with weight decay.
STEP_FN T STEP(update_moments)(int64_t i, const T *p, const T *g, T *m, T *v, const NAME(moments) * k) {
  T gd = g[i];
  if (k->decay) gd = FMA(p[i], k->wd, gd);
  m[i] = FMA(gd, k->one_minus_b1, m[i] * k->b1);
  v[i] = FMA(k->one_minus_b2 * gd, gd, v[i] * k->b2);
  return gd;
}

// NAdam:  denom = sqrt(v / bc2) + eps;  param += (gv*g)/denom;  param += (av*m)/denom
typedef struct NAME(nadam_consts) {
  NAME(moments) moments;
  T bc2, eps, grad_value, avg_value;
} NAME(nadam_consts);

static inline void STEP(nadam_consts_of)(NAME(nadam_consts) * k, const ct_nadam_step *s) {
  STEP(moments_of)(&k->moments, s->weight_decay, s->beta1, s->beta2);
  k->bc2 = (T)s->bias_correction2;
  k->eps = (T)s->eps;
  k->grad_value = (T)s->grad_value;
  k->avg_value = (T)s->avg_value;
}

STEP_FN void STEP(nadam_step)(int64_t i, T *p, const T *g, T *m, T *v, const NAME(nadam_consts) * k) {
  const T gi = STEP(update_moments)(i, p, g, m, v, &k->moments);
  const T denom = SQRT(v[i] / k->bc2) + k->eps;
  const T pi = p[i] + (k->grad_value * gi) / denom;
  p[i] = pi + (k->avg_value * m[i]) / denom;
}

// RAdam:  c = m / bc1;  rectify: param -= ((c*lr) * (reciprocal(sqrt(v) + eps) * sqrt(bc2))) * rect
//                       else:    param -= c*lr
typedef struct NAME(radam_consts) {
  NAME(moments) moments;
  T bc1, lr, eps, sqrt_bc2, rect;
  bool rectify;
} NAME(radam_consts);

static inline void STEP(radam_consts_of)(NAME(radam_consts) * k, const ct_radam_step *s) {
  STEP(moments_of)(&k->moments, s->weight_decay, s->beta1, s->beta2);
  k->bc1 = (T)s->bias_correction1;
  k->lr = (T)s->lr;
  k->eps = (T)s->eps;
  k->sqrt_bc2 = (T)s->sqrt_bias_correction2;
  k->rect = (T)s->rect;
  k->rectify = s->rectify;
}

STEP_FN void STEP(radam_step)(int64_t i, T *p, const T *g, T *m, T *v, const NAME(radam_consts) * k,
                              bool rectify) {
  STEP(update_moments)(i, p, g, m, v, &k->moments);
  T update = (m[i] / k->bc1) * k->lr;
  if (rectify) {
    const T adaptive = ((T)1 / (SQRT(v[i]) + k->eps)) * k->sqrt_bc2; // Python's scalar / tensor
    update = (update * adaptive) * k->rect;
  }
  p[i] = p[i] - update;
}

#undef OPTIM_PASTE_
#undef OPTIM_PASTE
#undef NAME
#undef FMA
#undef SQRT
#undef OPTIM_FMA_f32
#undef OPTIM_FMA_f64
#undef OPTIM_SQRT_f32
#undef OPTIM_SQRT_f64
#undef STEP
#undef STEP_FN

// Optimizer update loops (see optim_kernels.h). One macro body per algorithm,
// instantiated for float (fmaf, sqrtf) and double (fma, sqrt). Elements are independent,
// so large parameters are split across OpenMP threads without changing any result.
#include <math.h>
#include "kernels/iter.h"
#include "optim/optim_kernels.h"

#define CHUNK 16384
#define PARALLEL_MIN (2 * CT_PARALLEL_GRAIN)

#ifdef _OPENMP
#define PARALLEL_CHUNKS _Pragma("omp parallel for schedule(static) if (n >= PARALLEL_MIN)")
#else
#define PARALLEL_CHUNKS
#endif

// Calls NAME##_range(lo, hi, ...) over chunks of [0, n).
#define FOR_CHUNKS(range_fn, ...)                                                              \
  do {                                                                                         \
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;                                            \
    PARALLEL_CHUNKS                                                                            \
    for (int64_t c = 0; c < chunks; c++) {                                                     \
      const int64_t lo = c * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;                      \
      range_fn(lo, hi, __VA_ARGS__);                                                           \
    }                                                                                          \
  } while (0)

// SGD (torch/optim/sgd.py, _single_tensor_sgd):
//   d = ±grad; d = d + wd*param; buf = buf*mom + (1-dampening)*d (or d on the first step);
//   d = nesterov ? d + mom*buf : buf; param = param - lr*d
#define DEFINE_SGD(T, SUFFIX, FMA)                                                             \
  static void sgd_range_##SUFFIX(int64_t lo, int64_t hi, T *p, const T *g, T *buf, const ct_sgd_step *s) { \
    const T sign = s->maximize ? -1 : 1, wd = (T)s->weight_decay, mom = (T)s->momentum;       \
    const T keep = (T)(1 - s->dampening), neg_lr = (T)(-s->lr);                                \
    const bool decay = s->weight_decay != 0, momentum = s->momentum != 0;                      \
    for (int64_t i = lo; i < hi; i++) {                                                        \
      T d = g[i] * sign;                                                                       \
      if (decay) d = FMA(p[i], wd, d);                                                         \
      if (momentum) {                                                                          \
        buf[i] = s->first ? d : FMA(d, keep, buf[i] * mom);                                    \
        d = s->nesterov ? FMA(buf[i], mom, d) : buf[i];                                        \
      }                                                                                        \
      p[i] = FMA(d, neg_lr, p[i]);                                                             \
    }                                                                                          \
  }                                                                                            \
  void ct__sgd_update_##SUFFIX(T *p, const T *g, T *buf, int64_t n, const ct_sgd_step *s) {    \
    FOR_CHUNKS(sgd_range_##SUFFIX, p, g, buf, s);                                              \
  }

// Adam / AdamW (torch/optim/adam.py, adamw.py, _single_tensor_*), step already incremented:
//   AdamW: param *= 1 - lr*wd.  Adam: grad += wd*param.
//   m = m*b1 + (1-b1)*g;  v = v*b2 + ((1-b2)*g)*g;  vmax = max(vmax, v) with amsgrad
//   denom = sqrt(v)/sqrt(1-b2^step) + eps;  param += (-(lr/(1-b1^step)) * m) / denom
#define DEFINE_ADAM(T, SUFFIX, FMA, SQRT)                                                      \
  typedef struct adam_consts_##SUFFIX {                                                        \
    T sign, wd, decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, neg_step_size;       \
  } adam_consts_##SUFFIX;                                                                      \
  static void adam_range_##SUFFIX(int64_t lo, int64_t hi, T *p, const T *g, T *m, T *v, T *vmax, \
                                  const ct_adam_step *s, const adam_consts_##SUFFIX *k) {      \
    const bool coupled = !s->decoupled && s->weight_decay != 0;                                \
    const bool decoupled = s->decoupled && s->weight_decay != 0;                               \
    for (int64_t i = lo; i < hi; i++) {                                                        \
      T gi = g[i] * k->sign;                                                                   \
      if (coupled) gi = FMA(p[i], k->wd, gi);                                                  \
      if (decoupled) p[i] = p[i] * k->decay;                                                   \
      m[i] = FMA(gi, k->one_minus_b1, m[i] * k->b1);                                           \
      v[i] = FMA(k->one_minus_b2 * gi, gi, v[i] * k->b2);                                      \
      T second = v[i];                                                                         \
      if (s->amsgrad) {                                                                        \
        T a = vmax[i];                                                                         \
        vmax[i] = second = (a > second || a != a) ? a : second; /* torch.maximum keeps nan */  \
      }                                                                                        \
      T denom = SQRT(second) / k->bc2_sqrt + k->eps;                                           \
      p[i] = p[i] + (k->neg_step_size * m[i]) / denom;                                         \
    }                                                                                          \
  }                                                                                            \
  void ct__adam_update_##SUFFIX(T *p, const T *g, T *m, T *v, T *vmax, int64_t n, const ct_adam_step *s) { \
    /* Python computes these in double; each reaches the kernel rounded to T. */               \
    const double bc1 = 1 - pow(s->beta1, s->step), bc2 = 1 - pow(s->beta2, s->step);           \
    const adam_consts_##SUFFIX k = {                                                           \
        .sign = s->maximize ? -1 : 1, .wd = (T)s->weight_decay,                                \
        .decay = (T)(1 - s->lr * s->weight_decay), .b1 = (T)s->beta1,                          \
        .one_minus_b1 = (T)(1 - s->beta1), .b2 = (T)s->beta2, .one_minus_b2 = (T)(1 - s->beta2), \
        .bc2_sqrt = (T)sqrt(bc2), .eps = (T)s->eps, .neg_step_size = (T)(-(s->lr / bc1)),       \
    };                                                                                         \
    FOR_CHUNKS(adam_range_##SUFFIX, p, g, m, v, vmax, s, &k);                                  \
  }

DEFINE_SGD(float, f32, fmaf)
DEFINE_SGD(double, f64, fma)
DEFINE_ADAM(float, f32, fmaf, sqrtf)
DEFINE_ADAM(double, f64, fma, sqrt)

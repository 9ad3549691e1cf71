// Optimizer update loops (see optim_kernels.h). One macro body per algorithm,
// instantiated for float (fmaf, sqrtf) and double (fma, sqrt). Elements are independent,
// so very large parameters are split across OpenMP threads without changing any result.
#include <math.h>
#include "kernels/parallel.h"
#include "optim/optim_kernels.h"

#define CHUNK 16384
// A vectorised update costs ~0.5 ns per element, so below ~1M elements a parallel region
// (thread wake-up, a barrier that waits for a descheduled thread on a busy machine) costs
// more than it saves: measured 0.36 ms on one thread vs 0.3-18 ms on two for MLP-784's
// 670k parameters.
#define PARALLEL_MIN ((int64_t)1 << 20)

#ifdef _OPENMP
#define PARALLEL_CHUNKS _Pragma("omp parallel for schedule(static)")
#else
#define PARALLEL_CHUNKS
#endif

// Calls range_fn(lo, hi, ...) over [0, n): directly for small n (no OpenMP region to
// enter), else over chunks shared by the threads.
#define FOR_CHUNKS(range_fn, ...)                                                              \
  do {                                                                                         \
    if (n < PARALLEL_MIN || ct__parallel_threads() < 2) {                                      \
      range_fn(0, n, __VA_ARGS__);                                                             \
      break;                                                                                   \
    }                                                                                          \
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;                                            \
    PARALLEL_CHUNKS                                                                            \
    for (int64_t c = 0; c < chunks; c++) {                                                     \
      const int64_t lo = c * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;                      \
      range_fn(lo, hi, __VA_ARGS__);                                                           \
    }                                                                                          \
  } while (0)

// The loop bodies take their flags as arguments and are always inlined into call sites
// that pass constants, so each flag combination gets its own branch-free loop that the
// compiler vectorises.
#define INLINE static inline __attribute__((always_inline))

// SGD (torch/optim/sgd.py, _single_tensor_sgd):
//   d = ±grad; d = d + wd*param; buf = buf*mom + (1-dampening)*d (or d on the first step);
//   d = nesterov ? d + mom*buf : buf; param = param - lr*d
#define DEFINE_SGD(T, SUFFIX, FMA)                                                             \
  typedef struct sgd_consts_##SUFFIX {                                                         \
    T sign, wd, mom, keep, neg_lr;                                                             \
  } sgd_consts_##SUFFIX;                                                                       \
  INLINE void sgd_loop_##SUFFIX(int64_t lo, int64_t hi, T *restrict p, const T *restrict g,    \
                                T *restrict buf, sgd_consts_##SUFFIX k, const bool decay,      \
                                const bool momentum, const bool first, const bool nesterov) {  \
    for (int64_t i = lo; i < hi; i++) {                                                        \
      T d = g[i] * k.sign;                                                                     \
      if (decay) d = FMA(p[i], k.wd, d);                                                       \
      if (momentum) {                                                                          \
        const T b = first ? d : FMA(d, k.keep, buf[i] * k.mom);                                \
        buf[i] = b;                                                                            \
        d = nesterov ? FMA(b, k.mom, d) : b;                                                   \
      }                                                                                        \
      p[i] = FMA(d, k.neg_lr, p[i]);                                                           \
    }                                                                                          \
  }                                                                                            \
  static void sgd_range_##SUFFIX(int64_t lo, int64_t hi, T *p, const T *g, T *buf,             \
                                 const ct_sgd_step *s) {                                       \
    const sgd_consts_##SUFFIX k = {.sign = s->maximize ? -1 : 1, .wd = (T)s->weight_decay,    \
                                   .mom = (T)s->momentum, .keep = (T)(1 - s->dampening),       \
                                   .neg_lr = (T)(-s->lr)};                                     \
    const bool decay = s->weight_decay != 0;                                                   \
    if (s->momentum == 0) {                                                                    \
      if (decay) sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, true, false, false, false);           \
      else sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, false, false, false, false);                \
    } else if (s->first) {                                                                     \
      sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, decay, true, true, s->nesterov);                 \
    } else if (s->nesterov) {                                                                  \
      sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, decay, true, false, true);                       \
    } else if (decay) {                                                                        \
      sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, true, true, false, false);                       \
    } else {                                                                                   \
      sgd_loop_##SUFFIX(lo, hi, p, g, buf, k, false, true, false, false);                      \
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
  INLINE void adam_loop_##SUFFIX(int64_t lo, int64_t hi, T *restrict p, const T *restrict g,   \
                                 T *restrict m, T *restrict v, T *restrict vmax,               \
                                 adam_consts_##SUFFIX k, const bool coupled,                   \
                                 const bool decoupled, const bool amsgrad) {                   \
    for (int64_t i = lo; i < hi; i++) {                                                        \
      T gi = g[i] * k.sign, pi = p[i];                                                         \
      if (coupled) gi = FMA(pi, k.wd, gi);                                                     \
      if (decoupled) pi = pi * k.decay;                                                        \
      const T mi = FMA(gi, k.one_minus_b1, m[i] * k.b1);                                       \
      const T vi = FMA(k.one_minus_b2 * gi, gi, v[i] * k.b2);                                  \
      m[i] = mi;                                                                               \
      v[i] = vi;                                                                               \
      T second = vi;                                                                           \
      if (amsgrad) {                                                                           \
        const T a = vmax[i];                                                                   \
        second = ((a > vi) | (a != a)) ? a : vi; /* torch.maximum propagates nan */            \
        vmax[i] = second;                                                                      \
      }                                                                                        \
      const T denom = SQRT(second) / k.bc2_sqrt + k.eps;                                       \
      p[i] = pi + (k.neg_step_size * mi) / denom;                                              \
    }                                                                                          \
  }                                                                                            \
  static void adam_range_##SUFFIX(int64_t lo, int64_t hi, T *p, const T *g, T *m, T *v,        \
                                  T *vmax, const ct_adam_step *s, const adam_consts_##SUFFIX *kp) { \
    const adam_consts_##SUFFIX k = *kp;                                                        \
    const bool wd = s->weight_decay != 0, coupled = wd && !s->decoupled;                       \
    const bool decoupled = wd && s->decoupled;                                                 \
    if (s->amsgrad) {                                                                          \
      if (coupled) adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, true, false, true);         \
      else if (decoupled) adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, false, true, true);  \
      else adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, false, false, true);                \
    } else {                                                                                   \
      if (coupled) adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, true, false, false);        \
      else if (decoupled) adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, false, true, false); \
      else adam_loop_##SUFFIX(lo, hi, p, g, m, v, vmax, k, false, false, false);               \
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

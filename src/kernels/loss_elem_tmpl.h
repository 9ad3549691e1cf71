// The elementwise losses' per-element formulas (kernels/loss.h), written once for every
// backend: the CPU loops (kernels/cpu/loss_pointwise_tmpl.h) and the CUDA kernels
// (kernels/cuda/loss.cu) call these for element i. Included once per floating dtype (by
// kernels/loss_elems.h) with
//   T  the element type     SFX  its suffix (f32, f64)
// which the includer undefines afterwards. Compiles as C (static inline, always inlined:
// each loss kind, a constant at the call, gets its own loop) and as CUDA C++ under nvcc
// (__device__ __forceinline__; C++ overloads the functions on T). `fabs` is C's double
// fabs in C and the T overload in C++: exact either way.
#include "kernels/loss.h"
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define LOSS_PASTE_(x, sfx) x##_##sfx
#define LOSS_PASTE(x, sfx) LOSS_PASTE_(x, sfx)
#define EXP LOSS_PASTE(LOSS_EXP, SFX)
#define LOG LOSS_PASTE(LOSS_LOG, SFX)
#define LOG1P LOSS_PASTE(LOSS_LOG1P, SFX)
#define LOSS_EXP_f32 expf
#define LOSS_EXP_f64 exp
#define LOSS_LOG_f32 logf
#define LOSS_LOG_f64 log
#define LOSS_LOG1P_f32 log1pf
#define LOSS_LOG1P_f64 log1p
// PyTorch's BCE backward clamp is a float constant, also for float64 inputs.
#define BCE_EPSILON 1e-12f
// std::max(a, b) as PyTorch calls it: b only when a < b.
#define MAX_LIKE_STD(a, b) ((a) < (b) ? (b) : (a))
#define SIGN(T, v) (T)(((v) > 0) - ((v) < 0))
#ifdef __cplusplus
#define ELEM(x) x
#define ELEM_FN static __device__ __forceinline__
#else
#define ELEM(x) LOSS_PASTE(x, SFX)
#define ELEM_FN static inline __attribute__((always_inline))
#endif

// The loss of element i before weights:
//   BCE (PyTorch 1.13's CPU kernel exactly: log clamped at -100, log(1-x) rather than
//   log1p, products rounded): (t - 1) * max(log(1 - x), -100) - t * max(log x, -100)
//   BCE with logits, m = max(-x, 0), lw = (pos_weight - 1) * t + 1 (1 without it):
//   (1 - t) * x + lw * (log(exp(-m) + exp(-x - m)) + m)
//   MSE: (x - t)^2;  L1: |x - t|
//   smooth L1, z = |x - t|: z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
//   Huber: z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
ELEM_FN T ELEM(loss_of)(int kind, const T *x, const T *t, const T *pw, int64_t i, T param) {
  switch (kind) {
  case CT_LOSS_BCE: {
    T xi = x[i];
    T log_x = MAX_LIKE_STD(LOG(xi), (T)-100);
    T log_1mx = MAX_LIKE_STD(LOG(1 - xi), (T)-100);
    return (t[i] - 1) * log_1mx - t[i] * log_x;
  }
  case CT_LOSS_BCE_LOGITS: {
    T m = -x[i] > 0 ? -x[i] : 0;
    T softplus = LOG(EXP(-m) + EXP(-x[i] - m));
    if (pw) return (1 - t[i]) * x[i] + ((pw[i] - 1) * t[i] + 1) * (softplus + m);
    return (1 - t[i]) * x[i] + m + softplus;
  }
  case CT_LOSS_MSE: {
    T d = x[i] - t[i];
    return d * d;
  }
  case CT_LOSS_SMOOTH_L1: {
    T z = fabs(x[i] - t[i]);
    return z < param ? (T)0.5 * z * z / param : z - (T)0.5 * param;
  }
  case CT_LOSS_HUBER: {
    T z = fabs(x[i] - t[i]);
    return z < param ? (T)0.5 * z * z : param * (z - (T)0.5 * param);
  }
  default: return fabs(x[i] - t[i]); // CT_LOSS_L1
  }
}

// d loss / d input (or target, `wrt_target`) of element i for incoming gradient gi; k is
// MSE's norm (2/numel for 'mean', else 2) or L1's divisor, as T.
//   BCE: input (g*(x-t)) / max((1-x)*x, 1e-12f); target -logit(x) * g
//   BCE with logits: input (sigmoid(x) - t) * g, with pos_weight
//   ((pw*t + 1 - t) * sigmoid(x) - pw*t) * g; target -x * g, with pos_weight
//   (log_sigmoid(-x) - log_sigmoid(x) * pw) * g
//   MSE: ±norm * (x - t) * g;  L1 (MeanBackward0, AbsBackward0, SubBackward0):
//   ±(g / divisor) * sgn(x - t)
//   smooth L1 / Huber (PyTorch's vector formula; k = 1/numel for 'mean', else 1; the
//   target's gradient is the same with x and t swapped): k * s * g with s = |x - t| >= param ?
//   ±1 (smooth L1) or ±delta (Huber) by the sign of x - t (- at 0), else (x - t) / beta
//   or x - t
ELEM_FN T ELEM(grad_of)(int kind, bool wrt_target, const T *x, const T *t, const T *pw, int64_t i, T gi, T k,
                        T param) {
  switch (kind) {
  case CT_LOSS_BCE:
    if (wrt_target) return -LOG(x[i] / (1 - x[i])) * gi;
    return gi * (x[i] - t[i]) / MAX_LIKE_STD((1 - x[i]) * x[i], (T)BCE_EPSILON);
  case CT_LOSS_BCE_LOGITS:
    if (wrt_target) {
      if (pw) {
        T tail = LOG1P(EXP(-(x[i] < 0 ? -x[i] : x[i])));
        T ls_pos = (x[i] < 0 ? x[i] : 0) - tail, ls_neg = (x[i] > 0 ? -x[i] : 0) - tail;
        return (ls_neg - ls_pos * pw[i]) * gi;
      }
      return -x[i] * gi;
    } else {
      T sig = 1 / (1 + EXP(-x[i]));
      if (pw) {
        T pt = pw[i] * t[i];
        return ((pt + 1 - t[i]) * sig - pt) * gi;
      }
      return (sig - t[i]) * gi;
    }
  case CT_LOSS_MSE:
    if (wrt_target) return k * (t[i] - x[i]) * gi;
    return k * (x[i] - t[i]) * gi;
  case CT_LOSS_SMOOTH_L1:
  case CT_LOSS_HUBER: {
    T d = wrt_target ? t[i] - x[i] : x[i] - t[i];
    T big = kind == CT_LOSS_HUBER ? param : 1;
    T s = fabs(d) >= param ? (d > 0 ? big : -big) : kind == CT_LOSS_HUBER ? d : d / param;
    return k * s * gi;
  }
  default: // CT_LOSS_L1
    if (wrt_target) return -((gi / k) * SIGN(T, x[i] - t[i]));
    return (gi / k) * SIGN(T, x[i] - t[i]);
  }
}

#undef LOSS_PASTE_
#undef LOSS_PASTE
#undef EXP
#undef LOG
#undef LOG1P
#undef LOSS_EXP_f32
#undef LOSS_EXP_f64
#undef LOSS_LOG_f32
#undef LOSS_LOG_f64
#undef LOSS_LOG1P_f32
#undef LOSS_LOG1P_f64
#undef BCE_EPSILON
#undef MAX_LIKE_STD
#undef SIGN
#undef ELEM
#undef ELEM_FN

// var/std, norm and logsumexp kernels, and the elementwise loops of the gradients of
// var/std, prod, norm and logsumexp.
#include <math.h>
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/reduce_impl.h"

#define LOAD(T, p) load_##T(p)
static inline float load_float(const char *p) { float v; memcpy(&v, p, sizeof v); return v; }
static inline double load_double(const char *p) { double v; memcpy(&v, p, sizeof v); return v; }
#define STORE(p, v) memcpy((p), &(v), sizeof(v))

// Math functions per type: exp and log as PyTorch's vectorised exp_/log_ compute them
// (SLEEF, or libm without it); the rest from libm.
#define EXP_float ct__cpu_expf
#define EXP_double ct__cpu_exp
#define LOG_float ct__cpu_logf
#define LOG_double ct__cpu_log
#define POW_float powf
#define POW_double pow
#define SQRT_float sqrtf
#define SQRT_double sqrt
#define FMA_float fmaf
#define FMA_double fma
#define FABS_float fabsf
#define FABS_double fabs
#define M(F, T) F##_##T

// ---- reductions ----

// Welford's online variance in double, PyTorch's WelfordOps (m2 update fused, as GCC
// compiles it in PyTorch's AVX2 kernels); divisor n - correction, 0 when negative.
#define DEFINE_VAR(SUF, T)                                                                     \
  static void var_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {          \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      double mean = 0, m2 = 0;                                                                 \
      int64_t count = 0;                                                                       \
      CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, {                              \
        double x = (double)v;                                                                  \
        double delta = x - mean;                                                               \
        mean = mean + delta / (double)++count;                                                 \
        m2 = fma(delta, x - mean, m2);                                                         \
      });                                                                                      \
      double dof = (double)count - c->param;                                                   \
      double var = m2 / (dof > 0 ? dof : 0.0);                                                 \
      T r = (T)(c->flags & CT_RED_SQRT ? sqrt(var) : var);                                     \
      STORE(data[0] + j * strides[0], r);                                                      \
    }                                                                                          \
  }

// ops {out (double), input, mean (double)}: sum of squared deviations in double,
// PyTorch's all-reduce std/var second pass (unfused multiply-add).
#define DEFINE_SQ_DEV_SUM(SUF, T)                                                              \
  static void sq_dev_sum_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {   \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      double mean = load_double(data[2] + j * strides[2]), s = 0;                              \
      CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, {                              \
        double dx = (double)v - mean;                                                          \
        s += dx * dx;                                                                          \
      });                                                                                      \
      STORE(data[0] + j * strides[0], s);                                                      \
    }                                                                                          \
  }

// p-norms, accumulated in T like PyTorch's CPU norm kernels. p = 2 over a contiguous
// run follows its vectorised last-dim loop: W lanes of fused x*x sums, lanes added
// left to right, then the tail.
#define DEFINE_NORM(SUF, T, W)                                                                 \
  static T norm2_contiguous_##SUF(const T *x, int64_t len) {                                   \
    T lanes[W] = {0};                                                                          \
    int64_t i = 0;                                                                             \
    for (; i + W <= len; i += W)                                                               \
      for (int l = 0; l < W; l++) lanes[l] = M(FMA, T)(x[i + l], x[i + l], lanes[l]);          \
    T acc = lanes[0];                                                                          \
    for (int l = 1; l < W; l++) acc = acc + lanes[l];                                          \
    for (; i < len; i++) acc = M(FMA, T)(x[i], x[i], acc);                                     \
    return acc;                                                                                \
  }                                                                                            \
  static T norm_run_##SUF(const char *p, int64_t len, int64_t stride, double pd, T acc) {      \
    const T pt = (T)pd;                                                                        \
    for (int64_t i = 0; i < len; i++) {                                                        \
      T x = LOAD(T, p + i * stride), a = M(FABS, T)(x);                                        \
      if (pd == 2) acc = M(FMA, T)(x, x, acc);                                                 \
      else if (pd == 1) acc = acc + a;                                                         \
      else if (pd == 0) acc = acc + (T)(x != 0);                                               \
      else if (pd == INFINITY) acc = (a > acc || isnan(a)) ? a : acc;                          \
      else if (pd == -INFINITY) acc = (a < acc || isnan(a)) ? a : acc;                         \
      else acc = acc + M(POW, T)(a, pt);                                                       \
    }                                                                                          \
    return acc;                                                                                \
  }                                                                                            \
  static void norm_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {         \
    const ct_reduce_ctx *c = vctx;                                                             \
    const double p = c->param;                                                                 \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      const char *base = data[1] + j * strides[1];                                             \
      T acc = p == -INFINITY ? (T)INFINITY : (T)0;                                             \
      if (p == 2 && runs == 1 && c->stride == (int64_t)sizeof(T))                              \
        acc = norm2_contiguous_##SUF((const T *)(const void *)base, c->len);                   \
      else                                                                                     \
        for (int64_t k = 0; k < runs; k++) acc = norm_run_##SUF(ct__red_run_ptr(c, base, k), c->len, c->stride, p, acc); \
      T r = acc;                                                                               \
      if (p == 2) r = M(SQRT, T)(acc);                                                         \
      else if (p != 0 && p != 1 && !isinf(p)) r = M(POW, T)(acc, (T)1 / (T)p);                 \
      STORE(data[0] + j * strides[0], r);                                                      \
    }                                                                                          \
  }

// ---- loops along one dim ----

// ops {grad_in kept view, input kept view, grad, result}. Without a zero in the slice:
// grad * (result / x); otherwise grad * (exclusive prefix product * exclusive suffix
// product), PyTorch's prod_safe_zeros_backward (which it uses when any zero exists).
#define DEFINE_PROD_BACKWARD(SUF, T)                                                           \
  static void prod_backward_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) { \
    const ct_reduce_ctx *c = vctx;                                                             \
    for (int64_t j = 0; j < n; j++) {                                                          \
      char *gin = data[0] + j * strides[0];                                                    \
      const char *x = data[1] + j * strides[1];                                                \
      T g = LOAD(T, data[2] + j * strides[2]), r = LOAD(T, data[3] + j * strides[3]);          \
      bool zero = false;                                                                       \
      for (int64_t i = 0; i < c->len; i++) zero |= LOAD(T, x + i * c->stride) == 0;            \
      if (!zero) {                                                                             \
        for (int64_t i = 0; i < c->len; i++) {                                                 \
          T v = g * (r / LOAD(T, x + i * c->stride));                                          \
          STORE(gin + i * c->stride2, v);                                                      \
        }                                                                                      \
        continue;                                                                              \
      }                                                                                        \
      T prefix = 1;                                                                            \
      for (int64_t i = 0; i < c->len; i++) {                                                   \
        STORE(gin + i * c->stride2, prefix);                                                   \
        prefix = prefix * LOAD(T, x + i * c->stride);                                          \
      }                                                                                        \
      T suffix = 1;                                                                            \
      for (int64_t i = c->len - 1; i >= 0; i--) {                                              \
        T v = g * (LOAD(T, gin + i * c->stride2) * suffix);                                    \
        STORE(gin + i * c->stride2, v);                                                        \
        suffix = suffix * LOAD(T, x + i * c->stride);                                          \
      }                                                                                        \
    }                                                                                          \
  }

// ---- elementwise loops (operands broadcast by the iterator) ----

// ops {out, a, b}, or with INPUTS 3 {out, a, b, d}. EXPR reads a, b (d) and prm/flags.
#define DEFINE_EW(NAME, SUF, T, INPUTS, EXPR)                                                  \
  static void NAME##_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {       \
    const double prm = ((const ct_reduce_ctx *)vctx)->param;                                   \
    const int flags = ((const ct_reduce_ctx *)vctx)->flags;                                    \
    (void)prm, (void)flags;                                                                    \
    for (int64_t i = 0; i < n; i++) {                                                          \
      T a = LOAD(T, data[1] + i * strides[1]), b = LOAD(T, data[2] + i * strides[2]);          \
      T d = (INPUTS) == 3 ? LOAD(T, data[3] + i * strides[3]) : (T)0;                          \
      (void)d;                                                                                 \
      T r = (EXPR);                                                                            \
      STORE(data[0] + i * strides[0], r);                                                      \
    }                                                                                          \
  }

// Gradient of the p-norm, PyTorch's norm_backward for finite p other than 0 (x = a,
// g = b, norm = d). sgn(x) is the real sign.
#define SGN(x) ((x > 0) - (x < 0))
#define NORM_GRAD(T, x, g, nrm, p)                                                             \
  ((p) == 1   ? (T)SGN(x) * (g)                                                                \
   : (p) == 2 ? (g) * ((nrm) == 0 ? (T)0 : (x) / (nrm))                                        \
   : (p) < 1  ? ((T)SGN(x) * ((x) == 0 ? (T)0 : M(POW, T)(M(FABS, T)(x), (T)((p) - 1))) * (g)) * \
                   M(POW, T)(nrm, (T)(1 - (p)))                                                \
   : (p) < 2  ? ((T)SGN(x) * M(POW, T)(M(FABS, T)(x), (T)((p) - 1))) *                         \
                   ((nrm) == 0 ? (T)0 : (g) / M(POW, T)(nrm, (T)((p) - 1)))                    \
              : ((x) * M(POW, T)(M(FABS, T)(x), (T)((p) - 2))) *                               \
                   ((nrm) == 0 ? (T)0 : (g) / M(POW, T)(nrm, (T)((p) - 1))))

#define DEFINE_FLOAT_LOOPS(SUF, T, W)                                                          \
  DEFINE_VAR(SUF, T)                                                                           \
  DEFINE_SQ_DEV_SUM(SUF, T)                                                                    \
  DEFINE_NORM(SUF, T, W)                                                                       \
  DEFINE_PROD_BACKWARD(SUF, T)                                                                 \
  /* logsumexp: exp(x - m), then log(sum) + m, m = max or 0 where the max is infinite; */   \
  /* its gradient g * exp(x - result) */                                                       \
  DEFINE_EW(exp_sub, SUF, T, 2, M(EXP, T)(a - (isinf(b) ? (T)0 : b)))                            \
  DEFINE_EW(log_add, SUF, T, 2, M(LOG, T)(a) + (isinf(b) ? (T)0 : b))                            \
  DEFINE_EW(exp_grad, SUF, T, 3, b * M(EXP, T)(a - d))                                           \
  /* var/std: c = (2/dof) * (std ? masked g / (2 r) : g); grad = c * (x - mean) */            \
  DEFINE_EW(var_coef, SUF, T, 2, (T)prm * ((flags & CT_RED_SQRT) ? (b == 0 ? (T)0 : a / (b * 2)) : a)) \
  DEFINE_EW(sub_mul, SUF, T, 3, d * (a - b))       \
  DEFINE_EW(norm_grad, SUF, T, 3, NORM_GRAD(T, a, b, d, prm))

DEFINE_FLOAT_LOOPS(f32, float, 8)
DEFINE_FLOAT_LOOPS(f64, double, 4)

const ct_loop_fn ct__cpu_var_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(var);
const ct_loop_fn ct__cpu_sq_dev_sum_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(sq_dev_sum);
const ct_loop_fn ct__cpu_norm_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(norm);
const ct_loop_fn ct__cpu_norm_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(norm_grad);
const ct_loop_fn ct__cpu_prod_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(prod_backward);
const ct_loop_fn ct__cpu_exp_sub_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(exp_sub);
const ct_loop_fn ct__cpu_log_add_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_add);
const ct_loop_fn ct__cpu_var_coef_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(var_coef);
const ct_loop_fn ct__cpu_sub_mul_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(sub_mul);
const ct_loop_fn ct__cpu_exp_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(exp_grad);

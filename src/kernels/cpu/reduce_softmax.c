// softmax / log_softmax and their gradients over contiguous [outer, dim, inner] blocks,
// following PyTorch's CPU kernels:
// * along the last dim (inner == 1), row by row: max, exp(x - max) with SLEEF's vector
//   exp on every element, a W-lane sum (the tail merged into the first lanes, the lanes
//   combined pairwise), then y * (1 / sum) or (x - max) - log(sum);
// * along other dims, W inner positions at a time with their own running max and sum
//   (SLEEF on full vectors, libm on the last inner % W positions), then y / sum or
//   (x - max) - log(sum).
// Without SLEEF (or AVX2+FMA) exp and log are libm's.
#include <math.h>
#include "kernels/cpu/reduce_impl.h"

#if defined(CTORCH_HAVE_SLEEF) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <sleef.h>
// One element with the same bits as the vector functions.
static inline float exp1_f32(float x) { return Sleef_expf1_u10purecfma(x); }
static inline double exp1_f64(double x) { return Sleef_expd1_u10purecfma(x); }
static inline float log1_f32(float x) { return Sleef_logf1_u10purecfma(x); }
static inline double log1_f64(double x) { return Sleef_logd1_u10purecfma(x); }
#define VEXP_f32(p, m) Sleef_expf8_u10avx2(_mm256_sub_ps(_mm256_loadu_ps(p), (m)))
#define VEXP_f64(p, m) Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(p), (m)))
#define VLOADM_f32(p) _mm256_loadu_ps(p)
#define VLOADM_f64(p) _mm256_loadu_pd(p)
#define VSET1_f32(v) _mm256_set1_ps(v)
#define VSET1_f64(v) _mm256_set1_pd(v)
#define VSTORE_f32(p, v) _mm256_storeu_ps((p), (v))
#define VSTORE_f64(p, v) _mm256_storeu_pd((p), (v))
#define HAVE_VEXP 1
#else
static inline float exp1_f32(float x) { return expf(x); }
static inline double exp1_f64(double x) { return exp(x); }
static inline float log1_f32(float x) { return logf(x); }
static inline double log1_f64(double x) { return log(x); }
#define HAVE_VEXP 0
#endif
#define fma_f32 fmaf
#define fma_f64 fma
static inline float libm_exp_f32(float x) { return expf(x); }
static inline double libm_exp_f64(double x) { return exp(x); }
#define M(F, SUF) F##_##SUF

// Sum of EXPR(i), i < n, in W lanes (PyTorch's vec reduce_all): the tail goes into the
// first lanes, then float lanes are combined pairwise (its AVX2 shuffle reduction) and
// double lanes left to right; rows shorter than W add left to right. ACC(acc, i) adds
// EXPR(i) into acc (fused multiply-add where PyTorch's compiled kernel has one).
#define DEFINE_ROW_SUM(NAME, T, W, EXPR, ACC)                                                  \
  static inline T NAME(const T *a, const T *b, int64_t n) {                                    \
    (void)b;                                                                                   \
    if (n < W) {                                                                               \
      T acc = n > 0 ? (EXPR(0)) : (T)0;                                                        \
      for (int64_t i = 1; i < n; i++) acc = acc + (EXPR(i));                                   \
      return acc;                                                                              \
    }                                                                                          \
    T lane[W];                                                                                 \
    for (int l = 0; l < W; l++) lane[l] = EXPR(l);                                             \
    int64_t i = W;                                                                             \
    for (; i + W <= n; i += W)                                                                 \
      for (int l = 0; l < W; l++) lane[l] = ACC(lane[l], i + l);                               \
    for (int l = 0; i + l < n; l++) lane[l] = ACC(lane[l], i + l);                             \
    if (W == 8)                                                                                \
      for (int half = W / 2; half >= 1; half /= 2)                                             \
        for (int l = 0; l < half; l++) lane[l] = lane[l] + lane[l + half];                     \
    else                                                                                       \
      for (int l = 1; l < W; l++) lane[0] = lane[0] + lane[l];                                 \
    return lane[0];                                                                            \
  }
#define ROW_X(i) a[i]
#define ROW_GY(i) (a[i] * b[i])
#define ACC_ADD(acc, i) ((acc) + a[i])
#define ACC_FMA_f32(acc, i) fmaf(a[i], b[i], (acc))
#define ACC_FMA_f64(acc, i) fma(a[i], b[i], (acc))

// Columns of an [dim, inner] block handled together when dim is not the last (a
// multiple of every W, so the libm tail is the same as PyTorch's).
#define COLS 64

#define DEFINE_SOFTMAX(SUF, T, W)                                                              \
  DEFINE_ROW_SUM(row_sum_##SUF, T, W, ROW_X, ACC_ADD)                                          \
  DEFINE_ROW_SUM(row_sum_prod_##SUF, T, W, ROW_GY, ACC_FMA_##SUF)                              \
  /* y[i] = exp(x[i] - m) for a row: every element through the vector function. */            \
  static inline void exp_row_##SUF(const T *x, T m, T *y, int64_t n) {                         \
    int64_t i = 0;                                                                             \
    IF_VEXP(for (; i + W <= n; i += W) M(VSTORE, SUF)(y + i, M(VEXP, SUF)(x + i, M(VSET1, SUF)(m)));) \
    for (; i < n; i++) y[i] = M(exp1, SUF)(x[i] - m);                                          \
  }                                                                                            \
  /* y[k] = exp(x[k] - m[k]) across columns: vectors, then libm on the tail. */               \
  static inline void exp_cols_##SUF(const T *x, const T *m, T *y, int64_t n) {                 \
    int64_t k = 0;                                                                             \
    IF_VEXP(for (; k + W <= n; k += W) M(VSTORE, SUF)(y + k, M(VEXP, SUF)(x + k, M(VLOADM, SUF)(m + k)));) \
    for (; k < n; k++) y[k] = M(libm_exp, SUF)(x[k] - m[k]);                                   \
  }                                                                                            \
  static void softmax_any_##SUF(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner, \
                                bool is_log) {                                                 \
    T *y = (T *)(void *)out;                                                                   \
    const T *x = (const T *)(const void *)in;                                                  \
    if (dim == 0) return;                                                                      \
    if (inner == 1) {                                                                          \
      for (int64_t o = 0; o < outer; o++, x += dim, y += dim) {                                \
        T m = ct__max_run_##SUF(x, dim, x[0]);                                                 \
        exp_row_##SUF(x, m, y, dim); /* log_softmax: y is scratch until the last loop */       \
        T s = row_sum_##SUF(y, NULL, dim);                                                     \
        if (is_log) {                                                                          \
          T ls = M(log1, SUF)(s);                                                              \
          for (int64_t i = 0; i < dim; i++) y[i] = (x[i] - m) - ls;                            \
        } else {                                                                               \
          T r = (T)1 / s;                                                                      \
          for (int64_t i = 0; i < dim; i++) y[i] = y[i] * r;                                   \
        }                                                                                      \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    T mx[COLS], sum[COLS], e[COLS];                                                            \
    for (int64_t o = 0; o < outer; o++, x += dim * inner, y += dim * inner)                    \
      for (int64_t k0 = 0; k0 < inner; k0 += COLS) {                                           \
        int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;                                  \
        for (int64_t k = 0; k < cols; k++) mx[k] = x[k0 + k], sum[k] = 0;                      \
        for (int64_t d = 1; d < dim; d++) {                                                    \
          const T *xr = x + d * inner + k0;                                                    \
          for (int64_t k = 0; k < cols; k++) mx[k] = (xr[k] > mx[k] || isnan(xr[k])) ? xr[k] : mx[k]; \
        }                                                                                      \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          T *er = is_log ? e : y + d * inner + k0; /* softmax keeps exp in y */                \
          exp_cols_##SUF(x + d * inner + k0, mx, er, cols);                                    \
          for (int64_t k = 0; k < cols; k++) sum[k] += er[k];                                  \
        }                                                                                      \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *xr = x + d * inner + k0;                                                    \
          T *yr = y + d * inner + k0;                                                          \
          if (is_log) {                                                                        \
            if (d == 0)                                                                        \
              for (int64_t k = 0; k < cols; k++) sum[k] = M(log1, SUF)(sum[k]);                \
            for (int64_t k = 0; k < cols; k++) yr[k] = (xr[k] - mx[k]) - sum[k];               \
          } else {                                                                             \
            for (int64_t k = 0; k < cols; k++) yr[k] = yr[k] / sum[k];                         \
          }                                                                                    \
        }                                                                                      \
      }                                                                                        \
  }                                                                                            \
  /* softmax: gin = (g - sum(g*y)) * y; log_softmax: gin = g - exp(y) * sum(g). */            \
  static void softmax_any_backward_##SUF(char *gin, const char *gp, const char *yp, int64_t outer, \
                                         int64_t dim, int64_t inner, bool is_log) {            \
    T *r = (T *)(void *)gin;                                                                   \
    const T *g = (const T *)(const void *)gp, *y = (const T *)(const void *)yp;                \
    if (dim == 0) return;                                                                      \
    if (inner == 1) {                                                                          \
      for (int64_t o = 0; o < outer; o++, r += dim, g += dim, y += dim) {                      \
        if (is_log) {                                                                          \
          T s = row_sum_##SUF(g, NULL, dim);                                                   \
          exp_row_##SUF(y, 0, r, dim);                                                         \
          for (int64_t i = 0; i < dim; i++) r[i] = M(fma, SUF)(-r[i], s, g[i]);                \
        } else {                                                                               \
          T s = row_sum_prod_##SUF(g, y, dim);                                                 \
          for (int64_t i = 0; i < dim; i++) r[i] = (g[i] - s) * y[i];                          \
        }                                                                                      \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    T sum[COLS], zero[COLS] = {0};                                                             \
    for (int64_t o = 0; o < outer; o++, r += dim * inner, g += dim * inner, y += dim * inner)  \
      for (int64_t k0 = 0; k0 < inner; k0 += COLS) {                                           \
        int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;                                  \
        for (int64_t k = 0; k < cols; k++) sum[k] = 0;                                         \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;                          \
          if (is_log)                                                                          \
            for (int64_t k = 0; k < cols; k++) sum[k] += gr[k];                                \
          else                                                                                 \
            for (int64_t k = 0; k < cols; k++) sum[k] = M(fma, SUF)(gr[k], yr[k], sum[k]);     \
        }                                                                                      \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;                          \
          T *rr = r + d * inner + k0;                                                          \
          if (is_log) {                                                                        \
            exp_cols_##SUF(yr, zero, rr, cols);                                                \
            for (int64_t k = 0; k < cols; k++) rr[k] = M(fma, SUF)(-rr[k], sum[k], gr[k]);     \
          } else {                                                                             \
            for (int64_t k = 0; k < cols; k++) rr[k] = yr[k] * (gr[k] - sum[k]);               \
          }                                                                                    \
        }                                                                                      \
      }                                                                                        \
  }                                                                                            \
  static void softmax_##SUF(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner) { \
    softmax_any_##SUF(out, in, outer, dim, inner, false);                                      \
  }                                                                                            \
  static void log_softmax_##SUF(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner) { \
    softmax_any_##SUF(out, in, outer, dim, inner, true);                                       \
  }                                                                                            \
  static void softmax_backward_##SUF(char *gin, const char *g, const char *y, int64_t outer, int64_t dim, \
                                     int64_t inner) {                                          \
    softmax_any_backward_##SUF(gin, g, y, outer, dim, inner, false);                           \
  }                                                                                            \
  static void log_softmax_backward_##SUF(char *gin, const char *g, const char *y, int64_t outer, \
                                         int64_t dim, int64_t inner) {                         \
    softmax_any_backward_##SUF(gin, g, y, outer, dim, inner, true);                            \
  }

#if HAVE_VEXP
#define IF_VEXP(...) __VA_ARGS__
#else
#define IF_VEXP(...)
#endif

DEFINE_SOFTMAX(f32, float, 8)
DEFINE_SOFTMAX(f64, double, 4)

const ct_softmax_fn ct__cpu_softmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(softmax);
const ct_softmax_fn ct__cpu_log_softmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_softmax);
const ct_softmax_backward_fn ct__cpu_softmax_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(softmax_backward);
const ct_softmax_backward_fn ct__cpu_log_softmax_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_softmax_backward);

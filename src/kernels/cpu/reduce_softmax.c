// softmax / log_softmax and their gradients over contiguous [outer, dim, inner] blocks,
// following PyTorch's CPU kernels: along the last dim (inner == 1) a row is reduced with
// W-lane partial sums (the tail merged into the first lanes, then the lanes combined
// pairwise); along other dims each inner position keeps its own running max and sum,
// so those loops run across inner positions. The max is subtracted before exp.
#include <math.h>
#include "kernels/cpu/reduce_impl.h"

#define EXP_f32 expf
#define EXP_f64 exp
#define LOG_f32 logf
#define LOG_f64 log
#define M(F, SUF) F##_##SUF

// Sum of EXPR(i), i < n, in W lanes combined pairwise (PyTorch's vec reduce_all);
// rows shorter than W add left to right.
#define DEFINE_ROW_SUM(NAME, T, W, EXPR)                                                       \
  static inline T NAME(const T *a, const T *b, T s, int64_t n) {                               \
    (void)a, (void)b, (void)s;                                                                 \
    if (n < W) {                                                                               \
      T acc = n > 0 ? (EXPR(0)) : (T)0;                                                        \
      for (int64_t i = 1; i < n; i++) acc = acc + (EXPR(i));                                   \
      return acc;                                                                              \
    }                                                                                          \
    T lane[W];                                                                                 \
    for (int l = 0; l < W; l++) lane[l] = EXPR(l);                                             \
    int64_t i = W;                                                                             \
    for (; i + W <= n; i += W)                                                                 \
      for (int l = 0; l < W; l++) lane[l] = lane[l] + (EXPR(i + l));                          \
    for (int l = 0; i + l < n; l++) lane[l] = lane[l] + (EXPR(i + l));                         \
    for (int half = W / 2; half >= 1; half /= 2)                                               \
      for (int l = 0; l < half; l++) lane[l] = lane[l] + lane[l + half];                       \
    return lane[0];                                                                            \
  }
#define ROW_X(i) a[i]
#define ROW_GY(i) (a[i] * b[i])
#define ROW_EXP_f32(i) expf(a[i] - s)
#define ROW_EXP_f64(i) exp(a[i] - s)

// Columns of an [dim, inner] block handled together when dim is not the last.
#define COLS 64

#define DEFINE_SOFTMAX(SUF, T, W)                                                              \
  DEFINE_ROW_SUM(row_sum_##SUF, T, W, ROW_X)                                                   \
  DEFINE_ROW_SUM(row_sum_exp_##SUF, T, W, ROW_EXP_##SUF)                                       \
  DEFINE_ROW_SUM(row_sum_prod_##SUF, T, W, ROW_GY)                                             \
  static inline T row_max_##SUF(const T *x, int64_t n) {                                       \
    T m = x[0];                                                                                \
    for (int64_t i = 1; i < n; i++) m = (x[i] > m || isnan(x[i])) ? x[i] : m;                  \
    return m;                                                                                  \
  }                                                                                            \
  /* Per column k < cols of x (row stride `inner`): max over dim, sum of exp(x - max). */     \
  static void column_stats_##SUF(const T *x, int64_t dim, int64_t inner, int64_t cols, T *mx, T *sum) { \
    for (int64_t k = 0; k < cols; k++) mx[k] = x[k], sum[k] = 0;                               \
    for (int64_t d = 1; d < dim; d++)                                                          \
      for (int64_t k = 0; k < cols; k++) {                                                     \
        T v = x[d * inner + k];                                                                \
        mx[k] = (v > mx[k] || isnan(v)) ? v : mx[k];                                           \
      }                                                                                        \
    for (int64_t d = 0; d < dim; d++)                                                          \
      for (int64_t k = 0; k < cols; k++) sum[k] += M(EXP, SUF)(x[d * inner + k] - mx[k]);      \
  }                                                                                            \
  static void softmax_any_##SUF(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner, bool is_log) { \
    T *y = (T *)(void *)out;                                                                   \
    const T *x = (const T *)(const void *)in;                                                  \
    if (dim == 0) return;                                                                      \
    if (inner == 1) {                                                                          \
      for (int64_t o = 0; o < outer; o++, x += dim, y += dim) {                                \
        T m = row_max_##SUF(x, dim);                                                           \
        if (is_log) {                                                                             \
          T ls = M(LOG, SUF)(row_sum_exp_##SUF(x, NULL, m, dim));                              \
          for (int64_t i = 0; i < dim; i++) y[i] = (x[i] - m) - ls;                            \
        } else {                                                                               \
          for (int64_t i = 0; i < dim; i++) y[i] = M(EXP, SUF)(x[i] - m);                      \
          T s = (T)1 / row_sum_##SUF(y, NULL, 0, dim);                                         \
          for (int64_t i = 0; i < dim; i++) y[i] = y[i] * s;                                   \
        }                                                                                      \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    T mx[COLS], sum[COLS];                                                                     \
    for (int64_t o = 0; o < outer; o++, x += dim * inner, y += dim * inner)                    \
      for (int64_t k0 = 0; k0 < inner; k0 += COLS) {                                           \
        int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;                                  \
        column_stats_##SUF(x + k0, dim, inner, cols, mx, sum);                                 \
        if (is_log)                                                                               \
          for (int64_t k = 0; k < cols; k++) sum[k] = M(LOG, SUF)(sum[k]);                     \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *xr = x + d * inner + k0;                                                    \
          T *yr = y + d * inner + k0;                                                          \
          if (is_log)                                                                             \
            for (int64_t k = 0; k < cols; k++) yr[k] = (xr[k] - mx[k]) - sum[k];               \
          else                                                                                 \
            for (int64_t k = 0; k < cols; k++) yr[k] = M(EXP, SUF)(xr[k] - mx[k]) / sum[k];    \
        }                                                                                      \
      }                                                                                        \
  }                                                                                            \
  /* softmax: gin = (g - sum(g*y)) * y; log_softmax: gin = g - exp(y) * sum(g). */            \
  static void softmax_any_backward_##SUF(char *gin, const char *gp, const char *yp, int64_t outer, \
                                         int64_t dim, int64_t inner, bool is_log) {               \
    T *r = (T *)(void *)gin;                                                                   \
    const T *g = (const T *)(const void *)gp, *y = (const T *)(const void *)yp;                \
    if (dim == 0) return;                                                                      \
    if (inner == 1) {                                                                          \
      for (int64_t o = 0; o < outer; o++, r += dim, g += dim, y += dim) {                      \
        if (is_log) {                                                                             \
          T s = row_sum_##SUF(g, NULL, 0, dim);                                                \
          for (int64_t i = 0; i < dim; i++) r[i] = g[i] - M(EXP, SUF)(y[i]) * s;               \
        } else {                                                                               \
          T s = row_sum_prod_##SUF(g, y, 0, dim);                                              \
          for (int64_t i = 0; i < dim; i++) r[i] = (g[i] - s) * y[i];                          \
        }                                                                                      \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    T sum[COLS];                                                                               \
    for (int64_t o = 0; o < outer; o++, r += dim * inner, g += dim * inner, y += dim * inner)  \
      for (int64_t k0 = 0; k0 < inner; k0 += COLS) {                                           \
        int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;                                  \
        for (int64_t k = 0; k < cols; k++) sum[k] = 0;                                         \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;                          \
          if (is_log)                                                                             \
            for (int64_t k = 0; k < cols; k++) sum[k] += gr[k];                                \
          else                                                                                 \
            for (int64_t k = 0; k < cols; k++) sum[k] += gr[k] * yr[k];                        \
        }                                                                                      \
        for (int64_t d = 0; d < dim; d++) {                                                    \
          const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;                          \
          T *rr = r + d * inner + k0;                                                          \
          if (is_log)                                                                             \
            for (int64_t k = 0; k < cols; k++) rr[k] = gr[k] - M(EXP, SUF)(yr[k]) * sum[k];    \
          else                                                                                 \
            for (int64_t k = 0; k < cols; k++) rr[k] = yr[k] * (gr[k] - sum[k]);               \
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

DEFINE_SOFTMAX(f32, float, 8)
DEFINE_SOFTMAX(f64, double, 4)

#define FLOAT_ROW(NAME) {NULL, NULL, NULL, NAME##_f32, NAME##_f64}
const ct_softmax_fn ct__cpu_softmax_loops[CT_NUM_DTYPES] = FLOAT_ROW(softmax);
const ct_softmax_fn ct__cpu_log_softmax_loops[CT_NUM_DTYPES] = FLOAT_ROW(log_softmax);
const ct_softmax_backward_fn ct__cpu_softmax_backward_loops[CT_NUM_DTYPES] = FLOAT_ROW(softmax_backward);
const ct_softmax_backward_fn ct__cpu_log_softmax_backward_loops[CT_NUM_DTYPES] = FLOAT_ROW(log_softmax_backward);

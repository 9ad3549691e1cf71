// Sum and product kernels. Floating sums reproduce PyTorch 1.13's cascade sum (AVX2
// build: 8 float / 4 double lanes), including its choice between the inner-contiguous,
// outer-contiguous and scalar paths, so results are bit-identical to torch.sum for the
// same reduction geometry (docs: pytorch-parity.md section 7).
#include <stdlib.h>
#include "kernels/cpu/reduce_impl.h"
#include "kernels/parallel.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef float v8f __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));

static inline float ld_f32(const char *p) { float v; memcpy(&v, p, sizeof v); return v; }
static inline double ld_f64(const char *p) { double v; memcpy(&v, p, sizeof v); return v; }
static inline v8f ld_v8f(const char *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline v4d ld_v4d(const char *p) { v4d v; memcpy(&v, p, sizeof v); return v; }

// The cascade's block size exponent: max(4, CeilLog2(q) / 4), CeilLog2(x) = 1 for x <= 2.
static inline int level_power(int64_t q) {
  int ceil_log2 = q <= 2 ? 1 : 64 - __builtin_clzll((unsigned long long)(q - 1));
  return ceil_log2 / 4 > 4 ? ceil_log2 / 4 : 4;
}

// MULTI: cascade over q rows of 4 items (row i, item k at p + i*rs + k*cs): level 0 sums
// blocks of S = 2^P rows, each full block moves up through levels 1..3 like a carry,
// and the levels are added at the end. One 4-vector of accumulators per level.
// ROW_SUM: a row of m items as (m/4, 4) rows through MULTI, the tail into item 0.
#define DEFINE_CASCADE(SUF, T, LD)                                                             \
  static inline void multi_p_##SUF(const char *p, int64_t rs, int64_t cs, int64_t q, int P, T out[4]) { \
    const int64_t S = (int64_t)1 << P, mask = S - 1;                                           \
    const T zero = {0};                                                                        \
    T l1[4] = {zero, zero, zero, zero}, l2[4] = {zero, zero, zero, zero};                      \
    T l3[4] = {zero, zero, zero, zero};                                                        \
    int64_t i = 0;                                                                             \
    while (i + S <= q) {                                                                       \
      T a0 = zero, a1 = zero, a2 = zero, a3 = zero;                                            \
      for (int64_t end = i + S; i < end; i++) {                                                \
        const char *r = p + i * rs;                                                            \
        a0 += LD(r);                                                                           \
        a1 += LD(r + cs);                                                                      \
        a2 += LD(r + 2 * cs);                                                                  \
        a3 += LD(r + 3 * cs);                                                                  \
      }                                                                                        \
      l1[0] += a0, l1[1] += a1, l1[2] += a2, l1[3] += a3;                                      \
      if (i & (mask << P)) continue;                                                           \
      for (int k = 0; k < 4; k++) l2[k] += l1[k], l1[k] = zero;                                \
      if (i & (mask << (2 * P))) continue;                                                     \
      for (int k = 0; k < 4; k++) l3[k] += l2[k], l2[k] = zero;                                \
    }                                                                                          \
    T a[4] = {zero, zero, zero, zero};                                                         \
    for (; i < q; i++)                                                                         \
      for (int k = 0; k < 4; k++) a[k] += LD(p + i * rs + k * cs);                             \
    for (int k = 0; k < 4; k++) out[k] = ((a[k] + l1[k]) + l2[k]) + l3[k];                     \
  }                                                                                            \
  static inline void multi_##SUF(const char *p, int64_t rs, int64_t cs, int64_t q, T out[4]) {  \
    multi_p_##SUF(p, rs, cs, q, level_power(q), out);                                          \
  }                                                                                            \
  static inline T row_sum_##SUF(const char *p, int64_t is, int64_t m) {                        \
    int64_t q = m / 4;                                                                         \
    T a[4];                                                                                    \
    multi_##SUF(p, 4 * is, is, q, a);                                                          \
    for (int64_t i = 4 * q; i < m; i++) a[0] += LD(p + i * is);                                \
    return ((a[0] + a[1]) + a[2]) + a[3];                                                      \
  }

// The same cascade with its level-2 units (S^2 rows, independent of each other) summed
// by several threads, then combined in the serial order: identical results. Used for
// long contiguous runs outside parallel regions.
#define PARALLEL_MIN_ROWS 16384 /* 512K floats */
#define DEFINE_PARALLEL_ROW_SUM(VT)                                                            \
  static VT row_sum_par_##VT(const char *p, int64_t is, int64_t m) {                           \
    const int64_t q = m / 4, rs = 4 * is;                                                      \
    const int P = level_power(q);                                                              \
    const int64_t S = (int64_t)1 << P, mask = S - 1, unit = S * S, nunits = q / unit;          \
    VT *u = q >= PARALLEL_MIN_ROWS && nunits >= 4 ? malloc((size_t)nunits * 4 * sizeof(VT)) : NULL; \
    if (!u) return row_sum_##VT(p, is, m);                                                     \
    _Pragma("omp parallel for schedule(static)")                                               \
    for (int64_t j = 0; j < nunits; j++) {                                                     \
      VT r[4];                                                                                 \
      multi_p_##VT(p + j * unit * rs, rs, is, unit, P, r);                                     \
      memcpy(u + 4 * j, r, sizeof r);                                                          \
    }                                                                                          \
    const VT zero = {0};                                                                       \
    VT l2[4] = {zero, zero, zero, zero}, l3[4] = {zero, zero, zero, zero};                     \
    for (int64_t j = 0; j < nunits; j++) {                                                     \
      for (int k = 0; k < 4; k++) {                                                            \
        VT v;                                                                                  \
        memcpy(&v, u + 4 * j + k, sizeof v);                                                   \
        l2[k] += v;                                                                            \
      }                                                                                        \
      if (((j + 1) * unit) & (mask << (2 * P))) continue;                                      \
      for (int k = 0; k < 4; k++) l3[k] += l2[k], l2[k] = zero;                                \
    }                                                                                          \
    free(u);                                                                                   \
    VT l1[4] = {zero, zero, zero, zero}, a[4] = {zero, zero, zero, zero};                      \
    int64_t i = nunits * unit;                                                                 \
    while (i + S <= q) { /* whole level-0 blocks left (fewer than S): into level 1 */         \
      VT b[4] = {zero, zero, zero, zero};                                                      \
      for (int64_t end = i + S; i < end; i++)                                                  \
        for (int k = 0; k < 4; k++) b[k] += ld_##VT(p + i * rs + k * is);                      \
      for (int k = 0; k < 4; k++) l1[k] += b[k];                                               \
    }                                                                                          \
    for (; i < q; i++)                                                                         \
      for (int k = 0; k < 4; k++) a[k] += ld_##VT(p + i * rs + k * is);                        \
    for (int64_t t = 4 * q; t < m; t++) a[0] += ld_##VT(p + t * is);                           \
    VT r[4];                                                                                   \
    for (int k = 0; k < 4; k++) r[k] = ((a[k] + l1[k]) + l2[k]) + l3[k];                       \
    return ((r[0] + r[1]) + r[2]) + r[3];                                                      \
  }

DEFINE_CASCADE(f32, float, ld_f32)
DEFINE_CASCADE(f64, double, ld_f64)
DEFINE_CASCADE(v8f, v8f, ld_v8f)
DEFINE_CASCADE(v4d, v4d, ld_v4d)
DEFINE_PARALLEL_ROW_SUM(v8f)
DEFINE_PARALLEL_ROW_SUM(v4d)

// Whether a single long run may use the threaded cascade.
static inline bool may_thread(void) {
#ifdef _OPENMP
  return !omp_in_parallel() && ct__parallel_threads() > 1;
#else
  return false;
#endif
}

// Float kernels, W lanes per vector (VT). PyTorch picks, per 2-D block of (reduced run,
// outputs): "inner" (run contiguous and >= W long: vector cascade per output), "outer"
// (outputs contiguous and >= W of them: lanes are outputs, 4W at a time through MULTI,
// the rest by ROW_SUM), otherwise scalar inner (ROW_SUM per output) or scalar outer
// (4 outputs at a time through MULTI).
#define DEFINE_FLOAT_SUM(SUF, T, VT, W)                                                        \
  /* One run (the contiguous "inner" path or scalar row_sum). */                              \
  static inline T run_sum_##SUF(const char *p, int64_t n, int64_t stride) {                   \
    if (stride != (int64_t)sizeof(T) || n < W) return row_sum_##SUF(p, stride, n);            \
    int64_t nv = n / W;                                                                        \
    VT vacc = nv / 4 >= PARALLEL_MIN_ROWS && may_thread() ? row_sum_par_##VT(p, W * (int64_t)sizeof(T), nv) \
                                                          : row_sum_##VT(p, W * (int64_t)sizeof(T), nv); \
    T acc = 0;                                                                                 \
    for (int64_t k = nv * W; k < n; k++) acc += ld_##SUF(p + k * (int64_t)sizeof(T));          \
    for (int l = 0; l < W; l++) acc += vacc[l];                                                \
    return acc;                                                                                \
  }                                                                                            \
  static inline void store_##SUF(char *o, T v) {                                               \
    T r = (T)0 + v; /* PyTorch accumulates into a zero-filled output */                        \
    memcpy(o, &r, sizeof r);                                                                   \
  }                                                                                            \
  static void sum_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {          \
    const ct_reduce_ctx *c = vctx;                                                             \
    const int64_t es = (int64_t)sizeof(T), rs = c->stride, len = c->len;                      \
    const int64_t os = strides[0], ks = strides[1];                                            \
    char *out = data[0];                                                                       \
    const char *in = data[1];                                                                  \
    if (c->nouter > 0) { /* several reduced runs: out += each run's cascade, in order */       \
      int64_t runs = ct__red_runs(c);                                                          \
      for (int64_t j = 0; j < n; j++) {                                                        \
        T acc = 0;                                                                             \
        for (int64_t k = 0; k < runs; k++)                                                     \
          acc += run_sum_##SUF(ct__red_run_ptr(c, in + j * ks, k), len, rs);                  \
        store_##SUF(out + j * os, acc);                                                        \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    int64_t j = 0;                                                                             \
    if (n > 1 && !(rs == es && len >= W)) {                                                    \
      if (ks == es && n >= W) { /* outer, vectorised: lanes are outputs */                     \
        for (; j + 4 * W <= n; j += 4 * W) {                                                   \
          VT s[4];                                                                             \
          multi_##VT(in + j * es, rs, W * es, len, s);                                         \
          for (int k = 0; k < 4; k++)                                                          \
            for (int l = 0; l < W; l++) store_##SUF(out + (j + k * W + l) * os, s[k][l]);      \
        }                                                                                      \
        for (; j + W <= n; j += W) {                                                           \
          VT s = row_sum_##VT(in + j * es, rs, len);                                           \
          for (int l = 0; l < W; l++) store_##SUF(out + (j + l) * os, s[l]);                  \
        }                                                                                      \
      } else if (!(rs < ks)) { /* outer, scalar: 4 outputs at a time */                        \
        for (; j + 4 <= n; j += 4) {                                                           \
          T s[4];                                                                              \
          multi_##SUF(in + j * ks, rs, ks, len, s);                                            \
          for (int k = 0; k < 4; k++) store_##SUF(out + (j + k) * os, s[k]);                   \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
    for (; j < n; j++) store_##SUF(out + j * os, run_sum_##SUF(in + j * ks, len, rs));         \
  }

DEFINE_FLOAT_SUM(f32, float, v8f, 8)
DEFINE_FLOAT_SUM(f64, double, v4d, 4)

// Integer and bool sums into int64 (wrapping, like PyTorch); order does not matter.
#define DEFINE_INT_SUM(SUF, T)                                                                 \
  static void sum_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {          \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      uint64_t acc = 0;                                                                        \
      for (int64_t k = 0; k < runs; k++) {                                                     \
        const char *p = ct__red_run_ptr(c, data[1] + j * strides[1], k);                       \
        if (c->stride == (int64_t)sizeof(T)) {                                                 \
          const T *x = (const T *)(const void *)p;                                             \
          for (int64_t i = 0; i < c->len; i++) acc += (uint64_t)(int64_t)x[i];                 \
        } else {                                                                               \
          for (int64_t i = 0; i < c->len; i++) {                                               \
            T v;                                                                               \
            memcpy(&v, p + i * c->stride, sizeof v);                                           \
            acc += (uint64_t)(int64_t)v;                                                       \
          }                                                                                    \
        }                                                                                      \
      }                                                                                        \
      int64_t r = (int64_t)acc;                                                                \
      memcpy(data[0] + j * strides[0], &r, sizeof r);                                          \
    }                                                                                          \
  }
DEFINE_INT_SUM(b, bool)
DEFINE_INT_SUM(i32, int32_t)
DEFINE_INT_SUM(i64, int64_t)

// Products, left to right (PyTorch's vectorised order is not reproduced: float products
// match it to rounding). Integer products wrap; bool/int give int64.
#define DEFINE_PROD(SUF, T, ACC, OUT)                                                          \
  static void prod_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {         \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      ACC acc = 1;                                                                             \
      CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, acc = (ACC)(acc * (ACC)v));    \
      OUT r = (OUT)acc;                                                                        \
      memcpy(data[0] + j * strides[0], &r, sizeof r);                                          \
    }                                                                                          \
  }
DEFINE_PROD(b, bool, uint64_t, int64_t)
DEFINE_PROD(i32, int32_t, uint64_t, int64_t)
DEFINE_PROD(i64, int64_t, uint64_t, int64_t)
DEFINE_PROD(f32, float, float, float)
DEFINE_PROD(f64, double, double, double)

// ops {out, a}: out = a / (T)param (mean, and the mean's gradient).
#define DEFINE_DIV_SCALAR(SUF, T)                                                              \
  static void div_scalar_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {   \
    const T s = (T)((const ct_reduce_ctx *)vctx)->param;                                       \
    if (strides[0] == (int64_t)sizeof(T) && strides[1] == (int64_t)sizeof(T)) {                \
      T *restrict o = (T *)(void *)data[0];                                                    \
      const T *restrict a = (const T *)(const void *)data[1];                                  \
      for (int64_t i = 0; i < n; i++) o[i] = a[i] / s;                                         \
      return;                                                                                  \
    }                                                                                          \
    for (int64_t i = 0; i < n; i++) {                                                          \
      T a;                                                                                     \
      memcpy(&a, data[1] + i * strides[1], sizeof a);                                          \
      a = a / s;                                                                               \
      memcpy(data[0] + i * strides[0], &a, sizeof a);                                          \
    }                                                                                          \
  }
DEFINE_DIV_SCALAR(f32, float)
DEFINE_DIV_SCALAR(f64, double)

// Table rows filled here (the table itself is in reduce_table.c).
const ct_loop_fn ct__cpu_sum_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(sum);
const ct_loop_fn ct__cpu_prod_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(prod);
const ct_loop_fn ct__cpu_div_scalar_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(div_scalar);

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

// The max of a softmax row of 8 to 63 floats (ct__max_run's loop is scalar below 64), by
// lanes. Without a nan in the row the max is exact, and which of -0 / +0 it returns does
// not matter: x - m is then a zero, and exp of either is 1 (log_softmax, where the sign
// of x - m can show, keeps ct__max_run). Rows with a nan keep ct__max_run's choice.
static inline float softmax_row_max_f32(const float *x, int64_t n) {
  if (n < 8 || n >= 64) return ct__max_run_f32(x, n, x[0]);
  __m256 m = _mm256_loadu_ps(x), nan = _mm256_cmp_ps(m, m, _CMP_UNORD_Q);
  int64_t i = 8;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    m = _mm256_max_ps(m, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  float best = _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
  bool has_nan = _mm256_movemask_ps(nan) != 0;
  for (; i < n; i++) {
    has_nan |= x[i] != x[i];
    best = x[i] > best ? x[i] : best;
  }
  return has_nan ? ct__max_run_f32(x, n, x[0]) : best;
}
#else
static inline float exp1_f32(float x) { return expf(x); }
static inline double exp1_f64(double x) { return exp(x); }
static inline float log1_f32(float x) { return logf(x); }
static inline double log1_f64(double x) { return log(x); }
#define HAVE_VEXP 0
#endif
#if !HAVE_VEXP
static inline float softmax_row_max_f32(const float *x, int64_t n) { return ct__max_run_f32(x, n, x[0]); }
#endif
static inline double softmax_row_max_f64(const double *x, int64_t n) { return ct__max_run_f64(x, n, x[0]); }
#define fma_f32 fmaf
#define fma_f64 fma
static inline float libm_exp_f32(float x) { return expf(x); }
static inline double libm_exp_f64(double x) { return exp(x); }

// Columns of an [dim, inner] block handled together when dim is not the last (a
// multiple of every W, so the libm tail is the same as PyTorch's).
#define COLS 64

#define T float
#define SFX f32
#define W 8
#include "kernels/cpu/reduce_softmax_tmpl.h"
#define T double
#define SFX f64
#define W 4
#include "kernels/cpu/reduce_softmax_tmpl.h"

const ct_softmax_fn ct__cpu_softmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(softmax);
const ct_softmax_fn ct__cpu_log_softmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_softmax);
const ct_softmax_backward_fn ct__cpu_softmax_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(softmax_backward);
const ct_softmax_backward_fn ct__cpu_log_softmax_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_softmax_backward);

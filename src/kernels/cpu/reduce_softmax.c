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

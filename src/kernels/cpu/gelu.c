// The CPU's exact GELU loops (forward and backward).
//
// PyTorch 1.13 computes float32 GELU of a contiguous input of more than one element with
// oneDNN's eltwise gelu_erf (gelu_onednn.h); everything else (float64, strided float32)
// with ATen's cpu_kernel_vec kernels (gelu_tmpl.h, once per floating dtype). Here a
// contiguous float32 run of more than one element stands for the contiguous input.
// With SLEEF and AVX2+FMA the vector parts compute what PyTorch's AVX2 kernels compute,
// bit for bit: float erf is ATen's Vectorized<float>::erf (Abramowitz and Stegun 7.1.26
// with SLEEF's u10 expf), double erf and exp are SLEEF's u10 functions. Without them
// everything is the scalar formula with glibc's erf and exp.
#include "kernels/cpu/dtype_rows.h"
#include "kernels/cpu/elementwise_cpu.h"
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define GELU_SQRT1_2 0.70710678118654752440
#define GELU_BETA (1.12837916709551257390 * 0.70710678118654752440 * 0.5) /* 2/sqrt(pi) * sqrt(1/2) / 2 */

#if defined(CTORCH_HAVE_SLEEF) && defined(__AVX2__) && defined(__FMA__)
#define GELU_VECTOR 1
#include <immintrin.h>
#include <sleef.h>

// erf(x) = sign(x) * (1 - r(t) * t * exp(-x * x)), t = 1 / (1 + p * |x|), r a quartic in t
// (A&S 7.1.26); the operations and their order are ATen's.
static inline __m256 erf_aten_f32(__m256 x) {
  const __m256 neg_zero = _mm256_set1_ps(-0.f), one = _mm256_set1_ps(1.f);
  const __m256 sign = _mm256_and_ps(neg_zero, x);
  const __m256 abs_x = _mm256_xor_ps(sign, x);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), abs_x, one));
  __m256 r = _mm256_fmadd_ps(_mm256_set1_ps(1.061405429f), t, _mm256_set1_ps(-1.453152027f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(1.421413741f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.284496736f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.254829592f));
  const __m256 neg_exp = _mm256_xor_ps(neg_zero, Sleef_expf8_u10avx2(_mm256_xor_ps(neg_zero, _mm256_mul_ps(x, x))));
  return _mm256_xor_ps(sign, _mm256_fmadd_ps(_mm256_mul_ps(neg_exp, t), r, one));
}
#else
#define GELU_VECTOR 0
#endif

#define T float
#define SFX f32
#define V __m256
#define VL 8
#define VOP(op) _mm256_##op##_ps
#define VERF erf_aten_f32
#define VEXP Sleef_expf8_u10avx2
#define ERF erff
#define EXP expf
#define FMA fmaf
#include "kernels/cpu/gelu_tmpl.h"

#define T double
#define SFX f64
#define V __m256d
#define VL 4
#define VOP(op) _mm256_##op##_pd
#define VERF Sleef_erfd4_u10avx2
#define VEXP Sleef_expd4_u10avx2
#define ERF erf
#define EXP exp
#define FMA fma
#include "kernels/cpu/gelu_tmpl.h"

#if GELU_VECTOR
#include "kernels/cpu/gelu_onednn.h"
#endif

void ct__cpu_gelu_f32(char **data, const int64_t *s, int64_t n, void *ctx) {
#if GELU_VECTOR
  if (s[0] == (int64_t)sizeof(float) && s[1] == (int64_t)sizeof(float) && n > 1) {
    gelu_onednn_f32((float *)data[0], (const float *)data[1], n);
    return;
  }
#endif
  gelu_aten_f32(data, s, n, ctx);
}

// Operands: out, grad_out, x.
void ct__cpu_gelu_backward_f32(char **data, const int64_t *s, int64_t n, void *ctx) {
#if GELU_VECTOR
  if (s[0] == (int64_t)sizeof(float) && (s[1] == (int64_t)sizeof(float) || s[1] == 0) &&
      s[2] == (int64_t)sizeof(float) && n > 1) {
    gelu_backward_onednn_f32((float *)data[0], (const float *)data[1], s[1] == 0, (const float *)data[2], n);
    return;
  }
#endif
  gelu_backward_aten_f32(data, s, n, ctx);
}

void ct__cpu_gelu_f64(char **data, const int64_t *s, int64_t n, void *ctx) { gelu_aten_f64(data, s, n, ctx); }
void ct__cpu_gelu_backward_f64(char **data, const int64_t *s, int64_t n, void *ctx) {
  gelu_backward_aten_f64(data, s, n, ctx);
}

// float32 GELU as oneDNN 2.6's jit eltwise gelu_erf computes it (PyTorch 1.13 calls it for
// contiguous float32 inputs): erf by Abramowitz and Stegun 7.1.26 with oneDNN's own exp
// polynomial, the operations and their order (fused multiply-adds included) oneDNN's
// (gelu_onednn_lanes_tmpl.h). Every element goes through the same lane formula: 16 lanes
// at a time where the CPU has AVX-512 (as oneDNN's avx512_core kernel), then 8, and the
// tail through a padded vector (oneDNN masks it). For gelu.c only; needs AVX2 and FMA.
#include "kernels/cpu/dtype_rows.h"
#include <immintrin.h>
#include <string.h>

#define V __m256
#define ISA avx2
#define ATTR
#define VOP(op) _mm256_##op
#define VCONST(bits) _mm256_castsi256_ps(_mm256_set1_epi32((int)(bits)))
#define VFLOOR(x) _mm256_floor_ps(x)
#define VSCALE(e, v, ln_min)                                                                                 \
  _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_slli_epi32(                                                    \
                       _mm256_add_epi32(_mm256_cvtps_epi32(e), _mm256_set1_epi32(127)), 23)),                \
                   _mm256_setzero_ps(), _mm256_cmp_ps(v, ln_min, _CMP_LT_OS))
#include "kernels/cpu/gelu_onednn_lanes_tmpl.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define GELU_AVX512 1
#define V __m512
#define ISA avx512
#define ATTR __attribute__((target("avx512f,avx512dq")))
#define VOP(op) _mm512_##op
#define VCONST(bits) _mm512_castsi512_ps(_mm512_set1_epi32((int)(bits)))
#define VFLOOR(x) _mm512_roundscale_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define VSCALE(e, v, ln_min)                                                                                 \
  _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, ln_min, _CMP_LT_OS),                                            \
                       _mm512_castsi512_ps(_mm512_slli_epi32(                                                \
                           _mm512_add_epi32(_mm512_cvtps_epi32(e), _mm512_set1_epi32(127)), 23)),            \
                       _mm512_setzero_ps())
#include "kernels/cpu/gelu_onednn_lanes_tmpl.h"

// Whether this CPU runs the AVX-512 lanes (asked once).
static bool gelu_avx512(void) {
  static int has = -1;
  if (has < 0) has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return has;
}
#else
#define GELU_AVX512 0
#endif

static void gelu_onednn_f32(float *o, const float *x, int64_t n) {
  int64_t i = 0;
#if GELU_AVX512
  if (gelu_avx512()) i = gelu_vectors_avx512(o, x, i, n);
#endif
  i = gelu_vectors_avx2(o, x, i, n);
  if (i < n) {
    float buf[8] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    _mm256_storeu_ps(buf, onednn_gelu_avx2(_mm256_loadu_ps(buf)));
    memcpy(o + i, buf, (size_t)(n - i) * sizeof(float));
  }
}

// o = dy * gelu'(x); dy is one broadcast value when dy_one.
static void gelu_backward_onednn_f32(float *o, const float *dy, bool dy_one, const float *x, int64_t n) {
  int64_t i = 0;
#if GELU_AVX512
  if (gelu_avx512()) i = gelu_backward_vectors_avx512(o, dy, dy_one, x, i, n);
#endif
  i = gelu_backward_vectors_avx2(o, dy, dy_one, x, i, n);
  if (i < n) {
    float xb[8] = {0}, gb[8] = {0};
    memcpy(xb, x + i, (size_t)(n - i) * sizeof(float));
    for (int64_t k = 0; k < n - i; k++)
      gb[k] = dy[dy_one ? 0 : i + k];
    _mm256_storeu_ps(xb,
                     _mm256_mul_ps(onednn_gelu_derivative_avx2(_mm256_loadu_ps(xb)), _mm256_loadu_ps(gb)));
    memcpy(o + i, xb, (size_t)(n - i) * sizeof(float));
  }
}

// float32 GELU as oneDNN 2.6's jit eltwise gelu_erf computes it (PyTorch 1.13 calls it for
// contiguous float32 inputs): erf by Abramowitz and Stegun 7.1.26 with oneDNN's own exp
// polynomial, the operations and their order (fused multiply-adds included) oneDNN's.
// Every element goes through the same lane formula (oneDNN masks its tail; here the tail
// goes through a padded vector). For gelu.c only; needs AVX2 and FMA.
#include <immintrin.h>
#include <string.h>

static inline __m256 onednn_const(uint32_t bits) { return _mm256_castsi256_ps(_mm256_set1_epi32((int)bits)); }

// exp(v) = 2 * 2^(n-1) * p(v - n ln2), n = floor(v log2(e) + 1/2); 0 below ln(FLT_MIN).
static inline __m256 onednn_exp(__m256 v) {
  const __m256 ln_min = onednn_const(0xc2aeac50), ln_max = onednn_const(0x42b17218), one = onednn_const(0x3f800000);
  const __m256 underflow = _mm256_cmp_ps(v, ln_min, _CMP_LT_OS);
  v = _mm256_max_ps(_mm256_min_ps(v, ln_max), ln_min);
  const __m256 fx = _mm256_add_ps(_mm256_mul_ps(v, onednn_const(0x3fb8aa3b)), onednn_const(0x3f000000));
  const __m256 nf = _mm256_floor_ps(fx);
  const __m256 r = _mm256_fnmadd_ps(nf, onednn_const(0x3f317218), v);
  __m256i e = _mm256_cvtps_epi32(_mm256_sub_ps(nf, one));
  e = _mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23);
  const __m256 scale = _mm256_blendv_ps(_mm256_castsi256_ps(e), _mm256_setzero_ps(), underflow);
  __m256 p = _mm256_fmadd_ps(onednn_const(0x3c07cfce), r, onednn_const(0x3d2b9d0d));
  p = _mm256_fmadd_ps(p, r, onednn_const(0x3e2aad40));
  p = _mm256_fmadd_ps(p, r, onednn_const(0x3efffee3));
  p = _mm256_fmadd_ps(p, r, onednn_const(0x3f7ffffb));
  p = _mm256_fmadd_ps(p, r, one);
  return _mm256_mul_ps(_mm256_mul_ps(p, scale), onednn_const(0x40000000));
}

// 1 - r(t) * t * exp(-x * x) with t = 1 / (1 + p |x|), given q = exp(-x * x), sign of x restored.
static inline __m256 onednn_erf_of(__m256 x, __m256 q) {
  const __m256 one = onednn_const(0x3f800000), sign_mask = onednn_const(0x80000000);
  const __m256 sign = _mm256_and_ps(x, sign_mask);
  const __m256 abs_x = _mm256_andnot_ps(sign_mask, x);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(onednn_const(0x3ea7ba05), abs_x, one));
  const __m256 qt = _mm256_mul_ps(_mm256_xor_ps(q, sign_mask), t);
  __m256 r = _mm256_fmadd_ps(onednn_const(0x3f87dc22), t, onednn_const(0xbfba00e3));
  r = _mm256_fmadd_ps(r, t, onednn_const(0x3fb5f0e3));
  r = _mm256_fmadd_ps(r, t, onednn_const(0xbe91a98e));
  r = _mm256_fmadd_ps(r, t, onednn_const(0x3e827906));
  return _mm256_xor_ps(_mm256_fmadd_ps(qt, r, one), sign);
}

// gelu(s) = S + S * erf(x), x = s / sqrt(2), S = s / 2.
static inline __m256 onednn_gelu(__m256 s) {
  const __m256 c = onednn_const(0x3f3504f3);
  const __m256 x = _mm256_mul_ps(s, c);
  const __m256 q = onednn_exp(_mm256_xor_ps(_mm256_mul_ps(x, x), onednn_const(0x80000000)));
  const __m256 half_s = _mm256_mul_ps(s, onednn_const(0x3f000000));
  return _mm256_fmadd_ps(onednn_erf_of(x, q), half_s, half_s);
}

// gelu'(s) = 0.5 + x / sqrt(pi) * exp(-x * x) + 0.5 * erf(x), x = s / sqrt(2).
static inline __m256 onednn_gelu_derivative(__m256 s) {
  const __m256 x = _mm256_mul_ps(s, onednn_const(0x3f3504f3)), half = onednn_const(0x3f000000);
  const __m256 q = onednn_exp(_mm256_xor_ps(_mm256_mul_ps(x, x), onednn_const(0x80000000)));
  const __m256 t = _mm256_mul_ps(_mm256_mul_ps(x, onednn_const(0x3f106eba)), q);
  return _mm256_fmadd_ps(onednn_erf_of(x, q), half, _mm256_add_ps(t, half));
}

static void gelu_onednn_f32(float *o, const float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, onednn_gelu(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float buf[8] = {0};
    memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
    _mm256_storeu_ps(buf, onednn_gelu(_mm256_loadu_ps(buf)));
    memcpy(o + i, buf, (size_t)(n - i) * sizeof(float));
  }
}

// o = dy * gelu'(x); dy is one broadcast value when dy_one.
static void gelu_backward_onednn_f32(float *o, const float *dy, bool dy_one, const float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = dy_one ? _mm256_set1_ps(dy[0]) : _mm256_loadu_ps(dy + i);
    _mm256_storeu_ps(o + i, _mm256_mul_ps(onednn_gelu_derivative(_mm256_loadu_ps(x + i)), g));
  }
  if (i < n) {
    float xb[8] = {0}, gb[8] = {0};
    memcpy(xb, x + i, (size_t)(n - i) * sizeof(float));
    for (int64_t k = 0; k < n - i; k++) gb[k] = dy[dy_one ? 0 : i + k];
    _mm256_storeu_ps(xb, _mm256_mul_ps(onednn_gelu_derivative(_mm256_loadu_ps(xb)), _mm256_loadu_ps(gb)));
    memcpy(o + i, xb, (size_t)(n - i) * sizeof(float));
  }
}

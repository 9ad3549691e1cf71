// Box-Muller fills (paths A and B). Both first fill the buffer with uniforms, then turn
// each block of 16 into 8 (cos, sin) pairs: element j pairs with element j+8. When n is not
// a multiple of 16, PyTorch draws 16 fresh uniforms into the last 16 slots and transforms
// that window again, overwriting some finished values; so does this.
//
// Path A reproduces PyTorch's AVX2 kernel lane by lane: its log and sincos are the
// Cephes/avx_mathfun polynomials (not libm), with the fused multiply-adds GCC emits there
// written as explicit fmaf (the file is built with -ffp-contract=off). The per-lane code
// is branch-free so the compiler can vectorise the 8 lanes.
#include <string.h>
#include "random/normal_fill.h"

static inline uint32_t f32_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
static inline float bits_to_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

// avx_mathfun's log256_ps for x > 0.
static inline float cephes_logf(float x) {
  const float min_norm = 0x1p-126f, sqrthf = 0x1.6a09e6p-1f;
  const float q1 = -0x1.bd0106p-13f, q2 = 0x1.63p-1f;
  x = x > min_norm ? x : min_norm;
  uint32_t bits = f32_to_bits(x);
  float e = (float)((int32_t)(bits >> 23) - 127) + 1.0f;
  float m = bits_to_f32((bits & 0x807FFFFFu) | 0x3F000000u); // mantissa in [0.5, 1)
  bool small = m < sqrthf;
  e = small ? e - 1.0f : e;
  x = (m - 1.0f) + (small ? m : 0.0f);
  float z = x * x;
  float y = 0x1.204376p-4f;
  y = fmaf(y, x, -0x1.d7a37p-4f);
  y = fmaf(y, x, 0x1.de4a34p-4f);
  y = fmaf(y, x, -0x1.fcba9ep-4f);
  y = fmaf(y, x, 0x1.23d37ep-3f);
  y = fmaf(y, x, -0x1.555ca0p-3f);
  y = fmaf(y, x, 0x1.999d58p-3f);
  y = fmaf(y, x, -0x1.fffff8p-3f);
  y = fmaf(y, x, 0x1.555554p-2f);
  y = y * x;
  y = fmaf(y, z, e * q1);
  y = y - z * 0.5f;
  return fmaf(e, q2, x + y);
}

// avx_mathfun's sincos256_ps for x >= 0.
static inline void cephes_sincosf(float x, float *sin_out, float *cos_out) {
  const float fopi = 0x1.45f306p+0f;
  const float dp1 = -0x1.92p-1f, dp2 = -0x1.fb4p-13f, dp3 = -0x1.4442d2p-25f;
  int32_t j = (int32_t)(x * fopi);
  j = (j + 1) & ~1;
  float y = (float)j;
  x = fmaf(y, dp1, x);
  x = fmaf(y, dp2, x);
  x = fmaf(y, dp3, x);
  float z = x * x;
  float c = fmaf(fmaf(0x1.99eb9cp-16f, z, -0x1.6c0c34p-10f), z, 0x1.55554ap-5f);
  c = c * z;
  c = fmaf(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = fmaf(fmaf(-0x1.9943f2p-13f, z, 0x1.11073cp-7f), z, -0x1.555546p-3f);
  s = s * z;
  s = fmaf(s, x, x);
  bool swap = (j & 2) != 0;
  float sn = swap ? c : s, cs = swap ? s : c;
  *sin_out = (j & 4) ? -sn : sn;
  *cos_out = (~(j - 2) & 4) ? -cs : cs;
}

static void box_muller16_f32(float *d, float mean, float std) {
  const float two_pi = 0x1.921fb6p+2f;
  for (int j = 0; j < 8; j++) {
    float radius = sqrtf(-2.0f * cephes_logf(1.0f - d[j]));
    float s, c;
    cephes_sincosf(two_pi * d[j + 8], &s, &c);
    d[j] = fmaf(radius * c, std, mean);
    d[j + 8] = fmaf(radius * s, std, mean);
  }
}

static void box_muller16_f64(double *d, double mean, double std) {
  for (int j = 0; j < 8; j++) {
    double radius = sqrt(-2.0 * log(1.0 - d[j]));
    double theta = CT_TWO_PI * d[j + 8];
    d[j] = fma(radius * cos(theta), std, mean);
    d[j + 8] = fma(radius * sin(theta), std, mean);
  }
}

// The shared fill skeleton, per element type: uniforms, full blocks, re-drawn tail block.
#define DEFINE_NORMAL_FILL(name, T, uniform, block)                           \
  void name(T *data, int64_t n, T mean, T std, ct_generator *g) {             \
    for (int64_t i = 0; i < n; i++) data[i] = uniform(g);                     \
    for (int64_t i = 0; i + 16 <= n; i += 16) block(data + i, mean, std);     \
    if (n % 16) {                                                             \
      T *tail = data + n - 16;                                                \
      for (int i = 0; i < 16; i++) tail[i] = uniform(g);                      \
      block(tail, mean, std);                                                 \
    }                                                                         \
  }

DEFINE_NORMAL_FILL(ct__normal_fill_f32, float, ct__gen_uniform24, box_muller16_f32)
DEFINE_NORMAL_FILL(ct__normal_fill_f64, double, ct__gen_uniform53, box_muller16_f64)

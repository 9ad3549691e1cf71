// The Box-Muller transform of PyTorch's normal_fill (paths A and B of the parity sheet,
// section 3): a block of 16 uniforms becomes 8 (cos, sin) pairs, element j pairing with
// element j+8 (random_fill_tmpl.h runs it over a buffer of uniforms).
//
// Path A reproduces PyTorch's AVX2 kernel lane by lane: its log and sincos are the
// Cephes/avx_mathfun polynomials (not libm), with the fused multiply-adds GCC emits there
// written as explicit fmaf (the file is built with -ffp-contract=off). The per-lane code
// is branch-free so the compiler can vectorise the 8 lanes.
#include <math.h>
#include <string.h>
#include "kernels/cpu/random_cpu.h"

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
  const float sqrthf = 0x1.6a09e6p-1f;
  const float q1 = -0x1.bd0106p-13f, q2 = 0x1.63p-1f;
  // max(x, smallest normal), on the bits (x > 0, so they order like the values).
  uint32_t bits = f32_to_bits(x);
  bits = bits > 0x00800000u ? bits : 0x00800000u;
  float e = (float)((int32_t)(bits >> 23) - 127) + 1.0f;
  float m = bits_to_f32((bits & 0x807FFFFFu) | 0x3F000000u); // mantissa in [0.5, 1)
  // Bit masks rather than ?: so the compiler cannot turn `e - 1` into a branch and the
  // lanes vectorise (as in the AVX2 code: e -= 1 & mask; x = (m - 1) + (m & mask)).
  uint32_t small = -(uint32_t)(m < sqrthf);
  e = e - bits_to_f32(f32_to_bits(1.0f) & small);
  x = (m - 1.0f) + bits_to_f32(f32_to_bits(m) & small);
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
  // Swap when j & 2, then flip signs by xoring bit 2 of j (moved to bit 31) into the sign,
  // all as bit operations like the AVX2 kernel.
  uint32_t swap = -(uint32_t)((j & 2) != 0), sb = f32_to_bits(s), cb = f32_to_bits(c);
  uint32_t sin_bits = (cb & swap) | (sb & ~swap), cos_bits = (sb & swap) | (cb & ~swap);
  *sin_out = bits_to_f32(sin_bits ^ ((uint32_t)(j & 4) << 29));
  *cos_out = bits_to_f32(cos_bits ^ ((uint32_t)(~(j - 2) & 4) << 29));
}

// Path A: float32 with the Cephes log and sincos above.
void ct__cpu_box_muller16_f32(float *d, float mean, float std) {
  const float two_pi = 0x1.921fb6p+2f;
  for (int j = 0; j < 8; j++) {
    float radius = sqrtf(-2.0f * cephes_logf(1.0f - d[j]));
    float s, c;
    cephes_sincosf(two_pi * d[j + 8], &s, &c);
    d[j] = fmaf(radius * c, std, mean);
    d[j + 8] = fmaf(radius * s, std, mean);
  }
}

// Path B: float64 with libm log, cos and sin.
void ct__cpu_box_muller16_f64(double *d, double mean, double std) {
  for (int j = 0; j < 8; j++) {
    double radius = sqrt(-2.0 * log(1.0 - d[j]));
    double theta = CT_CPU_TWO_PI * d[j + 8];
    d[j] = fma(radius * cos(theta), std, mean);
    d[j + 8] = fma(radius * sin(theta), std, mean);
  }
}

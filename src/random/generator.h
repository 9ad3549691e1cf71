// The generator object and the scalar draws every distribution is built from (PyTorch's
// CPUGeneratorImpl + at::uniform_real_distribution / normal_distribution, CPU flavour).
#ifndef CTORCH_SRC_RANDOM_GENERATOR_H
#define CTORCH_SRC_RANDOM_GENERATOR_H
#include <math.h>
#include <stdbool.h>
#include "ctorch/random.h"
#include "random/mt19937.h"

/// 2*pi rounded to double (2.0 * c10::pi<double>).
#define CT_TWO_PI 0x1.921fb54442d18p+2

struct ct_generator {
  ct_mt19937 mt;
  uint64_t initial_seed;
  // The second value of the last Box-Muller pair drawn by the serial normal (path C).
  double next_double_normal;
  bool has_next_double_normal;
  // Never produced by CPU kernels; kept so PyTorch state blobs round-trip.
  float next_float_normal;
  bool has_next_float_normal;
};

/// `gen`, or the default generator when NULL.
ct_generator *ct__generator_or_default(ct_generator *gen);

static inline uint32_t ct__gen_random(ct_generator *g) { return ct__mt_next(&g->mt); }

static inline uint64_t ct__gen_random64(ct_generator *g) {
  uint64_t hi = ct__mt_next(&g->mt);
  uint64_t lo = ct__mt_next(&g->mt);
  return hi << 32 | lo;
}

/// [0, 1) from the low 53 bits of one 64-bit draw (bernoulli and the serial normal).
static inline double ct__gen_uniform53(ct_generator *g) {
  return (double)(ct__gen_random64(g) & ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

/// out[i] = fmaf(uniform24, width, from) for n consecutive draws (float32 uniform_), where
/// uniform24 = (float)(draw & 0xFFFFFF) * 2^-24.
void ct__gen_uniform24_fill(ct_generator *g, float *out, int64_t n, float from, float width);
/// out[i] = fma(uniform53, width, from) for n consecutive 64-bit draws (float64 uniform_).
/// PyTorch's uniform_real_distribution; with (0, 1) it is the plain uniform.
void ct__gen_uniform53_fill(ct_generator *g, double *out, int64_t n, double from, double width);

/// One normal_distribution<double>(mean, std) sample: Box-Muller on two 53-bit uniforms,
/// returning the cosine half and caching the sine half for the next call.
static inline double ct__gen_normal(ct_generator *g, double mean, double std) {
  double z;
  if (g->has_next_double_normal) {
    g->has_next_double_normal = false;
    z = g->next_double_normal;
  } else {
    double u1 = ct__gen_uniform53(g);
    double u2 = ct__gen_uniform53(g);
    double r = sqrt(-2.0 * log(1.0 - u2));
    double theta = CT_TWO_PI * u1;
    g->next_double_normal = r * sin(theta);
    g->has_next_double_normal = true;
    z = r * cos(theta);
  }
  return fma(z, std, mean);
}

#endif

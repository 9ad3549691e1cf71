// Declarations shared by the CPU random kernel files (random_fill.c, random_box_muller.c,
// random_sampling.c).
#ifndef CTORCH_SRC_KERNELS_CPU_RANDOM_CPU_H
#define CTORCH_SRC_KERNELS_CPU_RANDOM_CPU_H
#include "kernels/random.h"

/// [0, 1) from the low 53 bits of a 64-bit draw (two outputs, high first): PyTorch's
/// uniform_real_distribution<double>.
static inline double uniform53(uint32_t hi, uint32_t lo) {
  uint64_t r = (uint64_t)hi << 32 | lo;
  return (double)(r & ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

// random_sampling.c (random_sampling_tmpl.h per floating dtype)
#define CT__CPU_SAMPLING(SFX)                                                                    \
  void ct__cpu_exponential_##SFX(void *out, int64_t n, double lambda, const ct_random_source *src); \
  int ct__cpu_multinomial_##SFX(int64_t *out, const void *probs, int64_t n_dist, int64_t n_cat,     \
                                int64_t row_stride, int64_t col_stride, int64_t n_sample, void *cum, \
                                const ct_random_source *src);                                       \
  void ct__cpu_multinomial_pick_##SFX(int64_t *out, const void *p, void *q, int64_t n_dist, int64_t n_cat, int64_t k);
CT__CPU_SAMPLING(f32)
CT__CPU_SAMPLING(f64)

/// 2*pi rounded to double (2.0 * c10::pi<double>).
#define CT_CPU_TWO_PI 0x1.921fb54442d18p+2

/// Box-Muller on a block of 16 uniforms in place: d[j], d[j+8] (j < 8) become
/// mean + std * (r cos theta, r sin theta), r = sqrt(-2 log(1 - d[j])), theta = 2 pi d[j+8].
void ct__cpu_box_muller16_f32(float *d, float mean, float std);
void ct__cpu_box_muller16_f64(double *d, double mean, double std);

#endif

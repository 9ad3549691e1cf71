// The CPU random kernel family (kernels/random.h): the uniform fills here, the others
// from random_fill_tmpl.h once per dtype, the Box-Muller blocks in random_box_muller.c.
#include "kernels/cpu/dtype_rows.h"
#include "kernels/cpu/random_cpu.h"
#include <math.h>

// Raw outputs taken per call of the source (a stack buffer).
#define DRAW_CHUNK 512

// float32 uniform_: fmaf((draw & 0xFFFFFF) * 2^-24, to - from, from), bounds rounded to
// float first.
static void uniform_f32(void *out_, int64_t n, double from_d, double to_d, const ct_random_source *src) {
  float *out = out_;
  const float from = (float)from_d, width = (float)to_d - (float)from_d;
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i = 0; i < n; i += DRAW_CHUNK) {
    int64_t k = n - i < DRAW_CHUNK ? n - i : DRAW_CHUNK;
    src->next_u32(src->state, raw, k);
    for (int64_t j = 0; j < k; j++)
      out[i + j] = fmaf((float)(raw[j] & 0xFFFFFFu) * 0x1p-24f, width, from);
  }
}

// float64 uniform_ (PyTorch's uniform_real_distribution): fma(U53, to - from, from).
static void uniform_f64(void *out_, int64_t n, double from, double to, const ct_random_source *src) {
  double *out = out_;
  const double width = to - from;
  const uint64_t mask = (UINT64_C(1) << 53) - 1;
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i = 0; i < n; i += DRAW_CHUNK / 2) {
    int64_t k = n - i < DRAW_CHUNK / 2 ? n - i : DRAW_CHUNK / 2;
    src->next_u32(src->state, raw, 2 * k);
    for (int64_t j = 0; j < k; j++) {
      uint64_t r = (uint64_t)raw[2 * j] << 32 | raw[2 * j + 1];
      out[i + j] = fma((double)(r & mask) * 0x1p-53, width, from);
    }
  }
}

#define T bool
#define SFX b
#define NARROW_ONLY
#include "kernels/cpu/random_fill_tmpl.h"
#define T int32_t
#define SFX i32
#define NARROW_ONLY
#include "kernels/cpu/random_fill_tmpl.h"
#define T int64_t
#define SFX i64
#include "kernels/cpu/random_fill_tmpl.h"
#define T float
#define SFX f32
#define FLOATING
#include "kernels/cpu/random_fill_tmpl.h"
#define T double
#define SFX f64
#define FLOATING
#include "kernels/cpu/random_fill_tmpl.h"

// The identity, then for i < n - 1 swap out[i] with out[i + draw % (n - i)].
static void randperm(int64_t *out, int64_t n, const ct_random_source *src) {
  for (int64_t i = 0; i < n; i++)
    out[i] = i;
  uint32_t raw[DRAW_CHUNK];
  for (int64_t i0 = 0; i0 + 1 < n; i0 += DRAW_CHUNK) {
    int64_t k = n - 1 - i0 < DRAW_CHUNK ? n - 1 - i0 : DRAW_CHUNK;
    src->next_u32(src->state, raw, k);
    for (int64_t j = 0; j < k; j++) {
      int64_t i = i0 + j, z = (int64_t)(raw[j] % (uint64_t)(n - i));
      int64_t tmp = out[i];
      out[i] = out[i + z];
      out[i + z] = tmp;
    }
  }
}

const ct_random_kernels ct__cpu_random_kernels = {
    .uniform = DTYPE_ROW_FLOAT(uniform),
    .normal = DTYPE_ROW_FLOAT(normal),
    .normal_blocks = DTYPE_ROW_FLOAT(normal_blocks),
    .bernoulli = DTYPE_ROW_ALL(bernoulli),
    .integers = DTYPE_ROW_ALL(integers),
    .randperm = randperm,
    .exponential = DTYPE_ROW_FLOAT(ct__cpu_exponential),
    .multinomial = DTYPE_ROW_FLOAT(ct__cpu_multinomial),
    .multinomial_pick = DTYPE_ROW_FLOAT(ct__cpu_multinomial_pick),
};

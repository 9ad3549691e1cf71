// CPU masked_fill loops and the positions of a mask's true elements (index kernel
// family, kernels/index.h).
#include <string.h>
#include "kernels/cpu/index_cpu.h"

// A select between bit patterns: one loop per element size. The mask is read as bytes.
#define MASKED_FILL_LOOP(N, T)                                                                 \
  static void masked_fill_##N(char **data, const int64_t *s, int64_t n, void *ctx) {           \
    T v;                                                                                       \
    memcpy(&v, ctx, sizeof v);                                                                 \
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == 1) {                                 \
      T *restrict o = (T *)data[0];                                                            \
      const T *restrict x = (const T *)data[1];                                                \
      const uint8_t *restrict m = (const uint8_t *)data[2];                                    \
      for (int64_t k = 0; k < n; k++) o[k] = m[k] ? v : x[k];                                  \
      return;                                                                                  \
    }                                                                                          \
    for (int64_t k = 0; k < n; k++)                                                            \
      *(T *)(data[0] + k * s[0]) =                                                             \
          *(const uint8_t *)(data[2] + k * s[2]) ? v : *(const T *)(data[1] + k * s[1]);       \
  }
MASKED_FILL_LOOP(1, uint8_t)
MASKED_FILL_LOOP(4, uint32_t)
MASKED_FILL_LOOP(8, uint64_t)

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_loop_fn ct__cpu_index_masked_fill[CT_NUM_DTYPES] = {masked_fill_1, masked_fill_4, masked_fill_8,
                                                             masked_fill_4, masked_fill_8};

int64_t ct__cpu_mask_positions(const bool *mask, int64_t n, int64_t *out) {
  const uint8_t *m = (const uint8_t *)mask;
  int64_t count = 0;
  if (!out) {
    for (int64_t k = 0; k < n; k++) count += m[k] != 0;
    return count;
  }
  for (int64_t k = 0; k < n; k++)
    if (m[k]) out[count++] = k;
  return count;
}

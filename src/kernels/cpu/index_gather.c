// CPU gather loops of the index kernel family (kernels/index.h); their backward, the
// scatters, is in index_scatter.c.
#include <string.h>
#include "kernels/cpu/index_cpu.h"

// Gathers only move bytes, so one loop per element size serves every dtype.
#define GATHER_LOOP(N, T)                                                                    \
  static void gather_##N(char **data, const int64_t *s, int64_t n, void *ctx) {              \
    int64_t step = ((const ct_index_step *)ctx)->stride;                                     \
    char *o = data[0];                                                                       \
    const char *src = data[1], *ix = data[2];                                                \
    if (s[2] == 0) { /* one index for the whole run: copy one row */                         \
      const char *row = src + IDX_AT(ix, 0, 0) * step;                                       \
      if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                          \
        memcpy(o, row, (size_t)n * sizeof(T));                                               \
        return;                                                                              \
      }                                                                                      \
      for (int64_t k = 0; k < n; k++) *(T *)(o + k * s[0]) = *(const T *)(row + k * s[1]);   \
      return;                                                                                \
    }                                                                                        \
    for (int64_t k = 0; k < n; k++)                                                          \
      *(T *)(o + k * s[0]) = *(const T *)(src + k * s[1] + IDX_AT(ix, k, s[2]) * step);      \
  }
GATHER_LOOP(1, uint8_t)
GATHER_LOOP(4, uint32_t)
GATHER_LOOP(8, uint64_t)

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_loop_fn ct__cpu_index_gather[CT_NUM_DTYPES] = {gather_1, gather_4, gather_8, gather_4, gather_8};

// Whole rows (take along dim 0 of a tensor with dense rows; the backward is
// ct__cpu_index_scatter_add_rows): one loop step per index instead of one iterator run
// per row.
void ct__cpu_index_gather_rows(char **data, const int64_t *s, int64_t n, void *ctx) {
  ct_index_rows *r = ctx;
  for (int64_t k = 0; k < n; k++) {
    const int64_t ix = IDX_AT(data[1], k, s[1]);
    if (r->limit >= 0 && (uint64_t)ix >= (uint64_t)r->limit) {
      if (!r->bad_found) r->bad_found = true, r->bad = ix;
      continue;
    }
    memcpy(data[0] + k * s[0], r->base + ix * r->stride, (size_t)r->row_bytes);
  }
}

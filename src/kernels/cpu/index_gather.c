// CPU gather and scatter_add loops of the index kernel family (kernels/index.h).
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

// Integer sums wrap around like PyTorch's (computed unsigned: no signed overflow).
#define ADD_FLOAT(T, a, b) ((T)((a) + (b)))
#define ADD_I32(T, a, b) ((T)(int32_t)((uint32_t)(a) + (uint32_t)(b)))
#define ADD_I64(T, a, b) ((T)(int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define ADD_BOOL(T, a, b) ((T)((a) || (b)))

#define SCATTER_ADD_LOOP(N, T, ADD)                                                          \
  static void scatter_add_##N(char **data, const int64_t *s, int64_t n, void *ctx) {         \
    int64_t step = ((const ct_index_step *)ctx)->stride;                                     \
    char *o = data[0];                                                                       \
    const char *src = data[1], *ix = data[2];                                                \
    if (s[2] == 0) { /* one index for the whole run: add a row */                            \
      char *row = o + IDX_AT(ix, 0, 0) * step;                                               \
      if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                          \
        T *restrict r = (T *)row;                                                            \
        const T *restrict v = (const T *)src;                                                \
        for (int64_t k = 0; k < n; k++) r[k] = ADD(T, r[k], v[k]);                           \
        return;                                                                              \
      }                                                                                      \
      for (int64_t k = 0; k < n; k++) {                                                      \
        T *p = (T *)(row + k * s[0]);                                                        \
        *p = ADD(T, *p, *(const T *)(src + k * s[1]));                                       \
      }                                                                                      \
      return;                                                                                \
    }                                                                                        \
    for (int64_t k = 0; k < n; k++) {                                                        \
      T *p = (T *)(o + k * s[0] + IDX_AT(ix, k, s[2]) * step);                               \
      *p = ADD(T, *p, *(const T *)(src + k * s[1]));                                         \
    }                                                                                        \
  }
SCATTER_ADD_LOOP(b, bool, ADD_BOOL)
SCATTER_ADD_LOOP(i32, int32_t, ADD_I32)
SCATTER_ADD_LOOP(i64, int64_t, ADD_I64)
SCATTER_ADD_LOOP(f32, float, ADD_FLOAT)
SCATTER_ADD_LOOP(f64, double, ADD_FLOAT)

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_loop_fn ct__cpu_index_gather[CT_NUM_DTYPES] = {gather_1, gather_4, gather_8, gather_4, gather_8};
const ct_loop_fn ct__cpu_index_scatter_add[CT_NUM_DTYPES] = {scatter_add_b, scatter_add_i32, scatter_add_i64,
                                                             scatter_add_f32, scatter_add_f64};

// Whole rows (take along dim 0 of a tensor with dense rows, and its backward): one loop
// step per index instead of one iterator run per row.
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

#define SCATTER_ADD_ROWS_LOOP(N, T, ADD)                                                     \
  static void scatter_add_rows_##N(char **data, const int64_t *s, int64_t n, void *ctx) {    \
    const ct_index_rows *r = ctx;                                                            \
    const int64_t len = r->row_bytes / (int64_t)sizeof(T);                                   \
    for (int64_t k = 0; k < n; k++) {                                                        \
      const int64_t ix = IDX_AT(data[1], k, s[1]);                                           \
      if (ix == r->skip) continue;                                                           \
      T *restrict dst = (T *)(r->base + ix * r->stride);                                     \
      const T *restrict src = (const T *)(data[0] + k * s[0]);                               \
      for (int64_t e = 0; e < len; e++) dst[e] = ADD(T, dst[e], src[e]);                     \
    }                                                                                        \
  }
SCATTER_ADD_ROWS_LOOP(b, bool, ADD_BOOL)
SCATTER_ADD_ROWS_LOOP(i32, int32_t, ADD_I32)
SCATTER_ADD_ROWS_LOOP(i64, int64_t, ADD_I64)
SCATTER_ADD_ROWS_LOOP(f32, float, ADD_FLOAT)
SCATTER_ADD_ROWS_LOOP(f64, double, ADD_FLOAT)

const ct_loop_fn ct__cpu_index_scatter_add_rows[CT_NUM_DTYPES] = {
    scatter_add_rows_b, scatter_add_rows_i32, scatter_add_rows_i64, scatter_add_rows_f32, scatter_add_rows_f64};

// CPU scatters of the index kernel family (kernels/index.h): assignment, the combining
// scatters (add, multiply) and scatter_add over whole rows, and repeat_interleave's index
// expansion.
#include "kernels/cpu/index_cpu.h"

// Assignment only moves bytes: one loop per element size serves every dtype.
#define SCATTER_LOOP(N, T)                                                                   \
  static void scatter_##N(char **data, const int64_t *s, int64_t n, void *ctx) {             \
    int64_t step = ((const ct_index_step *)ctx)->stride;                                     \
    for (int64_t k = 0; k < n; k++)                                                          \
      *(T *)(data[0] + k * s[0] + IDX_AT(data[2], k, s[2]) * step) =                         \
          *(const T *)(data[1] + k * s[1]);                                                  \
  }
SCATTER_LOOP(1, uint8_t)
SCATTER_LOOP(4, uint32_t)
SCATTER_LOOP(8, uint64_t)

// Integer sums and products wrap around like PyTorch's (computed unsigned: no signed
// overflow).
#define ADD_FLOAT(T, a, b) ((T)((a) + (b)))
#define ADD_I32(T, a, b) ((T)(int32_t)((uint32_t)(a) + (uint32_t)(b)))
#define ADD_I64(T, a, b) ((T)(int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define ADD_BOOL(T, a, b) ((T)((a) || (b)))
#define MUL_FLOAT(T, a, b) ((T)((a) * (b)))
#define MUL_I32(T, a, b) ((T)(int32_t)((uint32_t)(a) * (uint32_t)(b)))
#define MUL_I64(T, a, b) ((T)(int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define MUL_BOOL(T, a, b) ((T)((a) && (b)))

// out[index] = COMBINE(out[index], src), element by element. A run with one index for
// all of it (s[2] == 0) combines into one row: over plain arrays when both are dense.
#define SCATTER_COMBINE_LOOP(NAME, T, COMBINE)                                               \
  static void NAME(char **data, const int64_t *s, int64_t n, void *ctx) {                    \
    int64_t step = ((const ct_index_step *)ctx)->stride;                                     \
    char *o = data[0];                                                                       \
    const char *src = data[1], *ix = data[2];                                                \
    if (s[2] == 0) { /* one index for the whole run: combine into a row */                   \
      char *row = o + IDX_AT(ix, 0, 0) * step;                                               \
      if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                          \
        T *restrict r = (T *)row;                                                            \
        const T *restrict v = (const T *)src;                                                \
        for (int64_t k = 0; k < n; k++) r[k] = COMBINE(T, r[k], v[k]);                       \
        return;                                                                              \
      }                                                                                      \
      for (int64_t k = 0; k < n; k++) {                                                      \
        T *p = (T *)(row + k * s[0]);                                                        \
        *p = COMBINE(T, *p, *(const T *)(src + k * s[1]));                                   \
      }                                                                                      \
      return;                                                                                \
    }                                                                                        \
    for (int64_t k = 0; k < n; k++) {                                                        \
      T *p = (T *)(o + k * s[0] + IDX_AT(ix, k, s[2]) * step);                               \
      *p = COMBINE(T, *p, *(const T *)(src + k * s[1]));                                     \
    }                                                                                        \
  }
SCATTER_COMBINE_LOOP(scatter_add_b, bool, ADD_BOOL)
SCATTER_COMBINE_LOOP(scatter_add_i32, int32_t, ADD_I32)
SCATTER_COMBINE_LOOP(scatter_add_i64, int64_t, ADD_I64)
SCATTER_COMBINE_LOOP(scatter_add_f32, float, ADD_FLOAT)
SCATTER_COMBINE_LOOP(scatter_add_f64, double, ADD_FLOAT)
SCATTER_COMBINE_LOOP(scatter_mul_b, bool, MUL_BOOL)
SCATTER_COMBINE_LOOP(scatter_mul_i32, int32_t, MUL_I32)
SCATTER_COMBINE_LOOP(scatter_mul_i64, int64_t, MUL_I64)
SCATTER_COMBINE_LOOP(scatter_mul_f32, float, MUL_FLOAT)
SCATTER_COMBINE_LOOP(scatter_mul_f64, double, MUL_FLOAT)

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_loop_fn ct__cpu_index_scatter[CT_NUM_DTYPES] = {scatter_1, scatter_4, scatter_8, scatter_4, scatter_8};
const ct_loop_fn ct__cpu_index_scatter_add[CT_NUM_DTYPES] = {scatter_add_b, scatter_add_i32, scatter_add_i64,
                                                             scatter_add_f32, scatter_add_f64};
const ct_loop_fn ct__cpu_index_scatter_mul[CT_NUM_DTYPES] = {scatter_mul_b, scatter_mul_i32, scatter_mul_i64,
                                                             scatter_mul_f32, scatter_mul_f64};

// Whole rows added back (the backward of ct__cpu_index_gather_rows): one loop step per
// index instead of one iterator run per row.
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

void ct__cpu_repeat_positions(const int64_t *counts, int64_t n, int64_t *out) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t k = 0; k < counts[i]; k++) *out++ = i;
}

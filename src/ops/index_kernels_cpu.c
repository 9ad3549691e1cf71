// CPU loops of the index kernel family (see index_kernels.h).
#include <stdint.h>
#include <string.h>
#include "ops/index_kernels.h"

#define IDX_AT(p, k, s) (*(const int64_t *)((p) + (k) * (s)))

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

static void scan_i64(char **data, const int64_t *s, int64_t n, void *ctx) {
  ct_index_scan *r = ctx;
  const char *p = data[0];
  int64_t mn = r->min, mx = r->max;
  for (int64_t k = 0; k < n; k++) {
    int64_t v = IDX_AT(p, k, s[0]);
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  r->min = mn;
  r->max = mx;
  if (r->bad_found || (mn >= r->lo && mx < r->hi)) return;
  for (int64_t k = 0; k < n; k++) { // rare: find the first offender for the message
    int64_t v = IDX_AT(p, k, s[0]);
    if (v < r->lo || v >= r->hi) {
      r->bad_found = true;
      r->bad = v;
      return;
    }
  }
}

static void wrap_negative_i64(char **data, const int64_t *s, int64_t n, void *ctx) {
  int64_t size = *(const int64_t *)ctx;
  for (int64_t k = 0; k < n; k++) {
    int64_t v = IDX_AT(data[1], k, s[1]);
    *(int64_t *)(data[0] + k * s[0]) = v < 0 ? v + size : v;
  }
}

static int64_t mask_positions(const bool *mask, int64_t n, int64_t *out) {
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

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_index_kernels ct__cpu_index_kernels = {
    .gather = {gather_1, gather_4, gather_8, gather_4, gather_8},
    .scatter_add = {scatter_add_b, scatter_add_i32, scatter_add_i64, scatter_add_f32, scatter_add_f64},
    .masked_fill = {masked_fill_1, masked_fill_4, masked_fill_8, masked_fill_4, masked_fill_8},
    .scan = scan_i64,
    .wrap_negative = wrap_negative_i64,
    .mask_positions = mask_positions,
};

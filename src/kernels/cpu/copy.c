// CPU conversion and fill loops.
#include <stdbool.h>
#include <stdint.h>
#include "kernels/dispatch.h"

#define CAST_LOOP(DN, DT, SN, ST)                                                        \
  static void cast_##DN##_##SN(char **data, const int64_t *strides, int64_t n, void *ctx) { \
    (void)ctx;                                                                           \
    char *o = data[0];                                                                   \
    const char *i = data[1];                                                             \
    if (strides[0] == sizeof(DT) && strides[1] == sizeof(ST)) {                          \
      DT *restrict op = (DT *)o;                                                         \
      const ST *restrict ip = (const ST *)i;                                             \
      for (int64_t k = 0; k < n; k++) op[k] = (DT)ip[k];                                 \
      return;                                                                            \
    }                                                                                    \
    for (int64_t k = 0; k < n; k++, o += strides[0], i += strides[1])                    \
      *(DT *)o = (DT) * (const ST *)i;                                                   \
  }

#define CAST_FROM(SN, ST)                  \
  CAST_LOOP(b, bool, SN, ST)            \
  CAST_LOOP(i32, int32_t, SN, ST)          \
  CAST_LOOP(i64, int64_t, SN, ST)          \
  CAST_LOOP(f32, float, SN, ST)            \
  CAST_LOOP(f64, double, SN, ST)

CAST_FROM(b, bool)
CAST_FROM(i32, int32_t)
CAST_FROM(i64, int64_t)
CAST_FROM(f32, float)
CAST_FROM(f64, double)

#define FILL_LOOP(N, T)                                                                 \
  static void fill_##N(char **data, const int64_t *strides, int64_t n, void *ctx) {     \
    T v = *(const T *)ctx;                                                              \
    if (strides[0] == sizeof(T)) {                                                      \
      T *restrict o = (T *)data[0];                                                     \
      for (int64_t k = 0; k < n; k++) o[k] = v;                                         \
      return;                                                                           \
    }                                                                                   \
    char *o = data[0];                                                                  \
    for (int64_t k = 0; k < n; k++, o += strides[0]) *(T *)o = v;                       \
  }
FILL_LOOP(b, bool)
FILL_LOOP(i32, int32_t)
FILL_LOOP(i64, int64_t)
FILL_LOOP(f32, float)
FILL_LOOP(f64, double)


#define ACC_LOOP(N, T)                                                                  \
  static void acc_##N(char **data, const int64_t *strides, int64_t n, void *ctx) {      \
    (void)ctx;                                                                          \
    char *o = data[0];                                                                  \
    const char *i = data[1];                                                            \
    if (strides[0] == sizeof(T) && strides[1] == sizeof(T)) { /* vectorised */          \
      T *restrict op = (T *)o;                                                          \
      const T *restrict ip = (const T *)i;                                              \
      for (int64_t k = 0; k < n; k++) op[k] = (T)(op[k] + ip[k]);                       \
      return;                                                                           \
    }                                                                                   \
    for (int64_t k = 0; k < n; k++, o += strides[0], i += strides[1])                   \
      *(T *)o = (T)(*(T *)o + *(const T *)i);                                           \
  }
ACC_LOOP(i32, int32_t)
ACC_LOOP(i64, int64_t)
ACC_LOOP(f32, float)
ACC_LOOP(f64, double)
static void acc_b(char **data, const int64_t *strides, int64_t n, void *ctx) {
  (void)ctx;
  char *o = data[0];
  const char *i = data[1];
  for (int64_t k = 0; k < n; k++, o += strides[0], i += strides[1]) *(bool *)o = *(bool *)o || *(const bool *)i;
}

// Indexed [dst][src] in ct_dtype order: bool, int32, int64, float32, float64.
const ct_copy_kernels ct__cpu_copy_kernels = {
    .cast =
        {
            {cast_b_b, cast_b_i32, cast_b_i64, cast_b_f32, cast_b_f64},
            {cast_i32_b, cast_i32_i32, cast_i32_i64, cast_i32_f32, cast_i32_f64},
            {cast_i64_b, cast_i64_i32, cast_i64_i64, cast_i64_f32, cast_i64_f64},
            {cast_f32_b, cast_f32_i32, cast_f32_i64, cast_f32_f32, cast_f32_f64},
            {cast_f64_b, cast_f64_i32, cast_f64_i64, cast_f64_f32, cast_f64_f64},
        },
    .fill = {fill_b, fill_i32, fill_i64, fill_f32, fill_f64},
    .accumulate = {acc_b, acc_i32, acc_i64, acc_f32, acc_f64},
};

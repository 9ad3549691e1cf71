// CPU scatter (assignment), scatter with multiplication and repeat_interleave's index
// expansion, of the index kernel family (kernels/index.h).
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

// Integer products wrap around like PyTorch's (computed unsigned: no signed overflow).
#define MUL_FLOAT(T, a, b) ((T)((a) * (b)))
#define MUL_I32(T, a, b) ((T)(int32_t)((uint32_t)(a) * (uint32_t)(b)))
#define MUL_I64(T, a, b) ((T)(int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define MUL_BOOL(T, a, b) ((T)((a) && (b)))

#define SCATTER_MUL_LOOP(N, T, MUL)                                                          \
  static void scatter_mul_##N(char **data, const int64_t *s, int64_t n, void *ctx) {         \
    int64_t step = ((const ct_index_step *)ctx)->stride;                                     \
    for (int64_t k = 0; k < n; k++) {                                                        \
      T *p = (T *)(data[0] + k * s[0] + IDX_AT(data[2], k, s[2]) * step);                    \
      *p = MUL(T, *p, *(const T *)(data[1] + k * s[1]));                                     \
    }                                                                                        \
  }
SCATTER_MUL_LOOP(b, bool, MUL_BOOL)
SCATTER_MUL_LOOP(i32, int32_t, MUL_I32)
SCATTER_MUL_LOOP(i64, int64_t, MUL_I64)
SCATTER_MUL_LOOP(f32, float, MUL_FLOAT)
SCATTER_MUL_LOOP(f64, double, MUL_FLOAT)

// Indexed in ct_dtype order: bool, int32, int64, float32, float64.
const ct_loop_fn ct__cpu_index_scatter[CT_NUM_DTYPES] = {scatter_1, scatter_4, scatter_8, scatter_4, scatter_8};
const ct_loop_fn ct__cpu_index_scatter_mul[CT_NUM_DTYPES] = {scatter_mul_b, scatter_mul_i32, scatter_mul_i64,
                                                             scatter_mul_f32, scatter_mul_f64};

void ct__cpu_repeat_positions(const int64_t *counts, int64_t n, int64_t *out) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t k = 0; k < counts[i]; k++) *out++ = i;
}

// PyTorch's float sum order on one thread (ATen SumKernel's cascade_sum; parity sheet
// section 7), so reduced losses match PyTorch bit for bit.
//
// The contiguous input is read as vectors of LANES elements (8 float / 4 double: AVX2
// width). row_sum adds vectors with 4 independent accumulators per level and 4 levels
// that fold into each other every 2^P rows, which bounds rounding error growth.
#include "nn/loss_internal.h"

#define LEVELS 4
#define ILP 4

// CeilLog2 of c10: 1 for x <= 2, else the bit length of x-1.
static int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  return 64 - __builtin_clzll((unsigned long long)(x - 1));
}

// row_sum over m items of W lanes each (items[r*W + l]); the W-lane total goes to out.
#define DEFINE_ROW_SUM(T, NAME, W)                                                        \
  static void NAME(const T *items, int64_t m, T *out) {                                   \
    T acc[LEVELS][ILP][W] = {{{0}}};                                                      \
    const int64_t q = m / ILP;                                                            \
    int64_t p = ceil_log2(q) / LEVELS;                                                    \
    if (p < 4) p = 4;                                                                     \
    const int64_t step = (int64_t)1 << p, mask = step - 1;                                \
    int64_t i = 0;                                                                        \
    while (i + step <= q) {                                                               \
      for (int64_t j = 0; j < step; j++, i++)                                             \
        for (int k = 0; k < ILP; k++)                                                     \
          for (int l = 0; l < W; l++) acc[0][k][l] += items[(i * ILP + k) * W + l];       \
      for (int lvl = 1; lvl < LEVELS; lvl++) {                                            \
        for (int k = 0; k < ILP; k++)                                                     \
          for (int l = 0; l < W; l++) {                                                   \
            acc[lvl][k][l] += acc[lvl - 1][k][l];                                         \
            acc[lvl - 1][k][l] = 0;                                                       \
          }                                                                               \
        if (i & (mask << (lvl * p))) break;                                               \
      }                                                                                   \
    }                                                                                     \
    for (; i < q; i++)                                                                    \
      for (int k = 0; k < ILP; k++)                                                       \
        for (int l = 0; l < W; l++) acc[0][k][l] += items[(i * ILP + k) * W + l];         \
    for (int lvl = 1; lvl < LEVELS; lvl++)                                                \
      for (int k = 0; k < ILP; k++)                                                       \
        for (int l = 0; l < W; l++) acc[0][k][l] += acc[lvl][k][l];                       \
    for (int64_t r = q * ILP; r < m; r++)                                                 \
      for (int l = 0; l < W; l++) acc[0][0][l] += items[r * W + l];                       \
    for (int k = 1; k < ILP; k++)                                                         \
      for (int l = 0; l < W; l++) acc[0][0][l] += acc[0][k][l];                           \
    for (int l = 0; l < W; l++) out[l] = acc[0][0][l];                                    \
  }

// The total: vectors of LANES through row_sum, then the scalar tail, then the lanes in
// order; inputs shorter than one vector go through row_sum as scalars.
#define DEFINE_CASCADE_SUM(T, SUFFIX, LANES)                                              \
  DEFINE_ROW_SUM(T, row_sum_vec_##SUFFIX, LANES)                                          \
  DEFINE_ROW_SUM(T, row_sum_scalar_##SUFFIX, 1)                                           \
  T ct__cascade_sum_##SUFFIX(const T *x, int64_t n) {                                     \
    T total;                                                                              \
    if (n < LANES) {                                                                      \
      row_sum_scalar_##SUFFIX(x, n, &total);                                              \
      return total;                                                                       \
    }                                                                                     \
    const int64_t vectors = n / LANES;                                                    \
    T lanes[LANES];                                                                       \
    row_sum_vec_##SUFFIX(x, vectors, lanes);                                              \
    total = 0;                                                                            \
    for (int64_t i = vectors * LANES; i < n; i++) total += x[i];                          \
    for (int l = 0; l < LANES; l++) total += lanes[l];                                    \
    return total;                                                                         \
  }

DEFINE_CASCADE_SUM(float, f32, 8)
DEFINE_CASCADE_SUM(double, f64, 4)

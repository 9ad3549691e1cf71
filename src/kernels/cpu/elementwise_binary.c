// CPU binary arithmetic loops: add (with alpha), mul, div, floor_divide, remainder,
// maximum, minimum, and integer pow. Float pow lives in elementwise_math.c (SLEEF).
//
// Integer arithmetic wraps like PyTorch's (computed in the unsigned type: signed
// overflow is undefined in C). Floor division and remainder: python_division.h.
#include "kernels/cpu/elementwise_loops.h"
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/python_division.h"

// ---- integer pow: by squaring, wrapping; negative exponents as PyTorch's powi ----
#define INT_POW(S, T, U)                                                          \
  static inline T pow1_##S(T a, T b) {                                             \
    if (b < 0) {                                                                  \
      if (a == 1) return 1;                                                       \
      if (a == -1) return (b % 2) ? -1 : 1;                                       \
      return 0;                                                                   \
    }                                                                             \
    U result = 1, base = (U)a;                                                    \
    for (T e = b; e; e >>= 1) {                                                   \
      if (e & 1) result *= base;                                                  \
      base *= base;                                                               \
    }                                                                             \
    return (T)result;                                                             \
  }
INT_POW(i32, int32_t, uint32_t)
INT_POW(i64, int64_t, uint64_t)

// ---- add: a + alpha * b ----
// PyTorch fuses alpha * b + a only in its vector code: blocks of two vectors of a
// contiguous run (an operand may be a broadcast scalar). Tails and strided runs round
// the product first.
#define FLOAT_ADD(S, T, BLOCK)                                                    \
  EW_BINARY_LOOP(add1_##S, T, T, a + b)                                           \
  static void add_alpha_##S(char **data, const int64_t *s, int64_t n, void *ctx) { \
    const T alpha = EW_PARAM(T, (const ct_ew_params *)ctx, 0);                    \
    const int64_t es = (int64_t)sizeof(T);                                        \
    T *o = (T *)data[0];                                                          \
    const T *x = (const T *)data[1], *y = (const T *)data[2];                     \
    if (s[0] == es && (s[1] == es || s[1] == 0) && (s[2] == es || s[2] == 0)) {   \
      const int64_t ix = s[1] ? 1 : 0, iy = s[2] ? 1 : 0;                         \
      int64_t i = 0;                                                              \
      for (; i + (BLOCK) <= n; i += (BLOCK))                                      \
        for (int64_t k = i; k < i + (BLOCK); k++)                                 \
          o[k] = _Generic(alpha, float: fmaf, double: fma)(y[k * iy], alpha, x[k * ix]); \
      for (; i < n; i++) o[i] = x[i * ix] + alpha * y[i * iy];                    \
      return;                                                                     \
    }                                                                             \
    for (int64_t i = 0; i < n; i++) {                                             \
      const T a = *(const T *)(data[1] + i * s[1]), b = *(const T *)(data[2] + i * s[2]); \
      *(T *)(data[0] + i * s[0]) = a + alpha * b;                                 \
    }                                                                             \
  }                                                                               \
  static void add_##S(char **data, const int64_t *s, int64_t n, void *ctx) {      \
    if (((const ct_ew_params *)ctx)->f64[0] == 1.0) add1_##S(data, s, n, ctx);    \
    else add_alpha_##S(data, s, n, ctx);                                          \
  }
FLOAT_ADD(f32, float, 16)
FLOAT_ADD(f64, double, 8)

#define INT_ARITH(S, T, U)                                                        \
  EW_BINARY_LOOP(add_##S, T, T, (U)a + (U)p0 * (U)b)                              \
  EW_BINARY_LOOP(mul_##S, T, T, (U)a * (U)b)                                      \
  EW_BINARY_LOOP(floor_div_##S, T, T, floordiv1_##S(a, b))                        \
  EW_BINARY_LOOP(remainder_##S, T, T, remainder1_##S(a, b))                        \
  EW_BINARY_LOOP(pow_##S, T, T, pow1_##S(a, b))                                    \
  EW_BINARY_LOOP(maximum_##S, T, T, a < b ? b : a)                                \
  EW_BINARY_LOOP(minimum_##S, T, T, b < a ? b : a)
INT_ARITH(i32, int32_t, uint32_t)
INT_ARITH(i64, int64_t, uint64_t)

// bool arithmetic as C++ bool does it: true + true == true, * is and.
EW_BINARY_LOOP(add_b, bool, bool, a || (p0 && b))
EW_BINARY_LOOP(mul_b, bool, bool, a && b)
EW_BINARY_LOOP(maximum_b, bool, bool, a || b)
EW_BINARY_LOOP(minimum_b, bool, bool, a && b)

// Float max/min propagate nan; otherwise std::max/min's choice (first operand on ties).
#define FLOAT_ARITH(S, T)                                                         \
  EW_BINARY_LOOP(mul_##S, T, T, a * b)                                            \
  EW_BINARY_LOOP(div_##S, T, T, a / b)                                            \
  EW_BINARY_LOOP(floor_div_##S, T, T, floordiv1_##S(a, b))                        \
  EW_BINARY_LOOP(remainder_##S, T, T, remainder1_##S(a, b))                        \
  EW_BINARY_LOOP(maximum_##S, T, T, a != a ? a : (b != b ? b : (a < b ? b : a)))  \
  EW_BINARY_LOOP(minimum_##S, T, T, a != a ? a : (b != b ? b : (b < a ? b : a)))
EW_FOR_FLOATS(FLOAT_ARITH)

const ct_loop_fn ct__cpu_ew_binary[CT_EW_BINARY_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_ADD] = DTYPE_ROW_ALL(add),
    [CT_EW_MUL] = DTYPE_ROW_ALL(mul),
    [CT_EW_DIV] = DTYPE_ROW_FLOAT(div),
    [CT_EW_FLOOR_DIV] = DTYPE_ROW_NUMERIC(floor_div),
    [CT_EW_REMAINDER] = DTYPE_ROW_NUMERIC(remainder),
    [CT_EW_POW] = {NULL, pow_i32, pow_i64, ct__cpu_pow_f32, ct__cpu_pow_f64},
    [CT_EW_MAXIMUM] = DTYPE_ROW_ALL(maximum),
    [CT_EW_MINIMUM] = DTYPE_ROW_ALL(minimum),
};

// Integer pow by a scalar exponent (op code rejects negative ones).
#define INT_POW_SCALAR(S, T)                                                      \
  EW_UNARY_LOOP(pow_scalar_##S, T, T, pow1_##S(a, p0))                             \
  void ct__cpu_pow_scalar_##S(char **data, const int64_t *s, int64_t n, void *ctx) { \
    pow_scalar_##S(data, s, n, ctx);                                              \
  }
EW_FOR_INTS(INT_POW_SCALAR)

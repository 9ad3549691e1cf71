// CPU unary loops with exact results: neg, abs, sign, floor, ceil, round, clamp,
// leaky_relu. Integer negation wraps (computed unsigned).
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/elementwise_loops.h"

#define UNSIGNED_OF(T) _Generic((T)0, int32_t: (uint32_t)0, default: (uint64_t)0)

// clamp as PyTorch's vector code: max(lo, a) keeps a when a is nan, then min(hi, .).
#define CLAMP_EXPR(T) ((a < p0 ? p0 : a) > p1 ? p1 : (a < p0 ? p0 : a))

#define INT_UNARY(S, T)                                                           \
  EW_UNARY_LOOP(neg_##S, T, T, 0 - (UNSIGNED_OF(T) + a))                          \
  EW_UNARY_LOOP(abs_##S, T, T, a < 0 ? 0 - (UNSIGNED_OF(T) + a) : (UNSIGNED_OF(T) + a)) \
  EW_UNARY_LOOP(sign_##S, T, T, (0 < a) - (a < 0))                                \
  EW_UNARY_LOOP(copy_##S, T, T, a)                                                \
  EW_UNARY_LOOP(clamp_##S, T, T, CLAMP_EXPR(T))
EW_FOR_INTS(INT_UNARY)

#define FLOAT_UNARY(S, T)                                                         \
  EW_UNARY_LOOP(neg_##S, T, T, -a)                                                \
  EW_UNARY_LOOP(abs_##S, T, T, _Generic(a, float: fabsf, double: fabs)(a))       \
  EW_UNARY_LOOP(sign_##S, T, T, (T)((0 < a) - (a < 0)))                           \
  EW_UNARY_LOOP(floor_##S, T, T, _Generic(a, float: floorf, double: floor)(a))   \
  EW_UNARY_LOOP(ceil_##S, T, T, _Generic(a, float: ceilf, double: ceil)(a))      \
  EW_UNARY_LOOP(round_##S, T, T, _Generic(a, float: nearbyintf, double: nearbyint)(a)) \
  EW_UNARY_LOOP(clamp_##S, T, T, CLAMP_EXPR(T))                                   \
  EW_UNARY_LOOP(leaky_relu_##S, T, T, a > 0 ? a : a * p0)
EW_FOR_FLOATS(FLOAT_UNARY)

EW_UNARY_LOOP(sign_b, bool, bool, a)

const ct_loop_fn ct__cpu_ew_unary[CT_EW_UNARY_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_NEG] = DTYPE_ROW_NUMERIC(neg),
    [CT_EW_ABS] = DTYPE_ROW_NUMERIC(abs),
    [CT_EW_SIGN] = DTYPE_ROW_ALL(sign),
    [CT_EW_FLOOR] = {NULL, copy_i32, copy_i64, floor_f32, floor_f64},
    [CT_EW_CEIL] = {NULL, copy_i32, copy_i64, ceil_f32, ceil_f64},
    [CT_EW_ROUND] = {NULL, copy_i32, copy_i64, round_f32, round_f64},
    [CT_EW_CLAMP] = DTYPE_ROW_NUMERIC(clamp),
    [CT_EW_LEAKY_RELU] = DTYPE_ROW_FLOAT(leaky_relu),
};

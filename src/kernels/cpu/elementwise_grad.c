// CPU loops for the backward formulas of elementwise ops (derivatives.yaml of PyTorch
// 1.13), each fused into one pass. Float dtypes only.
//
// Unary grads (3 operands): a = grad_out, b = the saved input x or result y.
// Binary grads (4 operands): a = grad_out, b = self, c = other (POW_EXPONENT: a = log(self),
// b = exponent, c = result; self == 0 exactly when log(self) == -inf).
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/elementwise_loops.h"
#include "kernels/cpu/python_division.h"


#define MATH_OF(T, F) _Generic((T)0, float: ct__cpu_##F##f, double: ct__cpu_##F)
#define LIBM_EXP_OF(T) _Generic((T)0, float: expf, double: exp)
#define SIGMOID_OF(T, x) ((T)1 / ((T)1 + LIBM_EXP_OF(T)(-(x))))
#define TANH_SOFTPLUS_OF(T, x) \
  _Generic((T)0, float: tanhf, double: tanh)(_Generic((T)0, float: log1pf, double: log1p)(LIBM_EXP_OF(T)(x)))

// pow(x, e) as the forward op computes it for a scalar exponent (fast paths first).
#define POW_ELEM(T, x, e)                                                                   \
  ((e) == 2 ? (x) * (x) : (e) == 3 ? (x) * (x) * (x) : (e) == 1 ? (x)                      \
   : (e) == 0 ? (T)1 : (e) == 0.5 ? _Generic((T)0, float: sqrtf, double: sqrt)(x)           \
   : MATH_OF(T, pow)((x), (T)(e)))

#define UNARY_GRADS(S, T)                                                                   \
  EW_BINARY_LOOP(g_log1p_##S, T, T, a / (b + 1))                                            \
  EW_BINARY_LOOP(g_sqrt_##S, T, T, a / (2 * b))                                             \
  EW_BINARY_LOOP(g_rsqrt_##S, T, T, ((T)-0.5 * a) * (b * b * b))                            \
  EW_BINARY_LOOP(g_sin_##S, T, T, a * MATH_OF(T, cos)(b))                                   \
  EW_BINARY_LOOP(g_cos_##S, T, T, a * -MATH_OF(T, sin)(b))                                  \
  EW_BINARY_LOOP(g_tanh_##S, T, T, a * (1 - b * b))                                         \
  EW_BINARY_LOOP(g_sigmoid_##S, T, T, a * (1 - b) * b)                                      \
  EW_BINARY_LOOP(g_relu_##S, T, T, b <= 0 ? 0 : a)                                          \
  EW_BINARY_LOOP(g_leaky_relu_##S, T, T, b > 0 ? a : a * p0)                                \
  EW_BINARY_LOOP(g_softplus_##S, T, T,                                                      \
                 b * p0 > p1 ? a : a * LIBM_EXP_OF(T)(b * p0) / (LIBM_EXP_OF(T)(b * p0) + 1)) \
  EW_BINARY_LOOP(g_clamp_##S, T, T, b >= p0 && b <= p1 ? a : 0)                             \
  EW_BINARY_LOOP(g_abs_##S, T, T, a * (T)((0 < b) - (b < 0)))                               \
  EW_BINARY_LOOP(g_pow_scalar_##S, T, T, a * (p0 * POW_ELEM(T, b, p0 - 1)))                \
  EW_BINARY_LOOP(g_silu_##S, T, T, a * SIGMOID_OF(T, b) * (1 + b * (1 - SIGMOID_OF(T, b))))   \
  EW_BINARY_LOOP(g_mish_##S, T, T,                                                          \
                 a * (TANH_SOFTPLUS_OF(T, b) + b * SIGMOID_OF(T, b) *                       \
                                                   (1 - TANH_SOFTPLUS_OF(T, b) * TANH_SOFTPLUS_OF(T, b)))) \
  EW_BINARY_LOOP(g_elu_##S, T, T, b > 0 ? a : a * p0 * LIBM_EXP_OF(T)(b))                  \
  EW_BINARY_LOOP(g_hardtanh_##S, T, T, b > p0 && b < p1 ? a : 0)
EW_FOR_FLOATS(UNARY_GRADS)

#define BINARY_GRADS(S, T)                                                                  \
  EW_TERNARY_LOOP(g2_div_other_##S, T, T, T, -a * ((b / c) / c))                            \
  EW_TERNARY_LOOP(g2_pow_self_##S, T, T, T, c == 0 ? 0 : a * (c * MATH_OF(T, pow)(b, c - 1))) \
  EW_TERNARY_LOOP(g2_pow_exponent_##S, T, T, T, a == -INFINITY && b >= 0 ? 0 : c * a)        \
  EW_TERNARY_LOOP(g2_max_a_##S, T, T, T, b == c ? a / 2 : (b < c ? 0 : a))                  \
  EW_TERNARY_LOOP(g2_max_b_##S, T, T, T, b == c ? a / 2 : (b > c ? 0 : a))                  \
  EW_TERNARY_LOOP(g2_rem_other_##S, T, T, T, -a * floordiv1_##S(b, c))
EW_FOR_FLOATS(BINARY_GRADS)

const ct_loop_fn ct__cpu_ew_grad[CT_EW_GRAD_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_GRAD_LOG1P] = DTYPE_ROW_FLOAT(g_log1p),
    [CT_EW_GRAD_SQRT] = DTYPE_ROW_FLOAT(g_sqrt),
    [CT_EW_GRAD_RSQRT] = DTYPE_ROW_FLOAT(g_rsqrt),
    [CT_EW_GRAD_SIN] = DTYPE_ROW_FLOAT(g_sin),
    [CT_EW_GRAD_COS] = DTYPE_ROW_FLOAT(g_cos),
    [CT_EW_GRAD_TANH] = DTYPE_ROW_FLOAT(g_tanh),
    [CT_EW_GRAD_SIGMOID] = DTYPE_ROW_FLOAT(g_sigmoid),
    [CT_EW_GRAD_RELU] = DTYPE_ROW_FLOAT(g_relu),
    [CT_EW_GRAD_LEAKY_RELU] = DTYPE_ROW_FLOAT(g_leaky_relu),
    [CT_EW_GRAD_GELU] = DTYPE_ROW_FLOAT(ct__cpu_gelu_backward),
    [CT_EW_GRAD_SOFTPLUS] = DTYPE_ROW_FLOAT(g_softplus),
    [CT_EW_GRAD_CLAMP] = DTYPE_ROW_FLOAT(g_clamp),
    [CT_EW_GRAD_ABS] = DTYPE_ROW_FLOAT(g_abs),
    [CT_EW_GRAD_POW_SCALAR] = DTYPE_ROW_FLOAT(g_pow_scalar),
    [CT_EW_GRAD_SILU] = DTYPE_ROW_FLOAT(g_silu),
    [CT_EW_GRAD_MISH] = DTYPE_ROW_FLOAT(g_mish),
    [CT_EW_GRAD_ELU] = DTYPE_ROW_FLOAT(g_elu),
    [CT_EW_GRAD_HARDTANH] = DTYPE_ROW_FLOAT(g_hardtanh),
};

const ct_loop_fn ct__cpu_ew_grad2[CT_EW_GRAD2_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_GRAD2_DIV_OTHER] = DTYPE_ROW_FLOAT(g2_div_other),
    [CT_EW_GRAD2_POW_SELF] = DTYPE_ROW_FLOAT(g2_pow_self),
    [CT_EW_GRAD2_POW_EXPONENT] = DTYPE_ROW_FLOAT(g2_pow_exponent),
    [CT_EW_GRAD2_MAX_A] = DTYPE_ROW_FLOAT(g2_max_a),
    [CT_EW_GRAD2_MAX_B] = DTYPE_ROW_FLOAT(g2_max_b),
    [CT_EW_GRAD2_REM_OTHER] = DTYPE_ROW_FLOAT(g2_rem_other),
};

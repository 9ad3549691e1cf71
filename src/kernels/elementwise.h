// Elementwise kernel family (kernels/cpu/elementwise_*.c): arithmetic, comparisons,
// unary math and the fused loops of their backward formulas.
//
// Every loop has the iterator's signature loop(data, byte_strides, n, ctx). Operand 0 is
// the output; all operands have the loop's dtype unless stated otherwise (op code
// converts inputs first, see src/ops/elementwise_internal.h). `ctx` points to a
// ct_ew_params (never NULL; any_zero excepted); a loop reads the field of its own dtype.
#ifndef CTORCH_SRC_KERNELS_ELEMENTWISE_H
#define CTORCH_SRC_KERNELS_ELEMENTWISE_H
#include "kernels/dispatch.h"

/// Op arguments, stored once per dtype family so loops need no conversion.
typedef struct ct_ew_params {
  double f64[3];
  float f32[3];
  int64_t i64[3];
} ct_ew_params;

/// Binary loops: out = a op b (3 operands, one dtype).
typedef enum ct_ew_binary_op {
  CT_EW_ADD,       ///< a + p0 * b (p0 = alpha; floats: fused on vector blocks as PyTorch)
  CT_EW_MUL,       ///< a * b
  CT_EW_DIV,       ///< a / b (float dtypes only)
  CT_EW_FLOOR_DIV, ///< floor(a / b), Python rounding (ints: caller rejects b == 0)
  CT_EW_REMAINDER, ///< Python modulo, sign of b
  CT_EW_POW,       ///< a ** b (ints: PyTorch's powi rule for negative exponents)
  CT_EW_MAXIMUM,   ///< nan-propagating max
  CT_EW_MINIMUM,   ///< nan-propagating min
  CT_EW_BINARY_COUNT
} ct_ew_binary_op;

/// Comparison and logical loops: operand 0 is bool, operands 1 and 2 have the loop's dtype.
typedef enum ct_ew_compare_op {
  CT_EW_EQ,
  CT_EW_NE,
  CT_EW_LT,
  CT_EW_LE,
  CT_EW_GT,
  CT_EW_GE,
  CT_EW_LOGICAL_AND,
  CT_EW_LOGICAL_OR,
  CT_EW_COMPARE_COUNT
} ct_ew_compare_op;

/// Unary loops with exact results: out = f(a) (2 operands, one dtype). Entries for
/// dtypes an op does not support are NULL (op code checks or converts first).
typedef enum ct_ew_unary_op {
  CT_EW_NEG,
  CT_EW_ABS,
  CT_EW_SIGN,
  CT_EW_FLOOR,      ///< integers: copy
  CT_EW_CEIL,       ///< integers: copy
  CT_EW_ROUND,      ///< half to even; integers: copy
  CT_EW_CLAMP,      ///< min(max(a, p0), p1), nan propagating (open side: +-inf / int limits)
  CT_EW_LEAKY_RELU, ///< a > 0 ? a : a * p0
  CT_EW_UNARY_COUNT
} ct_ew_unary_op;

/// Unary math loops (kernels/cpu/elementwise_math.c: SLEEF where PyTorch uses it), float
/// dtypes except POW_SCALAR, which also has integer loops.
typedef enum ct_ew_math_op {
  CT_EW_EXP,
  CT_EW_LOG,
  CT_EW_LOG1P,
  CT_EW_SQRT,
  CT_EW_RSQRT,
  CT_EW_SIN,
  CT_EW_COS,
  CT_EW_TANH,
  CT_EW_SIGMOID,
  CT_EW_GELU,       ///< exact (erf) GELU
  CT_EW_SOFTPLUS,   ///< p0 = beta, p1 = threshold
  CT_EW_POW_SCALAR, ///< a ** p0 with PyTorch's fast paths (0, 1, 2, 3, -2, 0.5, -0.5, -1);
                    ///< integers: p0 >= 0, by squaring
  CT_EW_SILU,       ///< a / (1 + exp(-a))
  CT_EW_MISH,       ///< a * tanh(log1p(exp(a)))
  CT_EW_ELU,        ///< a <= 0 ? (exp(a) - 1) * p0 : a   (p0 = alpha)
  CT_EW_MATH_COUNT
} ct_ew_math_op;

/// Backward loops of unary ops: grad_in = f(grad_out, saved) (3 operands, float dtypes).
/// `saved` is the op's input x or its result y, as noted.
typedef enum ct_ew_grad_op {
  CT_EW_GRAD_LOG1P,      ///< g / (x + 1)
  CT_EW_GRAD_SQRT,       ///< g / (2 * y)
  CT_EW_GRAD_RSQRT,      ///< (-0.5 * g) * y^3
  CT_EW_GRAD_SIN,        ///< g * cos(x)
  CT_EW_GRAD_COS,        ///< g * -sin(x)
  CT_EW_GRAD_TANH,       ///< g * (1 - y * y)
  CT_EW_GRAD_SIGMOID,    ///< g * (1 - y) * y
  CT_EW_GRAD_RELU,       ///< y <= 0 ? 0 : g
  CT_EW_GRAD_LEAKY_RELU, ///< x > 0 ? g : g * p0
  CT_EW_GRAD_GELU,       ///< g * (cdf(x) + x * pdf(x))
  CT_EW_GRAD_SOFTPLUS,   ///< x * p0 > p1 ? g : g * z / (z + 1), z = exp(x * p0)
  CT_EW_GRAD_CLAMP,      ///< p0 <= x <= p1 ? g : 0
  CT_EW_GRAD_ABS,        ///< g * sign(x)
  CT_EW_GRAD_POW_SCALAR, ///< g * (p0 * x ** (p0 - 1))
  CT_EW_GRAD_SILU,       ///< g * s * (1 + x * (1 - s)), s = sigmoid(x)
  CT_EW_GRAD_MISH,       ///< g * (t + x * s * (1 - t * t)), t = tanh(softplus(x)), s = sigmoid(x)
  CT_EW_GRAD_ELU,        ///< x > 0 ? g : g * p0 * exp(x) (NaN: NaN, as PyTorch's vector path)
  CT_EW_GRAD_HARDTANH,   ///< p0 < x < p1 ? g : 0 (NaN: 0, as PyTorch's vector path)
  CT_EW_GRAD_COUNT
} ct_ew_grad_op;

/// Backward loops of binary ops: out = f(g, a, b) (4 operands, float dtypes).
typedef enum ct_ew_grad2_op {
  CT_EW_GRAD2_DIV_OTHER,    ///< -g * ((a / b) / b)
  CT_EW_GRAD2_POW_SELF,     ///< b == 0 ? 0 : g * (b * a ** (b - 1))
  CT_EW_GRAD2_POW_EXPONENT, ///< operands (out, log(self), exponent, result):
                            ///< self == 0 && exponent >= 0 ? 0 : result * log(self)
  CT_EW_GRAD2_MAX_A,        ///< a == b ? g / 2 : (a < b ? 0 : g)   (also minimum's b)
  CT_EW_GRAD2_MAX_B,        ///< a == b ? g / 2 : (a > b ? 0 : g)   (also minimum's a)
  CT_EW_GRAD2_REM_OTHER,    ///< -g * floor_divide(a, b)
  CT_EW_GRAD2_COUNT
} ct_ew_grad2_op;

typedef struct ct_elementwise_kernels {
  const ct_loop_fn (*binary)[CT_NUM_DTYPES];  ///< [ct_ew_binary_op][dtype]
  const ct_loop_fn (*compare)[CT_NUM_DTYPES]; ///< [ct_ew_compare_op][input dtype]
  const ct_loop_fn (*unary)[CT_NUM_DTYPES];   ///< [ct_ew_unary_op][dtype]
  const ct_loop_fn (*math)[CT_NUM_DTYPES];    ///< [ct_ew_math_op][dtype]
  const ct_loop_fn (*grad)[CT_NUM_DTYPES];    ///< [ct_ew_grad_op][dtype]
  const ct_loop_fn (*grad2)[CT_NUM_DTYPES];   ///< [ct_ew_grad2_op][dtype]
  /// where[dtype]: out = cond ? a : b; operands (out, cond (bool), a, b).
  const ct_loop_fn *where;
  /// logical_not[input dtype]: bool out = !a.
  const ct_loop_fn *logical_not;
  /// any_zero[dtype]: operand 0 only; ctx is a bool * set to true when an element is 0.
  /// Run serially (parallel_ok false).
  const ct_loop_fn *any_zero;
} ct_elementwise_kernels;

#endif

/// @file ops.h
/// @brief Elementwise math with NumPy/PyTorch two-way broadcasting and PyTorch's type
/// promotion (bool < int < float; a 0-d tensor or a scalar raises the category, not the
/// width). Differentiable for floating dtypes.
///
/// Scalars are passed as double. A scalar with an integral value behaves like a Python
/// int (int64 tensor * 2 stays int64), any other value like a Python float
/// (int64 tensor * 1.5 is float32).
#ifndef CTORCH_OPS_H
#define CTORCH_OPS_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// a + b (AddBackward0).
CT_API ct_tensor *ct_add(ct_tensor *a, ct_tensor *b);
/// a + alpha * b (torch.add(a, b, alpha=alpha)).
CT_API ct_tensor *ct_add_alpha(ct_tensor *a, ct_tensor *b, double alpha);
/// a - b (SubBackward0).
CT_API ct_tensor *ct_sub(ct_tensor *a, ct_tensor *b);
/// a - alpha * b.
CT_API ct_tensor *ct_sub_alpha(ct_tensor *a, ct_tensor *b, double alpha);
/// torch.rsub(a, b) = b - a.
CT_API ct_tensor *ct_rsub(ct_tensor *a, ct_tensor *b);
/// a * b (MulBackward0).
CT_API ct_tensor *ct_mul(ct_tensor *a, ct_tensor *b);
/// True division a / b; integer inputs give float32 (DivBackward0).
CT_API ct_tensor *ct_div(ct_tensor *a, ct_tensor *b);
/// Floor division (a // b); integer division by zero errors "ZeroDivisionError".
CT_API ct_tensor *ct_floor_divide(ct_tensor *a, ct_tensor *b);
/// Python-style remainder (sign of b).
CT_API ct_tensor *ct_remainder(ct_tensor *a, ct_tensor *b);
/// a ** b elementwise (PowBackward1).
CT_API ct_tensor *ct_pow(ct_tensor *a, ct_tensor *b);
/// Elementwise max / min (nan propagates).
CT_API ct_tensor *ct_maximum(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_minimum(ct_tensor *a, ct_tensor *b);

/// a + s, a - s, s - a (RsubBackward1), a * s, a / s.
CT_API ct_tensor *ct_add_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_sub_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_rsub_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_mul_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_div_scalar(ct_tensor *a, double s);
/// a ** exponent (PowBackward0); int tensors with negative integral exponents error.
CT_API ct_tensor *ct_pow_scalar(ct_tensor *a, double exponent);
/// base ** a (PowBackward1).
CT_API ct_tensor *ct_rpow_scalar(double base, ct_tensor *a);

/// Comparisons returning bool tensors.
CT_API ct_tensor *ct_eq(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_ne(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_lt(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_le(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_gt(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_ge(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_eq_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_ne_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_lt_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_le_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_gt_scalar(ct_tensor *a, double s);
CT_API ct_tensor *ct_ge_scalar(ct_tensor *a, double s);
/// Logical ops on truthiness, returning bool.
CT_API ct_tensor *ct_logical_and(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_logical_or(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_logical_not(ct_tensor *a);
/// cond ? a : b, broadcasting all three (WhereBackward0). cond must be bool.
CT_API ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b);

/// Unary math (PyTorch names; grad_fn <Name>Backward0).
CT_API ct_tensor *ct_neg(ct_tensor *a);
CT_API ct_tensor *ct_abs(ct_tensor *a);
CT_API ct_tensor *ct_exp(ct_tensor *a);
CT_API ct_tensor *ct_log(ct_tensor *a);
CT_API ct_tensor *ct_log1p(ct_tensor *a);
CT_API ct_tensor *ct_sqrt(ct_tensor *a);
CT_API ct_tensor *ct_rsqrt(ct_tensor *a);
CT_API ct_tensor *ct_sin(ct_tensor *a);
CT_API ct_tensor *ct_cos(ct_tensor *a);
CT_API ct_tensor *ct_tanh(ct_tensor *a);
CT_API ct_tensor *ct_sigmoid(ct_tensor *a);
CT_API ct_tensor *ct_relu(ct_tensor *a);
CT_API ct_tensor *ct_leaky_relu(ct_tensor *a, double negative_slope);
/// Exact (erf) GELU.
CT_API ct_tensor *ct_gelu(ct_tensor *a);
CT_API ct_tensor *ct_softplus(ct_tensor *a, double beta, double threshold);
/// clamp(min, max); pass NAN to leave a side open (clamp(min=) is ClampBackward1).
CT_API ct_tensor *ct_clamp(ct_tensor *a, double min, double max);
CT_API ct_tensor *ct_sign(ct_tensor *a);
CT_API ct_tensor *ct_floor(ct_tensor *a);
CT_API ct_tensor *ct_ceil(ct_tensor *a);
/// Round half to even.
CT_API ct_tensor *ct_round(ct_tensor *a);

/// In-place variants: modify `a` and return it (NULL on error). Errors like PyTorch on a
/// leaf that requires grad ("a leaf Variable that requires grad is being used in an
/// in-place operation.") and when the result dtype cannot be stored in `a`.
CT_API ct_tensor *ct_add_(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_sub_(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_mul_(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_div_(ct_tensor *a, ct_tensor *b);
CT_API ct_tensor *ct_add_scalar_(ct_tensor *a, double s);
CT_API ct_tensor *ct_mul_scalar_(ct_tensor *a, double s);
CT_API ct_tensor *ct_clamp_(ct_tensor *a, double min, double max);
CT_API ct_tensor *ct_relu_(ct_tensor *a);
/// Fill with a value / zero (in place, not recorded when a is not a leaf requiring grad).
CT_API ct_tensor *ct_fill_(ct_tensor *a, double value);
CT_API ct_tensor *ct_zero_(ct_tensor *a);

/// Result dtype of a binary op on a and b (torch.result_type).
CT_API ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b);

#ifdef __cplusplus
}
#endif
#endif

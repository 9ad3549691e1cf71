/// @file ops.h
/// @brief Elementwise math with NumPy/PyTorch two-way broadcasting and PyTorch's type
/// promotion (bool < int < float; a 0-d tensor or a scalar raises the category, not the
/// width). Differentiable for floating dtypes, with PyTorch's grad_fn names.
///
/// Scalar operands are C doubles and behave like Python floats: float tensors keep their
/// dtype, int and bool tensors promote to float32 (`x.view(2, 3) * 1.0` is float32). For
/// Python-int semantics (int64 tensor * 2 stays int64) multiply by a 0-d int64 tensor:
/// `ct_mul(x, ct_scalar(2, CT_INT64))`.
///
/// Results are new contiguous tensors. float32 exp/log/log1p/sin/cos/tanh/sigmoid give
/// PyTorch's bits (SLEEF, as its AVX2 kernels) when ctorch is built with libsleef.
#ifndef CTORCH_OPS_H
#define CTORCH_OPS_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- arithmetic (tensor op tensor) ----

/// a + b (AddBackward0).
CT_API ct_tensor *ct_add(ct_tensor *a, ct_tensor *b);
/// a + alpha * b (torch.add(a, b, alpha=alpha)); integer results need an integral alpha.
CT_API ct_tensor *ct_add_alpha(ct_tensor *a, ct_tensor *b, double alpha);
/// a - b (SubBackward0); bool operands error as in PyTorch.
CT_API ct_tensor *ct_sub(ct_tensor *a, ct_tensor *b);
/// a - alpha * b (SubBackward0).
CT_API ct_tensor *ct_sub_alpha(ct_tensor *a, ct_tensor *b, double alpha);
/// torch.rsub(a, b) = b - a (RsubBackward0).
CT_API ct_tensor *ct_rsub(ct_tensor *a, ct_tensor *b);
/// a * b (MulBackward0).
CT_API ct_tensor *ct_mul(ct_tensor *a, ct_tensor *b);
/// True division a / b; integer and bool inputs give float32 (DivBackward0).
CT_API ct_tensor *ct_div(ct_tensor *a, ct_tensor *b);
/// Floor division (a // b); integer division by zero errors "ZeroDivisionError". Not
/// differentiable: backward through it errors as PyTorch's NotImplemented node.
CT_API ct_tensor *ct_floor_divide(ct_tensor *a, ct_tensor *b);
/// Python-style remainder, with the sign of b (RemainderBackward1).
CT_API ct_tensor *ct_remainder(ct_tensor *a, ct_tensor *b);
/// a ** b elementwise (PowBackward1). Integer tensors: a negative exponent gives 0, or
/// +-1 for bases +-1 (PyTorch's rule), except that a 0-d exponent stands for a Python int,
/// which must not be negative ("Integers to negative integer powers are not allowed.").
CT_API ct_tensor *ct_pow(ct_tensor *a, ct_tensor *b);
/// Elementwise maximum; nan propagates, ties split the gradient (MaximumBackward0).
CT_API ct_tensor *ct_maximum(ct_tensor *a, ct_tensor *b);
/// Elementwise minimum; nan propagates, ties split the gradient (MinimumBackward0).
CT_API ct_tensor *ct_minimum(ct_tensor *a, ct_tensor *b);

// ---- arithmetic with a scalar ----

/// a + s (AddBackward0).
CT_API ct_tensor *ct_add_scalar(ct_tensor *a, double s);
/// a - s (SubBackward0).
CT_API ct_tensor *ct_sub_scalar(ct_tensor *a, double s);
/// s - a (RsubBackward1).
CT_API ct_tensor *ct_rsub_scalar(ct_tensor *a, double s);
/// a * s (MulBackward0).
CT_API ct_tensor *ct_mul_scalar(ct_tensor *a, double s);
/// a / s, true division (DivBackward0).
CT_API ct_tensor *ct_div_scalar(ct_tensor *a, double s);
/// a ** exponent (PowBackward0). The exponent is a Python float, so an integer tensor gives
/// a floating result (torch.tensor([2, 3]) ** -2.0 is tensor([0.2500, 0.1111])); for
/// integer powers use ct_pow with an integer exponent tensor, which refuses negative ones
/// ("Integers to negative integer powers are not allowed.").
CT_API ct_tensor *ct_pow_scalar(ct_tensor *a, double exponent);
/// base ** a, computed as PyTorch's torch.tensor(base) ** a (PowBackward1).
CT_API ct_tensor *ct_rpow_scalar(double base, ct_tensor *a);

// ---- comparisons and logic (bool results; compared in the promoted dtype) ----

/// a == b.
CT_API ct_tensor *ct_eq(ct_tensor *a, ct_tensor *b);
/// a != b.
CT_API ct_tensor *ct_ne(ct_tensor *a, ct_tensor *b);
/// a < b.
CT_API ct_tensor *ct_lt(ct_tensor *a, ct_tensor *b);
/// a <= b.
CT_API ct_tensor *ct_le(ct_tensor *a, ct_tensor *b);
/// a > b.
CT_API ct_tensor *ct_gt(ct_tensor *a, ct_tensor *b);
/// a >= b.
CT_API ct_tensor *ct_ge(ct_tensor *a, ct_tensor *b);
/// a == s.
CT_API ct_tensor *ct_eq_scalar(ct_tensor *a, double s);
/// a != s.
CT_API ct_tensor *ct_ne_scalar(ct_tensor *a, double s);
/// a < s.
CT_API ct_tensor *ct_lt_scalar(ct_tensor *a, double s);
/// a <= s.
CT_API ct_tensor *ct_le_scalar(ct_tensor *a, double s);
/// a > s.
CT_API ct_tensor *ct_gt_scalar(ct_tensor *a, double s);
/// a >= s.
CT_API ct_tensor *ct_ge_scalar(ct_tensor *a, double s);
/// Both nonzero (nan counts as true).
CT_API ct_tensor *ct_logical_and(ct_tensor *a, ct_tensor *b);
/// Either nonzero.
CT_API ct_tensor *ct_logical_or(ct_tensor *a, ct_tensor *b);
/// a == 0.
CT_API ct_tensor *ct_logical_not(ct_tensor *a);
/// cond ? a : b, broadcasting all three (WhereBackward0). cond must be bool.
CT_API ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b);

// ---- unary math: exp ... sigmoid of integer or bool tensors are float32 ----

/// -a (NegBackward0); not for bool.
CT_API ct_tensor *ct_neg(ct_tensor *a);
/// |a| (AbsBackward0).
CT_API ct_tensor *ct_abs(ct_tensor *a);
/// e^a (ExpBackward0).
CT_API ct_tensor *ct_exp(ct_tensor *a);
/// Natural logarithm (LogBackward0).
CT_API ct_tensor *ct_log(ct_tensor *a);
/// log(1 + a) (Log1PBackward0).
CT_API ct_tensor *ct_log1p(ct_tensor *a);
/// Square root (SqrtBackward0).
CT_API ct_tensor *ct_sqrt(ct_tensor *a);
/// 1 / sqrt(a) (RsqrtBackward0).
CT_API ct_tensor *ct_rsqrt(ct_tensor *a);
/// Sine (SinBackward0).
CT_API ct_tensor *ct_sin(ct_tensor *a);
/// Cosine (CosBackward0).
CT_API ct_tensor *ct_cos(ct_tensor *a);
/// Hyperbolic tangent (TanhBackward0).
CT_API ct_tensor *ct_tanh(ct_tensor *a);
/// 1 / (1 + e^-a) (SigmoidBackward0).
CT_API ct_tensor *ct_sigmoid(ct_tensor *a);
/// max(a, 0), keeping -0 and nan (ReluBackward0); integer tensors too, not bool.
CT_API ct_tensor *ct_relu(ct_tensor *a);
/// a > 0 ? a : a * negative_slope (LeakyReluBackward0); floating tensors only.
CT_API ct_tensor *ct_leaky_relu(ct_tensor *a, double negative_slope);
/// Exact (erf) GELU (GeluBackward0); floating tensors only.
CT_API ct_tensor *ct_gelu(ct_tensor *a);
/// log(1 + e^(beta a)) / beta, or a where beta * a > threshold (SoftplusBackward0);
/// floating tensors only.
CT_API ct_tensor *ct_softplus(ct_tensor *a, double beta, double threshold);
/// clamp(min, max); pass NAN to leave a side open (ClampBackward1). Integer tensors with a
/// non-integral bound give float32, as PyTorch.
CT_API ct_tensor *ct_clamp(ct_tensor *a, double min, double max);
/// -1, 0 or 1 (0 for nan) (SignBackward0: zero gradient).
CT_API ct_tensor *ct_sign(ct_tensor *a);
/// Round down (FloorBackward0); integer tensors are copied.
CT_API ct_tensor *ct_floor(ct_tensor *a);
/// Round up (CeilBackward0); integer tensors are copied.
CT_API ct_tensor *ct_ceil(ct_tensor *a);
/// Round half to even (RoundBackward0); integer tensors are copied.
CT_API ct_tensor *ct_round(ct_tensor *a);

// ---- in place ----
// The `*_` ops modify `a` and return it (NULL on error, `a` unchanged). They error like
// PyTorch on a leaf that requires grad while grad mode is on ("a leaf Variable that
// requires grad is being used in an in-place operation."), when the result dtype cannot
// be stored in `a` ("result type Float can't be cast to the desired output type Long"),
// when broadcasting would grow `a`, and on PyTorch's memory-overlap errors. When an input
// requires grad the op is recorded on `a` (its old grad_fn becomes the new node's input)
// and backward sees the values from before the call.

/// a += b (AddBackward0).
CT_API ct_tensor *ct_add_(ct_tensor *a, ct_tensor *b);
/// a -= b (SubBackward0).
CT_API ct_tensor *ct_sub_(ct_tensor *a, ct_tensor *b);
/// a *= b (MulBackward0).
CT_API ct_tensor *ct_mul_(ct_tensor *a, ct_tensor *b);
/// a /= b, true division: `a` must be floating (DivBackward0).
CT_API ct_tensor *ct_div_(ct_tensor *a, ct_tensor *b);
/// a += s (AddBackward0).
CT_API ct_tensor *ct_add_scalar_(ct_tensor *a, double s);
/// a *= s (MulBackward0).
CT_API ct_tensor *ct_mul_scalar_(ct_tensor *a, double s);
/// clamp in place (ClampBackward1); the clamped dtype must be a's.
CT_API ct_tensor *ct_clamp_(ct_tensor *a, double min, double max);
/// relu in place (ReluBackward0).
CT_API ct_tensor *ct_relu_(ct_tensor *a);
/// Fill with `value` (converted like a C cast). Same leaf rule; on a tensor that requires
/// grad it records FillBackward2 (zero gradient). Allowed on expanded tensors.
CT_API ct_tensor *ct_fill_(ct_tensor *a, double value);
/// Fill with zeros (ZeroBackward0 on a tensor that requires grad).
CT_API ct_tensor *ct_zero_(ct_tensor *a);

/// Result dtype of a binary op on a and b (torch.result_type).
CT_API ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b);

#ifdef __cplusplus
}
#endif
#endif

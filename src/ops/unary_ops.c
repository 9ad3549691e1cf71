// Unary math and activations with autograd (grad_fn <Name>Backward0, ClampBackward1),
// plus the in-place relu_ and clamp_.
#include <math.h>
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ops/elementwise_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// ---- backward ----

// Arguments of the ops whose backward is one loop over (grad, saved[0]).
typedef struct loop_args {
  int op;        // the loop: a ct_ew_grad_op (grad_loop_backward), a ct_ew_binary_op (binary_loop_backward)
  double p0, p1; // the loop's parameters (grad_loop_backward)
} loop_args;

// grad * where(mask, 1, 0), recorded (mask: a bool tensor; NULL gives NULL).
static ct_tensor *masked_grad(ct_tensor *grad, ct_tensor *mask) {
  return mask ? ct_mul(grad, mask) : NULL;
}

// GELU's gradient grad * gelu'(x) as a recorded op of its own (torch's
// GeluBackwardBackward0): the fused loop, then a node whose backward is this op again for
// grad and v * grad * phi(x) * (2 - x^2) for x (phi: the standard normal density).
static ct_tensor *gelu_backward_op(ct_tensor *grad, ct_tensor *x);

static ct_status gelu_backward_backward(ct_node *node, ct_tensor *v, ct_tensor **grad_in) {
  ct_tensor *grad = ct__saved(node, 0), *x = ct__saved(node, 1);
  if (!grad || !x) return ct_last_status();
  if (node->next[0] && !(grad_in[0] = gelu_backward_op(v, x))) return ct_last_status();
  if (node->next[1]) {
    ct_tensor *x2 = ct_mul(x, x);
    ct_tensor *phi = ct_mul_scalar(ct_exp(ct_mul_scalar(x2, -0.5)), 0.3989422804014327); // 1 / sqrt(2 pi)
    grad_in[1] = ct_mul(ct_mul(ct_mul(v, grad), phi), ct_rsub_scalar(x2, 2));
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

static ct_tensor *gelu_backward_op(ct_tensor *grad, ct_tensor *x) {
  CT_CHECK_NULL(grad);
  CT_CHECK_NULL(x);
  ct_dtype dt = x->dtype;
  ct_ew_params p = ct__ew_params(dt, 0, 0);
  ct__ew_grad g = {"GeluBackwardBackward0", gelu_backward_backward, 2, {grad, x, NULL}, 2, {grad, x, NULL}, -1};
  return ct__ew_compute(ct__ew_kernels(x)->grad[CT_EW_GRAD_GELU][dt], 2, (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(x)},
                        dt, dt, &p, NULL, &g);
}

// The gradient loop `op` on (grad, x) written with public ops, so that a create_graph
// backward records it. x is the input or the result, as the op saved it.
CT_CREATE_GRAPH_PATH static ct_tensor *grad_loop_recorded(int op, ct_tensor *grad, ct_tensor *x, double p0, double p1) {
  switch (op) {
  case CT_EW_GRAD_LOG1P: return ct_div(grad, ct_add_scalar(x, 1));
  case CT_EW_GRAD_SQRT: return ct_div(grad, ct_mul_scalar(x, 2));                    // x: the result
  case CT_EW_GRAD_RSQRT: return ct_mul(ct_mul_scalar(grad, -0.5), ct_pow_scalar(x, 3)); // x: the result
  case CT_EW_GRAD_SIN: return ct_mul(grad, ct_cos(x));
  case CT_EW_GRAD_COS: return ct_mul(grad, ct_neg(ct_sin(x)));
  case CT_EW_GRAD_TANH: return ct_mul(grad, ct_rsub_scalar(ct_mul(x, x), 1));          // x: the result
  case CT_EW_GRAD_SIGMOID: return ct_mul(ct_mul(grad, x), ct_rsub_scalar(x, 1));       // x: the result
  case CT_EW_GRAD_ABS: return ct_mul(grad, ct_sign(x));
  case CT_EW_GRAD_RELU: return masked_grad(grad, ct_gt_scalar(x, 0));                  // x: the result
  case CT_EW_GRAD_LEAKY_RELU: return ct_where(ct_gt_scalar(x, 0), grad, ct_mul_scalar(grad, p0));
  case CT_EW_GRAD_CLAMP: return masked_grad(grad, ct_logical_and(ct_ge_scalar(x, p0), ct_le_scalar(x, p1)));
  case CT_EW_GRAD_GELU: return gelu_backward_op(grad, x);
  case CT_EW_GRAD_SOFTPLUS: { // grad * sigmoid(beta x) where beta x <= threshold, else grad
    ct_tensor *bx = ct_mul_scalar(x, p0);
    return ct_where(ct_gt_scalar(bx, p1), grad, ct_mul(grad, ct_sigmoid(bx)));
  }
  default: return ct__error_null(CT_ERR_RUNTIME, "internal: no differentiable gradient for this op's backward");
  }
}

// Fused gradient loop on (grad, saved[0]) with parameters p0, p1.
static ct_status grad_loop_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *saved = ct__saved(node, 0);
  if (!saved) return ct_last_status();
  const loop_args *a = ct__node_args(node, loop_args);
  if (ct__create_graph()) {
    grad_in[0] = ct__grad_for_input(node, 0, grad_loop_recorded(a->op, grad, saved, a->p0, a->p1));
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  grad_in[0] = ct__ew_grad_for(node, 0, ct__ew_kernels(grad)->grad[a->op], 2,
                               (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(saved)}, a->p0, a->p1);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Binary loop on (grad, saved[0]): exp (grad * result) and log (grad / self).
static ct_status binary_loop_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *saved = ct__saved(node, 0);
  if (!saved) return ct_last_status();
  if (ct__create_graph()) {
    const bool mul = ct__node_args(node, loop_args)->op == CT_EW_MUL;
    grad_in[0] = ct__grad_for_input(node, 0, mul ? ct_mul(grad, saved) : ct_div(grad, saved));
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  grad_in[0] = ct__ew_grad_for(node, 0, ct__ew_kernels(grad)->binary[ct__node_args(node, loop_args)->op], 2,
                               (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(saved)}, 0, 0);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_status neg_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__grad_for_input(node, 0, ct_neg(grad));
  return grad_in[0] ? CT_OK : ct_last_status();
}

// sign, floor, ceil, round: zero gradient.
static ct_status zero_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__zeros_for_input(node, 0, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// ---- forward helpers ----

// Runs the kernel with parameters p0, p1; a recorded node gets `backward_args`.
static ct_tensor *unary(ct_loop_fn loop, ct_tensor *a, ct_dtype dt, double p0, double p1, ct_tensor *dst,
                        const ct__ew_grad *g, loop_args backward_args) {
  ct_ew_params p = ct__ew_params(dt, p0, p1);
  ct_node *node;
  ct_tensor *out = ct__ew_compute_node(loop, 1, (ct__ew_arg[]){CT__EW_T(a)}, dt, dt, &p, dst, g, &node);
  if (node) *ct__node_args(node, loop_args) = backward_args;
  return out;
}

// Float math: integer and bool inputs compute in float32. Per op: grad_fn name, backward,
// its loop (ct_ew_binary_op for binary_loop_backward, ct_ew_grad_op otherwise), and
// whether backward reads the result (else the input).
typedef struct float_math_op {
  const char *name;
  ct_backward_fn backward;
  int grad_op;
  bool saves_result;
} float_math_op;

static const float_math_op FLOAT_MATH[CT_EW_MATH_COUNT] = {
    [CT_EW_EXP] = {"ExpBackward0", binary_loop_backward, CT_EW_MUL, true},
    [CT_EW_LOG] = {"LogBackward0", binary_loop_backward, CT_EW_DIV, false},
    [CT_EW_LOG1P] = {"Log1PBackward0", grad_loop_backward, CT_EW_GRAD_LOG1P, false},
    [CT_EW_SQRT] = {"SqrtBackward0", grad_loop_backward, CT_EW_GRAD_SQRT, true},
    [CT_EW_RSQRT] = {"RsqrtBackward0", grad_loop_backward, CT_EW_GRAD_RSQRT, true},
    [CT_EW_SIN] = {"SinBackward0", grad_loop_backward, CT_EW_GRAD_SIN, false},
    [CT_EW_COS] = {"CosBackward0", grad_loop_backward, CT_EW_GRAD_COS, false},
    [CT_EW_TANH] = {"TanhBackward0", grad_loop_backward, CT_EW_GRAD_TANH, true},
    [CT_EW_SIGMOID] = {"SigmoidBackward0", grad_loop_backward, CT_EW_GRAD_SIGMOID, true},
};

static ct_tensor *float_math(ct_tensor *a, ct_ew_math_op op) {
  CT_CHECK_NULL(a);
  const float_math_op *m = &FLOAT_MATH[op];
  ct_dtype dt = ct_dtype_is_floating(a->dtype) ? a->dtype : CT_FLOAT32;
  const bool r = m->saves_result;
  ct__ew_grad g = {m->name, m->backward, 1, {a, NULL, NULL}, 1, {r ? NULL : a, NULL, NULL}, r ? 0 : -1};
  return unary(ct__ew_kernels(a)->math[op][dt], a, dt, 0, 0, NULL, &g, (loop_args){m->grad_op, 0, 0});
}

ct_tensor *ct_exp(ct_tensor *a) { return float_math(a, CT_EW_EXP); }
ct_tensor *ct_log(ct_tensor *a) { return float_math(a, CT_EW_LOG); }
ct_tensor *ct_log1p(ct_tensor *a) { return float_math(a, CT_EW_LOG1P); }
ct_tensor *ct_sqrt(ct_tensor *a) { return float_math(a, CT_EW_SQRT); }
ct_tensor *ct_rsqrt(ct_tensor *a) { return float_math(a, CT_EW_RSQRT); }
ct_tensor *ct_sin(ct_tensor *a) { return float_math(a, CT_EW_SIN); }
ct_tensor *ct_cos(ct_tensor *a) { return float_math(a, CT_EW_COS); }
ct_tensor *ct_tanh(ct_tensor *a) { return float_math(a, CT_EW_TANH); }
ct_tensor *ct_sigmoid(ct_tensor *a) { return float_math(a, CT_EW_SIGMOID); }

// Activations defined for floating inputs only (PyTorch's kernel names in the error).
static ct_tensor *float_only(ct_tensor *a, ct_loop_fn loop, const char *kernel, const char *name, int grad_op,
                             double p0, double p1) {
  CT_CHECK_NULL(a);
  if (!ct_dtype_is_floating(a->dtype)) return ct__ew_not_implemented(kernel, a->dtype);
  ct__ew_grad g = {name, grad_loop_backward, 1, {a, NULL, NULL}, 1, {a, NULL, NULL}, -1};
  return unary(loop, a, a->dtype, p0, p1, NULL, &g, (loop_args){grad_op, p0, p1});
}

ct_tensor *ct_gelu(ct_tensor *a) {
  CT_CHECK_NULL(a);
  return float_only(a, ct__ew_kernels(a)->math[CT_EW_GELU][a->dtype], "GeluKernelImpl", "GeluBackward0",
                    CT_EW_GRAD_GELU, 0, 0);
}
ct_tensor *ct_softplus(ct_tensor *a, double beta, double threshold) {
  CT_CHECK_NULL(a);
  return float_only(a, ct__ew_kernels(a)->math[CT_EW_SOFTPLUS][a->dtype], "softplus_cpu", "SoftplusBackward0",
                    CT_EW_GRAD_SOFTPLUS, beta, threshold);
}
ct_tensor *ct_leaky_relu(ct_tensor *a, double negative_slope) {
  CT_CHECK_NULL(a);
  return float_only(a, ct__ew_kernels(a)->unary[CT_EW_LEAKY_RELU][a->dtype], "leaky_relu_cpu", "LeakyReluBackward0",
                    CT_EW_GRAD_LEAKY_RELU, negative_slope, 0);
}

// Ops keeping the input dtype. Per op: grad_fn name, backward and its ct_ew_grad_op,
// whether backward reads the input, and PyTorch's message for bool inputs (NULL: bool
// is allowed).
typedef struct same_dtype_op {
  const char *name;
  ct_backward_fn backward;
  int grad_op;
  bool saves_input;
  const char *bool_error;
} same_dtype_op;

static const same_dtype_op SAME_DTYPE[CT_EW_UNARY_COUNT] = {
    [CT_EW_NEG] = {"NegBackward0", neg_backward, 0, false,
                   "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                   "invert a mask, use the `~` or `logical_not()` operator instead."},
    [CT_EW_ABS] = {"AbsBackward0", grad_loop_backward, CT_EW_GRAD_ABS, true,
                   "\"abs_cpu\" not implemented for 'Bool'"},
    [CT_EW_SIGN] = {"SignBackward0", zero_backward, 0, false, NULL},
    [CT_EW_FLOOR] = {"FloorBackward0", zero_backward, 0, false,
                     "\"floor_vml_cpu\" not implemented for 'Bool'"},
    [CT_EW_CEIL] = {"CeilBackward0", zero_backward, 0, false,
                    "\"ceil_vml_cpu\" not implemented for 'Bool'"},
    [CT_EW_ROUND] = {"RoundBackward0", zero_backward, 0, false,
                     "\"round_vml_cpu\" not implemented for 'Bool'"},
};

static ct_tensor *same_dtype(ct_tensor *a, ct_ew_unary_op op) {
  CT_CHECK_NULL(a);
  const same_dtype_op *u = &SAME_DTYPE[op];
  if (a->dtype == CT_BOOL && u->bool_error) return ct__error_null(CT_ERR_RUNTIME, "%s", u->bool_error);
  ct__ew_grad g = {u->name, u->backward, 1, {a, NULL, NULL}, u->saves_input ? 1 : 0, {a, NULL, NULL}, -1};
  return unary(ct__ew_kernels(a)->unary[op][a->dtype], a, a->dtype, 0, 0, NULL, &g, (loop_args){u->grad_op, 0, 0});
}

ct_tensor *ct_neg(ct_tensor *a) { return same_dtype(a, CT_EW_NEG); }
ct_tensor *ct_abs(ct_tensor *a) { return same_dtype(a, CT_EW_ABS); }
ct_tensor *ct_sign(ct_tensor *a) { return same_dtype(a, CT_EW_SIGN); }
ct_tensor *ct_floor(ct_tensor *a) { return same_dtype(a, CT_EW_FLOOR); }
ct_tensor *ct_ceil(ct_tensor *a) { return same_dtype(a, CT_EW_CEIL); }
ct_tensor *ct_round(ct_tensor *a) { return same_dtype(a, CT_EW_ROUND); }

// ---- relu and clamp (also in place) ----

static ct_tensor *relu(ct_tensor *a, ct_tensor *dst) {
  CT_CHECK_NULL(a);
  if (a->dtype == CT_BOOL) return ct__error_null(CT_ERR_RUNTIME, "Boolean inputs not supported for relu");
  if (dst && ct__ew_check_inplace(dst, a->dtype) != CT_OK) return NULL;
  ct__ew_grad g = {"ReluBackward0", grad_loop_backward, 1, {a, NULL, NULL}, 1, {NULL, NULL, NULL}, 0};
  return unary(ct__ew_kernels(a)->unary[CT_EW_CLAMP][a->dtype], a, a->dtype, 0, INFINITY, dst, &g,
               (loop_args){CT_EW_GRAD_RELU, 0, 0});
}
ct_tensor *ct_relu(ct_tensor *a) { return relu(a, NULL); }
ct_tensor *ct_relu_(ct_tensor *a) { return relu(a, a); }

static ct_tensor *clamp(ct_tensor *a, double min, double max, ct_tensor *dst) {
  CT_CHECK_NULL(a);
  bool has_min = !isnan(min), has_max = !isnan(max);
  if (!has_min && !has_max)
    return ct__error_null(CT_ERR_RUNTIME, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ct__promotion p = CT__PROMOTION_INIT;
  ct__promotion_add_tensor(&p, a);
  if (has_min) ct__promotion_add_scalar(&p, min, false);
  if (has_max) ct__promotion_add_scalar(&p, max, false);
  ct_dtype dt = ct_dtype_is_floating(a->dtype) ? a->dtype : ct__promotion_result(&p);
  if (dst && ct__ew_check_inplace(dst, dst->dtype) != CT_OK) return NULL;
  if (dst && dt != dst->dtype) { // PyTorch names the target by its C++ type here
    const char *cpp = dst->dtype == CT_INT32 ? "int" : dst->dtype == CT_INT64 ? "long int" : "bool";
    return ct__error_null(CT_ERR_RUNTIME, "result type %s can't be cast to the desired output type %s",
                          ct__scalar_type_name(dt), cpp);
  }
  double lo = has_min ? min : -INFINITY, hi = has_max ? max : INFINITY;
  ct__ew_grad g = {"ClampBackward1", grad_loop_backward, 1, {a, NULL, NULL}, 1, {a, NULL, NULL}, -1};
  return unary(ct__ew_kernels(a)->unary[CT_EW_CLAMP][dt], a, dt, lo, hi, dst, &g,
               (loop_args){CT_EW_GRAD_CLAMP, lo, hi});
}
ct_tensor *ct_clamp(ct_tensor *a, double min, double max) { return clamp(a, min, max, NULL); }
ct_tensor *ct_clamp_(ct_tensor *a, double min, double max) { return clamp(a, min, max, a); }

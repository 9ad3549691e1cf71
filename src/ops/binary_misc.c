// floor_divide, remainder, pow (tensor ** tensor, tensor ** scalar, scalar ** tensor),
// maximum, minimum, with autograd.
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "ops/elementwise_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"
#include "ctorch/device.h"

// ---- backward ----

static ct_status not_implemented_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  (void)node, (void)grad, (void)grad_in;
  return ct__error(CT_ERR_RUNTIME, "derivative for aten::floor_divide is not implemented");
}

// RemainderBackward1: self: grad; other: -grad * floor_divide(self, other).
static ct_status remainder_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0] && !(grad_in[0] = ct__grad_for_input(node, 0, grad))) return ct_last_status();
  if (node->next[1]) {
    ct_tensor *self = ct__saved(node, 0), *other = ct__saved(node, 1);
    if (!self || !other) return ct_last_status();
    // create_graph: recorded; floor(self / other) has a zero derivative, as torch's
    // div(rounding_mode='floor').
    grad_in[1] = ct__create_graph()
                     ? ct__grad_for_input(node, 1, ct_neg(ct_mul(grad, ct_floor(ct_div(self, other)))))
                     : ct__ew_grad_for(node, 1, ct__ew_kernels(grad)->grad2[CT_EW_GRAD2_REM_OTHER], 3,
                                 (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(self), CT__EW_T(other)}, 0, 0);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

// MaximumBackward0 / MinimumBackward0 arguments.
typedef struct maxmin_args {
  bool is_min;
} maxmin_args;

// MaximumBackward0 / MinimumBackward0: ties share the gradient.
static ct_status maxmin_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const bool is_min = ct__node_args(node, maxmin_args)->is_min;
  ct_tensor *self = ct__saved(node, 0), *other = ct__saved(node, 1);
  if (!self || !other) return ct_last_status();
  ct__ew_arg args[3] = {CT__EW_T(grad), CT__EW_T(self), CT__EW_T(other)};
  const ct_elementwise_kernels *k = ct__ew_kernels(grad);
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    bool zero_when_less = (i == 0) != is_min;
    if (ct__create_graph()) { // grad * ([self > other] + [self == other] / 2), or with <, recorded
      ct_tensor *wins = zero_when_less ? ct_gt(self, other) : ct_lt(self, other);
      ct_tensor *ties = ct_mul_scalar(ct_to_dtype(ct_eq(self, other), grad->dtype), 0.5);
      grad_in[i] = ct__grad_for_input(node, i, ct_mul(grad, ct_add(ct_to_dtype(wins, grad->dtype), ties)));
      if (!grad_in[i]) return ct_last_status();
      continue;
    }
    ct_ew_grad2_op op = zero_when_less ? CT_EW_GRAD2_MAX_A : CT_EW_GRAD2_MAX_B;
    grad_in[i] = ct__ew_grad_for(node, i, k->grad2[op], 3, args, 0, 0);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

// PowBackward1 arguments: self is a scalar for scalar ** tensor.
typedef struct pow_args {
  bool self_is_scalar;
  double self; // the scalar, when self_is_scalar
} pow_args;

// PowBackward1: saved (self unless it is a scalar, exponent, result).
// create_graph: grad * exponent * self^(exponent - 1), and grad * result * log(self)
// (0 where self is 0 and exponent >= 0), recorded.
CT_CREATE_GRAPH_PATH static ct_status pow_backward_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const pow_args *a = ct__node_args(node, pow_args);
  ct_tensor *self = a->self_is_scalar ? ct_scalar(a->self, grad->dtype) : ct__saved(node, 0);
  ct_tensor *exponent = ct__saved(node, 1);
  if (!self || !exponent) return ct_last_status();
  if (node->next[0]) {
    ct_tensor *d = ct_mul(exponent, ct_pow(self, ct_sub_scalar(exponent, 1)));
    if (!(grad_in[0] = ct__grad_for_input(node, 0, ct_mul(grad, d)))) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *result = ct__saved(node, 2);
    ct_tensor *term = result ? ct_mul(grad, ct_mul(result, ct_log(self))) : NULL;
    ct_tensor *at_zero = ct_logical_and(ct_eq_scalar(self, 0), ct_ge_scalar(exponent, 0));
    ct_tensor *zero = term ? ct_new_zeros(term, ct_dim(term), ct_shape(term), ct_get_dtype(term)) : NULL;
    if (!(grad_in[1] = ct__grad_for_input(node, 1, ct_where(at_zero, zero, term)))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status pow_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return pow_backward_recorded(node, grad, grad_in);
  const ct_elementwise_kernels *k = ct__ew_kernels(grad);
  const pow_args *a = ct__node_args(node, pow_args);
  ct_tensor *self_t = a->self_is_scalar ? NULL : ct__saved(node, 0), *exponent = ct__saved(node, 1);
  if ((!a->self_is_scalar && !self_t) || !exponent) return ct_last_status();
  ct__ew_arg self = self_t ? CT__EW_T(self_t) : CT__EW_S(a->self);
  if (node->next[0]) {
    grad_in[0] = ct__ew_grad_for(node, 0, k->grad2[CT_EW_GRAD2_POW_SELF], 3,
                                 (ct__ew_arg[]){CT__EW_T(grad), self, CT__EW_T(exponent)}, 0, 0);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *result = ct__saved(node, 2);
    if (!result) return ct_last_status();
    // self.log() in self's own floating dtype (float32 for integers), as PyTorch.
    ct_tensor *log_self = ct_log(self_t ? self_t : ct_scalar(a->self, grad->dtype));
    ct__ew_arg args[3] = {CT__EW_T(log_self), CT__EW_T(exponent), CT__EW_T(result)};
    ct_dtype dt = ct__ew_result_type(3, args);
    ct_tensor *term = log_self ? ct__ew_apply(k->grad2[CT_EW_GRAD2_POW_EXPONENT][dt], 3, args, dt, dt, NULL, NULL)
                               : NULL;
    if (!term) return ct_last_status();
    grad_in[1] = ct__ew_grad_for(node, 1, k->binary[CT_EW_MUL], 2,
                                 (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(term)}, 0, 0);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

// PowBackward0 arguments.
typedef struct pow_scalar_args {
  double exponent;
} pow_scalar_args;

// PowBackward0: grad * (e * self ** (e - 1)); zeros for e == 0.
static ct_status pow_scalar_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  double e = ct__node_args(node, pow_scalar_args)->exponent;
  if (e == 0) {
    grad_in[0] = ct__zeros_for_input(node, 0, grad);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_tensor *self = ct__saved(node, 0);
  if (!self) return ct_last_status();
  if (ct__create_graph()) { // grad * (e * self^(e - 1)), recorded
    grad_in[0] = ct__grad_for_input(node, 0, ct_mul(grad, ct_mul_scalar(ct_pow_scalar(self, e - 1), e)));
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  grad_in[0] = ct__ew_grad_for(node, 0, ct__ew_kernels(grad)->grad[CT_EW_GRAD_POW_SCALAR], 2,
                               (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(self)}, e, 0);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// ---- forward ----

// *node_out (may be NULL) receives the recorded node, for the op's arguments.
static ct_tensor *binary(ct_ew_binary_op op, ct_dtype dt, ct__ew_arg a, ct__ew_arg b, const ct__ew_grad *g,
                         ct_node **node_out) {
  return ct__ew_compute_node(ct__ew_kernels(a.t ? a.t : b.t)->binary[op][dt], 2, (ct__ew_arg[]){a, b}, dt, dt, NULL, NULL, g,
                             node_out);
}

// Integer division checks shared by floor_divide and remainder.
static ct_status check_divisor(const char *kernel, ct_dtype dt, const ct_tensor *b) {
  if (dt == CT_BOOL) {
    ct__ew_not_implemented(kernel, dt);
    return CT_ERR_RUNTIME;
  }
  if (ct__is_integral(dt) && ct__ew_any_zero(b)) return ct__error(CT_ERR_RUNTIME, "ZeroDivisionError");
  return CT_OK;
}

ct_tensor *ct_floor_divide(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  ct_dtype dt = ct__result_type_tt(a, b);
  if (check_divisor("div_floor_cpu", dt, b) != CT_OK) return NULL;
  // PyTorch's NotImplemented node has edges only to the inputs that require grad.
  ct__ew_grad g = {"NotImplemented", not_implemented_backward, 0, {NULL, NULL, NULL}, 0, {NULL, NULL, NULL}, -1};
  if (a->requires_grad) g.inputs[g.n_inputs++] = a;
  if (b->requires_grad) g.inputs[g.n_inputs++] = b;
  return binary(CT_EW_FLOOR_DIV, dt, CT__EW_T(a), CT__EW_T(b), &g, NULL);
}

ct_tensor *ct_remainder(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  ct_dtype dt = ct__result_type_tt(a, b);
  if (check_divisor("remainder_cpu", dt, b) != CT_OK) return NULL;
  ct__ew_grad g = {"RemainderBackward1", remainder_backward, 2, {a, b, NULL}, 2, {a, b, NULL}, -1};
  return binary(CT_EW_REMAINDER, dt, CT__EW_T(a), CT__EW_T(b), &g, NULL);
}

static ct_tensor *maxmin(ct_tensor *a, ct_tensor *b, bool is_min) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  ct_dtype dt = ct__result_type_tt(a, b);
  ct__ew_grad g = {is_min ? "MinimumBackward0" : "MaximumBackward0", maxmin_backward, 2, {a, b, NULL}, 2,
                   {a, b, NULL}, -1};
  ct_node *node;
  ct_tensor *out = binary(is_min ? CT_EW_MINIMUM : CT_EW_MAXIMUM, dt, CT__EW_T(a), CT__EW_T(b), &g, &node);
  if (node) *ct__node_args(node, maxmin_args) = (maxmin_args){.is_min = is_min};
  return out;
}
ct_tensor *ct_maximum(ct_tensor *a, ct_tensor *b) { return maxmin(a, b, false); }
ct_tensor *ct_minimum(ct_tensor *a, ct_tensor *b) { return maxmin(a, b, true); }

ct_tensor *ct_pow(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  ct_dtype dt = ct__result_type_tt(a, b);
  if (dt == CT_BOOL) return ct__ew_not_implemented("pow", dt);
  if (!ct_dtype_is_floating(dt) && b->ndim == 0) { // a 0-d exponent is torch's Python int: must be >= 0
    double exponent;
    if (ct_item(b, &exponent) != CT_OK) return NULL;
    if (exponent < 0) return ct__error_null(CT_ERR_RUNTIME, "Integers to negative integer powers are not allowed.");
  }
  ct__ew_grad g = {"PowBackward1", pow_backward, 2, {a, b, NULL}, 3, {a, b, NULL}, 2};
  ct_node *node;
  ct_tensor *out = binary(CT_EW_POW, dt, CT__EW_T(a), CT__EW_T(b), &g, &node);
  if (node) *ct__node_args(node, pow_args) = (pow_args){.self_is_scalar = false, .self = 0};
  return out;
}

ct_tensor *ct_rpow_scalar(double base, ct_tensor *a) {
  CT_CHECK_NULL(a);
  // PyTorch: torch.tensor(base, dtype=result_type(base, a)) ** a
  ct_dtype dt = ct__result_type_ts(a, base, true);
  if (dt == CT_BOOL) return ct__ew_not_implemented("pow", dt);
  ct__ew_grad g = {"PowBackward1", pow_backward, 2, {NULL, a, NULL}, 3, {NULL, a, NULL}, 2};
  ct_node *node;
  ct_tensor *out = binary(CT_EW_POW, dt, CT__EW_F(base), CT__EW_T(a), &g, &node);
  if (node) *ct__node_args(node, pow_args) = (pow_args){.self_is_scalar = true, .self = base};
  return out;
}

ct_tensor *ct_pow_scalar(ct_tensor *a, double exponent) {
  CT_CHECK_NULL(a);
  ct_dtype dt = ct__result_type_ts(a, exponent, true); // a Python float exponent: floating result
  ct_ew_params p = ct__ew_params(dt, exponent, 0);
  ct__ew_grad g = {"PowBackward0", pow_scalar_backward, 1, {a, NULL, NULL}, 1, {a, NULL, NULL}, -1};
  ct_node *node;
  ct_tensor *out = ct__ew_compute_node(ct__ew_kernels(a)->math[CT_EW_POW_SCALAR][dt], 1, (ct__ew_arg[]){CT__EW_T(a)},
                                       dt, dt, &p, NULL, &g, &node);
  if (node) *ct__node_args(node, pow_scalar_args) = (pow_scalar_args){.exponent = exponent};
  return out;
}

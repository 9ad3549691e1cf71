// add, sub, rsub, mul, div (tensor and scalar forms, and their in-place variants) with
// autograd: AddBackward0, SubBackward0, RsubBackward0/1, MulBackward0, DivBackward0.
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/ops.h"
#include "ops/elementwise_internal.h"
#include "ops/sum_to.h"

// ---- backward ----

// grad * c with PyTorch's shortcuts (maybe_multiply: no op for 1; exact negation).
static ct_tensor *scaled(ct_tensor *g, double c) {
  if (c == 1) return g;
  if (c == -1) return ct_neg(g);
  return ct_mul_scalar(g, c);
}

// AddBackward0 / SubBackward0 / RsubBackward0/1 arguments: the result is
// factor[0] * input 0 + factor[1] * input 1.
typedef struct linear_args {
  double factor[2];
} linear_args;

// Add/Sub/Rsub: grad of input i is factor[i] * grad.
static ct_status linear_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const linear_args *a = ct__node_args(node, linear_args);
  for (int i = 0; i < node->num_next; i++) {
    if (!node->next[i]) continue;
    grad_in[i] = ct__grad_for_input(node, i, scaled(grad, a->factor[i]));
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

// MulBackward0 / DivBackward0 arguments (saved: self, other when it is a tensor).
typedef struct muldiv_args {
  bool other_is_scalar;
  double other; // the scalar, when other_is_scalar
} muldiv_args;

// The `other` operand: the saved tensor in slot 1, or the scalar. other.t is NULL for a
// tensor that cannot be read (ct__saved's error is recorded).
static ct__ew_arg saved_other(ct_node *node) {
  const muldiv_args *a = ct__node_args(node, muldiv_args);
  return a->other_is_scalar ? CT__EW_S(a->other) : CT__EW_T(ct__saved(node, 1));
}

// `x op other` with the saved other (a tensor or the scalar), recorded: create_graph.
static ct_tensor *with_other(ct_tensor *x, ct__ew_arg other, bool divide) {
  if (other.t) return divide ? ct_div(x, (ct_tensor *)other.t) : ct_mul(x, (ct_tensor *)other.t);
  return divide ? ct_div_scalar(x, other.s) : ct_mul_scalar(x, other.s);
}

// create_graph: grad * other, grad * self (recorded).
CT_CREATE_GRAPH_PATH static ct_status mul_backward_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct__ew_arg other = saved_other(node);
  if (node->next[0]) {
    if (!ct__node_args(node, muldiv_args)->other_is_scalar && !other.t) return ct_last_status();
    if (!(grad_in[0] = ct__grad_for_input(node, 0, with_other(grad, other, false)))) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *self = ct__saved(node, 0);
    if (!self || !(grad_in[1] = ct__grad_for_input(node, 1, ct_mul(grad, self)))) return ct_last_status();
  }
  return CT_OK;
}

// create_graph: grad / other, -grad * ((self / other) / other) (recorded).
CT_CREATE_GRAPH_PATH static ct_status div_backward_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct__ew_arg other = saved_other(node);
  if (!ct__node_args(node, muldiv_args)->other_is_scalar && !other.t) return ct_last_status();
  if (node->next[0] && !(grad_in[0] = ct__grad_for_input(node, 0, with_other(grad, other, true))))
    return ct_last_status();
  if (node->next[1]) {
    ct_tensor *self = ct__saved(node, 0);
    ct_tensor *other_t = (ct_tensor *)other.t;
    ct_tensor *q = self ? ct_div(ct_div(self, other_t), other_t) : NULL;
    if (!q || !(grad_in[1] = ct__grad_for_input(node, 1, ct_mul(ct_neg(grad), q)))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status mul_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return mul_backward_recorded(node, grad, grad_in);
  const ct_elementwise_kernels *k = ct__ew_kernels(grad);
  const bool other_is_scalar = ct__node_args(node, muldiv_args)->other_is_scalar;
  if (node->next[0]) {
    ct__ew_arg other = saved_other(node);
    if (!other_is_scalar && !other.t) return ct_last_status();
    grad_in[0] = ct__ew_grad_for(node, 0, k->binary[CT_EW_MUL], 2,
                                 (ct__ew_arg[]){CT__EW_T(grad), other}, 0, 0);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *self = ct__saved(node, 0);
    if (!self) return ct_last_status();
    grad_in[1] = ct__ew_grad_for(node, 1, k->binary[CT_EW_MUL], 2,
                                 (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(self)}, 0, 0);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

// grad / other; -grad * ((self / other) / other).
static ct_status div_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return div_backward_recorded(node, grad, grad_in);
  const ct_elementwise_kernels *k = ct__ew_kernels(grad);
  ct__ew_arg other = saved_other(node);
  if (!ct__node_args(node, muldiv_args)->other_is_scalar && !other.t) return ct_last_status();
  if (node->next[0]) {
    grad_in[0] = ct__ew_grad_for(node, 0, k->binary[CT_EW_DIV], 2,
                                 (ct__ew_arg[]){CT__EW_T(grad), other}, 0, 0);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *self = ct__saved(node, 0);
    if (!self) return ct_last_status();
    grad_in[1] = ct__ew_grad_for(node, 1, k->grad2[CT_EW_GRAD2_DIV_OTHER], 3,
                                 (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(self), other}, 0, 0);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

// ---- checks ----

static ct_status check_alpha(ct_dtype dtype, double alpha) {
  if (!ct_dtype_is_floating(dtype) && !ct__scalar_is_integral(alpha))
    return ct__error(CT_ERR_RUNTIME, "For integral input tensors, argument alpha must not be a floating point number.");
  return CT_OK;
}

static ct_status check_sub(ct_dtype a, ct_dtype b) {
  if (a == CT_BOOL && b == CT_BOOL)
    return ct__error(CT_ERR_RUNTIME, "Subtraction, the `-` operator, with two bool tensors is not supported. "
                                     "Use the `^` or `logical_xor()` operator instead.");
  if (a == CT_BOOL || b == CT_BOOL)
    return ct__error(CT_ERR_RUNTIME, "Subtraction, the `-` operator, with a bool tensor is not supported. "
                                     "If you are trying to invert a mask, use the `~` or `logical_not()` "
                                     "operator instead.");
  return CT_OK;
}

static ct_dtype dtype_of(ct__ew_arg x) { return x.t ? x.t->dtype : ct__scalar_dtype(x.s, x.python_float); }

static ct_dtype result_type(ct__ew_arg a, ct__ew_arg b) {
  ct__promotion p = CT__PROMOTION_INIT;
  if (a.t) ct__promotion_add_tensor(&p, a.t);
  else ct__promotion_add_scalar(&p, a.s, a.python_float);
  if (b.t) ct__promotion_add_tensor(&p, b.t);
  else ct__promotion_add_scalar(&p, b.s, b.python_float);
  return ct__promotion_result(&p);
}

// ---- the shared implementation: out-of-place (dst NULL) or into dst = self ----

typedef enum { OP_ADD, OP_SUB, OP_RSUB, OP_MUL, OP_DIV } arith_op;

// self op other, other possibly a scalar. rsub computes other - alpha * self.
static ct_tensor *arith(arith_op op, ct_tensor *self, ct__ew_arg other, double alpha, ct_tensor *dst) {
  CT_CHECK_NULL(self);
  ct__ew_arg x = CT__EW_T(self);
  ct_dtype dt = result_type(x, other);
  if ((op == OP_SUB || op == OP_RSUB) && check_sub(self->dtype, dtype_of(other)) != CT_OK) return NULL;
  if ((op == OP_ADD || op == OP_SUB || op == OP_RSUB) && check_alpha(dt, alpha) != CT_OK) return NULL;
  if (op == OP_DIV && !ct_dtype_is_floating(dt)) dt = CT_FLOAT32; // true division
  if (dst && ct__ew_check_inplace(dst, dt) != CT_OK) return NULL;

  ct_tensor *o = (ct_tensor *)other.t;
  ct__ew_grad g = {NULL, linear_backward, 2, {self, o, NULL}, 0, {NULL, NULL, NULL}, -1}; // every field set
  linear_args linear = {{1, alpha}}; // add/sub/rsub
  ct__ew_arg args[2] = {x, other};
  ct_ew_binary_op kernel = CT_EW_ADD;
  double p0 = alpha;
  switch (op) {
  case OP_ADD:
    g.name = "AddBackward0";
    break;
  case OP_SUB:
    g.name = "SubBackward0";
    linear.factor[1] = p0 = -alpha;
    break;
  case OP_RSUB:
    g.name = o ? "RsubBackward0" : "RsubBackward1";
    g.n_inputs = o ? 2 : 1;
    linear.factor[0] = p0 = -alpha;
    linear.factor[1] = 1;
    args[0] = other;
    args[1] = x;
    break;
  case OP_MUL:
  case OP_DIV: { // saved: self, other
    bool self_grad = ct__needs_grad(1, &self), other_grad = o && ct__needs_grad(1, &o);
    g.name = op == OP_MUL ? "MulBackward0" : "DivBackward0";
    g.backward = op == OP_MUL ? mul_backward : div_backward;
    g.n_saved = 2;
    g.saved[0] = other_grad ? self : NULL;
    g.saved[1] = (self_grad || (op == OP_DIV && other_grad)) ? o : NULL;
    kernel = op == OP_MUL ? CT_EW_MUL : CT_EW_DIV;
    break;
  }
  }
  ct_ew_params params = ct__ew_params(dt, p0, 0);
  ct_node *node;
  ct_tensor *out =
      ct__ew_compute_node(ct__ew_kernels(self)->binary[kernel][dt], 2, args, dt, dt, &params, dst, &g, &node);
  if (!node) return out;
  if (op == OP_MUL || op == OP_DIV) {
    *ct__node_args(node, muldiv_args) = (muldiv_args){.other_is_scalar = !o, .other = other.s};
    // x * 2.0 and x / 2.0 save the scalar as a tensor in torch: a second backward fails.
    node->saved_state = !o;
  } else {
    *ct__node_args(node, linear_args) = linear;
  }
  return out;
}

// ---- public API ----

// arith with a tensor `other` (which may be NULL: the call fails silently).
static ct_tensor *arith_tensor(arith_op op, ct_tensor *self, ct_tensor *other, double alpha, ct_tensor *dst) {
  CT_CHECK_NULL(other);
  return arith(op, self, CT__EW_T(other), alpha, dst);
}

ct_tensor *ct_add(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_ADD, a, b, 1, NULL); }
ct_tensor *ct_add_alpha(ct_tensor *a, ct_tensor *b, double alpha) {
  return arith_tensor(OP_ADD, a, b, alpha, NULL);
}
ct_tensor *ct_sub(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_SUB, a, b, 1, NULL); }
ct_tensor *ct_sub_alpha(ct_tensor *a, ct_tensor *b, double alpha) {
  return arith_tensor(OP_SUB, a, b, alpha, NULL);
}
ct_tensor *ct_rsub(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_RSUB, a, b, 1, NULL); }
ct_tensor *ct_mul(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_MUL, a, b, 1, NULL); }
ct_tensor *ct_div(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_DIV, a, b, 1, NULL); }

ct_tensor *ct_add_scalar(ct_tensor *a, double s) { return arith(OP_ADD, a, CT__EW_F(s), 1, NULL); }
ct_tensor *ct_sub_scalar(ct_tensor *a, double s) { return arith(OP_SUB, a, CT__EW_F(s), 1, NULL); }
ct_tensor *ct_rsub_scalar(ct_tensor *a, double s) { return arith(OP_RSUB, a, CT__EW_F(s), 1, NULL); }
ct_tensor *ct_mul_scalar(ct_tensor *a, double s) { return arith(OP_MUL, a, CT__EW_F(s), 1, NULL); }
ct_tensor *ct_div_scalar(ct_tensor *a, double s) { return arith(OP_DIV, a, CT__EW_F(s), 1, NULL); }

ct_tensor *ct_add_(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_ADD, a, b, 1, a); }
ct_tensor *ct_sub_(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_SUB, a, b, 1, a); }
ct_tensor *ct_mul_(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_MUL, a, b, 1, a); }
ct_tensor *ct_div_(ct_tensor *a, ct_tensor *b) { return arith_tensor(OP_DIV, a, b, 1, a); }
ct_tensor *ct_add_scalar_(ct_tensor *a, double s) { return arith(OP_ADD, a, CT__EW_F(s), 1, a); }
ct_tensor *ct_mul_scalar_(ct_tensor *a, double s) { return arith(OP_MUL, a, CT__EW_F(s), 1, a); }

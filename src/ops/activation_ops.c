// The activations of torch.nn.functional beyond ReLU/GELU: silu, mish, elu, hardtanh.
// Each forward is one loop of the elementwise kernel table (PyTorch's vector formula on
// SIMD blocks, its scalar one on the rest) and its backward one fused gradient loop on
// (grad, input), as PyTorch's *_backward kernels compute it.
#include <math.h>
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/index.h"
#include "ctorch/nn_extra.h"
#include "ctorch/ops.h"
#include "ops/elementwise_internal.h"

// What backward needs: the gradient loop and its parameters (elu's alpha, hardtanh's bounds).
typedef struct activation_args {
  ct_ew_grad_op grad_op;
  double p0, p1;
} activation_args;

// Under create_graph: grad * f'(x) from recorded public ops (PyTorch's formulas), so that
// it can be differentiated again.
CT_CREATE_GRAPH_PATH static ct_tensor *activation_grad_recorded(const activation_args *a, ct_tensor *grad,
                                                                 ct_tensor *x) {
  switch (a->grad_op) {
  case CT_EW_GRAD_SILU: { // s (1 + x (1 - s)), s = sigmoid(x)
    ct_tensor *s = ct_sigmoid(x);
    return ct_mul(grad, ct_mul(s, ct_add_scalar(ct_mul(x, ct_rsub_scalar(s, 1)), 1)));
  }
  case CT_EW_GRAD_MISH: { // t + x s (1 - t^2), t = tanh(softplus(x)), s = sigmoid(x)
    ct_tensor *t = ct_tanh(ct_softplus(x, 1, 20));
    return ct_mul(grad, ct_add(t, ct_mul(ct_mul(x, ct_sigmoid(x)), ct_rsub_scalar(ct_mul(t, t), 1))));
  }
  case CT_EW_GRAD_ELU: // x > 0 ? grad : grad alpha exp(x)
    return ct_where(ct_gt_scalar(x, 0), grad, ct_mul(grad, ct_mul_scalar(ct_exp(x), a->p0)));
  default: // hardtanh: grad where min < x < max, else 0
    return ct_masked_fill(ct_masked_fill(grad, ct_le_scalar(x, a->p0), 0), ct_ge_scalar(x, a->p1), 0);
  }
}

static ct_status activation_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *input = ct__saved(node, 0);
  if (input && ct__create_graph()) {
    grad_in[0] = activation_grad_recorded(ct__node_args(node, activation_args), grad, input);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  if (!input) return ct_last_status();
  const activation_args *a = ct__node_args(node, activation_args);
  grad_in[0] = ct__ew_grad_for(node, 0, ct__ew_kernels(grad)->grad[a->grad_op], 2,
                               (ct__ew_arg[]){CT__EW_T(grad), CT__EW_T(input)}, a->p0, a->p1);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Runs `loop` on a in its own dtype, recording `name` with the input saved for backward.
static ct_tensor *activation(ct_tensor *a, ct_loop_fn loop, const char *name, activation_args args) {
  ct_ew_params p = ct__ew_params(a->dtype, args.p0, args.p1);
  ct__ew_grad g = {name, activation_backward, 1, {a, NULL, NULL}, 1, {a, NULL, NULL}, -1};
  ct_node *node;
  ct_tensor *out = ct__ew_compute_node(loop, 1, (ct__ew_arg[]){CT__EW_T(a)}, a->dtype, a->dtype, &p, NULL, &g, &node);
  if (node) *ct__node_args(node, activation_args) = args;
  return out;
}

// Activations defined for floating inputs only ("silu_cpu" not implemented for 'Long').
static ct_tensor *float_activation(ct_tensor *a, ct_ew_math_op op, const char *kernel, const char *name,
                                   activation_args args) {
  CT_CHECK_NULL(a);
  if (!ct_dtype_is_floating(a->dtype)) return ct__ew_not_implemented(kernel, a->dtype);
  return activation(a, ct__ew_kernels(a)->math[op][a->dtype], name, args);
}

ct_tensor *ct_silu(ct_tensor *a) {
  return float_activation(a, CT_EW_SILU, "silu_cpu", "SiluBackward0", (activation_args){CT_EW_GRAD_SILU, 0, 0});
}
ct_tensor *ct_mish(ct_tensor *a) {
  return float_activation(a, CT_EW_MISH, "mish_cpu", "MishBackward0", (activation_args){CT_EW_GRAD_MISH, 0, 0});
}
ct_tensor *ct_elu(ct_tensor *a, double alpha) {
  return float_activation(a, CT_EW_ELU, "elu_cpu", "EluBackward0", (activation_args){CT_EW_GRAD_ELU, alpha, 0});
}

// hardtanh is clamp into the input's dtype (integers too), with a gradient that is zero
// at the bounds themselves (clamp's passes there).
ct_tensor *ct_hardtanh(ct_tensor *a, double min_val, double max_val) {
  CT_CHECK_NULL(a);
  if (a->dtype == CT_BOOL) return ct__error_null(CT_ERR_RUNTIME, "Bool inputs not supported for hardtanh");
  return activation(a, ct__ew_kernels(a)->unary[CT_EW_CLAMP][a->dtype], "HardtanhBackward0",
                    (activation_args){CT_EW_GRAD_HARDTANH, min_val, max_val});
}

// The driver of the elementwise losses: dense operands, the loss's loops from the kernel
// table of the operands' device (which also reduce, in PyTorch's order), one backward
// node saving the dense operands. Loss files (loss_bce.c, loss_regression.c ...) check
// arguments and name the loss.
#include <math.h>
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/scope.h"
#include "kernels/dispatch.h"
#include "kernels/loss.h"
#include "nn/loss_internal.h"
#include "ops/sum_to.h"

enum { SAVED_X, SAVED_T, SAVED_W, SAVED_PW };

// What a loss node keeps besides its saved tensors.
typedef struct pointwise_node_args {
  ct_reduction reduction;
  double param;
} pointwise_node_args;

static const void *data_or_null(const ct_tensor *t) { return t ? ct__data(t) : NULL; }

// The loops of loss L for dtype on the device of x.
static const ct_pointwise_loss_loops *loops_of(const ct_pointwise_loss *L, const ct_tensor *x, ct_dtype dtype) {
  return &ct__kernels(x->storage->device)->loss->pointwise[L->kind][dtype];
}

static ct_tensor *pointwise_loss(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target,
                                 ct_tensor *weight, ct_tensor *pos_weight, double param, ct_dtype dtype, int ndim,
                                 const int64_t *shape, ct_reduction reduction) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *dense[4] = {
      ct__loss_dense(input, dtype, ndim, shape),
      ct__loss_dense(target, dtype, ndim, shape),
      weight ? ct__loss_dense(weight, dtype, ndim, shape) : NULL,
      pos_weight ? ct__loss_dense(pos_weight, dtype, ndim, shape) : NULL,
  };
  ct_tensor *out = NULL;
  if (!dense[SAVED_X] || !dense[SAVED_T] || (weight && !dense[SAVED_W]) || (pos_weight && !dense[SAVED_PW]))
    goto done;
  ct_pointwise_args a = {
      .x = ct__data(dense[SAVED_X]), .t = ct__data(dense[SAVED_T]), .w = data_or_null(dense[SAVED_W]),
      .pw = data_or_null(dense[SAVED_PW]), .n = ct__numel_of(ndim, shape), .divisor = 1, .param = param,
  };
  bool none = reduction == CT_REDUCTION_NONE;
  out = none ? ct__alloc(dtype, ndim, shape) : ct__alloc(dtype, 0, NULL);
  if (!out) goto done;
  ct_loss_status st = loops_of(L, dense[SAVED_X], dtype)->forward(&a, (ct_loss_reduction)reduction, ct__data(out));
  if (st != CT_LOSS_OK) {
    if (st == CT_LOSS_NO_MEMORY) ct__error(CT_ERR_MEMORY, "out of memory computing a loss");
    else ct__error(CT_ERR_RUNTIME, "all elements of input should be between 0 and 1");
    out = NULL;
    goto done;
  }
  ct_tensor *inputs[2] = {input, target};
  ct_node *node;
  if (ct__record(out, L->node_name[reduction], L->backward, 2, inputs, 4, dense, &node) != CT_OK) {
    out = NULL;
    goto done;
  }
  if (node) *ct__node_args(node, pointwise_node_args) = (pointwise_node_args){reduction, param};
  ct_keep(out);
done:
  ct_scope_close(scope);
  return out;
}

ct_tensor *ct__pointwise_loss(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target,
                              ct_tensor *weight, ct_tensor *pos_weight, ct_dtype dtype, int ndim,
                              const int64_t *shape, ct_reduction reduction) {
  return pointwise_loss(L, input, target, weight, pos_weight, 0, dtype, ndim, shape, reduction);
}

ct_tensor *ct__pointwise_loss_with(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target, double param,
                                   ct_dtype dtype, int ndim, const int64_t *shape, ct_reduction reduction) {
  return pointwise_loss(L, input, target, NULL, NULL, param, dtype, ndim, shape, reduction);
}

// The input's and target's gradient factors of loss `kind` at x, t, weight w and
// pos_weight pw (w, pw may be NULL), in public ops: what the loss's loops compute, for a
// create_graph backward. PyTorch 1.13's formulas (derivatives.yaml).
static ct_tensor *input_factor(ct_pointwise_loss_kind kind, ct_tensor *x, ct_tensor *t, ct_tensor *pw,
                               double param) {
  switch (kind) {
  case CT_LOSS_MSE: return ct_mul_scalar(ct_sub(x, t), 2);
  case CT_LOSS_L1: return ct_sign(ct_sub(x, t));
  case CT_LOSS_BCE: // (x - t) / max((1 - x) x, 1e-12)
    return ct_div(ct_sub(x, t), ct_clamp(ct_mul(ct_rsub_scalar(x, 1), x), 1e-12, NAN));
  case CT_LOSS_BCE_LOGITS: { // ((pw - 1) t + 1) sigmoid(x) - pw t, or sigmoid(x) - t
    if (!pw) return ct_sub(ct_sigmoid(x), t);
    ct_tensor *pt = ct_mul(pw, t);
    return ct_sub(ct_mul(ct_sub(ct_add_scalar(pt, 1), t), ct_sigmoid(x)), pt);
  }
  case CT_LOSS_SMOOTH_L1: // (x - t) / beta inside |x - t| < beta, else sign(x - t)
  case CT_LOSS_HUBER: {   // (x - t) inside |x - t| < delta, else delta sign(x - t)
    ct_tensor *d = ct_sub(x, t);
    if (kind == CT_LOSS_SMOOTH_L1 && param == 0) return ct_sign(d); // PyTorch: l1_loss
    ct_tensor *inside = ct_lt_scalar(ct_abs(d), param);
    return kind == CT_LOSS_SMOOTH_L1 ? ct_where(inside, ct_div_scalar(d, param), ct_sign(d))
                                     : ct_where(inside, d, ct_mul_scalar(ct_sign(d), param));
  }
  default: break;
  }
  return NULL;
}

static ct_tensor *target_factor(ct_pointwise_loss_kind kind, ct_tensor *x, ct_tensor *t, ct_tensor *pw,
                                double param) {
  switch (kind) {
  case CT_LOSS_MSE: return ct_mul_scalar(ct_sub(t, x), 2);
  case CT_LOSS_L1: return ct_sign(ct_sub(t, x));
  case CT_LOSS_BCE: // log(1 - x) - log(x), each clamped at -100 as the loss
    return ct_sub(ct_clamp(ct_log(ct_rsub_scalar(x, 1)), -100, NAN), ct_clamp(ct_log(x), -100, NAN));
  case CT_LOSS_BCE_LOGITS: // log_sigmoid(-x) - pw log_sigmoid(x), or -x
    if (!pw) return ct_neg(x);
    return ct_sub(ct_mul(pw, ct_softplus(ct_neg(x), 1, 20)), ct_softplus(x, 1, 20));
  case CT_LOSS_SMOOTH_L1:
  case CT_LOSS_HUBER: return ct_neg(input_factor(kind, x, t, pw, param));
  default: break;
  }
  return NULL;
}

// create_graph: factor * grad * weight / divisor for each input, recorded.
CT_CREATE_GRAPH_PATH static ct_status backward_recorded(const ct_pointwise_loss *L, ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *x = ct__saved(node, SAVED_X), *t = x ? ct__saved(node, SAVED_T) : NULL;
  if (!t) return ct_last_status();
  ct_tensor *w = node->saved[SAVED_W] ? ct__saved(node, SAVED_W) : NULL;
  ct_tensor *pw = node->saved[SAVED_PW] ? ct__saved(node, SAVED_PW) : NULL;
  if ((node->saved[SAVED_W] && !w) || (node->saved[SAVED_PW] && !pw)) return ct_last_status();
  const pointwise_node_args *args = ct__node_args(node, pointwise_node_args);
  const bool mean = args->reduction == CT_REDUCTION_MEAN;
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    ct_tensor *factor = i == 0 ? input_factor(L->kind, x, t, pw, args->param)
                               : target_factor(L->kind, x, t, pw, args->param);
    ct_tensor *g = ct_mul(factor, grad);
    if (w) g = ct_mul(g, w);
    if (mean) g = ct_div_scalar(g, (double)ct_numel(x));
    if (!(grad_in[i] = ct__grad_for_input(node, i, g))) return ct_last_status();
  }
  return CT_OK;
}

ct_status ct__pointwise_loss_backward(const ct_pointwise_loss *L, ct_node *node, ct_tensor *grad,
                                      ct_tensor **grad_in) {
  if (ct__create_graph()) return backward_recorded(L, node, grad, grad_in);
  ct_tensor *x = ct__saved(node, SAVED_X);
  if (!x) return ct_last_status();
  ct_tensor *t = node->saved[SAVED_T], *w = node->saved[SAVED_W], *pw = node->saved[SAVED_PW];
  const pointwise_node_args *args = ct__node_args(node, pointwise_node_args);
  ct_reduction reduction = args->reduction;
  ct_pointwise_args a = {
      .x = ct__data(x), .t = ct__data(t), .w = data_or_null(w), .pw = data_or_null(pw),
      .n = ct_numel(x), .divisor = reduction == CT_REDUCTION_MEAN ? (double)ct_numel(x) : 1, .param = args->param,
  };
  // The incoming gradient in x's dtype: one value per element, or one value (a reduced
  // loss's 0-d gradient, used as it is when its dtype is x's).
  bool none = reduction == CT_REDUCTION_NONE;
  ct_tensor *g = none                       ? ct__loss_dense(grad, x->dtype, x->ndim, x->shape)
                 : grad->dtype == x->dtype ? grad
                                           : ct__loss_dense(grad, x->dtype, 0, NULL);
  if (!g) return ct_last_status();
  a.g = ct__data(g);
  a.g_scalar = !none;
  const ct_pointwise_loss_loops *loops = loops_of(L, x, x->dtype);
  ct_pointwise_grad_fn fns[2] = {loops->input_grad, loops->target_grad};
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    if (!fns[i])
      return ct__error(CT_ERR_RUNTIME, "the derivative for 'target' is not implemented.");
    ct_tensor *gi = ct__alloc(x->dtype, x->ndim, x->shape);
    if (!gi) return ct_last_status();
    fns[i](&a, ct__data(gi));
    grad_in[i] = ct__grad_for_input(node, i, gi);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

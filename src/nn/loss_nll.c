// nll_loss (NllLossBackward0 / NllLoss2DBackward0), as PyTorch 1.13's CPU frames: every
// input is seen as (N, C, M) (M = 1 for 1-D/2-D inputs, the product of the spatial dims
// otherwise). Shape checks, the result's geometry and the node are here; the loops
// (whose reduced sums follow the frames' cascade, bit for bit, and which with label
// smoothing also accumulate cross_entropy's smoothing term) are the loss kernel family's
// nll_forward / nll_backward.
#include <stdio.h>
#include <string.h>
#include "autograd/linear_backward.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "kernels/dispatch.h"
#include "nn/loss_internal.h"

enum { SAVED_TARGET, SAVED_WEIGHT, SAVED_LOG_PROBS };

// What the node keeps besides its saved tensors: the frame, and the forward's total weight.
typedef struct nll_node_args {
  ct_reduction reduction;
  int64_t n, c, m;
  int64_t ignore_index;
  double total_weight, smoothing;
} nll_node_args;

typedef struct nll_geometry {
  int64_t n, c, m;
  ct_reduction reduction;  // 1-D input with 'none' behaves as 'sum' (0-d result), as PyTorch
  int out_ndim;            // shape of the 'none' result as computed
  int64_t out_shape[CT_MAX_DIMS];
  int view_ndim;           // > 0: the 'none' result is viewed to view_shape (ViewBackward0)
  int64_t view_shape[CT_MAX_DIMS];
  const char *node_name;
} nll_geometry;

static void shape_list(const ct_tensor *t, int from, char *buf, size_t cap) {
  ct__shape_to_str(t->ndim - from, t->shape + from, buf, cap);
}

static ct_status size_mismatch(const ct_tensor *input, const ct_tensor *target, const char *tail) {
  char a[256], b[256];
  shape_list(input, 0, a, sizeof a);
  shape_list(target, 0, b, sizeof b);
  return ct__error(CT_ERR_RUNTIME, "size mismatch (got input: %s%s, target: %s%s", a, *tail ? "" : " ", b, tail);
}

// PyTorch's nll_loss_nd: shape checks in its order, then the (N, C, M) view.
static ct_status geometry(const ct_tensor *input, const ct_tensor *target, ct_reduction reduction,
                          nll_geometry *g) {
  int d = input->ndim;
  if (d < 1) return ct__error(CT_ERR_ARG, "Expected 1 or more dimensions (got %d)", d);
  if (d != 1 && (target->ndim == 0 || input->shape[0] != target->shape[0]))
    return ct__error(CT_ERR_ARG, "Expected input batch_size (%lld) to match target batch_size (%lld).",
                     (long long)input->shape[0], (long long)(target->ndim ? target->shape[0] : 0));
  memset(g, 0, sizeof *g);
  g->reduction = reduction;
  g->node_name = "NllLossBackward0";
  if (d <= 2) {
    if (target->ndim > 1) return ct__error(CT_ERR_RUNTIME, "0D or 1D target tensor expected, multi-target not supported");
    if (d == 1 && target->ndim != 0 && input->shape[0] != target->shape[0]) return size_mismatch(input, target, ")");
    g->n = d == 1 ? 1 : input->shape[0];
    g->c = input->shape[d - 1];
    g->m = 1;
    if (d == 1) {
      if (reduction == CT_REDUCTION_NONE) g->reduction = CT_REDUCTION_SUM;
    } else {
      g->out_ndim = 1;
      g->out_shape[0] = g->n;
    }
    return CT_OK;
  }
  g->node_name = "NllLoss2DBackward0";
  g->n = input->shape[0];
  g->c = input->shape[1];
  g->m = ct__numel_of(d - 2, input->shape + 2);
  if (d == 4) {
    if (target->ndim != 3)
      return ct__error(CT_ERR_RUNTIME,
                       "only batches of spatial targets supported (3D tensors) but got targets of dimension: %d",
                       target->ndim);
    if (target->shape[1] != input->shape[2] || target->shape[2] != input->shape[3])
      return size_mismatch(input, target, "");
    g->out_ndim = 3;
    memcpy(g->out_shape, target->shape, 3 * sizeof(int64_t));
    return CT_OK;
  }
  // 3-D or more than 4 dims: target must be (N, d1, ...); PyTorch runs nll_loss2d on
  // (N, C, 1, M) and views the 'none' result back.
  if (target->ndim != d - 1 || memcmp(target->shape + 1, input->shape + 2, (size_t)(d - 2) * sizeof(int64_t))) {
    char want[256], got[256];
    int64_t out_size[CT_MAX_DIMS];
    out_size[0] = input->shape[0];
    memcpy(out_size + 1, input->shape + 2, (size_t)(d - 2) * sizeof(int64_t));
    ct__shape_to_str(d - 1, out_size, want, sizeof want);
    shape_list(target, 0, got, sizeof got);
    return ct__error(CT_ERR_RUNTIME, "Expected target size %s, got %s", want, got);
  }
  g->out_ndim = 3;
  g->out_shape[0] = g->n;
  g->out_shape[1] = 1;
  g->out_shape[2] = g->m;
  g->view_ndim = d - 1;
  memcpy(g->view_shape, target->shape, (size_t)(d - 1) * sizeof(int64_t));
  return CT_OK;
}

static ct_status check_weight(const ct_tensor *input, const ct_tensor *weight, int64_t classes) {
  if (!weight) return CT_OK;
  if (weight->dtype != input->dtype)
    return ct__error(CT_ERR_RUNTIME, "expected scalar type %s but found %s",
                     ct__scalar_type_name(input->dtype), ct__scalar_type_name(weight->dtype));
  if (weight->ndim == 1 && weight->shape[0] == classes) return CT_OK;
  if (input->ndim > 2) return ct__error(CT_ERR_RUNTIME, "weight tensor should be defined either for all or no classes");
  char s[256];
  ct__shape_to_str(weight->ndim, weight->shape, s, sizeof s);
  return ct__error(CT_ERR_RUNTIME,
                   "weight tensor should be defined either for all %lld classes or no classes but got weight "
                   "tensor of shape: %s",
                   (long long)classes, s);
}

// The loops of the device of t.
static const ct_loss_kernels *loss_kernels(const ct_tensor *t) { return ct__kernels(t->storage->device)->loss; }

static void args_from_node(const nll_node_args *na, const ct_tensor *target, const ct_tensor *weight,
                           ct_nll_args *a) {
  *a = (ct_nll_args){
      .target = (const int64_t *)ct__data(target), .w = weight ? ct__data(weight) : NULL,
      .n = na->n, .c = na->c, .m = na->m, .ignore = na->ignore_index,
      .reduction = (ct_loss_reduction)na->reduction, .smoothing = na->smoothing,
  };
}

// The loss is linear in the log-probabilities: -v[n, target, m] * weight[target] (0 where
// ignored), reduced as the forward. Label smoothing's extra term is not covered.
static ct_tensor *nll_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  const nll_node_args *na = ct__node_args(node, nll_node_args);
  if (na->smoothing > 0)
    return ct__error_null(CT_ERR_RUNTIME, "double backward of cross_entropy with label_smoothing is not supported");
  ct_tensor *target = ct__saved(node, SAVED_TARGET), *w = node->saved[SAVED_WEIGHT];
  if (!target) return NULL;
  ct_tensor *t = ct_reshape(target, 3, (int64_t[]){na->n, 1, na->m});
  ct_tensor *ignored = ct_eq_scalar(t, (double)na->ignore_index);
  ct_tensor *safe = ct_masked_fill(t, ignored, 0);
  ct_tensor *picked = ct_gather(ct_reshape(v, 3, (int64_t[]){na->n, na->c, na->m}), 1, safe);
  ct_tensor *loss = ct_masked_fill(ct_neg(picked), ignored, 0);
  if (w && loss) loss = ct_mul(loss, ct_reshape(ct_index_select(w, 0, ct_flatten(safe, 0, -1)), 3, (int64_t[]){na->n, 1, na->m}));
  if (!loss) return NULL;
  if (na->reduction == CT_REDUCTION_MEAN) return ct_div_scalar(ct_sum(loss), na->total_weight);
  if (na->reduction == CT_REDUCTION_SUM || out->ndim == 0) return ct_sum(loss);
  return ct_reshape(loss, out->ndim, out->shape);
}

static ct_status nll_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, nll_jvp);
  ct_tensor *target = ct__saved(node, SAVED_TARGET);
  if (!target) return ct_last_status();
  const nll_node_args *na = ct__node_args(node, nll_node_args);
  ct_nll_args a;
  args_from_node(na, target, node->saved[SAVED_WEIGHT], &a);
  const ct_input_meta *in = &node->inputs[0];
  ct_tensor *g = ct__loss_dense(grad, in->dtype, grad->ndim, grad->shape);
  ct_tensor *gin = ct__alloc(in->dtype, in->ndim, in->shape);
  if (!g || !gin) return ct_last_status();
  loss_kernels(target)->nll_backward[in->dtype](&a, ct__data(g), na->total_weight, ct__data(gin));
  grad_in[0] = gin;
  return CT_OK;
}

ct_tensor *ct__nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                        double label_smoothing, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  nll_geometry geo;
  if (geometry(input, target, reduction, &geo) != CT_OK) return NULL;
  if (ct__check_same_device_args("wrapper_nll_loss_forward", 3, (const ct_tensor *[]){input, target, weight},
                                 (const char *[]){"self", "target", "weight"}, 3) != CT_OK)
    return NULL;
  if (target->dtype != CT_INT64)
    return ct__error_null(CT_ERR_RUNTIME, "expected scalar type Long but found %s",
                          ct__scalar_type_name(target->dtype));
  if (!ct_dtype_is_floating(input->dtype))
    return ct__error_null(CT_ERR_RUNTIME, "\"nll_loss_out_frame\" not implemented for '%s'",
                          ct__scalar_type_name(input->dtype));
  if (check_weight(input, weight, geo.c) != CT_OK) return NULL;
  if (weight && weight->requires_grad && ct_is_grad_enabled())
    return ct__error_null(CT_ERR_RUNTIME,
                          "The function 'nll_loss' is not differentiable with respect to argument 'weight'. "
                          "This input cannot have requires_grad True.");
  bool smooth = label_smoothing > 0;
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *x = ct__loss_dense(input, input->dtype, input->ndim, input->shape);
  ct_tensor *t = ct__loss_dense(target, CT_INT64, target->ndim, target->shape);
  ct_tensor *w = weight ? ct__loss_dense(weight, input->dtype, 1, weight->shape) : NULL;
  bool none = geo.reduction == CT_REDUCTION_NONE;
  // With smoothing PyTorch's 'none' result is the sum of two (N, d1, ...) tensors: no view.
  const int64_t *shape = smooth && geo.view_ndim ? geo.view_shape : geo.out_shape;
  int ndim = smooth && geo.view_ndim ? geo.view_ndim : geo.out_ndim;
  ct_tensor *out = none ? ct__alloc(input->dtype, ndim, shape) : ct__alloc(input->dtype, 0, NULL);
  if (!x || !t || (weight && !w) || !out) goto fail;
  ct_nll_args a = {
      .x = ct__data(x), .target = (const int64_t *)ct__data(t), .w = w ? ct__data(w) : NULL, .n = geo.n, .c = geo.c,
      .m = geo.m, .ignore = ignore_index, .reduction = (ct_loss_reduction)geo.reduction,
      .smoothing = smooth ? label_smoothing : 0,
  };
  double total_weight;
  int64_t bad = loss_kernels(x)->nll_forward[input->dtype](&a, ct__data(out), &total_weight);
  if (bad >= 0) {
    int64_t value;
    ct__kernels(t->storage->device)->memory->to_host(&value, a.target + bad, sizeof value);
    ct__error(CT_ERR_INDEX, "Target %lld is out of bounds.", (long long)value);
    goto fail;
  }
  ct_tensor *saved[2] = {t, w};
  ct_node *node;
  const char *name = smooth ? "AddBackward0" : geo.node_name;
  if (ct__record(out, name, nll_backward, 1, &input, 2, saved, &node) != CT_OK) goto fail;
  if (node)
    *ct__node_args(node, nll_node_args) = (nll_node_args){
        .reduction = geo.reduction, .n = geo.n, .c = geo.c, .m = geo.m, .ignore_index = ignore_index,
        .total_weight = total_weight, .smoothing = a.smoothing};
  if (none && !smooth && geo.view_ndim) out = ct_view(out, geo.view_ndim, geo.view_shape);
  ct_keep(out);
  ct_scope_close(scope);
  return out;
fail:
  ct_scope_close(scope);
  return NULL;
}

ct_tensor *ct_nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                       ct_reduction reduction) {
  return ct__nll_loss(input, target, weight, ignore_index, 0, reduction);
}

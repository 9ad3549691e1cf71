// group_norm (NativeGroupNormBackward0): F.group_norm's Python checks and torch.group_norm's
// (in PyTorch 1.13's order and texts), the input made contiguous and seen as
// (N, C, inner), the loops of the norm kernel family.
#include <stdio.h>
#include <string.h>
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/norm.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/norm_internal.h"

enum { SAVED_INPUT, SAVED_WEIGHT, SAVED_MEAN, SAVED_RSTD };

typedef struct group_norm_node_args {
  int64_t n, c, inner, groups;
  double eps; // for a create_graph backward
} group_norm_node_args;

static int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// F.group_norm: input.size(0), input.size(1), then _verify_batch_size on
// [N * C // num_groups, num_groups, *spatial] (a Python list in its message).
static ct_status check_python_side(const ct_tensor *input, int64_t groups) {
  if (input->ndim == 0) return ct__error(CT_ERR_INDEX, "Dimension specified as 0 but tensor has no dimensions");
  if (input->ndim == 1)
    return ct__error(CT_ERR_INDEX, "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  if (groups == 0) return ct__error(CT_ERR_ARG, "integer division or modulo by zero");
  int64_t sizes[CT_MAX_DIMS];
  sizes[0] = floor_div(input->shape[0] * input->shape[1], groups);
  sizes[1] = groups;
  int64_t values = sizes[0];
  for (int d = 2; d < input->ndim; d++) values *= sizes[d] = input->shape[d];
  if (values != 1) return CT_OK;
  char shape[256];
  ct__shape_to_str(input->ndim, sizes, shape, sizeof shape);
  return ct__error(CT_ERR_ARG, "Expected more than 1 value per channel when training, got input size %s", shape);
}

// check_group_norm_inputs.
static ct_status check_inputs(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias, int64_t groups) {
  const int64_t c = input->shape[1];
  char in_shape[256], shape[256];
  ct__shape_to_str(input->ndim, input->shape, in_shape, sizeof in_shape);
  if (groups <= 0) return ct__error(CT_ERR_RUNTIME, "Expected num groups to be greater than 0, got %lld", (long long)groups);
  if (c % groups != 0)
    return ct__error(CT_ERR_RUNTIME,
                     "Expected number of channels in input to be divisible by num_groups, but got input of shape %s "
                     "and num_groups=%lld",
                     in_shape, (long long)groups);
  if (weight && !(weight->ndim == 1 && weight->shape[0] == c)) {
    ct__shape_to_str(weight->ndim, weight->shape, shape, sizeof shape);
    return ct__error(CT_ERR_RUNTIME,
                     "Expected weight to be a vector of size equal to the number of channels in input, but got "
                     "weight of shape %s and input of shape %s",
                     shape, in_shape);
  }
  if (bias && !(bias->ndim == 1 && bias->shape[0] == c)) {
    // PyTorch 1.13's message shows the weight's shape here ([0] without a weight).
    if (weight) ct__shape_to_str(weight->ndim, weight->shape, shape, sizeof shape);
    else snprintf(shape, sizeof shape, "[0]");
    return ct__error(CT_ERR_RUNTIME,
                     "Expected bias to be a vector of size equal to the number of channels in input, but got bias "
                     "of shape %s and input of shape %s",
                     shape, in_shape);
  }
  return CT_OK;
}

// create_graph: the normalisation recomputed per (sample, group) row from the input (its
// history kept), then dx = rstd (gw - mean(gw) - xhat mean(gw xhat)) per row, gw = grad *
// weight; dweight = sum(grad xhat), dbias = sum(grad) over samples and positions; recorded.
CT_CREATE_GRAPH_PATH static ct_status group_norm_backward_recorded(ct_node *node, ct_tensor *grad,
                                                                    ct_tensor **grad_in) {
  ct_tensor *input = ct__saved(node, SAVED_INPUT), *w = NULL;
  if (!input || (node->saved[SAVED_WEIGHT] && !(w = ct__saved(node, SAVED_WEIGHT)))) return ct_last_status();
  const group_norm_node_args na = *ct__node_args(node, group_norm_node_args);
  const int64_t rows[2] = {na.n * na.groups, -1}, channels[3] = {na.n, na.c, na.inner}, per_channel[3] = {1, na.c, 1};
  ct_tensor *x = ct_reshape(input, 2, rows), *g3 = ct_reshape(grad, 3, channels);
  ct_tensor *d = ct_sub(x, ct_mean_dim(x, 1, true));
  ct_tensor *rstd = ct_rsqrt(ct_add_scalar(ct_mean_dim(ct_mul(d, d), 1, true), na.eps));
  ct_tensor *xhat = ct_mul(d, rstd);
  if (node->next[0]) {
    ct_tensor *gw = ct_reshape(w ? ct_mul(g3, ct_reshape(w, 3, per_channel)) : g3, 2, rows);
    ct_tensor *centred =
        ct_sub(ct_sub(gw, ct_mean_dim(gw, 1, true)), ct_mul(xhat, ct_mean_dim(ct_mul(gw, xhat), 1, true)));
    grad_in[0] = ct_reshape(ct_mul(rstd, centred), input->ndim, input->shape);
    if (!grad_in[0]) return ct_last_status();
  }
  for (int i = 1; i < 3; i++) {
    if (!node->next[i]) continue;
    ct_tensor *t = i == 1 ? ct_mul(g3, ct_reshape(xhat, 3, channels)) : g3;
    if (!(grad_in[i] = ct_sum_dim(ct_sum_dim(t, 2, false), 0, false))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status group_norm_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return group_norm_backward_recorded(node, grad, grad_in);
  ct_tensor *x = ct__saved(node, SAVED_INPUT);
  ct_tensor *mean = x ? ct__saved(node, SAVED_MEAN) : NULL;
  ct_tensor *rstd = mean ? ct__saved(node, SAVED_RSTD) : NULL;
  if (!rstd) return ct_last_status();
  ct_tensor *weight = NULL;
  if (node->saved[SAVED_WEIGHT] && !(weight = ct__saved(node, SAVED_WEIGHT))) return ct_last_status();
  const group_norm_node_args *na = ct__node_args(node, group_norm_node_args);
  ct_tensor *xd = ct__norm_dense(x), *dy = ct__norm_dense(grad), *w = ct__norm_dense(weight);
  ct_tensor *scratch = ct__norm_vector(x->dtype, 2 * na->n * na->c);
  ct_tensor *dx = node->next[0] ? ct__alloc(x->dtype, x->ndim, x->shape) : NULL;
  ct_tensor *dw = node->next[1] ? ct__norm_vector(x->dtype, na->c) : NULL;
  ct_tensor *db = node->next[2] ? ct__norm_vector(x->dtype, na->c) : NULL;
  if (!xd || !dy || (weight && !w) || !scratch || (node->next[0] && !dx) || (node->next[1] && !dw) ||
      (node->next[2] && !db))
    return ct_last_status();
  const ct_group_norm_grad_args a = {
      .x = ct__data(xd), .dy = ct__data(dy), .mean = ct__data(mean), .rstd = ct__data(rstd),
      .weight = w ? ct__data(w) : NULL, .n = na->n, .c = na->c, .inner = na->inner, .groups = na->groups,
      .dx = dx ? ct__data(dx) : NULL, .dweight = dw ? ct__data(dw) : NULL, .dbias = db ? ct__data(db) : NULL,
      .scratch = ct__data(scratch)};
  ct__norm_kernels(xd)->group_norm_backward[x->dtype](&a);
  grad_in[0] = dx;
  grad_in[1] = dw;
  grad_in[2] = db;
  return CT_OK;
}

static ct_tensor *run(ct_tensor *input, int64_t groups, ct_tensor *weight, ct_tensor *bias, double eps) {
  group_norm_node_args g = {input->shape[0], input->shape[1], 1, groups, eps};
  for (int d = 2; d < input->ndim; d++) g.inner *= input->shape[d];
  // torch.group_norm hands native_group_norm input.contiguous() (and so for weight and
  // bias): a copy of a strided operand is in the graph (CloneBackward0), and is saved.
  ct_tensor *x = ct_contiguous(input), *w = weight ? ct_contiguous(weight) : NULL, *b = bias ? ct_contiguous(bias) : NULL;
  ct_tensor *out = ct__alloc(input->dtype, input->ndim, input->shape);
  ct_tensor *mean = ct__norm_vector(input->dtype, g.n * groups), *rstd = ct__norm_vector(input->dtype, g.n * groups);
  if (!x || (weight && !w) || (bias && !b) || !out || !mean || !rstd) return NULL;
  const ct_group_norm_args a = {
      .x = ct__data(x), .y = ct__data(out), .n = g.n, .c = g.c, .inner = g.inner, .groups = groups,
      .weight = w ? ct__data(w) : NULL, .bias = b ? ct__data(b) : NULL, .eps = eps, .mean = ct__data(mean),
      .rstd = ct__data(rstd)};
  ct__norm_kernels(x)->group_norm[input->dtype](&a);
  ct_tensor *saved[4] = {x, w, mean, rstd};
  ct_node *node;
  if (ct__record(out, "NativeGroupNormBackward0", group_norm_backward, 3, (ct_tensor *[]){x, w, b}, 4, saved,
                 &node) != CT_OK)
    return NULL;
  if (node) *ct__node_args(node, group_norm_node_args) = g;
  return out;
}

ct_tensor *ct_group_norm(ct_tensor *input, int64_t num_groups, ct_tensor *weight, ct_tensor *bias, double eps) {
  CT_CHECK_NULL(input);
  if (check_python_side(input, num_groups) != CT_OK || check_inputs(input, weight, bias, num_groups) != CT_OK)
    return NULL;
  if (ct__check_same_device_args("wrapper__native_group_norm", 3, (const ct_tensor *[]){input, weight, bias},
                                 (const char *[]){"input", "weight", "bias"}, 3) != CT_OK)
    return NULL;
  if (ct__norm_check_floating(input, "GroupNormKernelImpl") != CT_OK ||
      ct__norm_check_dtype(weight, input->dtype) != CT_OK || ct__norm_check_dtype(bias, input->dtype) != CT_OK)
    return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = ct_keep(run(input, num_groups, weight, bias, eps));
  ct_scope_close(s);
  return out;
}

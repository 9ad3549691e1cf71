// layer_norm (NativeLayerNormBackward0): native_layer_norm's checks and texts, the input
// seen as (rows, cols) with cols the product of normalized_shape, the loops of the norm
// kernel family.
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

typedef struct rows_cols {
  int64_t rows, cols;
  double eps; // kept in the node for a create_graph backward
} rows_cols;

static bool same_shape(const ct_tensor *t, int n, const int64_t *shape) {
  return t->ndim == n && !memcmp(t->shape, shape, (size_t)n * sizeof *shape);
}

// _check_layer_norm_inputs, in its order.
static ct_status check_shapes(const ct_tensor *input, int n, const int64_t *shape, const ct_tensor *weight,
                              const ct_tensor *bias) {
  char want[256], got[256];
  ct__shape_to_str(n, shape, want, sizeof want);
  if (n < 1)
    return ct__error(CT_ERR_RUNTIME,
                     "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                     "element, but got normalized_shape = %s",
                     want);
  const ct_tensor *params[2] = {weight, bias};
  static const char *const names[2] = {"weight", "bias"};
  for (int i = 0; i < 2; i++) {
    if (!params[i] || same_shape(params[i], n, shape)) continue;
    ct__shape_to_str(params[i]->ndim, params[i]->shape, got, sizeof got);
    return ct__error(CT_ERR_RUNTIME,
                     "Expected %s to be of same shape as normalized_shape, but got %s of shape %s and "
                     "normalized_shape = %s",
                     names[i], names[i], got, want);
  }
  if (input->ndim >= n && !memcmp(input->shape + input->ndim - n, shape, (size_t)n * sizeof *shape))
    return CT_OK;
  char star[256] = "[*";
  size_t len = strlen(star);
  for (int i = 0; i < n && len < sizeof star; i++)
    len += (size_t)snprintf(star + len, sizeof star - len, ", %lld", (long long)shape[i]);
  ct__shape_to_str(input->ndim, input->shape, got, sizeof got);
  return ct__error(CT_ERR_RUNTIME, "Given normalized_shape=%s, expected input with shape %s], but got input of size%s",
                   want, star, got);
}

static rows_cols split(const ct_tensor *input, int n) {
  rows_cols rc = {1, 1, 0};
  for (int d = 0; d < input->ndim; d++) *(d < input->ndim - n ? &rc.rows : &rc.cols) *= input->shape[d];
  return rc;
}

// create_graph: the normalisation recomputed from the input (its history kept), then
// dx = rstd (gw - mean(gw) - xhat mean(gw xhat)), gw = grad * weight; dweight =
// sum(grad xhat), dbias = sum(grad) over the rows; recorded.
CT_CREATE_GRAPH_PATH static ct_status layer_norm_backward_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *input = ct__saved(node, SAVED_INPUT), *w = NULL;
  if (!input || (node->saved[SAVED_WEIGHT] && !(w = ct__saved(node, SAVED_WEIGHT)))) return ct_last_status();
  const rows_cols rc = *ct__node_args(node, rows_cols);
  const int64_t matrix[2] = {rc.rows, rc.cols}, row[2] = {1, rc.cols};
  ct_tensor *x = ct_reshape(input, 2, matrix), *g = ct_reshape(grad, 2, matrix);
  ct_tensor *d = ct_sub(x, ct_mean_dim(x, 1, true));
  ct_tensor *rstd = ct_rsqrt(ct_add_scalar(ct_mean_dim(ct_mul(d, d), 1, true), rc.eps));
  ct_tensor *xhat = ct_mul(d, rstd);
  ct_tensor *gw = w ? ct_mul(g, ct_reshape(w, 2, row)) : g;
  if (node->next[0]) {
    ct_tensor *centred = ct_sub(ct_sub(gw, ct_mean_dim(gw, 1, true)), ct_mul(xhat, ct_mean_dim(ct_mul(gw, xhat), 1, true)));
    grad_in[0] = ct_reshape(ct_mul(rstd, centred), input->ndim, input->shape);
    if (!grad_in[0]) return ct_last_status();
  }
  for (int i = 1; i < 3; i++) {
    if (!node->next[i]) continue;
    ct_tensor *s = ct_sum_dim(i == 1 ? ct_mul(g, xhat) : g, 0, false);
    if (!(grad_in[i] = ct_reshape(s, node->inputs[i].ndim, node->inputs[i].shape))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status layer_norm_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return layer_norm_backward_recorded(node, grad, grad_in);
  ct_tensor *input = ct__saved(node, SAVED_INPUT);
  ct_tensor *mean = input ? ct__saved(node, SAVED_MEAN) : NULL;
  ct_tensor *rstd = mean ? ct__saved(node, SAVED_RSTD) : NULL;
  if (!rstd) return ct_last_status();
  ct_tensor *weight = NULL;
  if (node->saved[SAVED_WEIGHT] && !(weight = ct__saved(node, SAVED_WEIGHT))) return ct_last_status();
  const rows_cols rc = *ct__node_args(node, rows_cols);
  ct_tensor *x = ct__norm_dense(input), *dy = ct__norm_dense(grad), *w = ct__norm_dense(weight);
  ct_tensor *dx = node->next[0] ? ct__alloc(input->dtype, input->ndim, input->shape) : NULL;
  ct_tensor *dw = node->next[1] ? ct__alloc(input->dtype, node->inputs[1].ndim, node->inputs[1].shape) : NULL;
  ct_tensor *db = node->next[2] ? ct__alloc(input->dtype, node->inputs[2].ndim, node->inputs[2].shape) : NULL;
  if (!x || !dy || (weight && !w) || (node->next[0] && !dx) || (node->next[1] && !dw) || (node->next[2] && !db))
    return ct_last_status();
  const ct_layer_norm_grad_args a = {
      .x = ct__data(x), .dy = ct__data(dy), .mean = ct__data(mean), .rstd = ct__data(rstd),
      .weight = w ? ct__data(w) : NULL, .rows = rc.rows, .cols = rc.cols, .dx = dx ? ct__data(dx) : NULL,
      .dweight = dw ? ct__data(dw) : NULL, .dbias = db ? ct__data(db) : NULL};
  ct__norm_kernels(x)->layer_norm_backward[input->dtype](&a);
  grad_in[0] = dx;
  grad_in[1] = dw;
  grad_in[2] = db;
  return CT_OK;
}

static ct_tensor *run(ct_tensor *input, int n, ct_tensor *weight, ct_tensor *bias, double eps) {
  rows_cols rc = split(input, n);
  rc.eps = eps;
  ct_tensor *x = ct__norm_dense(input), *w = ct__norm_dense(weight), *b = ct__norm_dense(bias);
  ct_tensor *out = ct__alloc(input->dtype, input->ndim, input->shape);
  ct_tensor *mean = ct__norm_vector(input->dtype, rc.rows), *rstd = ct__norm_vector(input->dtype, rc.rows);
  if (!x || (weight && !w) || (bias && !b) || !out || !mean || !rstd) return NULL;
  const ct_layer_norm_args a = {
      .x = ct__data(x), .y = ct__data(out), .rows = rc.rows, .cols = rc.cols, .weight = w ? ct__data(w) : NULL,
      .bias = b ? ct__data(b) : NULL, .eps = eps, .mean = ct__data(mean), .rstd = ct__data(rstd)};
  ct__norm_kernels(x)->layer_norm[input->dtype](&a);
  ct_tensor *saved[4] = {input, weight, mean, rstd};
  ct_node *node;
  if (ct__record(out, "NativeLayerNormBackward0", layer_norm_backward, 3, (ct_tensor *[]){input, weight, bias}, 4,
                 saved, &node) != CT_OK)
    return NULL;
  if (node) *ct__node_args(node, rows_cols) = rc;
  return out;
}

ct_tensor *ct_layer_norm(ct_tensor *input, int n_dims, const int64_t *normalized_shape, ct_tensor *weight,
                         ct_tensor *bias, double eps) {
  CT_CHECK_NULL(input);
  if (n_dims < 0 || n_dims > CT_MAX_DIMS || (n_dims > 0 && !normalized_shape))
    return ct__error_null(CT_ERR_ARG, "layer_norm: normalized_shape needs 0 to %d sizes, got %d%s", CT_MAX_DIMS,
                          n_dims, n_dims > 0 && !normalized_shape ? " and a NULL array" : "");
  if (check_shapes(input, n_dims, normalized_shape, weight, bias) != CT_OK) return NULL;
  if (ct__check_same_device_args("wrapper__native_layer_norm", 3, (const ct_tensor *[]){input, weight, bias},
                                 (const char *[]){"input", "weight", "bias"}, 3) != CT_OK)
    return NULL;
  if (ct__norm_check_floating(input, "LayerNormKernelImpl") != CT_OK ||
      ct__norm_check_dtype(weight, input->dtype) != CT_OK || ct__norm_check_dtype(bias, input->dtype) != CT_OK)
    return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = ct_keep(run(input, n_dims, weight, bias, eps));
  ct_scope_close(s);
  return out;
}

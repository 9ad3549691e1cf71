// Views that reorder dims: transpose, t, T, permute.
#include "core/error_impl.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

// PermuteBackward0 / TransposeBackward0 / TBackward0 arguments: the forward permutation
// (output dim i is input dim perm[i]).
typedef struct permute_args {
  int perm[CT_MAX_DIMS];
} permute_args;

// Backward applies the inverse permutation.
static ct_status permute_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const permute_args *a = ct__node_args(node, permute_args);
  int ndim = grad->ndim;
  if (ct__create_graph()) { // the inverse permutation, recorded
    int inverse[CT_MAX_DIMS];
    for (int i = 0; i < ndim; i++) inverse[a->perm[i]] = i;
    grad_in[0] = ct_permute(grad, inverse);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    int src = a->perm[i];
    shape[src] = grad->shape[i];
    strides[src] = grad->strides[i];
  }
  grad_in[0] = ct__make_view(grad, ndim, shape, strides, grad->offset);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *permute_named(ct_tensor *t, const int *perm, const char *name) {
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) {
    shape[i] = t->shape[perm[i]];
    strides[i] = t->strides[perm[i]];
  }
  ct_node *node;
  ct_tensor *out = ct__view_op(t, t->ndim, shape, strides, t->offset, name, permute_back, &node);
  if (node) {
    permute_args *a = ct__node_args(node, permute_args);
    for (int i = 0; i < t->ndim; i++) a->perm[i] = perm[i];
  }
  return out;
}

ct_tensor *ct_permute(ct_tensor *t, const int *dims) {
  CT_CHECK_NULL(t);
  if (t->ndim && !dims) return ct__error_null(CT_ERR_ARG, "permute: dims is NULL");
  int perm[CT_MAX_DIMS];
  bool seen[CT_MAX_DIMS] = {false};
  for (int i = 0; i < t->ndim; i++) {
    int d = ct__wrap_dim(dims[i], t->ndim, false);
    if (d < 0) return NULL;
    if (seen[d]) return ct__error_null(CT_ERR_ARG, "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    perm[i] = d;
  }
  return permute_named(t, perm, "PermuteBackward0");
}

static ct_tensor *swap_dims(ct_tensor *t, int dim0, int dim1, const char *name) {
  int a = ct__wrap_dim(dim0, t->ndim, false), b = ct__wrap_dim(dim1, t->ndim, false);
  if (a < 0 || b < 0) return NULL;
  int perm[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) perm[i] = i;
  if (t->ndim) {
    perm[a] = b;
    perm[b] = a;
  }
  return permute_named(t, perm, name);
}

ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1) {
  CT_CHECK_NULL(t);
  return swap_dims(t, dim0, dim1, "TransposeBackward0");
}

ct_tensor *ct_t(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (t->ndim > 2)
    return ct__error_null(CT_ERR_ARG, "t() expects a tensor with <= 2 dimensions, but self is %dD", t->ndim);
  if (t->ndim < 2) return swap_dims(t, 0, 0, "TBackward0");
  return swap_dims(t, 0, 1, "TBackward0");
}

ct_tensor *ct_T(ct_tensor *t) {
  CT_CHECK_NULL(t);
  int perm[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) perm[i] = t->ndim - 1 - i;
  return permute_named(t, perm, "PermuteBackward0");
}

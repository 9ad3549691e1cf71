// View creation with autograd recording, and PyTorch's view-stride rule.
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ops/view_internal.h"

ct_tensor *ct__view_op(ct_tensor *in, int ndim, const int64_t *shape, const int64_t *strides, int64_t offset,
                       const char *name, ct_backward_fn backward, ct_node **node_out) {
  if (node_out) *node_out = NULL;
  ct_tensor *out = ct__make_view(in, ndim, shape, strides, offset);
  if (!out) return NULL;
  if (ct__record(out, name, backward, 1, &in, 0, NULL, node_out) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

bool ct__view_strides(int ndim, const int64_t *shape, const int64_t *strides, int new_ndim,
                      const int64_t *new_shape, int64_t *new_strides) {
  int64_t numel = ct__numel_of(ndim, shape);
  if (numel == 0 || ndim == 0) {
    if (numel == 0 && ndim == new_ndim && !memcmp(shape, new_shape, (size_t)ndim * sizeof *shape)) {
      memcpy(new_strides, strides, (size_t)ndim * sizeof *strides);
      return true;
    }
    ct__contiguous_strides(new_ndim, new_shape, new_strides);
    return true;
  }
  // Walk the old dims from the last, grouping runs that are contiguous with each other
  // ("chunks"); each chunk must be covered exactly by a run of new dims.
  int view_d = new_ndim - 1;
  int64_t chunk_base_stride = strides[ndim - 1];
  int64_t tensor_numel = 1, view_numel = 1;
  for (int tensor_d = ndim - 1; tensor_d >= 0; tensor_d--) {
    tensor_numel *= shape[tensor_d];
    if (tensor_d == 0 ||
        (shape[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

ct_status ct__infer_shape(int ndim, const int64_t *shape, int64_t numel, int64_t *out) {
  if (ndim < 0 || ndim > CT_MAX_DIMS)
    return ct__error(CT_ERR_ARG, "shapes have at most %d dimensions, got %d", CT_MAX_DIMS, ndim);
  if (ndim > 0 && !shape) return ct__error(CT_ERR_ARG, "shape is NULL");
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == -1) {
      if (infer >= 0) return ct__error(CT_ERR_ARG, "only one dimension can be inferred");
      infer = i;
    } else if (shape[i] < 0) {
      return ct__error(CT_ERR_ARG, "invalid shape dimension %lld", (long long)shape[i]);
    } else {
      known *= shape[i];
    }
    out[i] = shape[i];
  }
  bool ok = infer >= 0 ? (known != 0 && numel % known == 0) : known == numel;
  if (infer >= 0 && known == 0 && numel == 0) ok = false;
  if (!ok) {
    char buf[256];
    ct__shape_to_str(ndim, shape, buf, sizeof buf);
    return ct__error(CT_ERR_ARG, "shape '%s' is invalid for input of size %lld", buf, (long long)numel);
  }
  if (infer >= 0) out[infer] = numel / known;
  return CT_OK;
}

ct_tensor *ct__reshape_nograd(ct_tensor *t, int ndim, const int64_t *shape) {
  int64_t strides[CT_MAX_DIMS];
  if (ct__view_strides(t->ndim, t->shape, t->strides, ndim, shape, strides))
    return ct__make_view(t, ndim, shape, strides, t->offset);
  ct_tensor *copy = ct__copy_as(t, t->dtype);
  if (!copy) return NULL;
  int64_t contiguous[CT_MAX_DIMS];
  ct__contiguous_strides(ndim, shape, contiguous);
  return ct__make_view(copy, ndim, shape, contiguous, 0);
}

ct_tensor *ct__zeros_for_input(const ct_node *node, int i, const ct_tensor *like) {
  const ct_input_meta *m = &node->inputs[i];
  ct_tensor *z = ct__alloc(like->dtype, m->ndim, m->shape);
  if (z && ct__fill(z, 0.0) != CT_OK) {
    ct__drop(z);
    return NULL;
  }
  return z;
}

// Copies with autograd: contiguous, clone, dtype conversion, copy_.
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "ctorch/view.h"
#include "kernels/iter.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// CloneBackward0 and ToCopyBackward0: the gradient passes through (converted back to
// the input's dtype by ct__grad_for_input).
static ct_status pass_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__grad_for_input(node, 0, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// A copy of t as `dtype` with the given strides; records `name` for floating results.
static ct_tensor *copy_recorded(ct_tensor *t, ct_dtype dtype, const int64_t *strides, const char *name) {
  if (ct__check_device(t) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc_strided(dtype, t->ndim, t->shape, strides);
  if (!out) return NULL;
  if (ct__copy_into(out, t) != CT_OK ||
      (ct_dtype_is_floating(dtype) && ct__record(out, name, pass_back, 1, &t, 0, NULL, NULL) != CT_OK)) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// clone() and .to(dtype) use memory_format=preserve: a dense input keeps its strides.
static ct_tensor *copy_preserving_layout(ct_tensor *t, ct_dtype dtype, const char *name) {
  int64_t strides[CT_MAX_DIMS];
  ct__preserved_strides(t, strides);
  return copy_recorded(t, dtype, strides, name);
}

ct_tensor *ct_clone(ct_tensor *t) {
  CT_CHECK_NULL(t);
  return copy_preserving_layout(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct__clone_contiguous(ct_tensor *t) {
  int64_t strides[CT_MAX_DIMS];
  ct__contiguous_strides(t->ndim, t->shape, strides);
  return copy_recorded(t, t->dtype, strides, "CloneBackward0");
}

ct_tensor *ct_contiguous(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (ct__contiguous_like_torch(t)) return ct__register(ct_retain(t));
  return ct__clone_contiguous(t);
}

ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype) {
  CT_CHECK_NULL(t);
  if ((unsigned)dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid dtype %d", (int)dtype);
  if (t->dtype == dtype) return ct__register(ct_retain(t));
  return copy_preserving_layout(t, dtype, "ToCopyBackward0");
}

// ---- copy_ ----

// CopyBackwards: nothing of dst's old values survives (zero gradient); src gets the
// gradient converted to its dtype, then summed over the dims it was broadcast along.
static ct_status copy_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0]) {
    grad_in[0] = ct__zeros_for_input(node, 0, grad);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_dtype dtype = node->inputs[1].dtype;
    ct_tensor *converted = grad->dtype == dtype ? grad : ct__create_graph() ? ct_to_dtype(grad, dtype) // recorded
                                                                           : ct__copy_as(grad, dtype);
    grad_in[1] = converted ? ct__grad_for_input(node, 1, converted) : NULL;
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

static bool same_layout(const ct_tensor *a, const ct_tensor *b) {
  return a->offset == b->offset && a->ndim == b->ndim &&
         !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(int64_t)) &&
         !memcmp(a->strides, b->strides, (size_t)a->ndim * sizeof(int64_t));
}

// PyTorch's TensorIterator overlap checks for the written-to dst and the read src. Sets
// *snapshot when src shares memory with dst in a way too hard to analyse: then src is
// copied first, so every element is read before anything is written.
static ct_status check_overlap(const ct_tensor *dst, const ct_tensor *src, bool *snapshot) {
  *snapshot = false;
  if (!ct__dense_layout(dst))
    for (int d = 0; d < dst->ndim; d++)
      if (dst->strides[d] == 0 && dst->shape[d] > 1)
        return ct__error(CT_ERR_RUNTIME, "unsupported operation: more than one element of the written-to tensor "
                                         "refers to a single memory location. Please clone() the tensor before "
                                         "performing the operation.");
  if (src == dst || src->storage != dst->storage || ct_numel(src) == 0 || ct_numel(dst) == 0) return CT_OK;
  if (!ct__dense_layout(dst) || !ct__dense_layout(src)) {
    *snapshot = !same_layout(dst, src);
    return CT_OK;
  }
  int64_t da = dst->offset, db = da + ct_numel(dst), sa = src->offset, sb = sa + ct_numel(src);
  bool full = da == sa && db == sb && !memcmp(dst->strides, src->strides, (size_t)dst->ndim * sizeof(int64_t));
  if (!full && da < sb && sa < db)
    return ct__error(CT_ERR_RUNTIME, "unsupported operation: some elements of the input tensor and the written-to "
                                     "tensor refer to a single memory location. Please clone() the tensor before "
                                     "performing the operation.");
  return CT_OK;
}

ct_status ct_copy_(ct_tensor *dst, const ct_tensor *src) {
  if (!dst || !src) return ct__null_tensor_status("copy_");
  ct_status st = ct__check_copy_devices(dst->storage->device, src->storage->device);
  if (st != CT_OK) return st;
  // The node only reads src's autograd fields.
  ct_tensor *inputs[2] = {dst, (ct_tensor *)src};
  bool record = ct_dtype_is_floating(dst->dtype) && ct__needs_grad(2, inputs);
  if (record && ct__check_inplace(dst) != CT_OK) return ct_last_status();
  int nd;
  int64_t shape[CT_MAX_DIMS];
  st = ct__broadcast_shapes(dst->ndim, dst->shape, src->ndim, src->shape, &nd, shape);
  if (st != CT_OK) return st;
  if (nd != dst->ndim || memcmp(shape, dst->shape, (size_t)nd * sizeof(int64_t))) {
    char a[256], b[256];
    ct__shape_to_str(dst->ndim, dst->shape, a, sizeof a);
    ct__shape_to_str(nd, shape, b, sizeof b);
    return ct__error(CT_ERR_ARG, "output with shape %s doesn't match the broadcast shape %s", a, b);
  }
  bool snapshot;
  st = check_overlap(dst, src, &snapshot);
  if (st != CT_OK) return st;
  if (snapshot) {
    ct_tensor *copy = ct__copy_as(src, src->dtype);
    st = copy ? ct__copy_into(dst, copy) : ct_last_status();
    ct__drop(copy);
  } else if (src->storage != dst->storage || !same_layout(dst, src)) { // else the elements are already dst's
    st = ct__copy_into(dst, src);
  }
  if (st == CT_OK) ct__bump_version(dst); // also when the elements were already dst's, as torch
  if (st == CT_OK && record) st = ct__record(dst, "CopyBackwards", copy_back, 2, inputs, 0, NULL, NULL);
  return st;
}

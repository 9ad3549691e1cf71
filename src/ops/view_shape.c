// Shape-changing views: view, reshape, flatten, squeeze, unsqueeze, expand.
#include <stdio.h>
#include <string.h>
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/view.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// ViewBackward0, ReshapeAliasBackward0, UnsafeViewBackward0, SqueezeBackward*,
// UnsqueezeBackward0: the gradient is reshaped back to the input's shape.
static ct_status reshape_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const ct_input_meta *m = &node->inputs[0];
  grad_in[0] = ct__create_graph() ? ct_reshape(grad, m->ndim, m->shape) : ct__reshape_nograd(grad, m->ndim, m->shape);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// ExpandBackward0: sum over the broadcast dims.
static ct_status expand_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__grad_for_input(node, 0, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *view_named(ct_tensor *t, int ndim, const int64_t *shape, const char *name) {
  int64_t sizes[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  if (ct__infer_shape(ndim, shape, ct_numel(t), sizes) != CT_OK) return NULL;
  if (!ct__view_strides(t->ndim, t->shape, t->strides, ndim, sizes, strides))
    return ct__error_null(CT_ERR_ARG,
                          "view size is not compatible with input tensor's size and stride (at least one "
                          "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return ct__view_op(t, ndim, sizes, strides, t->offset, name, reshape_back, NULL);
}

ct_tensor *ct_view(ct_tensor *t, int ndim, const int64_t *shape) {
  CT_CHECK_NULL(t);
  return view_named(t, ndim, shape, "ViewBackward0");
}

ct_tensor *ct_reshape(ct_tensor *t, int ndim, const int64_t *shape) {
  CT_CHECK_NULL(t);
  int64_t sizes[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  if (ct__infer_shape(ndim, shape, ct_numel(t), sizes) != CT_OK) return NULL;
  if (ct__view_strides(t->ndim, t->shape, t->strides, ndim, sizes, strides))
    return ct__view_op(t, ndim, sizes, strides, t->offset, "ReshapeAliasBackward0", reshape_back, NULL);
  // Not viewable: PyTorch clones to contiguous memory, then views the copy.
  ct_tensor *copy = ct__clone_contiguous(t);
  if (!copy) return NULL;
  ct__contiguous_strides(ndim, sizes, strides);
  ct_tensor *out = ct__view_op(copy, ndim, sizes, strides, 0, "UnsafeViewBackward0", reshape_back, NULL);
  if (out) { // torch's _unsafe_view: not a view of the copy
    ct_release(out->view_base);
    out->view_base = NULL;
  }
  ct__drop(copy); // the view holds the storage; the graph holds the clone's node
  return out;
}

ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim) {
  CT_CHECK_NULL(t);
  int s = ct__wrap_dim(start_dim, t->ndim, false);
  if (s < 0) return NULL;
  int e = ct__wrap_dim(end_dim, t->ndim, false);
  if (e < 0) return NULL;
  if (s > e) return ct__error_null(CT_ERR_ARG, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (t->ndim == 0) return ct_reshape(t, 1, (int64_t[]){1});
  if (s == e) return ct__register(ct_retain(t)); // torch.flatten returns its input itself here
  int64_t shape[CT_MAX_DIMS];
  int n = 0;
  for (int d = 0; d < s; d++) shape[n++] = t->shape[d];
  int64_t merged = 1;
  for (int d = s; d <= e; d++) merged *= t->shape[d];
  shape[n++] = merged;
  for (int d = e + 1; d < t->ndim; d++) shape[n++] = t->shape[d];
  return ct_reshape(t, n, shape);
}

static ct_tensor *squeeze_impl(ct_tensor *t, int only_dim, const char *name) {
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int n = 0;
  for (int d = 0; d < t->ndim; d++) {
    bool drop = t->shape[d] == 1 && (only_dim < 0 || only_dim == d);
    if (drop) continue;
    shape[n] = t->shape[d];
    strides[n++] = t->strides[d];
  }
  return ct__view_op(t, n, shape, strides, t->offset, name, reshape_back, NULL);
}

ct_tensor *ct_squeeze(ct_tensor *t) {
  CT_CHECK_NULL(t);
  return squeeze_impl(t, -1, "SqueezeBackward0");
}

ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim) {
  CT_CHECK_NULL(t);
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  return squeeze_impl(t, d, "SqueezeBackward1");
}

ct_tensor *ct_unsqueeze(ct_tensor *t, int dim) {
  CT_CHECK_NULL(t);
  int d = ct__wrap_dim(dim, t->ndim, true);
  if (d < 0) return NULL;
  if (t->ndim >= CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0, j = 0; i <= t->ndim; i++) {
    if (i == d) {
      shape[i] = 1;
      strides[i] = d < t->ndim ? t->shape[d] * t->strides[d] : 1;
    } else {
      shape[i] = t->shape[j];
      strides[i] = t->strides[j++];
    }
  }
  return ct__view_op(t, t->ndim + 1, shape, strides, t->offset, "UnsqueezeBackward0", reshape_back, NULL);
}

// PyTorch's inferExpandGeometry: dims are matched from the last; a new leading dim of
// size 1 gets the stride a contiguous layout would give it, expanded dims get stride 0.
ct_tensor *ct_expand(ct_tensor *t, int ndim, const int64_t *shape) {
  CT_CHECK_NULL(t);
  if (ndim < 0 || ndim > CT_MAX_DIMS || (ndim && !shape))
    return ct__error_null(CT_ERR_ARG, "expand: %d sizes given (at most %d, and a non-NULL array)", ndim, CT_MAX_DIMS);
  char target[256], have_str[256];
  if (ndim < t->ndim) {
    ct__shape_to_str(ndim, shape, target, sizeof target);
    ct__shape_to_str(t->ndim, t->shape, have_str, sizeof have_str);
    return ct__error_null(CT_ERR_ARG,
                          "expand(%s{%s}, size=%s): the number of sizes provided (%d) must be greater or equal to "
                          "the number of dimensions in the tensor (%d)",
                          ct__tensor_to_string(t->dtype), have_str, target, ndim, t->ndim);
  }
  int64_t sizes[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int lead = ndim - t->ndim;
  for (int d = ndim - 1; d >= 0; d--) {
    int td = d - lead;
    int64_t size = td >= 0 ? t->shape[td] : 1;
    int64_t want = shape[d];
    if (t->ndim == 0) { // PyTorch takes the sizes as given, all strides 0
      sizes[d] = want;
      strides[d] = 0;
      continue;
    }
    // A new leading dim: the size-1 dim unsqueeze would make (a size times its stride
    // fits, core/checked.h).
    int64_t stride = td >= 0 ? t->strides[td] : sizes[d + 1] * strides[d + 1];
    if (want == -1) {
      if (td < 0)
        return ct__error_null(CT_ERR_ARG,
                              "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                              "dimension %d",
                              d);
      want = size;
    }
    if (size != want) {
      if (size != 1) {
        ct__shape_to_str(ndim, shape, target, sizeof target);
        ct__shape_to_str(t->ndim, t->shape, have_str, sizeof have_str);
        return ct__error_null(CT_ERR_ARG,
                              "The expanded size of the tensor (%lld) must match the existing size (%lld) at "
                              "non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                              (long long)want, (long long)size, d, target, have_str);
      }
      size = want;
      stride = 0;
    }
    sizes[d] = size;
    strides[d] = stride;
  }
  // A size below -1 got through the size-1 rule above; PyTorch fails counting elements.
  for (int d = 0; d < ndim; d++)
    if (sizes[d] < 0) return ct__error_null(CT_ERR_ARG, "numel: integer multiplication overflow");
  int64_t numel;
  if (ct__checked_numel(ndim, sizes, 0, "expand", &numel) != CT_OK) { // the message names the size
    ct__shape_to_str(ndim, sizes, target, sizeof target);
    return ct__error_null(CT_ERR_MEMORY, "expand: the expanded size %s is too large", target);
  }
  return ct__view_op(t, ndim, sizes, strides, t->offset, "ExpandBackward0", expand_back, NULL);
}

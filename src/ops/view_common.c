// View creation with autograd recording, and PyTorch's view-stride rule.
#include <stdio.h>
#include <string.h>
#include "core/checked.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/layout.h"
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
  if (ct_is_grad_enabled()) { // (backward passes and no_grad code skip this)
    out->view_base = ct_retain(in->view_base ? in->view_base : in);
    out->view_version = out->storage->version;
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

// A shape for 0 elements still needs contiguous strides: its other sizes must not
// multiply past int64 (core/checked.h).
static ct_status checked_empty_shape(int ndim, const int64_t *shape) {
  char what[300], buf[256];
  ct__shape_to_str(ndim, shape, buf, sizeof buf);
  snprintf(what, sizeof what, "shape '%s'", buf);
  int64_t numel;
  return ct__checked_numel(ndim, shape, 0, what, &numel);
}

ct_status ct__infer_shape(int ndim, const int64_t *shape, int64_t numel, int64_t *out) {
  if (ndim < 0) return ct__error(CT_ERR_ARG, "the number of dimensions is negative (%d)", ndim);
  if (ndim > CT_MAX_DIMS) return ct__error(CT_ERR_ARG, "shapes have at most %d dimensions, got %d", CT_MAX_DIMS, ndim);
  if (ndim > 0 && !shape) return ct__error(CT_ERR_ARG, "shape is NULL");
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == -1) {
      if (infer >= 0) return ct__error(CT_ERR_ARG, "only one dimension can be inferred");
      infer = i;
    } else if (shape[i] < 0) {
      return ct__error(CT_ERR_ARG, "invalid shape dimension %lld", (long long)shape[i]);
    } else if (known >= 0 && !ct__mul_ok(known, shape[i], &known)) {
      known = -1; // no tensor has that many elements: reported as a mismatch below
    }
    out[i] = shape[i];
  }
  char buf[256];
  if (numel == known || (infer >= 0 && known > 0 && numel % known == 0)) {
    if (infer < 0) return numel ? CT_OK : checked_empty_shape(ndim, shape);
    if (known == 0) { // 0 elements: any size fits the -1
      ct__shape_to_str(ndim, shape, buf, sizeof buf);
      return ct__error(CT_ERR_ARG,
                       "cannot reshape tensor of 0 elements into shape %s because the unspecified dimension "
                       "size -1 can be any value and is ambiguous",
                       buf);
    }
    out[infer] = numel / known;
    return CT_OK;
  }
  ct__shape_to_str(ndim, shape, buf, sizeof buf);
  return ct__error(CT_ERR_ARG, "shape '%s' is invalid for input of size %lld", buf, (long long)numel);
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
  ct_tensor *z = ct__alloc_like(like, like->dtype, m->ndim, m->shape);
  if (z && ct__fill(z, 0.0) != CT_OK) {
    ct__drop(z);
    return NULL;
  }
  return z;
}

// ---- memory layouts (which strides PyTorch gives new tensors made from t) ----

bool ct__contiguous_like_torch(const ct_tensor *t) {
  return ct__numel_of(t->ndim, t->shape) == 0 || ct_is_contiguous(t);
}

bool ct__dense_layout(const ct_tensor *t) {
  return ct__contiguous_like_torch(t) || ct__is_non_overlapping_and_dense(t);
}

void ct__preserved_strides(const ct_tensor *t, int64_t *strides) {
  if (ct__dense_layout(t)) memcpy(strides, t->strides, (size_t)t->ndim * sizeof *strides);
  else ct__infer_dense_strides(t, strides);
}

// is_channels_last_strides_2d_s4 / _3d_s5: strides non-decreasing in the order C, W, H(, D), N.
static bool strides_like_channels_last(const int64_t *shape, const int64_t *strides, const int *order, int n) {
  if (strides[1] == 0) return false;
  int64_t min = 0;
  for (int k = 0; k < n; k++) {
    int d = order[k];
    if (shape[d] == 0 || strides[d] < min) return false;
    if (d == 0 && min == strides[1]) return false; // ambiguous (N111 ...): NCHW
    min = strides[d];
    if (shape[d] > 1) min *= shape[d];
  }
  return true;
}

ct__memory_format ct__suggest_format(int ndim, const int64_t *shape, const int64_t *strides) {
  static const int order4[] = {1, 3, 2, 0}, order5[] = {1, 4, 3, 2, 0};
  if (ndim == 4 && strides_like_channels_last(shape, strides, order4, 4)) return CT__CHANNELS_LAST;
  if (ndim == 5 && strides_like_channels_last(shape, strides, order5, 5)) return CT__CHANNELS_LAST_3D;
  return CT__CONTIGUOUS_FORMAT;
}

void ct__format_strides(ct__memory_format format, int ndim, const int64_t *shape, int64_t *strides) {
  if (format == CT__CONTIGUOUS_FORMAT) {
    ct__contiguous_strides(ndim, shape, strides);
    return;
  }
  // Channels (dim 1) fastest, then the spatial dims from the last, then the batch.
  int64_t s = 1;
  strides[1] = s;
  s *= shape[1];
  for (int d = ndim - 1; d >= 2; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  strides[0] = s;
}

ct_tensor *ct__alloc_strided(ct_dtype dtype, int ndim, const int64_t *shape, const int64_t *strides) {
  ct_tensor *out = ct__alloc(dtype, ndim, shape);
  if (out && ndim) memcpy(out->strides, strides, (size_t)ndim * sizeof *strides);
  return out;
}

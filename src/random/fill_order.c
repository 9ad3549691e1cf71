// Iteration order and *_like layouts (see fill_order.h).
#include "core/copy.h"
#include "core/error_impl.h"
#include "random/fill_order.h"

ct_tensor *ct__empty_like_layout(const ct_tensor *t) {
  int64_t strides[CT_MAX_DIMS];
  if (ct__is_non_overlapping_and_dense(t)) {
    for (int i = 0; i < t->ndim; i++) strides[i] = t->strides[i];
  } else {
    ct__infer_dense_strides(t, strides);
  }
  int64_t n = ct__numel_of(t->ndim, t->shape);
  ct_tensor *base = ct__alloc_like(t, t->dtype, 1, &n);
  if (!base) return NULL;
  ct_tensor *out = ct__make_view(base, t->ndim, t->shape, strides, 0);
  ct__drop(base);
  return out;
}

ct_status ct__check_no_internal_overlap(const ct_tensor *t) {
  for (int i = 0; i < t->ndim; i++)
    if (t->shape[i] > 1 && t->strides[i] == 0)
      return ct__error(CT_ERR_ARG, "unsupported operation: more than one element of the written-to tensor "
                                   "refers to a single memory location. Please clone() the tensor before "
                                   "performing the operation.");
  return CT_OK;
}

ct_status ct__scatter_in_iteration_order(ct_tensor *t, const ct_tensor *values) {
  // View t with its dims reordered slowest-first; then its row-major order is the
  // iteration order, and a plain copy from the row-major values does the scatter.
  int perm[CT_MAX_DIMS];
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS], src_strides[CT_MAX_DIMS];
  ct__iteration_perm(t->ndim, t->shape, t->strides, perm);
  for (int i = 0; i < t->ndim; i++) {
    shape[i] = t->shape[perm[t->ndim - 1 - i]];
    strides[i] = t->strides[perm[t->ndim - 1 - i]];
  }
  ct__contiguous_strides(t->ndim, shape, src_strides);
  ct_tensor *dst = ct__make_view(t, t->ndim, shape, strides, t->offset);
  ct_tensor *src = ct__make_view(values, t->ndim, shape, src_strides, values->offset);
  ct_status st = dst && src ? ct__copy_into(dst, src) : ct_last_status();
  ct__drop(src);
  ct__drop(dst);
  return st;
}

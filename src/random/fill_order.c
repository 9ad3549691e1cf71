// Iteration order and *_like layouts (see fill_order.h).
#include "core/copy.h"
#include "core/error_impl.h"
#include "random/fill_order.h"

// -1: dim0 goes before (is faster than) dim1; 1: they must swap; 0: ambiguous.
static int should_swap(const int64_t *shape, const int64_t *strides, int dim0, int dim1) {
  int64_t s0 = strides[dim0], s1 = strides[dim1];
  if (s0 == 0 || s1 == 0) return 0; // broadcast dims keep their place
  if (s0 < s1) return -1;
  if (s0 > s1) return 1;
  return shape[dim0] > shape[dim1] ? 1 : 0; // equal strides: the smaller dim goes first
}

void ct__iteration_perm(int ndim, const int64_t *shape, const int64_t *strides, int *perm) {
  for (int i = 0; i < ndim; i++) perm[i] = ndim - 1 - i;
  // PyTorch's insertion sort that tolerates ambiguous comparisons: an ambiguous pair is
  // stepped over (not swapped) and the scan continues further back. Reproduced literally
  // because with ambiguities the result differs from a plain stable sort.
  for (int i = 1; i < ndim; i++) {
    int dim1 = i;
    for (int dim0 = i - 1; dim0 >= 0; dim0--) {
      int cmp = should_swap(shape, strides, perm[dim0], perm[dim1]);
      if (cmp > 0) {
        int tmp = perm[dim0];
        perm[dim0] = perm[dim1];
        perm[dim1] = tmp;
        dim1 = dim0;
      } else if (cmp < 0) {
        break;
      }
    }
  }
}

bool ct__is_non_overlapping_and_dense(const ct_tensor *t) {
  // Dims of size >= 2 sorted by stride must have strides 1, s0, s0*s1, ...
  int dims[CT_MAX_DIMS], n = 0;
  for (int i = 0; i < t->ndim; i++)
    if (t->shape[i] >= 2) dims[n++] = i;
  for (int i = 1; i < n; i++) // insertion sort by stride (n <= 8)
    for (int k = i; k > 0 && t->strides[dims[k]] < t->strides[dims[k - 1]]; k--) {
      int tmp = dims[k];
      dims[k] = dims[k - 1];
      dims[k - 1] = tmp;
    }
  int64_t expected = 1;
  for (int i = 0; i < n; i++) {
    if (t->strides[dims[i]] != expected) return false;
    expected *= t->shape[dims[i]];
  }
  return true;
}

ct_tensor *ct__empty_like_layout(const ct_tensor *t) {
  int64_t strides[CT_MAX_DIMS];
  if (ct__is_non_overlapping_and_dense(t)) {
    for (int i = 0; i < t->ndim; i++) strides[i] = t->strides[i];
  } else {
    int perm[CT_MAX_DIMS];
    ct__iteration_perm(t->ndim, t->shape, t->strides, perm);
    int64_t s = 1;
    for (int i = 0; i < t->ndim; i++) {
      strides[perm[i]] = s;
      if (t->shape[perm[i]] > 1) s *= t->shape[perm[i]];
    }
  }
  int64_t n = ct__numel_of(t->ndim, t->shape);
  ct_tensor *base = ct__alloc(t->dtype, 1, &n);
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

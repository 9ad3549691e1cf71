// Dimension order and dense layouts (see layout.h).
#include "core/error_impl.h"
#include "core/layout.h"

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

void ct__infer_dense_strides(const ct_tensor *t, int64_t *strides) {
  int perm[CT_MAX_DIMS];
  ct__iteration_perm(t->ndim, t->shape, t->strides, perm);
  int64_t s = 1;
  for (int i = 0; i < t->ndim; i++) {
    strides[perm[i]] = s;
    if (t->shape[perm[i]] > 1) s *= t->shape[perm[i]];
  }
}

ct_status ct__broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                               int64_t *out) {
  int n = na > nb ? na : nb;
  for (int i = n - 1; i >= 0; i--) { // from the last dim, so errors name the one PyTorch names
    int ia = na - n + i, ib = nb - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      return ct__error(CT_ERR_ARG,
                       "The size of tensor a (%lld) must match the size of tensor b (%lld) at "
                       "non-singleton dimension %d",
                       (long long)sa, (long long)sb, i);
    out[i] = sa == 1 ? sb : sa;
  }
  *nout = n;
  return CT_OK;
}

// matmul, outer and linear, composed from the products exactly as PyTorch 1.13 composes
// them (at::_matmul_impl, at::outer, at::linear), so results, error messages and the
// recorded graph (grad_fn names and structure) are PyTorch's.
#include "core/error_impl.h"
#include "core/layout.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "ops/linalg_internal.h"
#include <string.h>

static int64_t product(int n, const int64_t *v) {
  int64_t p = 1;
  for (int i = 0; i < n; i++)
    p *= v[i];
  return p;
}

// PyTorch's should_fold: a >=3-D operand times a 1-D/2-D one becomes one mm/mv over the
// folded batch, except a 3-D operand whose last two dims are transposed (bmm then reads
// it without a copy).
static bool should_fold(const ct_tensor *t1, int dim2) {
  if (t1->ndim < 3 || (dim2 != 1 && dim2 != 2)) return false;
  return !(t1->ndim == 3 && dim2 == 2 && t1->strides[2] != 1 &&
           t1->strides[0] == t1->shape[1] * t1->shape[2]);
}

// Folded product: the larger operand (made the left one by transposing both when it is
// the right one) is reshaped to a matrix and multiplied with mm or mv.
static ct_tensor *matmul_folded(ct_tensor *a, ct_tensor *b) {
  const bool transpose = b->ndim > a->ndim;
  const bool own_t2 = transpose && a->ndim == 2;
  ct_tensor *t1 = transpose ? ct_transpose(b, -2, -1) : a;
  ct_tensor *t2 = own_t2 ? ct_t(a) : transpose ? a : b;
  ct_tensor *out = NULL;
  if (t1 && t2) {
    int64_t shape[CT_MAX_DIMS];
    int nd = t1->ndim - 1;
    memcpy(shape, t1->shape, (size_t)nd * sizeof *shape);
    const int64_t folded = product(nd, shape);
    const bool t2_matrix = t2->ndim == 2;
    if (t2_matrix) shape[nd++] = t2->shape[1];
    ct_tensor *t1_folded = ct_reshape(t1, 2, (int64_t[]){folded, t1->shape[t1->ndim - 1]});
    if (t2_matrix) {
      out = ct__reshape_fresh(ct_mm(t1_folded, t2), nd, shape, "UnsafeViewBackward0");
      if (out && transpose) { // 2-D @ >=3-D: transpose back into a contiguous result
        ct_tensor *mt = ct_transpose(out, -2, -1);
        ct__drop(out);
        out = ct_contiguous(mt);
        ct__drop(mt);
      }
    } else {
      out = ct__reshape_fresh(ct_mv(t1_folded, t2), nd, shape, "UnsafeViewBackward0");
    }
    ct__drop(t1_folded);
  }
  if (transpose) ct__drop(t1);
  if (own_t2) ct__drop(t2);
  return out;
}

// Batched product (both operands at least 2-D here, one at least 3-D: 1-D operands
// always fold): batch dims broadcast, both operands are expanded and flattened into 3-D
// batches for one bmm, and the result is viewed with the broadcast batch shape.
static ct_tensor *matmul_batched(ct_tensor *a, ct_tensor *b) {
  const int da = a->ndim, db = b->ndim;
  const int64_t n = a->shape[da - 2], m1 = a->shape[da - 1];
  const int64_t m2 = b->shape[db - 2], p = b->shape[db - 1];
  int nbatch;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(da - 2, a->shape, db - 2, b->shape, &nbatch, shape) != CT_OK) return NULL;
  const int64_t batch = product(nbatch, shape);
  int64_t expand_a[CT_MAX_DIMS], expand_b[CT_MAX_DIMS];
  memcpy(expand_a, shape, (size_t)nbatch * sizeof *shape);
  memcpy(expand_b, shape, (size_t)nbatch * sizeof *shape);
  expand_a[nbatch] = n, expand_a[nbatch + 1] = m1;
  expand_b[nbatch] = m2, expand_b[nbatch + 1] = p;
  ct_tensor *ea = ct_expand(a, nbatch + 2, expand_a);
  ct_tensor *eb = ct_expand(b, nbatch + 2, expand_b);
  ct_tensor *ra = ct_reshape(ea, 3, (int64_t[]){batch, n, m1});
  ct_tensor *rb = ct_reshape(eb, 3, (int64_t[]){batch, m2, p});
  shape[nbatch] = n, shape[nbatch + 1] = p;
  ct_tensor *out = ct__reshape_fresh(ct_bmm(ra, rb), nbatch + 2, shape, "UnsafeViewBackward0");
  ct__drop(rb);
  ct__drop(ra);
  ct__drop(eb);
  ct__drop(ea);
  return out;
}

ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  const int da = a->ndim, db = b->ndim;
  if (da == 0 || db == 0)
    return ct__error_null(
        CT_ERR_ARG, "both arguments to matmul need to be at least 1D, but they are %dD and %dD", da, db);
  if (da == 1 && db == 1) return ct_dot(a, b);
  if (da == 2 && db == 1) return ct_mv(a, b);
  if (da == 2 && db == 2) return ct_mm(a, b);
  if (da == 1 && db == 2) { // a.unsqueeze(0).mm(b).squeeze_(0)
    ct_tensor *row = ct_unsqueeze(a, 0);
    ct_tensor *prod = ct_mm(row, b);
    ct__drop(row);
    if (!prod) return NULL;
    const int64_t cols = prod->shape[1];
    return ct__reshape_fresh(prod, 1, &cols, "SqueezeBackward3");
  }
  if (should_fold(a, db) || should_fold(b, da)) return matmul_folded(a, b);
  return matmul_batched(a, b);
}

ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (a->ndim != 1)
    return ct__error_null(CT_ERR_ARG, "outer: Expected 1-D argument self, but got %d-D", a->ndim);
  if (b->ndim != 1)
    return ct__error_null(CT_ERR_ARG, "outer: Expected 1-D argument vec2, but got %d-D", b->ndim);
  ct_tensor *col = ct_reshape(a, 2, (int64_t[]){a->shape[0], 1});
  ct_tensor *out = ct_mul(col, b);
  ct__drop(col);
  return out;
}

ct_tensor *ct_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(weight);
  ct_tensor *wt = ct_t(weight);
  if (!wt) return NULL;
  ct_tensor *out;
  if (bias && input->ndim == 2) {
    out = ct_addmm(bias, input, wt, 1.0, 1.0); // the fused op
  } else if (bias && input->ndim == 3 && ct_is_contiguous(input)) {
    // Contiguous 3-D input: one addmm over the flattened batch, viewed back.
    const int64_t *s = input->shape;
    ct_tensor *flat = ct_view(input, 2, (int64_t[]){s[0] * s[1], s[2]});
    ct_tensor *mm = ct_addmm(bias, flat, wt, 1.0, 1.0);
    out = mm ? ct_view(mm, 3, (int64_t[]){s[0], s[1], mm->shape[1]}) : NULL;
    ct__drop(mm);
    ct__drop(flat);
  } else {
    out = ct_matmul(input, wt);
    if (out && bias && !ct_add_(out, bias)) {
      ct__drop(out);
      out = NULL;
    }
  }
  ct__drop(wt);
  return out;
}

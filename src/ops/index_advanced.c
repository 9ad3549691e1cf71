// Advanced indexing resolved to element offsets (see index_advanced.h), and x[indices]
// itself (aten::index, IndexBackward0).
#include <stdio.h>
#include <string.h>
#include "autograd/linear_backward.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "core/operand.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/scatter.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "ops/index_advanced.h"
#include "ops/index_internal.h"
#include "ops/view_internal.h"

// The coordinates of mask's true elements (row-major order), one int64 tensor per mask
// dim, after checking that mask's shape is x's at dims d.. (PyTorch's expandTensors).
static ct_status mask_coords(const ct_tensor *x, int d, const ct_tensor *mask, ct_tensor **coords) {
  for (int j = 0; j < mask->ndim; j++) {
    if (d + j >= x->ndim) { // PyTorch asks for x.size(d + j)
      ct__wrap_dim(d + j, x->ndim, false);
      return ct_last_status();
    }
    if (mask->shape[j] != x->shape[d + j]) {
      char a[256], b[256];
      CT_SHAPE_STR(mask, a);
      CT_SHAPE_STR(x, b);
      return ct__error(CT_ERR_INDEX,
                       "The shape of the mask %s at index %d does not match the shape of the indexed tensor %s at "
                       "index %d",
                       a, j, b, d + j);
    }
  }
  ct_tensor *dense = ct__copy_as(mask, CT_BOOL);
  if (!dense) return ct_last_status();
  const ct_index_kernels *k = ct__index_kernels(mask);
  const bool *m = (const bool *)ct__data(dense);
  int64_t count = k->mask_positions(m, ct_numel(dense), NULL);
  ct_tensor *pos = ct__alloc(CT_INT64, 1, &count);
  if (!pos) return ct_last_status();
  k->mask_positions(m, ct_numel(dense), (int64_t *)ct__data(pos));
  int64_t strides[CT_MAX_DIMS];
  ct__contiguous_strides(mask->ndim, mask->shape, strides);
  for (int j = 0; j < mask->ndim; j++) {
    coords[j] = count == 0 ? pos
                           : ct_remainder(ct_floor_divide(pos, ct_scalar((double)strides[j], CT_INT64)),
                                          ct_scalar((double)mask->shape[j], CT_INT64));
    if (!coords[j]) return ct_last_status();
  }
  return CT_OK;
}

// "[2], [3]": the shapes of the index tensors, for the broadcast error.
static void shapes_text(const ct__adv_plan *p, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < p->n && used < cap; k++) {
    char one[256];
    CT_SHAPE_STR(p->index[k], one);
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", k ? ", " : "", one);
  }
}

// Expands masks and converts int32 indices; fills p->n, p->dims, p->index (unwrapped).
static ct_status expand_indices(const ct_tensor *x, int n, ct_tensor *const *indices, ct__adv_plan *p) {
  if (n > x->ndim) return ct__error(CT_ERR_INDEX, "too many indices for tensor of dimension %d (got %d)", x->ndim, n);
  for (int k = 0; k < n; k++)
    if (indices[k] && indices[k]->dtype == CT_BOOL && indices[k]->ndim == 0)
      return ct__error(CT_ERR_ARG, "ct_index_tensors: a 0-dim bool index is not supported");
  for (int k = 0, d = 0; k < n; k++) {
    ct_tensor *t = indices[k];
    if (!t) {
      d++;
      continue;
    }
    if (ct__check_index_device(x, t) != CT_OK) return ct_last_status();
    if (t->dtype == CT_BOOL) {
      if (mask_coords(x, d, t, p->index + p->n) != CT_OK) return ct_last_status();
      for (int j = 0; j < t->ndim; j++) p->dims[p->n++] = d++;
    } else if (t->dtype == CT_INT64) {
      p->index[p->n] = t;
      p->dims[p->n++] = d++;
    } else {
      return ct__error(CT_ERR_INDEX, "tensors used as indices must be long, byte or bool tensors");
    }
  }
  if (p->n == 0) return ct__error(CT_ERR_ARG, "ct_index_tensors: at least one index must be a tensor");
  return CT_OK;
}

ct_status ct__adv_plan_make(const ct_tensor *x, int n, ct_tensor *const *indices, ct__adv_plan *p) {
  memset(p, 0, sizeof *p);
  if (n < 0 || (n > 0 && !indices)) return ct__error(CT_ERR_ARG, "ct_index_tensors: indices is NULL");
  if (expand_indices(x, n, indices, p) != CT_OK) return ct_last_status();
  p->b_ndim = p->index[0]->ndim;
  memcpy(p->b_shape, p->index[0]->shape, sizeof p->b_shape);
  for (int k = 1; k < p->n; k++) {
    int nd;
    int64_t shape[CT_MAX_DIMS];
    if (ct__broadcast_shapes(p->b_ndim, p->b_shape, p->index[k]->ndim, p->index[k]->shape, &nd, shape) != CT_OK) {
      char list[1024];
      shapes_text(p, list, sizeof list);
      return ct__error(CT_ERR_INDEX, "shape mismatch: indexing tensors could not be broadcast together with shapes %s",
                       list);
    }
    p->b_ndim = nd;
    memcpy(p->b_shape, shape, sizeof shape);
  }
  for (int k = 0; k < p->n; k++) { // bounds, in index order as PyTorch reports them
    int64_t size = x->shape[p->dims[k]];
    ct_index_scan scan;
    if (!ct__index_scan(p->index[k], -size, size, &scan) && size == 0)
      return ct__error(CT_ERR_INDEX, "index is out of bounds for dimension with size 0");
    if (scan.bad_found)
      return ct__error(CT_ERR_INDEX, "index %lld is out of bounds for dimension %d with size %lld",
                       (long long)scan.bad, k, (long long)size);
    p->index[k] = ct__index_wrapped(p->index[k], size);
    if (!p->index[k]) return ct_last_status();
  }
  bool adjacent = true;
  for (int k = 1; k < p->n; k++) adjacent &= p->dims[k] == p->dims[k - 1] + 1;
  int rest = x->ndim - p->n;
  if (rest + p->b_ndim > CT_MAX_DIMS)
    return ct__error(CT_ERR_ARG, "indexing would make %d dims, tensors have at most %d", rest + p->b_ndim, CT_MAX_DIMS);
  // The broadcast dims replace the indexed dims where those are adjacent, else lead.
  p->b_pos = adjacent ? p->dims[0] : 0;
  bool placed = false;
  for (int d = 0; d < x->ndim; d++) {
    bool indexed = false;
    for (int k = 0; k < p->n; k++) indexed |= p->dims[k] == d;
    if (!placed && (indexed || !adjacent)) {
      memcpy(p->shape + p->ndim, p->b_shape, (size_t)p->b_ndim * sizeof(int64_t));
      p->ndim += p->b_ndim;
      placed = true;
    }
    if (!indexed) p->shape[p->ndim++] = x->shape[d];
  }
  return CT_OK;
}

// t (whose dims right-align into `sub` dims at position pos of an ndim-dim shape)
// viewed with size-1 dims around it, times `stride`.
static ct_tensor *placed_term(ct_tensor *t, int ndim, int pos, int sub, int64_t stride) {
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) shape[i] = 1;
  memcpy(shape + pos + sub - t->ndim, t->shape, (size_t)t->ndim * sizeof(int64_t));
  return ct_mul(ct_reshape(t, ndim, shape), ct_scalar((double)stride, CT_INT64));
}

ct_tensor *ct__adv_offsets(const ct__adv_plan *p, const int64_t *strides) {
  ct_tensor *sum = NULL;
  for (int k = 0; k < p->n; k++) {
    ct_tensor *term = placed_term(p->index[k], p->ndim, p->b_pos, p->b_ndim, strides[p->dims[k]]);
    sum = sum ? ct_add(sum, term) : term;
  }
  // The other dims of x, in order, around the broadcast dims.
  int q = 0, x_ndim = p->ndim - p->b_ndim + p->n;
  for (int d = 0; sum && d < x_ndim; d++) {
    bool indexed = false;
    for (int k = 0; k < p->n; k++) indexed |= p->dims[k] == d;
    if (indexed) continue;
    if (q == p->b_pos) q += p->b_ndim;
    ct_tensor *range = ct_arange(0, (double)p->shape[q], 1, CT_INT64);
    sum = range ? ct_add(sum, placed_term(range, p->ndim, q, 1, strides[d])) : NULL;
    q++;
  }
  return sum;
}

void ct__adv_gather(ct_tensor *out, const ct_tensor *src, const ct_tensor *offsets) {
  if (ct_numel(out) == 0) return;
  int64_t zeros[CT_MAX_DIMS] = {0};
  const ct_operand ops[3] = {ct__operand(out), ct__operand_as(src, out->ndim, out->shape, zeros),
                             ct__operand(offsets)};
  ct__run_index_loop(ct__index_kernels(src)->gather[src->dtype], true, ops, (int64_t)ct_elem_size(src->dtype));
}

void ct__adv_put(ct_tensor *dst, const ct_tensor *offsets, const ct_tensor *values, bool accumulate) {
  if (ct_numel(offsets) == 0) return;
  int64_t zeros[CT_MAX_DIMS] = {0};
  const ct_operand ops[3] = {ct__operand_as(dst, offsets->ndim, offsets->shape, zeros), ct__operand(values),
                             ct__operand(offsets)};
  const ct_index_kernels *k = ct__index_kernels(dst);
  ct__run_index_loop((accumulate ? k->scatter_add : k->scatter)[dst->dtype], false, ops,
                     (int64_t)ct_elem_size(dst->dtype));
}

// IndexBackward0: saved[0] = the row-major offsets. The gradient goes back to the
// positions read, repeated ones adding up.
// The forward on v (x-shaped): v's elements at the offsets, for double backward
// (linear_backward.c).
static ct_tensor *index_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  ct_tensor *offsets = ct__saved(node, 0), *src = offsets ? ct_contiguous(v) : NULL;
  ct_tensor *r = src ? ct__alloc(v->dtype, out->ndim, out->shape) : NULL;
  if (r) ct__adv_gather(r, src, offsets);
  return r;
}

static ct_status index_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, index_jvp);
  ct_tensor *offsets = ct__saved(node, 0);
  if (!offsets) return ct_last_status();
  ct_tensor *gx = ct__zeros_for_input(node, 0, grad);
  if (!gx) return ct_last_status();
  ct__adv_put(gx, offsets, grad, true);
  grad_in[0] = gx;
  return CT_OK;
}

ct_tensor *ct_index_tensors(ct_tensor *x, int n, ct_tensor *const *indices) {
  CT_CHECK_NULL(x);
  if (ct__check_device(x) != CT_OK) return NULL;
  bool was = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  ct_tensor *out = NULL;
  ct__adv_plan plan;
  if (s && ct__adv_plan_make(x, n, indices, &plan) == CT_OK) {
    ct_tensor *offsets = ct__adv_offsets(&plan, x->strides);
    out = offsets ? ct__alloc(x->dtype, plan.ndim, plan.shape) : NULL;
    if (out) ct__adv_gather(out, x, offsets);
    ct_grad_mode_restore(was);
    if (out && ct__needs_grad(1, &x)) {
      int64_t strides[CT_MAX_DIMS];
      ct__contiguous_strides(x->ndim, x->shape, strides);
      ct_tensor *linear = ct__contiguous_like_torch(x) ? offsets : ct__adv_offsets(&plan, strides);
      if (!linear || ct__record(out, "IndexBackward0", index_back, 1, &x, 1, &linear, NULL) != CT_OK) out = NULL;
    }
  }
  ct_grad_mode_restore(was);
  if (s && ct__close_keeping(s, &out, 1) != CT_OK) return NULL;
  return out;
}

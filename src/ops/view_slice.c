// Views that pick sub-ranges: select (x[i]), slice (x[a:b:c]), narrow, unfold.
// Their backward writes the gradient into the picked region of a zero tensor shaped
// like the input; the node's pick_args record where that region was.
#include <assert.h>
#include <string.h>
#include "autograd/linear_backward.h"
#include "core/checked.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

// SelectBackward0 / SliceBackward0 / UnfoldBackward0 arguments.
typedef struct pick_args {
  int dim;       // wrapped
  int64_t start; // select's index, slice's start (0 for unfold)
  int64_t step;  // slice's step, unfold's step between windows (unused by select)
} pick_args;

// The stride of a dim that picks every step-th element of a dim of `stride` (PyTorch's
// stride * step), `len` picks in all. A step past the dim's end picks at most one
// element, whose stride addresses nothing: when stride * step (or it in bytes) overflows
// there, the dim keeps `stride`. More picks bound the step by the dim's size, and a size
// times its stride fits (core/checked.h).
static int64_t picked_stride(int64_t stride, int64_t step, int64_t len, ct_dtype dtype) {
  int64_t picked, bytes;
  if (ct__mul_ok(stride, step, &picked) && ct__mul_ok(picked, (int64_t)ct_dtype_size(dtype), &bytes))
    return picked;
  assert(len <= 1);
  (void)len;
  return stride;
}

// The region of a contiguous tensor `z` (a fresh zero tensor, or the tangent of the
// double backward, which may itself be a view at a storage offset) that the forward view
// picked. The region's offset is absolute, so it starts from z's own.
static ct_tensor *picked_region(ct_node *node, ct_tensor *z, int ndim, const int64_t *shape) {
  const pick_args *a = ct__node_args(node, pick_args);
  int d = a->dim;
  int64_t start = a->start;
  int64_t strides[CT_MAX_DIMS];
  int64_t offset = z->offset + (z->ndim ? start * z->strides[d] : 0);
  if (z->ndim == 0) { // unfold of a 0-dim tensor: windows of size 0 or 1 over the one element
    strides[0] = 0;
  } else if (!strcmp(node->name, "SelectBackward0")) {
    for (int i = 0, j = 0; i < z->ndim; i++)
      if (i != d) strides[j++] = z->strides[i];
  } else if (!strcmp(node->name, "UnfoldBackward0")) {
    for (int i = 0; i < z->ndim; i++) strides[i] = z->strides[i];
    strides[d] = picked_stride(z->strides[d], a->step, shape[d], z->dtype);
    strides[z->ndim] = z->strides[d];
  } else { // SliceBackward0
    for (int i = 0; i < z->ndim; i++) strides[i] = z->strides[i];
    strides[d] = picked_stride(z->strides[d], a->step, shape[d], z->dtype);
  }
  return ct__make_view(z, ndim, shape, strides, offset);
}

// The forward view of v (a copy of it).
static ct_tensor *pick_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  ct_tensor *dense = ct_contiguous(v);
  ct_tensor *region = dense ? picked_region(node, dense, out->ndim, out->shape) : NULL;
  return region ? ct_contiguous(region) : NULL;
}

static ct_status scatter_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, pick_jvp);
  ct_tensor *z = ct__zeros_for_input(node, 0, grad);
  if (!z) return ct_last_status();
  ct_tensor *region = picked_region(node, z, grad->ndim, grad->shape);
  if (!region) return ct_last_status();
  // Unfold windows overlap: accumulate serially. Select/slice regions are disjoint.
  ct_status st = ct__accumulate_into_serial(region, grad);
  grad_in[0] = z;
  return st;
}

ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index) {
  CT_CHECK_NULL(t);
  if (t->ndim == 0) return ct__error_null(CT_ERR_INDEX, "select() cannot be applied to a 0-dim tensor.");
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  int64_t size = t->shape[d];
  if (index < -size || index >= size) {
    char buf[256];
    ct__shape_to_str(t->ndim, t->shape, buf, sizeof buf);
    return ct__error_null(CT_ERR_INDEX, "select(): index %lld out of range for tensor of size %s at dimension %d",
                          (long long)index, buf, d);
  }
  if (index < 0) index += size;
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0, j = 0; i < t->ndim; i++) {
    if (i == d) continue;
    shape[j] = t->shape[i];
    strides[j++] = t->strides[i];
  }
  ct_node *node;
  ct_tensor *out = ct__view_op(t, t->ndim - 1, shape, strides, t->offset + index * t->strides[d], "SelectBackward0",
                               scatter_back, &node);
  if (node) *ct__node_args(node, pick_args) = (pick_args){.dim = d, .start = index, .step = 0};
  return out;
}

ct_tensor *ct_slice(ct_tensor *t, int dim, int64_t start, int64_t stop, int64_t step) {
  CT_CHECK_NULL(t);
  if (t->ndim == 0) return ct__error_null(CT_ERR_INDEX, "slice() cannot be applied to a 0-dim tensor.");
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  if (step <= 0) return ct__error_null(CT_ERR_ARG, "slice step must be positive");
  int64_t size = t->shape[d];
  // Python's clamping of slice bounds.
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  if (start < 0) start = 0;
  if (start > size) start = size;
  if (stop < start) stop = start;
  if (stop > size) stop = size;
  int64_t len = stop == start ? 0 : (stop - start - 1) / step + 1; // rounds up without overflow
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) {
    shape[i] = t->shape[i];
    strides[i] = t->strides[i];
  }
  shape[d] = len;
  strides[d] = picked_stride(t->strides[d], step, len, t->dtype);
  ct_node *node;
  ct_tensor *out =
      ct__view_op(t, t->ndim, shape, strides, t->offset + start * t->strides[d], "SliceBackward0", scatter_back, &node);
  if (node) *ct__node_args(node, pick_args) = (pick_args){.dim = d, .start = start, .step = step};
  return out;
}

ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length) {
  CT_CHECK_NULL(t);
  if (t->ndim == 0) return ct__error_null(CT_ERR_ARG, "narrow() cannot be applied to a 0-dim tensor.");
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return NULL;
  int64_t size = t->shape[d];
  if (start != size) { // PyTorch wraps start like a dim index (a size-0 dim counts as 1)
    int64_t n = size > 0 ? size : 1;
    if (start < -n || start >= n)
      return ct__error_null(CT_ERR_INDEX,
                            "Dimension out of range (expected to be in range of [%lld, %lld], but got %lld)",
                            (long long)-n, (long long)(n - 1), (long long)start);
    if (start < 0) start += n;
  }
  if (length < 0 || start > size - length)
    return ct__error_null(CT_ERR_ARG, "start (%lld) + length (%lld) exceeds dimension size (%lld).", (long long)start,
                          (long long)length, (long long)size);
  return ct_slice(t, d, start, start + length, 1);
}

ct_tensor *ct_unfold(ct_tensor *t, int dim, int64_t size, int64_t step) {
  CT_CHECK_NULL(t);
  int d = ct__wrap_dim(dim, t->ndim, false); // a 0-dim tensor takes dim 0 or -1
  if (d < 0) return NULL;
  if (t->ndim >= CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  int64_t have = t->ndim ? t->shape[d] : 1;
  if (size > have)
    return ct__error_null(CT_ERR_ARG, "maximum size for tensor at dimension %d is %lld but size is %lld", d,
                          (long long)have, (long long)size);
  if (step <= 0) return ct__error_null(CT_ERR_ARG, "step is %lld but must be > 0", (long long)step);
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) {
    shape[i] = t->shape[i];
    strides[i] = t->strides[i];
  }
  int64_t dstride = t->ndim ? t->strides[d] : 1, windows;
  if (!ct__sub_ok(have, size, &windows) || !ct__add_ok(windows / step, 1, &windows)) // a huge negative size
    return ct__error_null(CT_ERR_ARG,
                          "unfold: size %lld is too large a negative number: the number of windows overflows",
                          (long long)size);
  if (t->ndim) {
    shape[d] = windows;
    strides[d] = picked_stride(dstride, step, windows, t->dtype);
  }
  shape[t->ndim] = size;
  strides[t->ndim] = dstride;
  if (size < 0) { // PyTorch gets this far and fails sizing the strided view's storage
    char sizes_str[256], strides_str[256];
    ct__shape_to_str(t->ndim + 1, shape, sizes_str, sizeof sizes_str);
    ct__shape_to_str(t->ndim + 1, strides, strides_str, sizeof strides_str);
    return ct__error_null(CT_ERR_ARG, "Storage size calculation overflowed with sizes=%s and strides=%s", sizes_str,
                          strides_str);
  }
  int64_t numel; // overlapping windows can hold more elements than t
  if (ct__checked_numel(t->ndim + 1, shape, 0, "unfold: the result", &numel) != CT_OK) return NULL;
  ct_node *node;
  ct_tensor *out =
      ct__view_op(t, t->ndim + 1, shape, strides, t->offset, "UnfoldBackward0", scatter_back, &node);
  if (node) *ct__node_args(node, pick_args) = (pick_args){.dim = d, .start = 0, .step = step};
  return out;
}

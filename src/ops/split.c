// split, split_with_sizes, chunk and unbind: views along one dim, returned through a
// caller array (the count is the return value).
//
// PyTorch records one multi-output node per call; here each view has its own node of the
// same name, whose backward puts that view's gradient into zeros of the input's shape.
// The gradients are the same (the engine sums what each piece contributes).
#include <stdio.h>
#include <string.h>
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "autograd/linear_backward.h"
#include "core/error_impl.h"
#include "ctorch/shape_ops.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

// Where the piece lay in the input.
typedef struct piece_args {
  int dim;
  int64_t start;
  bool selected; // unbind: dim removed
} piece_args;

// The forward piece of v (a copy), for double backward (linear_backward.c).
static ct_tensor *piece_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  const piece_args *a = ct__node_args(node, piece_args);
  ct_tensor *region = a->selected ? ct_select(v, a->dim, a->start) : ct_narrow(v, a->dim, a->start, out->shape[a->dim]);
  return region ? ct_contiguous(region) : NULL;
}

static ct_status piece_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, piece_jvp);
  const piece_args *a = ct__node_args(node, piece_args);
  ct_tensor *z = ct__zeros_for_input(node, 0, grad);
  if (!z) return ct_last_status();
  ct_tensor *region = a->selected ? ct_select(z, a->dim, a->start) : ct_narrow(z, a->dim, a->start, grad->shape[a->dim]);
  ct_status st = region ? ct__copy_into(region, grad) : ct_last_status();
  ct__drop(region);
  grad_in[0] = z;
  return st;
}

// The piece of x at start.. of `len` along d (or the slice at start with d removed).
static ct_tensor *piece(ct_tensor *x, int d, int64_t start, int64_t len, bool select, const char *name) {
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int n = 0;
  for (int i = 0; i < x->ndim; i++) {
    if (i == d && select) continue;
    shape[n] = i == d ? len : x->shape[i];
    strides[n++] = x->strides[i];
  }
  int64_t offset = x->offset + (x->shape[d] ? start * x->strides[d] : 0);
  ct_node *node;
  ct_tensor *out = ct__view_op(x, n, shape, strides, offset, name, piece_back, &node);
  if (node) *ct__node_args(node, piece_args) = (piece_args){.dim = d, .start = start, .selected = select};
  return out;
}

// Checks the caller's array: NULL with cap 0 only counts.
static ct_status check_room(const char *fn, ct_tensor **out, int cap, int64_t count) {
  if (!out && cap == 0) return CT_OK;
  if (!out) return ct__error(CT_ERR_ARG, "%s: out is NULL", fn);
  if (cap < count)
    return ct__error(CT_ERR_ARG, "%s: out has room for %d tensors, the result has %lld", fn, cap, (long long)count);
  return CT_OK;
}

// Makes the pieces of the given sizes; on failure drops what it made.
static int make_pieces(ct_tensor *x, int d, int64_t count, const int64_t *sizes, int64_t uniform, const char *name,
                       ct_tensor **out) {
  if (!out) return (int)count;
  int64_t start = 0;
  for (int64_t i = 0; i < count; i++) {
    int64_t len = sizes ? sizes[i] : (uniform < x->shape[d] - start ? uniform : x->shape[d] - start);
    out[i] = piece(x, d, start, len, false, name);
    if (!out[i]) {
      for (int64_t k = 0; k < i; k++) ct__drop(out[k]), out[k] = NULL;
      return -1;
    }
    start += len;
  }
  return (int)count;
}

static int wrapped_dim(ct_tensor *x, int dim, const char *what) {
  if (x->ndim == 0) {
    ct__error(CT_ERR_ARG, "%s expects at least a 1-dimensional tensor", what);
    return -1;
  }
  return ct__wrap_dim(dim, x->ndim, false);
}

int ct_split(ct_tensor *x, int64_t split_size, int dim, ct_tensor **out, int cap) {
  if (!x) return -1;
  int d = wrapped_dim(x, dim, "split");
  if (d < 0) return -1;
  if (split_size < 0) {
    ct__error(CT_ERR_ARG, "split expects split_size be non-negative, but got split_size=%lld", (long long)split_size);
    return -1;
  }
  int64_t size = x->shape[d];
  if (split_size == 0 && size != 0) {
    ct__error(CT_ERR_ARG, "split_size can only be 0 if dimension size is 0, but got dimension size of %lld",
              (long long)size);
    return -1;
  }
  int64_t count = split_size ? (size + split_size - 1) / split_size : 1;
  if (count < 1) count = 1;
  if (count > INT32_MAX) {
    ct__error(CT_ERR_ARG, "split: %lld pieces is too many", (long long)count);
    return -1;
  }
  if (check_room("split", out, cap, count) != CT_OK) return -1;
  return make_pieces(x, d, count, NULL, split_size, "SplitBackward0", out);
}

int ct_split_with_sizes(ct_tensor *x, int n, const int64_t *sizes, int dim, ct_tensor **out, int cap) {
  if (!x) return -1;
  int d = wrapped_dim(x, dim, "split");
  if (d < 0) return -1;
  if (n < 0 || (n > 0 && !sizes)) {
    ct__error(CT_ERR_ARG, "split_with_sizes: sizes is NULL");
    return -1;
  }
  char list[512] = "[";
  int64_t sum = 0;
  bool negative = false, overflow = false;
  for (int i = 0; i < n; i++) {
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%lld", i ? ", " : "", (long long)sizes[i]);
    negative |= sizes[i] < 0;
    overflow |= !ct__add_ok(sum, sizes[i], &sum);
  }
  size_t used = strlen(list);
  snprintf(list + used, sizeof list - used, "]");
  if (negative) {
    ct__error(CT_ERR_ARG, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=%s",
              list);
    return -1;
  }
  if (overflow || sum != x->shape[d]) {
    ct__error(CT_ERR_ARG,
              "split_with_sizes expects split_sizes to sum exactly to %lld (input tensor's size at dimension %d), but "
              "got split_sizes=%s",
              (long long)x->shape[d], d, list);
    return -1;
  }
  if (check_room("split_with_sizes", out, cap, n) != CT_OK) return -1;
  return make_pieces(x, d, n, sizes, 0, "SplitWithSizesBackward0", out);
}

int ct_chunk(ct_tensor *x, int chunks, int dim, ct_tensor **out, int cap) {
  if (!x) return -1;
  if (x->ndim == 0) {
    ct__error(CT_ERR_ARG, "chunk expects at least a 1-dimensional tensor");
    return -1;
  }
  if (chunks <= 0) {
    ct__error(CT_ERR_ARG, "chunk expects `chunks` to be greater than 0, got: %d", chunks);
    return -1;
  }
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return -1;
  int64_t size = x->shape[d];
  int64_t split_size = (size + chunks - 1) / chunks;
  if (split_size == 0 && size == 0) { // chunks empty pieces (PyTorch's split_with_sizes)
    if (check_room("chunk", out, cap, chunks) != CT_OK) return -1;
    int64_t zeros[1] = {0};
    if (!out) return chunks;
    for (int i = 0; i < chunks; i++) {
      if (make_pieces(x, d, 1, zeros, 0, "SplitWithSizesBackward0", out + i) < 0) {
        for (int k = 0; k < i; k++) ct__drop(out[k]), out[k] = NULL;
        return -1;
      }
    }
    return chunks;
  }
  return ct_split(x, split_size, d, out, cap);
}

int ct_unbind(ct_tensor *x, int dim, ct_tensor **out, int cap) {
  if (!x) return -1;
  if (x->ndim == 0) { // PyTorch names the dim wrapped as for a 1-dim tensor
    int w = ct__wrap_dim(dim, 0, false);
    if (w >= 0) ct__error(CT_ERR_INDEX, "Dimension specified as %d but tensor has no dimensions", w);
    return -1;
  }
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return -1;
  int64_t count = x->shape[d];
  if (count > INT32_MAX) {
    ct__error(CT_ERR_ARG, "unbind: %lld pieces is too many", (long long)count);
    return -1;
  }
  if (check_room("unbind", out, cap, count) != CT_OK) return -1;
  if (!out) return (int)count;
  for (int64_t i = 0; i < count; i++) {
    out[i] = piece(x, d, i, 1, true, "UnbindBackward0");
    if (!out[i]) {
      for (int64_t k = 0; k < i; k++) ct__drop(out[k]), out[k] = NULL;
      return -1;
    }
  }
  return (int)count;
}

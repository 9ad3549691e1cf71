// flip (FlipBackward0), roll (RollBackward0), tril / triu (TrilBackward0 / TriuBackward0):
// copies that move elements within a tensor's shape.
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/shape_ops.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

// Records out as `name` of x with backward `fn`; on failure drops out.
static ct_tensor *record1(ct_tensor *out, ct_tensor *x, const char *name, ct_backward_fn fn, ct_node **node) {
  *node = NULL;
  if (out && ct__record(out, name, fn, 1, &x, 0, NULL, node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// ---- flip ----

typedef struct flip_args {
  int n;
  int dims[CT_MAX_DIMS];
} flip_args;

static ct_status flip_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const flip_args *a = ct__node_args(node, flip_args);
  grad_in[0] = ct_flip(grad, a->n, a->dims);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Wraps n dims of a tensor of ndim dims into out; PyTorch's error for a repeated one.
static ct_status wrap_dims(int n, const int *dims, int ndim, int *out) {
  if (n > 0 && !dims) return ct__error(CT_ERR_ARG, "dims is NULL");
  if (n > CT_MAX_DIMS) return ct__error(CT_ERR_ARG, "at most %d dims can be given", CT_MAX_DIMS);
  for (int i = 0; i < n; i++) {
    out[i] = ct__wrap_dim(dims[i], ndim, false);
    if (out[i] < 0) return ct_last_status();
    for (int k = 0; k < i; k++)
      if (out[k] == out[i]) return ct__error(CT_ERR_ARG, "dim %d appears multiple times in the list of dims", out[i]);
  }
  return CT_OK;
}

ct_tensor *ct_flip(ct_tensor *x, int n, const int *dims) {
  CT_CHECK_NULL(x);
  if (ct__check_device(x) != CT_OK) return NULL;
  flip_args args = {.n = n};
  if (wrap_dims(n, dims, x->ndim, args.dims) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!out) return NULL;
  if (ct_numel(out) > 0) {
    // Read x backwards along the flipped dims: start at their last element, negative strides.
    ct_operand ops[2] = {ct__operand(out), ct__operand(x)};
    for (int i = 0; i < n; i++) {
      int d = args.dims[i];
      ops[1].data += (x->shape[d] - 1) * ops[1].strides[d];
      ops[1].strides[d] = -ops[1].strides[d];
    }
    if (ct__copy_operands(ops) != CT_OK) {
      ct__drop(out);
      return NULL;
    }
  }
  ct_node *node;
  out = record1(out, x, "FlipBackward0", flip_back, &node);
  if (node) *ct__node_args(node, flip_args) = args;
  return out;
}

// ---- roll ----

// Shifts per dim of the input, in [0, size) (0 for dims not rolled); a roll of the
// flattened input (roll_flat_back) keeps its shift in shift[0].
typedef struct roll_args {
  int64_t shift[CT_MAX_DIMS];
} roll_args;

// Copies x into out rolled by shift[d] along each dim d: for each dim, the part of out
// from shift on takes x's head and the part before it x's tail; every combination of
// parts over the rolled dims is one block copy.
static ct_status roll_copy(ct_tensor *out, const ct_tensor *x, int ndim, const int64_t *shape, const int64_t *shift) {
  int rolled[CT_MAX_DIMS], n = 0;
  for (int d = 0; d < ndim; d++)
    if (shift[d]) rolled[n++] = d;
  int64_t strides[2][CT_MAX_DIMS];
  ct__contiguous_strides(ndim, shape, strides[0]);
  if (ndim == x->ndim) memcpy(strides[1], x->strides, (size_t)ndim * sizeof(int64_t));
  else memcpy(strides[1], strides[0], (size_t)ndim * sizeof(int64_t)); // x flattened: contiguous
  const ct_operand base[2] = {ct__operand_as(out, ndim, shape, strides[0]), ct__operand_as(x, ndim, shape, strides[1])};
  for (unsigned mask = 0; mask < (1u << n); mask++) {
    ct_operand ops[2] = {base[0], base[1]};
    bool empty = false;
    for (int i = 0; i < n; i++) {
      int d = rolled[i];
      int64_t s = shift[d], size = shape[d];
      bool tail = mask >> i & 1; // out[0:s] = x[size-s:size]; else out[s:size] = x[0:size-s]
      int64_t len = tail ? s : size - s;
      if (tail) ops[1].data += (size - s) * ops[1].strides[d];
      else ops[0].data += s * ops[0].strides[d];
      ops[0].shape[d] = ops[1].shape[d] = len;
      empty |= len == 0;
    }
    if (empty) continue;
    ct_status st = ct__copy_operands(ops);
    if (st != CT_OK) return st;
  }
  return CT_OK;
}

static ct_status roll_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const roll_args *a = ct__node_args(node, roll_args);
  int64_t shifts[CT_MAX_DIMS];
  int dims[CT_MAX_DIMS], n = 0;
  for (int d = 0; d < grad->ndim; d++)
    if (a->shift[d]) shifts[n] = -a->shift[d], dims[n++] = d;
  grad_in[0] = n ? ct_roll(grad, n, shifts, n, dims) : ct_contiguous(grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_status roll_flat_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct_roll(grad, 1, (int64_t[]){-ct__node_args(node, roll_args)->shift[0]}, 0, NULL);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static int64_t wrap_shift(int64_t shift, int64_t size) {
  if (size == 0) return 0;
  int64_t s = shift % size;
  return s < 0 ? s + size : s;
}

ct_tensor *ct_roll(ct_tensor *x, int n_shifts, const int64_t *shifts, int n_dims, const int *dims) {
  CT_CHECK_NULL(x);
  if (ct__check_device(x) != CT_OK) return NULL;
  if (n_shifts <= 0) return ct__error_null(CT_ERR_ARG, "`shifts` required");
  if (!shifts || (n_dims > 0 && !dims)) return ct__error_null(CT_ERR_ARG, "roll: shifts or dims is NULL");
  bool flat = n_dims == 0 && n_shifts == 1;
  if (!flat && n_shifts != n_dims)
    return ct__error_null(CT_ERR_ARG, "shifts and dimensions must align. shifts: %d, dims:%d", n_shifts, n_dims);
  roll_args args = {{0}};
  for (int i = 0; !flat && i < n_dims; i++) { // a dim given twice rolls by the sum
    int d = ct__wrap_dim(dims[i], x->ndim, false);
    if (d < 0) return NULL;
    args.shift[d] = wrap_shift(wrap_shift(shifts[i], x->shape[d]) + args.shift[d], x->shape[d]);
  }
  ct_tensor *out = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!out) return NULL;
  ct_status st = CT_OK;
  if (ct_numel(out) > 0 && flat) {
    int64_t numel = ct_numel(x);
    args.shift[0] = wrap_shift(shifts[0], numel);
    ct_tensor *src = ct__contiguous_like_torch(x) ? x : ct__copy_as(x, x->dtype);
    st = src ? roll_copy(out, src, 1, &numel, args.shift) : ct_last_status();
    if (src != x) ct__drop(src);
  } else if (ct_numel(out) > 0) {
    st = roll_copy(out, x, x->ndim, x->shape, args.shift);
  }
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  ct_node *node;
  out = record1(out, x, "RollBackward0", flat ? roll_flat_back : roll_back, &node);
  if (node) *ct__node_args(node, roll_args) = args;
  return out;
}

// ---- tril / triu ----

typedef struct band_args {
  int64_t diagonal;
} band_args;

static ct_status tril_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct_tril(grad, ct__node_args(node, band_args)->diagonal);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_status triu_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct_triu(grad, ct__node_args(node, band_args)->diagonal);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// x with the elements outside the band (j - i <= diagonal for lower, >= for upper, over
// the last two dims) zeroed: a where() against a mask of the last two dims.
static ct_tensor *band(ct_tensor *x, int64_t diagonal, bool lower) {
  CT_CHECK_NULL(x);
  if (ct__check_device(x) != CT_OK) return NULL;
  ct_node *node;
  if (ct_numel(x) == 0) // PyTorch checks nothing else then
    return record1(ct__alloc(x->dtype, x->ndim, x->shape), x, lower ? "TrilBackward0" : "TriuBackward0",
                   lower ? tril_back : triu_back, &node);
  if (ct__wrap_dim(-2, x->ndim, false) < 0) return NULL;
  int64_t rows = x->shape[x->ndim - 2], cols = x->shape[x->ndim - 1];
  bool was = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  ct_tensor *out = NULL;
  if (s) {
    ct_tensor *i = ct_reshape(ct_arange(0, (double)rows, 1, CT_INT64), 2, (int64_t[]){rows, 1});
    ct_tensor *j = ct_reshape(ct_arange(0, (double)cols, 1, CT_INT64), 2, (int64_t[]){1, cols});
    ct_tensor *offset = ct_sub(j, i);
    ct_tensor *k = ct_scalar((double)diagonal, CT_INT64); // compared as int64, not as float32
    ct_tensor *keep = lower ? ct_le(offset, k) : ct_ge(offset, k);
    out = ct_contiguous(ct_where(keep, x, ct_scalar(0, x->dtype)));
    if (ct__close_keeping(s, &out, 1) != CT_OK) out = NULL;
  }
  ct_grad_mode_restore(was);
  out = record1(out, x, lower ? "TrilBackward0" : "TriuBackward0", lower ? tril_back : triu_back, &node);
  if (node) *ct__node_args(node, band_args) = (band_args){diagonal};
  return out;
}

ct_tensor *ct_tril(ct_tensor *x, int64_t diagonal) { return band(x, diagonal, true); }
ct_tensor *ct_triu(ct_tensor *x, int64_t diagonal) { return band(x, diagonal, false); }

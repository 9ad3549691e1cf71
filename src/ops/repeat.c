// repeat / tile (RepeatBackward0) and repeat_interleave (index_select with an expanded
// index, as PyTorch 1.13 computes it).
#include <string.h>
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/reduce.h"
#include "ctorch/shape_ops.h"
#include "ctorch/view.h"
#include "ops/index_internal.h"
#include "ops/view_internal.h"

// ---- repeat ----

// The copy repeat makes, as one walk over out's elements in row-major order: for each
// dim a (repeat count, source stride 0) entry and a (size, source stride) entry; out's
// strides are row-major over the entries. Up to 2 * CT_MAX_DIMS entries.
typedef struct repeat_walk {
  int n;
  int64_t size[2 * CT_MAX_DIMS], dst[2 * CT_MAX_DIMS], src[2 * CT_MAX_DIMS];
} repeat_walk;

static void walk_add(repeat_walk *w, int64_t size, int64_t src_stride) {
  if (size == 1) return;
  w->size[w->n] = size, w->src[w->n++] = src_stride;
}

// Row-major destination strides, then adjacent entries merged where both sides allow.
static void walk_finish(repeat_walk *w) {
  int64_t step = 1;
  for (int i = w->n - 1; i >= 0; i--) w->dst[i] = step, step *= w->size[i];
  int m = 0;
  for (int i = 0; i < w->n; i++) {
    if (m && w->dst[m - 1] == w->dst[i] * w->size[i] && w->src[m - 1] == w->src[i] * w->size[i]) {
      w->size[m - 1] *= w->size[i];
      w->dst[m - 1] = w->dst[i], w->src[m - 1] = w->src[i];
      continue;
    }
    w->size[m] = w->size[i], w->dst[m] = w->dst[i], w->src[m++] = w->src[i];
  }
  w->n = m;
}

// Copies the walk's entries first.. at element offsets doff (out) / soff (x); entries
// beyond what one descriptor holds are looped over here.
static ct_status walk_copy(ct_tensor *out, const ct_tensor *x, const repeat_walk *w, int first, int64_t doff,
                           int64_t soff) {
  if (w->n - first > CT_MAX_DIMS) {
    for (int64_t i = 0; i < w->size[first]; i++) {
      ct_status st = walk_copy(out, x, w, first + 1, doff + i * w->dst[first], soff + i * w->src[first]);
      if (st != CT_OK) return st;
    }
    return CT_OK;
  }
  ct_operand ops[2] = {ct__operand_as(out, w->n - first, w->size + first, w->dst + first),
                       ct__operand_as(x, w->n - first, w->size + first, w->src + first)};
  ops[0].data += doff * (int64_t)ct_elem_size(out->dtype);
  ops[1].data += soff * (int64_t)ct_elem_size(x->dtype);
  return ct__copy_operands(ops);
}

// RepeatBackward0: each repeated copy's gradient summed back. The counts are read off the
// shapes (grad's size over the input's); written with public ops so it can be recorded.
static ct_status repeat_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const ct_input_meta *m = &node->inputs[0];
  if (ct_numel(grad) == 0 || ct__numel_of(m->ndim, m->shape) == 0) {
    grad_in[0] = ct__zeros_for_input(node, 0, grad);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_tensor *g = grad;
  int lead = grad->ndim - m->ndim;
  if (lead > 0) {
    int dims[CT_MAX_DIMS];
    for (int i = 0; i < lead; i++) dims[i] = i;
    g = ct_sum_dims(g, dims, lead, false);
  }
  for (int d = 0; g && d < m->ndim; d++) {
    int64_t r = g->shape[d] / m->shape[d];
    if (r == 1) continue;
    // g as [before d, r, the rest with dim d of the input's size]: sum the copies.
    int64_t before = ct__numel_of(d, g->shape), rest = ct_numel(g) / before / r;
    g = ct_sum_dim(ct_reshape(g, 3, (int64_t[]){before, r, rest}), 1, false);
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, grad->shape + lead, (size_t)m->ndim * sizeof *shape);
    for (int k = 0; k <= d; k++) shape[k] = m->shape[k];
    for (int k = d + 1; k < m->ndim; k++) shape[k] = grad->shape[lead + k];
    g = ct_reshape(g, m->ndim, shape);
  }
  if (g && m->ndim == 0) g = ct_reshape(g, 0, NULL);
  grad_in[0] = g;
  return g ? CT_OK : ct_last_status();
}

ct_tensor *ct_repeat(ct_tensor *x, int n, const int64_t *repeats) {
  CT_CHECK_NULL(x);
  if (ct__check_device(x) != CT_OK) return NULL;
  if (n < x->ndim || (n > 0 && !repeats))
    return ct__error_null(CT_ERR_ARG,
                          "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  if (n > CT_MAX_DIMS)
    return ct__error_null(CT_ERR_ARG, "repeat: %d repeat counts, tensors have at most %d dimensions", n, CT_MAX_DIMS);
  int lead = n - x->ndim;
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    int64_t size = i < lead ? 1 : x->shape[i - lead];
    if (!ct__mul_ok(size, repeats[i], &shape[i]))
      return ct__error_null(CT_ERR_ARG, "repeat: the result is too large");
  }
  for (int i = 0; i < n; i++)
    if (shape[i] < 0) {
      char buf[256];
      ct__shape_to_str(n, shape, buf, sizeof buf);
      return ct__error_null(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: %s",
                            (long long)shape[i], buf);
    }
  ct_tensor *out = ct__alloc(x->dtype, n, shape);
  if (!out) return NULL;
  if (ct_numel(out) > 0) {
    repeat_walk w = {0};
    for (int i = 0; i < n; i++) {
      walk_add(&w, repeats[i], 0);
      if (i >= lead) walk_add(&w, x->shape[i - lead], x->strides[i - lead]);
    }
    walk_finish(&w);
    if (walk_copy(out, x, &w, 0, 0, 0) != CT_OK) {
      ct__drop(out);
      return NULL;
    }
  }
  if (ct__record(out, "RepeatBackward0", repeat_back, 1, &x, 0, NULL, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_tile(ct_tensor *x, int n, const int64_t *dims) {
  CT_CHECK_NULL(x);
  if (n < 0 || (n > 0 && !dims)) return ct__error_null(CT_ERR_ARG, "tile: dims is NULL");
  if (n >= x->ndim) return ct_repeat(x, n, dims);
  int64_t padded[CT_MAX_DIMS];
  int pad = x->ndim - n;
  for (int i = 0; i < x->ndim; i++) padded[i] = i < pad ? 1 : dims[i - pad];
  return ct_repeat(x, x->ndim, padded);
}

// ---- repeat_interleave ----

ct_tensor *ct_repeat_interleave_counts(ct_tensor *repeats) {
  CT_CHECK_NULL(repeats);
  if (ct__check_device(repeats) != CT_OK) return NULL;
  if (repeats->ndim != 1) return ct__error_null(CT_ERR_ARG, "repeat_interleave only accept 1D vector as repeat");
  if (repeats->dtype != CT_INT64 && repeats->dtype != CT_INT32)
    return ct__error_null(CT_ERR_ARG, "repeats has to be Long or Int tensor");
  ct_tensor *counts = ct__copy_as(repeats, CT_INT64);
  if (!counts) return NULL;
  const int64_t *c = (const int64_t *)ct__data(counts);
  int64_t total = 0;
  for (int64_t i = 0; i < counts->shape[0]; i++) {
    if (c[i] < 0) {
      ct__drop(counts);
      return ct__error_null(CT_ERR_ARG, "repeats can not be negative");
    }
    if (!ct__add_ok(total, c[i], &total)) {
      ct__drop(counts);
      return ct__error_null(CT_ERR_ARG, "repeat_interleave: the result is too large");
    }
  }
  ct_tensor *out = ct__alloc(CT_INT64, 1, &total);
  if (out) ct__index_kernels(counts)->repeat_positions(c, counts->shape[0], (int64_t *)ct__data(out));
  ct__drop(counts);
  return out;
}

ct_tensor *ct_repeat_interleave_tensor(ct_tensor *x, ct_tensor *repeats, int dim) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(repeats);
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *input = x, *out = NULL;
  if (dim == CT_NO_DIM) input = ct_flatten(x, 0, -1), dim = 0;
  int d = -1;
  if (input && input->ndim == 0)
    ct__error(CT_ERR_INDEX, "Dimension specified as %d but tensor has no dimensions", dim);
  else if (input)
    d = ct__wrap_dim(dim, input->ndim, false);
  if (d >= 0) {
    int64_t size = input->shape[d];
    ct_tensor *counts = repeats;
    if (repeats->ndim == 0 || (repeats->ndim == 1 && repeats->shape[0] == 1))
      counts = ct_expand(ct_reshape(repeats, 1, (int64_t[]){1}), 1, &size);
    else if (repeats->ndim == 1 && repeats->shape[0] != size)
      ct__error(CT_ERR_ARG, "repeats must have the same size as input along dim"), counts = NULL;
    else if (repeats->ndim > 1)
      ct__error(CT_ERR_ARG, "repeats must be 0-dim or 1-dim tensor"), counts = NULL;
    out = ct_index_select(input, d, ct_repeat_interleave_counts(counts));
  }
  return ct__close_keeping(s, &out, 1) == CT_OK ? out : NULL;
}

ct_tensor *ct_repeat_interleave(ct_tensor *x, int64_t repeats, int dim) {
  CT_CHECK_NULL(x);
  if (repeats < 0) return ct__error_null(CT_ERR_ARG, "repeats can not be negative");
  ct_tensor *r = ct_scalar((double)repeats, CT_INT64);
  ct_tensor *out = r ? ct_repeat_interleave_tensor(x, r, dim) : NULL;
  ct__drop(r);
  return out;
}

// Geometry and kernel plumbing shared by the indexing ops (see index_internal.h).
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ops/index_internal.h"

const ct_index_kernels *ct__index_kernels(const ct_tensor *t) { return ct__kernels(t->storage->device)->index; }

ct_tensor ct__restride(const ct_tensor *t, int ndim, const int64_t *shape, const int64_t *strides) {
  ct_tensor g = *t;
  g.ndim = ndim;
  if (ndim) {
    memcpy(g.shape, shape, (size_t)ndim * sizeof *shape);
    memcpy(g.strides, strides, (size_t)ndim * sizeof *strides);
  }
  g.grad = NULL;
  g.grad_fn = NULL;
  g.grad_accumulator = NULL;
  return g;
}

ct_tensor ct__nonempty(const ct_tensor *t) {
  if (t->ndim > 0) return ct__restride(t, t->ndim, t->shape, t->strides);
  return ct__restride(t, 1, (const int64_t[]){1}, (const int64_t[]){0});
}

bool ct__index_scan(const ct_tensor *idx, int64_t lo, int64_t hi, ct_index_scan *scan) {
  *scan = (ct_index_scan){.lo = lo, .hi = hi, .min = INT64_MAX, .max = INT64_MIN};
  ct_iter it;
  const ct_operand ops[1] = {ct__operand(idx)};
  ct__iter_build(&it, 1, ops);
  ct__iter_run(&it, ct__index_kernels(idx)->scan, scan, false); // serial: first offender
  return !scan->bad_found;
}

ct_tensor *ct__index_wrapped(const ct_tensor *idx, int64_t size) {
  ct_tensor *out = ct__alloc(CT_INT64, idx->ndim, idx->shape);
  if (!out) return NULL;
  ct_iter it;
  const ct_operand ops[2] = {ct__operand(out), ct__operand(idx)};
  ct__iter_build(&it, 2, ops);
  ct__iter_run(&it, ct__index_kernels(idx)->wrap_negative, &size, true);
  return out;
}

ct_status ct__take_shape(const ct_tensor *src, int dim, const ct_tensor *idx, int *ndim, int64_t *shape) {
  int nd = src->ndim - 1 + idx->ndim;
  if (nd > CT_MAX_DIMS) return ct__error(CT_ERR_ARG, "tensors have at most %d dimensions, indexing would make %d", CT_MAX_DIMS, nd);
  int j = 0;
  for (int d = 0; d < dim; d++) shape[j++] = src->shape[d];
  for (int d = 0; d < idx->ndim; d++) shape[j++] = idx->shape[d];
  for (int d = dim + 1; d < src->ndim; d++) shape[j++] = src->shape[d];
  *ndim = nd;
  return CT_OK;
}

// Stand-ins for a take over the result's shape: src walks its own dims and stays put along
// the index dims (the kernel adds index * stride there); idx walks only the index dims.
static void take_operands(const ct_tensor *src, int dim, const ct_tensor *idx, int nd, const int64_t *shape,
                          ct_tensor *src_g, ct_tensor *idx_g) {
  int64_t ss[CT_MAX_DIMS] = {0}, is[CT_MAX_DIMS] = {0};
  int j = 0;
  for (int d = 0; d < dim; d++) ss[j++] = src->strides[d];
  for (int d = 0; d < idx->ndim; d++) is[j++] = idx->strides[d];
  for (int d = dim + 1; d < src->ndim; d++) ss[j++] = src->strides[d];
  *src_g = ct__restride(src, nd, shape, ss);
  *idx_g = ct__restride(idx, nd, shape, is);
}

// Runs a gather or scatter_add loop over {o0, o1, idx}, operands already laid over the
// result's shape; the kernel steps by t's stride along dim. scatter_add must run serially
// (duplicate indices write the same element).
static ct_status run_index_loop(ct_loop_fn loop, bool parallel, const ct_tensor *o0, const ct_tensor *o1,
                                const ct_tensor *idx, const ct_tensor *t, int dim) {
  ct_iter it;
  const ct_operand ops[3] = {ct__operand(o0), ct__operand(o1), ct__operand(idx)};
  ct__iter_build(&it, 3, ops);
  ct_index_step step = {t->strides[dim] * (int64_t)ct_dtype_size(t->dtype)};
  ct__iter_run(&it, loop, &step, parallel);
  return CT_OK;
}

// Elements in one row of t's dims first.. when they are laid out densely (row-major, size-1
// dims aside), else -1.
static int64_t dense_row(const ct_tensor *t, int first) {
  int64_t n = 1;
  for (int d = t->ndim - 1; d >= first; d--) {
    if (t->shape[d] != 1 && t->strides[d] != n) return -1;
    n *= t->shape[d];
  }
  return n;
}

// Take or take-backward along dim 0 by whole rows: `rows` walks idx's shape, one row of
// `row` elements (whole rows of `table`, dense) per index. One loop step per index.
// ctx's skip and limit as given (ct_index_rows); runs serially when limit >= 0.
static ct_status run_rows(ct_loop_fn loop, bool parallel, const ct_tensor *rows, const ct_tensor *idx,
                          const ct_tensor *table, int64_t row, ct_index_rows *ctx) {
  ct_iter it;
  const ct_operand ops[2] = {ct__operand(rows), ct__operand(idx)};
  ct__iter_build(&it, 2, ops);
  const int64_t es = (int64_t)ct_dtype_size(table->dtype);
  ctx->base = ct__data(table);
  ctx->stride = table->strides[0] * es;
  ctx->row_bytes = row * es;
  ctx->bad_found = false;
  ct__iter_run(&it, loop, ctx, parallel && ctx->limit < 0);
  return CT_OK;
}

// ct__take; with limit >= 0 (by rows along dim 0 only) indices outside [0, limit) are
// caught on the way: NULL, *bad_found set and the first offender in *bad.
static ct_tensor *take(const ct_tensor *src, int dim, const ct_tensor *idx, int64_t limit, bool *bad_found,
                       int64_t *bad) {
  int nd = 0;
  int64_t shape[CT_MAX_DIMS];
  if (ct__take_shape(src, dim, idx, &nd, shape) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(src->dtype, nd, shape);
  if (!out) return NULL;
  const int64_t row = dim == 0 ? dense_row(src, 1) : -1;
  if (row > 0) { // out's rows, one per index position
    int64_t strides[CT_MAX_DIMS];
    ct__contiguous_strides(idx->ndim, idx->shape, strides);
    for (int d = 0; d < idx->ndim; d++) strides[d] *= row;
    ct_tensor out_g = ct__restride(out, idx->ndim, idx->shape, strides);
    ct_index_rows ctx = {.skip = -1, .limit = limit};
    if (ct_numel(idx) && run_rows(ct__index_kernels(src)->gather_rows, true, &out_g, idx, src, row, &ctx) != CT_OK) {
      ct__drop(out);
      return NULL;
    }
    if (ctx.bad_found) {
      *bad_found = true;
      *bad = ctx.bad;
      ct__drop(out);
      return NULL;
    }
    return out;
  }
  ct_tensor src_g, idx_g;
  take_operands(src, dim, idx, nd, shape, &src_g, &idx_g);
  if (run_index_loop(ct__index_kernels(src)->gather[src->dtype], true, out, &src_g, &idx_g, src, dim) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct__take(const ct_tensor *src, int dim, const ct_tensor *idx) {
  return take(src, dim, idx, -1, NULL, NULL);
}

ct_tensor *ct__take_checked(const ct_tensor *src, const ct_tensor *idx, bool *bad_found, int64_t *bad) {
  *bad_found = false;
  // Small takes by rows check while taking, in one serial pass; others scan first.
  if (ct_numel(idx) < 2 * CT_PARALLEL_GRAIN && dense_row(src, 1) > 0)
    return take(src, 0, idx, src->shape[0], bad_found, bad);
  ct_index_scan scan;
  if (!ct__index_scan(idx, 0, src->shape[0], &scan)) {
    *bad_found = true;
    *bad = scan.bad;
    return NULL;
  }
  return ct__take(src, 0, idx);
}

ct_tensor *ct__take_backward(const ct_tensor *grad, int ndim, const int64_t *shape, int dim, const ct_tensor *idx,
                             int64_t skip) {
  ct_tensor *gx = ct__alloc(grad->dtype, ndim, shape);
  if (!gx) return NULL;
  const int64_t row = dim == 0 ? dense_row(grad, idx->ndim) : -1;
  if (row > 0 && row == dense_row(gx, 1)) { // grad's rows, one per index position
    ct_tensor grad_g = ct__restride(grad, idx->ndim, idx->shape, grad->strides);
    ct_index_rows ctx = {.skip = skip, .limit = -1};
    if (ct__fill(gx, 0.0) != CT_OK ||
        (ct_numel(idx) &&
         run_rows(ct__index_kernels(gx)->scatter_add_rows[gx->dtype], false, &grad_g, idx, gx, row, &ctx) != CT_OK)) {
      ct__drop(gx);
      return NULL;
    }
    return gx;
  }
  ct_tensor gx_g, idx_g;
  take_operands(gx, dim, idx, grad->ndim, grad->shape, &gx_g, &idx_g);
  ct_status st = ct__fill(gx, 0.0);
  if (st == CT_OK)
    st = run_index_loop(ct__index_kernels(gx)->scatter_add[gx->dtype], false, &gx_g, grad, &idx_g, gx, dim);
  if (st == CT_OK && skip >= 0) { // only its own rows reached the skipped slice: zero it again
    int64_t sh[CT_MAX_DIMS], sd[CT_MAX_DIMS];
    for (int d = 0, j = 0; d < gx->ndim; d++)
      if (d != dim) sh[j] = gx->shape[d], sd[j++] = gx->strides[d];
    ct_tensor slice = ct__restride(gx, gx->ndim - 1, sh, sd);
    slice.offset += skip * gx->strides[dim];
    st = ct__fill(&slice, 0.0);
  }
  if (st != CT_OK) {
    ct__drop(gx);
    return NULL;
  }
  return gx;
}

// t over index's positions: t's strides, except 0 along dim when `fixed_dim` (the kernel
// moves along dim by index * stride).
static ct_tensor over_index(const ct_tensor *t, const ct_tensor *index, int dim, bool fixed_dim) {
  ct_tensor tn = ct__nonempty(t), in = ct__nonempty(index);
  int64_t strides[CT_MAX_DIMS];
  for (int d = 0; d < in.ndim; d++) strides[d] = fixed_dim && d == dim ? 0 : tn.strides[d];
  return ct__restride(t, in.ndim, in.shape, strides);
}

ct_status ct__gather_into(ct_tensor *out, const ct_tensor *self, int dim, const ct_tensor *index) {
  ct_tensor out_g = ct__nonempty(out), self_g = over_index(self, index, dim, true), index_g = ct__nonempty(index);
  ct_tensor self_n = ct__nonempty(self);
  return run_index_loop(ct__index_kernels(self)->gather[self->dtype], true, &out_g, &self_g, &index_g, &self_n, dim);
}

ct_status ct__scatter_add_into(ct_tensor *dst, int dim, const ct_tensor *index, const ct_tensor *src) {
  ct_tensor dst_g = over_index(dst, index, dim, true), src_g = over_index(src, index, dim, false),
            index_g = ct__nonempty(index);
  ct_tensor dst_n = ct__nonempty(dst);
  return run_index_loop(ct__index_kernels(dst)->scatter_add[dst->dtype], false, &dst_g, &src_g, &index_g, &dst_n,
                        dim);
}

ct_tensor *ct__index_record(ct_tensor *out, const char *name, ct_backward_fn backward, ct_tensor *x,
                            ct_tensor *index, ct_node **node_out) {
  *node_out = NULL;
  if (!out) return NULL;
  if (ct__record(out, name, backward, 1, &x, 1, &index, node_out) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

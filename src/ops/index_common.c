// Geometry and kernel plumbing shared by the indexing ops (see index_internal.h).
#include <assert.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ops/index_internal.h"

static const ct_index_kernels *index_kernels(ct_device device) {
  const ct_kernel_table *k = ct__kernels(device);
  assert(k); // ops check their tensors' devices first (core/device.h)
  return k->index;
}

const ct_index_kernels *ct__index_kernels(const ct_tensor *t) { return index_kernels(t->storage->device); }

ct_operand ct__vector_operand(const ct_tensor *t) {
  static const int64_t one[1] = {1}, zero[1] = {0};
  return t->ndim ? ct__operand(t) : ct__operand_as(t, 1, one, zero);
}

bool ct__index_scan(const ct_tensor *idx, int64_t lo, int64_t hi, ct_index_scan *scan) {
  *scan = (ct_index_scan){.lo = lo, .hi = hi, .min = INT64_MAX, .max = INT64_MIN};
  ct_iter it;
  ct_operand op;
  ct__operand_set(&op, idx);
  ct__iter_build(&it, 1, &op);
  ct__iter_run(&it, ct__index_kernels(idx)->scan, scan, false); // serial: first offender
  return !scan->bad_found;
}

ct_tensor *ct__index_wrapped(const ct_tensor *idx, int64_t size) {
  ct_tensor *out = ct__alloc(CT_INT64, idx->ndim, idx->shape);
  if (!out) return NULL;
  ct_iter it;
  ct_operand ops[2];
  ct__operand_set(&ops[0], out), ct__operand_set(&ops[1], idx);
  ct__iter_build(&it, 2, ops);
  ct__iter_run(&it, ct__index_kernels(idx)->wrap_negative, &size, true);
  return out;
}

// Shape of taking idx along dim of src: src.shape[:dim] + idx.shape + src.shape[dim+1:].
static ct_status take_shape(const ct_operand *src, int dim, const ct_operand *idx, int *ndim, int64_t *shape) {
  int nd = src->ndim - 1 + idx->ndim;
  if (nd > CT_MAX_DIMS) return ct__error(CT_ERR_ARG, "tensors have at most %d dimensions, indexing would make %d", CT_MAX_DIMS, nd);
  int j = 0;
  for (int d = 0; d < dim; d++) shape[j++] = src->shape[d];
  for (int d = 0; d < idx->ndim; d++) shape[j++] = idx->shape[d];
  for (int d = dim + 1; d < src->ndim; d++) shape[j++] = src->shape[d];
  *ndim = nd;
  return CT_OK;
}

// Operands of a take over the result's shape: src walks its own dims and stays put along
// the index dims (the kernel adds index * stride there); idx walks only the index dims.
static void take_operands(const ct_operand *src, int dim, const ct_operand *idx, int nd, const int64_t *shape,
                          ct_operand *ops) {
  ops[1] = *src, ops[2] = *idx;
  ops[1].ndim = ops[2].ndim = nd;
  int j = 0;
  for (int d = 0; d < dim; d++, j++) ops[1].strides[j] = src->strides[d], ops[2].strides[j] = 0;
  for (int d = 0; d < idx->ndim; d++, j++) ops[1].strides[j] = 0, ops[2].strides[j] = idx->strides[d];
  for (int d = dim + 1; d < src->ndim; d++, j++) ops[1].strides[j] = src->strides[d], ops[2].strides[j] = 0;
  memcpy(ops[1].shape, shape, (size_t)nd * sizeof *shape);
  memcpy(ops[2].shape, shape, (size_t)nd * sizeof *shape);
}

void ct__run_index_loop(ct_loop_fn loop, bool parallel, const ct_operand *ops, int64_t step) {
  ct_iter it;
  ct__iter_build(&it, 3, ops);
  ct_index_step ctx = {step};
  ct__iter_run(&it, loop, &ctx, parallel);
}

// Elements in one row of op's dims first.. when they are laid out densely (row-major,
// size-1 dims aside), else -1.
static int64_t dense_row(const ct_operand *op, int first) {
  const int64_t es = (int64_t)ct_elem_size(op->dtype);
  int64_t n = 1;
  for (int d = op->ndim - 1; d >= first; d--) {
    if (op->shape[d] != 1 && op->strides[d] != n * es) return -1;
    n *= op->shape[d];
  }
  return n;
}

// Take or take-backward along dim 0 by whole rows: ops[0] walks idx's shape (ops[1]), one
// row of `row` elements (whole rows of `table`, dense) per index. One loop step per
// index. ctx's skip and limit as given (ct_index_rows); runs serially when limit >= 0.
static void run_rows(ct_loop_fn loop, bool parallel, const ct_operand *ops, const ct_operand *table, int64_t row,
                     ct_index_rows *ctx) {
  ct_iter it;
  ct__iter_build(&it, 2, ops);
  ctx->base = table->data;
  ctx->stride = table->strides[0];
  ctx->row_bytes = row * (int64_t)ct_elem_size(table->dtype);
  ctx->bad_found = false;
  ct__iter_run(&it, loop, ctx, parallel && ctx->limit < 0);
}

// ct__take; with limit >= 0 (by rows along dim 0 only) indices outside [0, limit) are
// caught on the way: NULL, *bad_found set and the first offender in *bad.
static ct_tensor *take(const ct_operand *src, int dim, const ct_operand *idx, int64_t limit, bool *bad_found,
                       int64_t *bad) {
  int nd = 0;
  int64_t shape[CT_MAX_DIMS];
  if (take_shape(src, dim, idx, &nd, shape) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(src->dtype, nd, shape);
  if (!out) return NULL;
  const ct_index_kernels *k = index_kernels(src->device);
  const int64_t row = dim == 0 ? dense_row(src, 1) : -1;
  if (row > 0) { // out's rows, one per index position
    if (ct_operand_numel(idx) == 0) return out;
    int64_t strides[CT_MAX_DIMS];
    ct__contiguous_strides(idx->ndim, idx->shape, strides);
    for (int d = 0; d < idx->ndim; d++) strides[d] *= row;
    const ct_operand ops[2] = {ct__operand_as(out, idx->ndim, idx->shape, strides), *idx};
    ct_index_rows ctx = {.skip = -1, .limit = limit};
    run_rows(k->gather_rows, true, ops, src, row, &ctx);
    if (ctx.bad_found) {
      *bad_found = true;
      *bad = ctx.bad;
      ct__drop(out);
      return NULL;
    }
    return out;
  }
  ct_operand ops[3];
  take_operands(src, dim, idx, nd, shape, ops);
  ct__operand_set(&ops[0], out);
  ct__run_index_loop(k->gather[src->dtype], true, ops, src->strides[dim]);
  return out;
}

ct_tensor *ct__take(const ct_operand *src, int dim, const ct_operand *idx) {
  return take(src, dim, idx, -1, NULL, NULL);
}

ct_tensor *ct__take_checked(const ct_tensor *src, const ct_tensor *idx, bool *bad_found, int64_t *bad) {
  *bad_found = false;
  ct_operand src_op, idx_op;
  ct__operand_set(&src_op, src), ct__operand_set(&idx_op, idx);
  // Small takes by rows check while taking, in one serial pass; others scan first.
  if (ct_numel(idx) < 2 * CT_PARALLEL_GRAIN && dense_row(&src_op, 1) > 0)
    return take(&src_op, 0, &idx_op, src->shape[0], bad_found, bad);
  ct_index_scan scan;
  if (!ct__index_scan(idx, 0, src->shape[0], &scan)) {
    *bad_found = true;
    *bad = scan.bad;
    return NULL;
  }
  return ct__take(&src_op, 0, &idx_op);
}

ct_tensor *ct__take_backward(const ct_tensor *grad, int ndim, const int64_t *shape, int dim, const ct_operand *idx,
                             int64_t skip) {
  ct_tensor *gx = ct__alloc(grad->dtype, ndim, shape);
  if (!gx || ct__fill(gx, 0.0) != CT_OK) {
    ct__drop(gx);
    return NULL;
  }
  const ct_index_kernels *k = ct__index_kernels(grad);
  ct_operand gx_op, grad_op;
  ct__operand_set(&gx_op, gx), ct__operand_set(&grad_op, grad);
  const int64_t row = dim == 0 ? dense_row(&grad_op, idx->ndim) : -1;
  if (row > 0 && row == dense_row(&gx_op, 1)) { // grad's rows, one per index position
    if (ct_operand_numel(idx) == 0) return gx;
    const ct_operand ops[2] = {ct__operand_as(grad, idx->ndim, idx->shape, grad->strides), *idx};
    ct_index_rows ctx = {.skip = skip, .limit = -1};
    run_rows(k->scatter_add_rows[gx->dtype], false, ops, &gx_op, row, &ctx);
    return gx;
  }
  ct_operand ops[3];
  take_operands(&gx_op, dim, idx, grad->ndim, grad->shape, ops);
  ops[0] = ops[1], ops[1] = grad_op; // scatter: gx (stays put along the index dims) += grad
  ct__run_index_loop(k->scatter_add[gx->dtype], false, ops, gx_op.strides[dim]);
  if (skip >= 0) { // only its own rows reached the skipped slice: zero it again
    ct_operand slice = gx_op;
    slice.data += skip * gx_op.strides[dim];
    slice.ndim = 0;
    for (int d = 0; d < gx->ndim; d++)
      if (d != dim) slice.shape[slice.ndim] = gx_op.shape[d], slice.strides[slice.ndim++] = gx_op.strides[d];
    if (ct__fill_operand(&slice, 0.0) != CT_OK) {
      ct__drop(gx);
      return NULL;
    }
  }
  return gx;
}

// t over index's positions: t's strides, except 0 along dim when `fixed_dim` (the kernel
// moves along dim by index * stride).
static ct_operand over_index(const ct_operand *t, const ct_operand *index, int dim, bool fixed_dim) {
  ct_operand op = *t;
  op.ndim = index->ndim;
  for (int d = 0; d < index->ndim; d++) {
    op.shape[d] = index->shape[d];
    op.strides[d] = fixed_dim && d == dim ? 0 : t->strides[d];
  }
  return op;
}

void ct__gather_into(ct_tensor *out, const ct_tensor *self, int dim, const ct_tensor *index) {
  const ct_operand self_op = ct__vector_operand(self), index_op = ct__vector_operand(index);
  const ct_operand ops[3] = {ct__vector_operand(out), over_index(&self_op, &index_op, dim, true), index_op};
  ct__run_index_loop(ct__index_kernels(self)->gather[self->dtype], true, ops, self_op.strides[dim]);
}

void ct__scatter_loop_operands(ct_loop_fn loop, const ct_operand *dst, int dim, const ct_operand *index,
                                const ct_operand *src) {
  const ct_operand ops[3] = {over_index(dst, index, dim, true), over_index(src, index, dim, false), *index};
  ct__run_index_loop(loop, false, ops, dst->strides[dim]);
}

void ct__scatter_add_operands(const ct_operand *dst, int dim, const ct_operand *index, const ct_operand *src) {
  ct__scatter_loop_operands(index_kernels(dst->device)->scatter_add[dst->dtype], dst, dim, index, src);
}

void ct__scatter_add_into(ct_tensor *dst, int dim, const ct_tensor *index, const ct_tensor *src) {
  const ct_operand dst_op = ct__vector_operand(dst), index_op = ct__vector_operand(index),
                   src_op = ct__vector_operand(src);
  ct__scatter_add_operands(&dst_op, dim, &index_op, &src_op);
}

ct_status ct__check_no_internal_overlap_write(const ct_tensor *t) {
  for (int d = 0; d < t->ndim; d++)
    if (t->strides[d] == 0 && t->shape[d] > 1)
      return ct__error(CT_ERR_RUNTIME, "unsupported operation: more than one element of the written-to tensor refers to "
                                       "a single memory location. Please clone() the tensor before performing the "
                                       "operation.");
  return CT_OK;
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

// Strided iteration with broadcasting and dimension coalescing.
#include <string.h>
#include <assert.h>
#include "kernels/iter.h"
#include "kernels/parallel.h"
#ifdef _OPENMP
#include <omp.h>
#endif

// The common case of small ops, same-shape row-major contiguous operands, without the
// general broadcast/coalesce work; the result is what the general path would build.
static bool build_dense(ct_iter *it, int nops, const ct_operand *ops) {
  const ct_operand *out = &ops[0];
  const int nd = out->ndim;
  int64_t numel = 1;
  const int64_t es0 = (int64_t)ct_elem_size(out->dtype);
  for (int d = nd - 1; d >= 0; d--) {
    if (out->shape[d] != 1 && out->strides[d] != numel * es0) return false;
    numel *= out->shape[d];
  }
  if (numel == 0) return false;
  // Another operand is contiguous too when it has out's shape and, on every dim that is
  // walked (size > 1), out's strides in elements.
  for (int k = 1; k < nops; k++) {
    const ct_operand *t = &ops[k];
    if (t->ndim != nd) return false;
    const int64_t es = (int64_t)ct_elem_size(t->dtype);
    for (int d = 0; d < nd; d++)
      if (t->shape[d] != out->shape[d] || (out->shape[d] != 1 && t->strides[d] / es != out->strides[d] / es0))
        return false;
  }
  it->nops = nops;
  it->ndim = numel > 1 ? 1 : 0;
  it->shape[0] = numel;
  it->numel = numel;
  for (int k = 0; k < nops; k++) {
    it->data[k] = ops[k].data;
    it->strides[k][0] = numel > 1 ? (int64_t)ct_elem_size(ops[k].dtype) : 0;
  }
  return true;
}

void ct__iter_build(ct_iter *it, int nops, const ct_operand *ops) {
  if (build_dense(it, nops, ops)) return;
  const ct_operand *out = &ops[0];
  const int nd = out->ndim;
  // Size-1 dims of the output take no part in the walk: only the others get strides.
  int kept[CT_MAX_DIMS], m = 0;
  for (int d = 0; d < nd; d++)
    if (out->shape[d] != 1) kept[m++] = d;
  it->nops = nops;
  for (int k = 0; k < nops; k++) {
    const ct_operand *t = &ops[k];
    assert(t->ndim <= nd);
    const int lead = nd - t->ndim; // t's missing leading dims have size 1
    for (int d = lead; d < nd; d++) assert(t->shape[d - lead] == out->shape[d] || t->shape[d - lead] == 1);
    it->data[k] = t->data;
    for (int j = 0; j < m; j++) {
      int td = kept[j] - lead;
      it->strides[k][j] = (td >= 0 && t->shape[td] != 1) ? t->strides[td] : 0;
    }
  }
  for (int j = 0; j < m; j++) it->shape[j] = out->shape[kept[j]];
  // Merge dim d into the current dim c when every operand steps through them as one
  // run (stride[c] == stride[d] * shape[d]).
  int c = 0;
  for (int d = 1; d < m; d++) {
    bool mergeable = true;
    for (int k = 0; k < nops; k++)
      if (it->strides[k][c] != it->strides[k][d] * it->shape[d]) mergeable = false;
    if (mergeable) {
      it->shape[c] *= it->shape[d];
    } else {
      c++;
      it->shape[c] = it->shape[d];
    }
    for (int k = 0; k < nops; k++) it->strides[k][c] = it->strides[k][d];
  }
  it->ndim = m ? c + 1 : 0;
  it->numel = ct_operand_numel(out);
}

// Runs linear elements [begin, end) of the iteration space as 1-D runs along the inner
// dim; the operands' pointers advance incrementally (an odometer over the outer dims).
static void run_range(const ct_iter *it, ct_loop_fn loop, void *ctx, int64_t begin, int64_t end) {
  const int nops = it->nops;
  char *ptrs[CT_ITER_MAX_OPS];
  if (it->ndim <= 1) {
    int64_t strides[CT_ITER_MAX_OPS] = {0};
    for (int k = 0; k < nops; k++) {
      strides[k] = it->ndim ? it->strides[k][0] : 0;
      ptrs[k] = it->data[k] + begin * strides[k];
    }
    if (begin < end) loop(ptrs, strides, it->ndim ? end - begin : 1, ctx);
    return;
  }
  // Rows of the inner dim are walked by pointer increments; dims above the row dim
  // advance as an odometer once per plane.
  const int inner = it->ndim - 1, row_dim = inner - 1;
  const int64_t cols = it->shape[inner], rows = it->shape[row_dim];
  int64_t idx[CT_MAX_DIMS] = {0};
  for (int64_t rem = begin, d = inner; rem && d >= 0; d--) {
    idx[d] = rem % it->shape[d];
    rem /= it->shape[d];
  }
  int64_t inner_strides[CT_ITER_MAX_OPS], row_step[CT_ITER_MAX_OPS];
  char *row[CT_ITER_MAX_OPS]; // operand k at (idx[0..row_dim], 0)
  for (int k = 0; k < nops; k++) {
    inner_strides[k] = it->strides[k][inner];
    row_step[k] = it->strides[k][row_dim];
    int64_t off = 0;
    for (int d = 0; d < inner; d++) off += idx[d] * it->strides[k][d];
    row[k] = it->data[k] + off;
  }
  int64_t pos = begin, col = idx[inner], r = idx[row_dim];
  for (;;) {
    for (; r < rows; r++) {
      int64_t n = cols - col;
      if (n > end - pos) n = end - pos;
      for (int k = 0; k < nops; k++) ptrs[k] = row[k] + col * inner_strides[k];
      loop(ptrs, inner_strides, n, ctx);
      pos += n;
      if (pos >= end) return;
      col = 0;
      for (int k = 0; k < nops; k++) row[k] += row_step[k];
    }
    r = 0;
    for (int k = 0; k < nops; k++) row[k] -= rows * row_step[k];
    for (int d = row_dim - 1; d >= 0; d--) {
      for (int k = 0; k < nops; k++) row[k] += it->strides[k][d];
      if (++idx[d] < it->shape[d]) break;
      for (int k = 0; k < nops; k++) row[k] -= it->shape[d] * it->strides[k][d];
      idx[d] = 0;
    }
  }
}

void ct__iter_run(const ct_iter *it, ct_loop_fn loop, void *ctx, bool parallel_ok) {
  assert(loop); // ops check their operands' devices and dtypes before picking a loop
  (void)parallel_ok; // read only with OpenMP
  if (it->numel == 0) return;
#ifdef _OPENMP
  const bool large = parallel_ok && it->numel >= 2 * CT_PARALLEL_GRAIN && !omp_in_parallel();
  const int threads = large ? ct__parallel_threads() : 1;
  if (threads > 1) {
    int64_t nchunks = it->numel / CT_PARALLEL_GRAIN;
    if (nchunks > threads) nchunks = threads;
    // Chunks start at whole rows (or, for one run, at multiples of 64 elements), so every
    // kernel call sees the vector blocks a single-threaded pass would: blocked kernels
    // (SLEEF blocks of 8/16, fused vector bodies) then give the same bits on any thread count.
    int64_t unit = it->ndim > 1 ? it->shape[it->ndim - 1] : 64;
#pragma omp parallel for num_threads((int)nchunks) schedule(static)
    for (int64_t c = 0; c < nchunks; c++) {
      int64_t b = it->numel * c / nchunks / unit * unit, e = c + 1 == nchunks ? it->numel
                                                                              : it->numel * (c + 1) / nchunks / unit * unit;
      run_range(it, loop, ctx, b, e);
    }
    return;
  }
#endif
  run_range(it, loop, ctx, 0, it->numel);
}

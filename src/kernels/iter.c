// Strided iteration with broadcasting and dimension coalescing.
#include <string.h>
#include "core/error_impl.h"
#include "kernels/iter.h"
#ifdef _OPENMP
#include <omp.h>
#endif

ct_status ct__broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                               int64_t *out) {
  int n = na > nb ? na : nb;
  for (int i = 0; i < n; i++) {
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

ct_status ct__iter_build(ct_iter *it, int nops, const ct_tensor *const *ops) {
  const ct_tensor *out = ops[0];
  int nd = out->ndim;
  memset(it, 0, sizeof *it);
  it->nops = nops;
  for (int k = 0; k < nops; k++) {
    const ct_tensor *t = ops[k];
    if (t->ndim > nd) return ct__error(CT_ERR_ARG, "iterator: operand has more dims than output");
    size_t es = ct_dtype_size(t->dtype);
    it->data[k] = ct__data(t);
    for (int d = 0; d < nd; d++) {
      int td = t->ndim - nd + d;
      int64_t size = td >= 0 ? t->shape[td] : 1;
      if (size != out->shape[d] && size != 1)
        return ct__error(CT_ERR_ARG,
                         "output with shape %lld at dim %d doesn't match the broadcast shape %lld",
                         (long long)out->shape[d], d, (long long)size);
      it->strides[k][d] = (td >= 0 && size != 1) ? t->strides[td] * (int64_t)es : 0;
    }
  }
  // Drop size-1 dims, then merge dim d into d+1 when every operand steps through them
  // as one run (stride[d] == stride[d+1] * shape[d+1]).
  int m = 0;
  for (int d = 0; d < nd; d++) {
    if (out->shape[d] == 1) continue;
    it->shape[m] = out->shape[d];
    for (int k = 0; k < nops; k++) it->strides[k][m] = it->strides[k][d];
    m++;
  }
  int c = 0;
  for (int d = 1; d < m; d++) {
    bool mergeable = true;
    for (int k = 0; k < nops; k++)
      if (it->strides[k][c] != it->strides[k][d] * it->shape[d]) mergeable = false;
    if (mergeable) {
      it->shape[c] *= it->shape[d];
      for (int k = 0; k < nops; k++) it->strides[k][c] = it->strides[k][d];
    } else {
      c++;
      it->shape[c] = it->shape[d];
      for (int k = 0; k < nops; k++) it->strides[k][c] = it->strides[k][d];
    }
  }
  it->ndim = m ? c + 1 : 0;
  it->numel = ct__numel_of(nd, out->shape);
  return CT_OK;
}

// Runs linear elements [begin, end) of the iteration space.
static void run_range(const ct_iter *it, ct_loop_fn loop, void *ctx, int64_t begin, int64_t end) {
  if (it->ndim == 0) { // a single element
    char *ptrs[CT_ITER_MAX_OPS];
    int64_t zero[CT_ITER_MAX_OPS] = {0};
    memcpy(ptrs, it->data, sizeof ptrs);
    if (begin < end) loop(ptrs, zero, 1, ctx);
    return;
  }
  int nd = it->ndim, inner = nd - 1;
  int64_t idx[CT_MAX_DIMS];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; d--) {
    idx[d] = rem % it->shape[d];
    rem /= it->shape[d];
  }
  int64_t inner_strides[CT_ITER_MAX_OPS];
  for (int k = 0; k < it->nops; k++) inner_strides[k] = it->strides[k][inner];
  int64_t pos = begin;
  while (pos < end) {
    char *ptrs[CT_ITER_MAX_OPS];
    for (int k = 0; k < it->nops; k++) {
      int64_t off = 0;
      for (int d = 0; d < nd; d++) off += idx[d] * it->strides[k][d];
      ptrs[k] = it->data[k] + off;
    }
    int64_t n = it->shape[inner] - idx[inner];
    if (n > end - pos) n = end - pos;
    loop(ptrs, inner_strides, n, ctx);
    pos += n;
    idx[inner] += n;
    for (int d = inner; d > 0 && idx[d] >= it->shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

void ct__iter_run(const ct_iter *it, ct_loop_fn loop, void *ctx, bool parallel_ok) {
  if (it->numel == 0) return;
#ifdef _OPENMP
  if (parallel_ok && it->numel >= 2 * CT_PARALLEL_GRAIN && omp_get_max_threads() > 1 && !omp_in_parallel()) {
    int64_t nchunks = it->numel / CT_PARALLEL_GRAIN;
    int threads = omp_get_max_threads();
    if (nchunks > threads) nchunks = threads;
#pragma omp parallel for num_threads((int)nchunks) schedule(static)
    for (int64_t c = 0; c < nchunks; c++) {
      int64_t b = it->numel * c / nchunks, e = it->numel * (c + 1) / nchunks;
      run_range(it, loop, ctx, b, e);
    }
    return;
  }
#endif
  run_range(it, loop, ctx, 0, it->numel);
}

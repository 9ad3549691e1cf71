// Sorting, selection and scans (kernels/sort.h) on the device, straightforward: one thread
// per row. Scans accumulate as the CPU loops (kernels/cpu/scan_tmpl.h: float32 in double,
// integers in uint64), in order, so they are the CPU's bits. Sorts are a stable bottom-up
// merge sort of (value, index) pairs in device scratch (NaN largest): values equal the
// CPU's; for an unstable sort, topk or kthvalue the index among equal values may differ
// from the one PyTorch's std::sort / nth_element order picks. topk returns its k values
// sorted whether or not `sorted` was asked.
#include <math.h>
#include <type_traits>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/dtype_rows.cuh"
#include "kernels/sort.h"

namespace {

// ---- scans ----

enum ScanKind { kSum, kProd, kLogSumExp };
template <typename T> using scan_acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

__device__ double log_add_exp(double x, double y) {
  const double lo = isnan(y) ? y : (y < x ? y : x), hi = isnan(y) ? y : (x < y ? y : x);
  if (lo != hi || isfinite(lo)) return log1p(exp(lo - hi)) + hi;
  return x;
}

template <typename T, ScanKind K> __global__ void scan_kernel(T *out, const T *in, ct_rows_shape s, bool reverse) {
  using A = scan_acc<T>;
  CT_GRID_STRIDE(r, s.outer * s.inner) {
    const int64_t first = (r / s.inner) * s.n * s.inner + r % s.inner;
    const int64_t step = reverse ? -s.inner : s.inner, start = first + (reverse ? (s.n - 1) * s.inner : 0);
    A acc = K == kProd ? A(1) : K == kSum ? A(0) : (A)-INFINITY;
    for (int64_t j = 0, at = start; j < s.n; j++, at += step) {
      if constexpr (K == kSum) acc += (A)in[at];
      else if constexpr (K == kProd) acc *= (A)in[at];
      else acc = log_add_exp((double)in[at], acc);
      out[at] = (T)acc;
    }
  }
}
template <typename T, ScanKind K> void scan(void *out, const void *in, ct_rows_shape s, bool reverse) {
  if (s.outer * s.inner <= 0 || s.n <= 0) return;
  scan_kernel<T, K><<<grid_for(s.outer * s.inner), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      static_cast<T *>(out), static_cast<const T *>(in), s, reverse);
  CT_CUDA_CHECK_LAUNCH("scan");
}

// ---- sorting ----

// a comes before b: ascending with NaN largest (descending: the reverse); equal keys keep
// their order (the merge takes from the left run first).
template <typename T> __device__ bool before(T a, T b, bool descending) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool an = a != a, bn = b != b;
    if (an || bn) return descending ? an && !bn : !an && bn;
  }
  return descending ? a > b : a < b;
}

// Row r: (value, index) pairs sorted into keys/idx (n each; tmp_k/tmp_i as large).
template <typename T>
__global__ void sort_rows_kernel(const T *in, ct_rows_shape s, bool descending, T *keys, int64_t *idx, T *tmp_k,
                                 int64_t *tmp_i) {
  CT_GRID_STRIDE(r, s.outer * s.inner) {
    const int64_t first = (r / s.inner) * s.n * s.inner + r % s.inner, n = s.n;
    T *k = keys + r * n, *tk = tmp_k + r * n;
    int64_t *ix = idx + r * n, *ti = tmp_i + r * n;
    for (int64_t j = 0; j < n; j++) k[j] = in[first + j * s.inner], ix[j] = j;
    for (int64_t width = 1; width < n; width *= 2) {
      for (int64_t lo = 0; lo < n; lo += 2 * width) {
        const int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
        int64_t a = lo, b = mid, o = lo;
        while (a < mid && b < hi) {
          const bool take_b = before(k[b], k[a], descending);
          tk[o] = take_b ? k[b] : k[a], ti[o++] = take_b ? ix[b++] : ix[a++];
        }
        while (a < mid) tk[o] = k[a], ti[o++] = ix[a++];
        while (b < hi) tk[o] = k[b], ti[o++] = ix[b++];
      }
      for (int64_t j = 0; j < n; j++) k[j] = tk[j], ix[j] = ti[j];
    }
  }
}

// Writes m sorted positions starting at `from` of each row into [outer, m, inner] blocks.
template <typename T>
__global__ void take_kernel(const T *keys, const int64_t *idx, ct_rows_shape s, int64_t from, int64_t m, T *values,
                            int64_t *indices) {
  CT_GRID_STRIDE(t, s.outer * s.inner * m) {
    const int64_t r = t / m, j = t % m, o = r / s.inner, i = r % s.inner;
    const int64_t at = (o * m + j) * s.inner + i;
    values[at] = keys[r * s.n + from + j];
    indices[at] = idx[r * s.n + from + j];
  }
}

// Sorts every row (ascending or descending) and writes positions [from, from + m).
template <typename T>
bool sort_and_take(void *values, int64_t *indices, const void *in, ct_rows_shape s, bool descending, int64_t from,
                   int64_t m) {
  const int64_t rows = s.outer * s.inner, total = rows * s.n;
  if (rows <= 0 || m <= 0) return true;
  const size_t bytes = (size_t)total * 2 * (sizeof(T) + sizeof(int64_t));
  char *scratch = static_cast<char *>(ct__cuda_temp_alloc(bytes));
  if (!scratch) return false;
  T *keys = reinterpret_cast<T *>(scratch), *tmp_k = keys + total;
  int64_t *idx = reinterpret_cast<int64_t *>(scratch + (size_t)total * 2 * sizeof(T)), *tmp_i = idx + total;
  sort_rows_kernel<T><<<grid_for(rows), kBlockThreads, 0, CT_CUDA_STREAM>>>(static_cast<const T *>(in), s, descending,
                                                                            keys, idx, tmp_k, tmp_i);
  take_kernel<T><<<grid_for(rows * m), kBlockThreads, 0, CT_CUDA_STREAM>>>(keys, idx, s, from, m,
                                                                           static_cast<T *>(values), indices);
  CT_CUDA_CHECK_LAUNCH("sort");
  ct__cuda_temp_free(scratch);
  return true;
}

template <typename T> bool sort(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  return sort_and_take<T>(values, indices, in, a->s, a->descending, 0, a->s.n);
}
template <typename T> bool topk(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  return sort_and_take<T>(values, indices, in, a->s, a->descending, 0, a->k);
}
template <typename T> bool kthvalue(void *values, int64_t *indices, const void *in, const ct_sort_args *a) {
  return sort_and_take<T>(values, indices, in, a->s, false, a->k - 1, 1);
}

template <typename T> constexpr ct_scan_fn cumsum_of = scan<T, kSum>;
template <typename T> constexpr ct_scan_fn cumprod_of = scan<T, kProd>;
template <typename T> constexpr ct_scan_fn logcumsumexp_of = scan<T, kLogSumExp>;
const ct_sort_fn sort_row[CT_NUM_DTYPES] = CUDA_ROW_ALL(sort), topk_row[CT_NUM_DTYPES] = CUDA_ROW_NUMERIC(topk),
                 kthvalue_row[CT_NUM_DTYPES] = CUDA_ROW_NUMERIC(kthvalue);
const ct_scan_fn cumsum_row[CT_NUM_DTYPES] = CUDA_ROW_NUMERIC(cumsum_of),
                 cumprod_row[CT_NUM_DTYPES] = CUDA_ROW_NUMERIC(cumprod_of),
                 logcumsumexp_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(logcumsumexp_of);

} // namespace

extern "C" {
extern const ct_sort_kernels ct__cuda_sort_kernels;
const ct_sort_kernels ct__cuda_sort_kernels = {sort_row, topk_row, kthvalue_row, cumsum_row, cumprod_row,
                                               logcumsumexp_row};
}

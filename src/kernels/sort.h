// Sort kernel family (kernels/cpu/sort*.c, kernels/cpu/scan*.c): sorting, selection
// (topk, kthvalue) and cumulative scans (cumsum, cumprod, logcumsumexp) along one dim.
//
// Every function takes contiguous blocks of shape [outer, n, inner] (the op makes its
// input contiguous and views it so, the sorted or scanned dim in the middle): row
// (o, i) is the n elements in[(o * n + j) * inner + i], j < n. Results are blocks of
// [outer, m, inner] in the same layout, m being n (sort, scans), k (topk) or 1
// (kthvalue). Each loop follows PyTorch 1.13's CPU kernel for its op: the comparison and
// move order of its std::sort / std::nth_element / std::partial_sort calls (so ties and
// unstable sorts pick PyTorch's indices), its accumulation types (double for float32
// scans), its NaN rules. Rows are independent; large inputs are split across threads.
#ifndef CTORCH_SRC_KERNELS_SORT_H
#define CTORCH_SRC_KERNELS_SORT_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/dtype.h"

/// Rows of a [outer, n, inner] block.
typedef struct ct_rows_shape {
  int64_t outer, n, inner;
} ct_rows_shape;

/// Arguments of sort, topk and kthvalue.
typedef struct ct_sort_args {
  ct_rows_shape s;
  int64_t k;       ///< topk: how many (0 <= k <= n); kthvalue: the rank, 1 <= k <= n
  bool descending; ///< sort: descending; topk: largest
  bool stable;     ///< sort: stable (std::stable_sort); topk: sorted
} ct_sort_args;

/// values (the input's dtype) and int64 indices, [outer, m, inner]: sort (m = n; NaN
/// sorts as the largest value), topk (m = k, the k largest or smallest, NaN largest),
/// kthvalue (m = 1, the k-th smallest). Returns false when scratch memory ran out
/// (nothing useful written then).
typedef bool (*ct_sort_fn)(void *values, int64_t *indices, const void *in, const ct_sort_args *a);

/// out[j] = in[0] op ... op in[j] along each row (reverse: in[j] op ... op in[n-1]), out
/// and in of the same dtype; float32 accumulates in double, integers in int64, as
/// PyTorch's CPU kernels.
typedef void (*ct_scan_fn)(void *out, const void *in, ct_rows_shape s, bool reverse);

typedef struct ct_sort_kernels {
  const ct_sort_fn *sort;         ///< [dtype], every dtype
  const ct_sort_fn *topk;         ///< [dtype], NULL for bool (PyTorch: not implemented)
  const ct_sort_fn *kthvalue;     ///< [dtype], NULL for bool
  const ct_scan_fn *cumsum;       ///< [dtype], NULL for bool (PyTorch: not implemented)
  const ct_scan_fn *cumprod;      ///< [dtype], NULL for bool
  const ct_scan_fn *logcumsumexp; ///< [dtype], floating dtypes only
} ct_sort_kernels;

#endif

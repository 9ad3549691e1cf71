/// @file sort.h
/// @brief Ordering, scans and searches: sort, argsort, topk, kthvalue, cumsum, cumprod,
/// logcumsumexp, all/any, nonzero, unique, with PyTorch 1.13's semantics and autograd.
///
/// Dims may be negative; a 0-d tensor takes dim 0 or -1. Ops returning values and indices
/// follow ct_max_dim: the values are returned, the int64 indices go to `*indices` when it
/// is not NULL. NaN counts as larger than every number (sort, topk, kthvalue). Ties land
/// where PyTorch's CPU kernels put them: a stable sort keeps the input order, an unstable
/// sort, topk and kthvalue reproduce the order of PyTorch's own algorithms.
#ifndef CTORCH_SORT_H
#define CTORCH_SORT_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// torch.sort(t, dim, descending) (SortBackward0), or with stable=True
/// torch.sort(t, dim=dim, descending=descending, stable=True) (SortBackward1): the sorted
/// values and their positions in t along dim.
CT_API ct_tensor *ct_sort(ct_tensor *t, int dim, bool descending, bool stable, ct_tensor **indices);
/// torch.argsort(t, dim, descending, stable): the indices of ct_sort.
CT_API ct_tensor *ct_argsort(ct_tensor *t, int dim, bool descending, bool stable);
/// torch.topk(t, k, dim, largest, sorted): the k largest (smallest when !largest) values
/// along dim (TopkBackward0), in order when `sorted`, and their indices.
CT_API ct_tensor *ct_topk(ct_tensor *t, int64_t k, int dim, bool largest, bool sorted, ct_tensor **indices);
/// torch.kthvalue(t, k, dim, keepdim): the k-th smallest value along dim (k from 1;
/// KthvalueBackward0) and its index.
CT_API ct_tensor *ct_kthvalue(ct_tensor *t, int64_t k, int dim, bool keepdim, ct_tensor **indices);

/// torch.cumsum(t, dim): running sums along dim (CumsumBackward0). bool and integer
/// input gives int64; float32 sums accumulate in double, as PyTorch's CPU kernel.
CT_API ct_tensor *ct_cumsum(ct_tensor *t, int dim);
/// torch.cumsum(t, dim, dtype=dtype): t converted to dtype first.
CT_API ct_tensor *ct_cumsum_dtype(ct_tensor *t, int dim, ct_dtype dtype);
/// torch.cumprod(t, dim): running products (CumprodBackward0, zeros in t included);
/// dtypes as ct_cumsum.
CT_API ct_tensor *ct_cumprod(ct_tensor *t, int dim);
/// torch.cumprod(t, dim, dtype=dtype).
CT_API ct_tensor *ct_cumprod_dtype(ct_tensor *t, int dim, ct_dtype dtype);
/// torch.logcumsumexp(t, dim): log of the running sums of exp(t), computed stably
/// (LogcumsumexpBackward0). Floating input only.
CT_API ct_tensor *ct_logcumsumexp(ct_tensor *t, int dim);

/// torch.all(t): a bool 0-d tensor, true when no element is zero (true for no elements).
CT_API ct_tensor *ct_all(ct_tensor *t);
/// torch.all(t, dim, keepdim): bool, along one dim.
CT_API ct_tensor *ct_all_dim(ct_tensor *t, int dim, bool keepdim);
/// torch.any(t): a bool 0-d tensor, true when some element is not zero (NaN counts).
CT_API ct_tensor *ct_any(ct_tensor *t);
/// torch.any(t, dim, keepdim).
CT_API ct_tensor *ct_any_dim(ct_tensor *t, int dim, bool keepdim);

/// torch.nonzero(t): int64 [count, ndim], the indices of the non-zero elements in
/// row-major order.
CT_API ct_tensor *ct_nonzero(ct_tensor *t);
/// torch.nonzero(t, as_tuple=True): one int64 [count] tensor per dim (one for a 0-d t)
/// into out[0..], which must have room for max(ndim, 1) entries; returns how many, or -1
/// on error.
CT_API int ct_nonzero_tuple(ct_tensor *t, ct_tensor **out);

/// torch.unique(t, sorted=True, return_inverse, return_counts) over the flattened
/// tensor: its distinct values, ascending. `*inverse` (if not NULL): int64, t's shape,
/// each element's position in the result; `*counts` (if not NULL): int64, how often each
/// value occurs. Every NaN is distinct. (PyTorch's sorted=False order is its hash
/// table's; ctorch always sorts.)
CT_API ct_tensor *ct_unique(ct_tensor *t, ct_tensor **inverse, ct_tensor **counts);
/// torch.unique_consecutive(t, return_inverse, return_counts) over the flattened tensor:
/// the first value of each run of equal neighbours; inverse and counts as ct_unique.
CT_API ct_tensor *ct_unique_consecutive(ct_tensor *t, ct_tensor **inverse, ct_tensor **counts);

#ifdef __cplusplus
}
#endif
#endif

/// @file scatter.h
/// @brief Writing through indices: scatter (src or value, reduce), advanced indexing
/// with index tensors on any dims (x[:, idx], x[i, j], x[mask]), index_put (x[idx] = v),
/// masked_scatter.
///
/// In-place forms (trailing `_`) return x itself and follow the
/// in-place rules of the other `*_` ops: a leaf that requires grad is refused while grad
/// mode is on, and writing through a view of a tensor in a graph records CopySlices.
#ifndef CTORCH_SCATTER_H
#define CTORCH_SCATTER_H
#include "ctorch/tensor.h"
#ifdef __cplusplus
extern "C" {
#endif

/// How scatter combines a written value with the element already there.
typedef enum ct_scatter_reduce {
  CT_SCATTER_ASSIGN,   ///< no reduce: the value replaces the element (the last one wins)
  CT_SCATTER_ADD,      ///< reduce='add'
  CT_SCATTER_MULTIPLY, ///< reduce='multiply'
} ct_scatter_reduce;

/// torch.scatter(x, dim, index, src[, reduce]): a copy of x with out[p with p[dim] =
/// index[p]] = src[p] (or combined by reduce) for every position p of index. index is
/// int64, no larger than src and (outside dim) x; src has x's dtype. grad_fn
/// ScatterBackward0 without reduce; with reduce PyTorch has no derivative (NotImplemented:
/// backward fails).
CT_API ct_tensor *ct_scatter(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src, ct_scatter_reduce reduce);
/// x.scatter_(dim, index, src[, reduce]), in place.
CT_API ct_tensor *ct_scatter_(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src, ct_scatter_reduce reduce);
/// torch.scatter(x, dim, index, value[, reduce]) (ScatterBackward1 without reduce).
CT_API ct_tensor *ct_scatter_value(ct_tensor *x, int dim, ct_tensor *index, double value, ct_scatter_reduce reduce);
/// x.scatter_(dim, index, value[, reduce]), in place.
CT_API ct_tensor *ct_scatter_value_(ct_tensor *x, int dim, ct_tensor *index, double value, ct_scatter_reduce reduce);

/// x[indices] with PyTorch's advanced indexing (aten::index, grad_fn IndexBackward0):
/// indices[k] indexes dim k (after the dims taken by earlier masks); NULL stands for a
/// full slice `:`, and dims past the n given are full slices. An int64 index
/// picks along its dim (negatives count from the end); a bool index is a mask over as
/// many dims as it has. The index tensors broadcast together to shape B; the result is
/// x's shape with the indexed dims replaced by B where they are adjacent, else B followed
/// by the other dims. x[:, idx] is ct_index_tensors(x, 2, (ct_tensor *[]){NULL, idx}).
CT_API ct_tensor *ct_index_tensors(ct_tensor *x, int n, ct_tensor *const *indices);
/// x.index_put(indices, values, accumulate) (IndexPutBackward0), out of place: a copy of
/// x with x[indices] = values (values broadcast to the indexing result's shape, x's
/// dtype); accumulate adds instead, repeated indices adding up.
CT_API ct_tensor *ct_index_put(ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values, bool accumulate);
/// x.index_put_(indices, values, accumulate), in place: x[idx] = t, x[mask] = t.
CT_API ct_tensor *ct_index_put_(ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values, bool accumulate);
/// x[indices] = value with a C scalar, as Python's x[mask] = 0.5 (index_put_ with a 0-d
/// tensor of x's dtype).
CT_API ct_tensor *ct_index_put_scalar_(ct_tensor *x, int n, ct_tensor *const *indices, double value);

/// x.masked_scatter(mask, source) (MaskedScatterBackward0): x and the bool mask
/// broadcast together; the positions where mask is true, in row-major order, take
/// source's first elements in row-major order. source has x's dtype and at least as many
/// elements as mask has true values.
CT_API ct_tensor *ct_masked_scatter(ct_tensor *x, ct_tensor *mask, ct_tensor *source);
/// x.masked_scatter_(mask, source), in place (mask broadcasts to x's shape).
CT_API ct_tensor *ct_masked_scatter_(ct_tensor *x, ct_tensor *mask, ct_tensor *source);

#ifdef __cplusplus
}
#endif
#endif

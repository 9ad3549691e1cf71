/// @file index.h
/// @brief Indexing and gathering: index tensors, index_select, gather, scatter_add, masked_fill, embedding, one_hot.
///
/// Results are new contiguous tensors (never views). Index values are checked before
/// anything is computed; a bad one fails the call with PyTorch's message. Gradients of
/// repeated indices accumulate.
#ifndef CTORCH_INDEX_H
#define CTORCH_INDEX_H
#include "ctorch/init.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// x[index] (grad_fn IndexBackward0). An int64 index picks along dim 0: the result has
/// shape index.shape + x.shape[1:], negative values count from the end. A bool index is
/// a mask over x's leading index.ndim dims (shapes must match): the result has shape
/// [number of true elements] + x.shape[index.ndim:]. A 0-d int64 index gives x.shape[1:]
/// as aten::index does (Python's x[torch.tensor(1)] would make a SelectBackward0 view).
CT_API ct_tensor *ct_index(ct_tensor *x, ct_tensor *index);

/// torch.index_select(x, dim, index) (IndexSelectBackward0): index is a 1-D (or 0-d)
/// int64 or int32 tensor of values in [0, x.size(dim)); the result has x's shape with
/// size(dim) = index.numel().
CT_API ct_tensor *ct_index_select(ct_tensor *x, int dim, ct_tensor *index);

/// torch.gather(x, dim, index) (GatherBackward0): out[p] = x[p with p[dim] = index[p]].
/// index is int64 with x's number of dims and sizes <= x's outside dim; the result has
/// index's shape.
CT_API ct_tensor *ct_gather(ct_tensor *x, int dim, ct_tensor *index);

/// torch.scatter_add(x, dim, index, src) (ScatterAddBackward0), out of place: a copy of
/// x with out[p with p[dim] = index[p]] += src[p] for every position p of index.
/// src has x's dtype; index is int64 and no larger than src (and than x outside dim).
CT_API ct_tensor *ct_scatter_add(ct_tensor *x, int dim, ct_tensor *index, ct_tensor *src);

/// x.masked_fill(mask, value) (MaskedFillBackward0): mask is bool and broadcasts with x;
/// the result has the broadcast shape and x's dtype. Errors like PyTorch when value does
/// not fit x's dtype ("value cannot be converted to type int without overflow").
CT_API ct_tensor *ct_masked_fill(ct_tensor *x, ct_tensor *mask, double value);


/// F.embedding(indices, weight, padding_idx) (EmbeddingBackward0): rows of the 2-D weight
/// picked by int64/int32 indices of any shape; the result has shape indices.shape +
/// [weight.size(1)]. padding_idx (negative counts from the end, CT_NO_PADDING_IDX (init.h) for none)
/// only affects backward: that row's gradient stays zero.
CT_API ct_tensor *ct_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx);

/// F.one_hot(indices, num_classes): int64 result of shape indices.shape + [num_classes];
/// num_classes = -1 uses max(indices) + 1. indices must be int64 and non-negative.
CT_API ct_tensor *ct_one_hot(ct_tensor *indices, int64_t num_classes);

#ifdef __cplusplus
}
#endif
#endif

/// @file shape_ops.h
/// @brief Ops that repeat, split, reorder or mask the elements of a tensor: repeat, tile,
/// repeat_interleave, split, chunk, unbind, flip, roll, tril, triu, einsum.
///
/// Functions that return several tensors (split, chunk, unbind) fill a caller array and
/// return how many tensors they made (see docs/API.md, Conventions).
#ifndef CTORCH_SHAPE_OPS_H
#define CTORCH_SHAPE_OPS_H
#include "ctorch/tensor.h"
#ifdef __cplusplus
extern "C" {
#endif

/// x.repeat(*repeats) (RepeatBackward0): n >= x's ndim repeat counts (leading extra counts
/// add dims). A new contiguous tensor.
CT_API ct_tensor *ct_repeat(ct_tensor *x, int n, const int64_t *repeats);
/// torch.tile(x, dims) (RepeatBackward0): ct_repeat with dims padded by leading 1s when
/// fewer than x's ndim are given.
CT_API ct_tensor *ct_tile(ct_tensor *x, int n, const int64_t *dims);
/// Passed as `dim` to ct_repeat_interleave* for PyTorch's dim=None (x flattened first).
#define CT_NO_DIM INT32_MIN
/// x.repeat_interleave(repeats, dim) with one int count (IndexSelectBackward0, as
/// PyTorch 1.13 computes it with index_select). dim CT_NO_DIM flattens x first.
CT_API ct_tensor *ct_repeat_interleave(ct_tensor *x, int64_t repeats, int dim);
/// x.repeat_interleave(repeats, dim) with an int64 tensor of counts: 0-d or 1-D, one count
/// per element along dim (or a single count for all).
CT_API ct_tensor *ct_repeat_interleave_tensor(ct_tensor *x, ct_tensor *repeats, int dim);
/// torch.repeat_interleave(repeats): for a 1-D int64 tensor of counts, each index i
/// repeated repeats[i] times (int64).
CT_API ct_tensor *ct_repeat_interleave_counts(ct_tensor *repeats);

/// x.split(split_size, dim): views of split_size elements along dim (the last one may be
/// shorter), grad_fn SplitBackward0. Writes the views to out[0..] and returns their number,
/// or -1 on error. Pass out NULL and cap 0 to only count them; a cap smaller than the
/// count is an error.
CT_API int ct_split(ct_tensor *x, int64_t split_size, int dim, ct_tensor **out, int cap);
/// x.split(sizes, dim) with a list of n sizes that sum to x.size(dim)
/// (SplitWithSizesBackward0). Returns n, or -1 on error.
CT_API int ct_split_with_sizes(ct_tensor *x, int n, const int64_t *sizes, int dim, ct_tensor **out, int cap);
/// x.chunk(chunks, dim): split with size ceil(size(dim) / chunks) (SplitBackward0), so
/// there may be fewer than `chunks` pieces. Returns their number, or -1 on error.
CT_API int ct_chunk(ct_tensor *x, int chunks, int dim, ct_tensor **out, int cap);
/// x.unbind(dim): x.size(dim) views with dim removed (UnbindBackward0). Returns their
/// number, or -1 on error.
CT_API int ct_unbind(ct_tensor *x, int dim, ct_tensor **out, int cap);

/// x.flip(dims) (FlipBackward0): a copy with the n dims reversed.
CT_API ct_tensor *ct_flip(ct_tensor *x, int n, const int *dims);
/// x.roll(shifts, dims) (RollBackward0): elements shifted by shifts[i] along dims[i],
/// wrapping around. n == 0 with dims NULL and one shift rolls the flattened tensor.
CT_API ct_tensor *ct_roll(ct_tensor *x, int n_shifts, const int64_t *shifts, int n_dims, const int *dims);
/// x.tril(diagonal) (TrilBackward0): elements above the diagonal-th diagonal of the last
/// two dims set to zero.
CT_API ct_tensor *ct_tril(ct_tensor *x, int64_t diagonal);
/// x.triu(diagonal) (TriuBackward0): elements below the diagonal-th diagonal set to zero.
CT_API ct_tensor *ct_triu(ct_tensor *x, int64_t diagonal);

/// torch.einsum(equation, operands): explicit ("ij,jk->ik") or implicit ("ij,jk": the
/// labels seen once, in order A-Z then a-z) output, "..." for broadcast dims, repeated
/// labels of one operand take its diagonal, size-1 dims broadcast. Operands are
/// contracted left to right through bmm; gradients come from the ops it is built of
/// (so grad_fn names differ from PyTorch's). At most 8 distinct labels (ctorch's dims).
CT_API ct_tensor *ct_einsum(const char *equation, int n, ct_tensor *const *operands);

#ifdef __cplusplus
}
#endif
#endif

/// @file view.h
/// @brief Shape operations. Views share storage with their input (and record the view's
/// grad_fn when the input requires grad); the others copy.
#ifndef CTORCH_VIEW_H
#define CTORCH_VIEW_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// View with a new shape (one entry may be -1). Errors like PyTorch when the strides do
/// not allow a view ("view size is not compatible with input tensor's size and stride").
/// grad_fn ViewBackward0.
CT_API ct_tensor *ct_view(ct_tensor *t, int ndim, const int64_t *shape);
/// A view when the strides allow one (grad_fn ReshapeAliasBackward0), otherwise a
/// row-major copy (UnsafeViewBackward0 over CloneBackward0), as PyTorch 1.13.
CT_API ct_tensor *ct_reshape(ct_tensor *t, int ndim, const int64_t *shape);
/// Swap two dims.
CT_API ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1);
/// 2-D transpose (t.t()); 0-D and 1-D are returned as views unchanged.
CT_API ct_tensor *ct_t(ct_tensor *t);
/// t.T: all dims reversed (a permute).
CT_API ct_tensor *ct_T(ct_tensor *t);
/// Reorder dims: dims is a permutation of 0..ndim-1 (negatives allowed).
CT_API ct_tensor *ct_permute(ct_tensor *t, const int *dims);
/// Remove all size-1 dims.
CT_API ct_tensor *ct_squeeze(ct_tensor *t);
/// Remove dim if it has size 1 (otherwise a view of t unchanged).
CT_API ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim);
/// Insert a size-1 dim at `dim` (in [-ndim-1, ndim]).
CT_API ct_tensor *ct_unsqueeze(ct_tensor *t, int dim);
/// Broadcast view to `shape` (entries -1 keep the size; new leading dims may be added).
/// Expanded dims get stride 0; a new leading dim of size 1 gets the stride a row-major
/// layout would give it (PyTorch's strides).
CT_API ct_tensor *ct_expand(ct_tensor *t, int ndim, const int64_t *shape);
/// Flatten dims start..end (inclusive, negatives allowed) into one, through ct_reshape;
/// start == end returns t itself (a new reference), a 0-dim t becomes shape [1].
CT_API ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim);
/// t itself (a new reference) if contiguous (any tensor without elements counts),
/// otherwise a row-major copy (CloneBackward0).
CT_API ct_tensor *ct_contiguous(ct_tensor *t);
/// A copy (CloneBackward0) laid out like t, as PyTorch's memory_format=preserve: t's own
/// strides when t is dense (a permutation of a row-major layout), else dense strides in
/// t's dim order. Use ct_contiguous for a row-major copy.
CT_API ct_tensor *ct_clone(ct_tensor *t);
/// Elements start..start+length-1 along dim (SliceBackward0). start may be negative
/// (counted from the end) or equal to the dim's size.
CT_API ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length);
/// Index `index` along dim, removing the dim (x[i], x[:, i]).
CT_API ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index);
/// Python slicing along dim: start:stop:step with Python's clamping of start/stop and
/// negative indices; step must be positive. Use CT_END for an open stop.
CT_API ct_tensor *ct_slice(ct_tensor *t, int dim, int64_t start, int64_t stop, int64_t step);
#define CT_END INT64_MAX
/// Sliding windows: dim of size n becomes (n-size)/step+1 and a new last dim of `size`
/// (UnfoldBackward0; overlapping windows add up in backward).
CT_API ct_tensor *ct_unfold(ct_tensor *t, int dim, int64_t size, int64_t step);
/// Concatenate n tensors along dim (shapes equal except dim; dtypes promote). Legacy
/// empty inputs of shape [0] are skipped. The result is row-major, or channels-last when
/// every input is laid out so (PyTorch's cat memory format).
CT_API ct_tensor *ct_cat(ct_tensor *const *tensors, int n, int dim);
/// Stack n tensors of equal shape along a new dim (StackBackward0); strides as PyTorch's
/// stack, which is a cat.
CT_API ct_tensor *ct_stack(ct_tensor *const *tensors, int n, int dim);
/// Convert to dtype (t itself, a new reference, if already that dtype). Float→int truncates.
/// The copy keeps t's layout like ct_clone; ToCopyBackward0 for floating results.
CT_API ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype);
/// Copy src's values into dst (broadcasting src to dst's shape, converting dtype). Under
/// grad mode, when either requires grad and dst is floating, dst's grad_fn becomes
/// CopyBackwards (src gets the gradient; dst's old history gets zeros); a leaf dst that
/// requires grad is refused. Errors like PyTorch when dst has repeated elements (stride
/// 0) or partly overlaps src.
CT_API ct_status ct_copy_(ct_tensor *dst, const ct_tensor *src);

#ifdef __cplusplus
}
#endif
#endif

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
CT_API ct_tensor *ct_view(ct_tensor *t, int ndim, const int64_t *shape);
/// view when possible, otherwise a contiguous copy.
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
/// Broadcast view to `shape` (entries -1 keep the size). Size-1 dims get stride 0.
CT_API ct_tensor *ct_expand(ct_tensor *t, int ndim, const int64_t *shape);
/// Flatten dims start..end (inclusive, negatives allowed) into one.
CT_API ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim);
/// t itself (a new reference) if contiguous, otherwise a contiguous copy.
CT_API ct_tensor *ct_contiguous(ct_tensor *t);
/// Contiguous copy (keeps autograd: CloneBackward0).
CT_API ct_tensor *ct_clone(ct_tensor *t);
/// Elements start..start+length-1 along dim.
CT_API ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length);
/// Index `index` along dim, removing the dim (x[i], x[:, i]).
CT_API ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index);
/// Python slicing along dim: start:stop:step with Python's clamping of start/stop and
/// negative indices; step must be positive. Use CT_END for an open stop.
CT_API ct_tensor *ct_slice(ct_tensor *t, int dim, int64_t start, int64_t stop, int64_t step);
#define CT_END INT64_MAX
/// Sliding windows: dim of size n becomes (n-size)/step+1 and a new last dim of `size`.
CT_API ct_tensor *ct_unfold(ct_tensor *t, int dim, int64_t size, int64_t step);
/// Concatenate n tensors along dim (shapes equal except dim; dtypes promote).
CT_API ct_tensor *ct_cat(ct_tensor *const *tensors, int n, int dim);
/// Stack n tensors of equal shape along a new dim.
CT_API ct_tensor *ct_stack(ct_tensor *const *tensors, int n, int dim);
/// Convert to dtype (t itself, a new reference, if already that dtype). Float→int truncates.
CT_API ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype);
/// Copy src's values into dst (broadcasting src to dst's shape, converting dtype).
CT_API ct_status ct_copy_(ct_tensor *dst, const ct_tensor *src);

#ifdef __cplusplus
}
#endif
#endif

/// @file tensor.h
/// @brief The tensor handle: a strided view (dtype, shape, strides, offset, autograd
/// fields) over a reference-counted storage.
///
/// Ownership: every tensor a ctorch function returns is owned by the innermost scope of
/// the calling thread, and there always is one (see scope.h): the caller never releases
/// it. Accessors returning `ct_tensor *` (ct_grad ...) return a borrowed pointer. Code
/// that stores a tensor beyond its scope takes a reference with ct_retain() and gives it
/// back with ct_release().
#ifndef CTORCH_TENSOR_H
#define CTORCH_TENSOR_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/dtype.h"
#include "ctorch/error.h"
#include "ctorch/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor ct_tensor;

/// Add a reference, to be given back with ct_release(). Returns t.
CT_API ct_tensor *ct_retain(ct_tensor *t);
/// Give back a reference taken with ct_retain(); the tensor (and its storage, when no
/// view remains) is freed when no reference is left. Releasing a reference you did not
/// retain is misuse: when every reference left belongs to scopes, this records
/// CT_ERR_RUNTIME and frees nothing (the scope frees it when it closes; ct_scope_release
/// gives a scope's reference up early). NULL is a no-op.
CT_API void ct_release(ct_tensor *t);

/// Number of dimensions (0 for a scalar); -1 for NULL.
CT_API int ct_dim(const ct_tensor *t);
/// Size of dimension `dim` (negative counts from the end); -1 and an error if out of range.
CT_API int64_t ct_size(const ct_tensor *t, int dim);
/// Pointer to the shape array (ct_dim entries). Borrowed.
CT_API const int64_t *ct_shape(const ct_tensor *t);
/// Pointer to the strides array, in elements. Borrowed.
CT_API const int64_t *ct_strides(const ct_tensor *t);
/// Offset of the first element in the storage, in elements.
CT_API int64_t ct_storage_offset(const ct_tensor *t);
/// Number of elements.
CT_API int64_t ct_numel(const ct_tensor *t);
/// Element type.
CT_API ct_dtype ct_get_dtype(const ct_tensor *t);
/// Device of the storage.
CT_API ct_device ct_get_device(const ct_tensor *t);
/// True when the elements are laid out row-major without gaps.
CT_API bool ct_is_contiguous(const ct_tensor *t);
/// Pointer to the first element (storage + offset). Writable; mind shared views.
CT_API void *ct_data_ptr(const ct_tensor *t);
/// True if both tensors view the same storage.
CT_API bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b);

/// The only element of a one-element tensor, as double (PyTorch's .item()).
/// Sets *out and returns CT_OK; errors on NULL or numel != 1.
CT_API ct_status ct_item(const ct_tensor *t, double *out);
/// Same as ct_item for int64 results (exact for int64 tensors).
CT_API ct_status ct_item_int(const ct_tensor *t, int64_t *out);
/// Element at a full index (ndim entries), as double. Errors if out of range.
CT_API ct_status ct_get(const ct_tensor *t, const int64_t *index, double *out);
/// Write an element at a full index (value converted to the dtype).
CT_API ct_status ct_set(ct_tensor *t, const int64_t *index, double value);
/// Copy all elements, converted to double, row-major, into out[numel].
CT_API ct_status ct_to_f64_array(const ct_tensor *t, double *out);
/// Copy all elements, converted to int64, row-major, into out[numel].
CT_API ct_status ct_to_i64_array(const ct_tensor *t, int64_t *out);

/// Formats the shape as PyTorch does: "torch.Size([4, 3])". Returns CT_OK, or an error
/// (and a truncated string) if `cap` is too small.
CT_API ct_status ct_shape_str(const ct_tensor *t, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif

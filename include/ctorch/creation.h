/// @file creation.h
/// @brief Creating tensors: from C data, over external buffers, filled, ranges, *_like.
/// Random creation (rand, randn ...) is in random.h.
#ifndef CTORCH_CREATION_H
#define CTORCH_CREATION_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Tensor of `dtype` with shape[ndim], elements copied (and converted) from `data`,
/// which holds numel values of `src_dtype`, row-major. ndim 0 makes a scalar. Floats into
/// an integer dtype truncate toward zero; one the dtype cannot hold (NaN included) is
/// refused as torch.tensor refuses it ("value cannot be converted to type int64 without
/// overflow").
CT_API ct_tensor *ct_tensor_from_data(const void *data, ct_dtype src_dtype, ct_dtype dtype,
                                      int ndim, const int64_t *shape);
/// float32 tensor copied from `data` (PyTorch: torch.tensor(list of floats)).
CT_API ct_tensor *ct_tensor_from_f32(const float *data, int ndim, const int64_t *shape);
/// float64 tensor copied from `data`.
CT_API ct_tensor *ct_tensor_from_f64(const double *data, int ndim, const int64_t *shape);
/// int64 tensor copied from `data` (PyTorch: torch.tensor(list of ints)).
CT_API ct_tensor *ct_tensor_from_i64(const int64_t *data, int ndim, const int64_t *shape);
/// int32 tensor copied from `data`.
CT_API ct_tensor *ct_tensor_from_i32(const int32_t *data, int ndim, const int64_t *shape);
/// bool tensor copied from `data`.
CT_API ct_tensor *ct_tensor_from_bool(const bool *data, int ndim, const int64_t *shape);
/// 0-d tensor holding `value` converted to `dtype`.
CT_API ct_tensor *ct_scalar(double value, ct_dtype dtype);

/// Parse a nested-list literal such as "[[0, 1], [2, 3.5]]" or "True" with PyTorch's
/// inference: any float literal (".", "e", nan, inf) makes float32, otherwise ints make
/// int64, True/False alone make bool. Ragged lists are an error.
CT_API ct_tensor *ct_tensor_parse(const char *literal);
/// PyTorch's torch.Tensor(data): like ct_tensor_parse but always float32.
CT_API ct_tensor *ct_Tensor_parse(const char *literal);

/// Destructor for an external buffer: called once with (data, ctx) when the last view of
/// the storage is released.
typedef void (*ct_deleter)(void *data, void *ctx);
/// Tensor over an existing buffer, without copying (torch.from_numpy for C).
/// `strides` may be NULL (row-major). `deleter` may be NULL (caller keeps ownership and
/// must keep the buffer alive). If this call fails the deleter is NOT called.
CT_API ct_tensor *ct_from_blob(void *data, ct_dtype dtype, int ndim, const int64_t *shape,
                               const int64_t *strides, ct_deleter deleter, void *ctx);

/// Uninitialised tensor (contents unspecified; ctorch zero-fills for determinism).
CT_API ct_tensor *ct_empty(int ndim, const int64_t *shape, ct_dtype dtype);
/// torch.zeros(shape, dtype).
CT_API ct_tensor *ct_zeros(int ndim, const int64_t *shape, ct_dtype dtype);
/// torch.ones(shape, dtype).
CT_API ct_tensor *ct_ones(int ndim, const int64_t *shape, ct_dtype dtype);
/// torch.full(shape, value, dtype): every element is value (converted to dtype).
CT_API ct_tensor *ct_full(int ndim, const int64_t *shape, double value, ct_dtype dtype);
/// torch.arange(start, end, step) with PyTorch's length rule ceil((end-start)/step).
CT_API ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype);
/// torch.linspace(start, end, steps), float dtypes.
CT_API ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype);
/// torch.eye(n, m): identity-like matrix (m < 0 means m = n).
CT_API ct_tensor *ct_eye(int64_t n, int64_t m, ct_dtype dtype);

/// Same shape and dtype as `like` (PyTorch keeps dense strides; so does ctorch).
CT_API ct_tensor *ct_empty_like(const ct_tensor *like);
/// torch.zeros_like(like).
CT_API ct_tensor *ct_zeros_like(const ct_tensor *like);
/// torch.ones_like(like).
CT_API ct_tensor *ct_ones_like(const ct_tensor *like);
/// torch.full_like(like, value).
CT_API ct_tensor *ct_full_like(const ct_tensor *like, double value);

/// Shape helper for literals: CT_SHAPE(2, 3) expands to `2, (int64_t[]){2, 3}`.
#define CT_SHAPE(...) \
  (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}

#ifdef __cplusplus
}
#endif
#endif

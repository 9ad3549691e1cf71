// The kernel boundary: what a kernel knows of an operand. Plain data (pointer, dtype,
// device, shape, byte strides), no tensor, storage or autograd type: ops describe their
// tensors with ct__operand (core/operand.h) and hand the descriptors to the iterator or
// straight to a kernel family of the operands' device (kernels/dispatch.h).
#ifndef CTORCH_SRC_KERNELS_OPERAND_H
#define CTORCH_SRC_KERNELS_OPERAND_H
#include <stddef.h>
#include <stdint.h>
#include "ctorch/dtype.h"

typedef struct ct_operand {
  char *data;       ///< element 0 (device memory of `device`)
  ct_dtype dtype;
  ct_device device;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  int64_t strides[CT_MAX_DIMS]; ///< in bytes (0 along broadcast dims)
} ct_operand;

/// Bytes per element of a valid dtype, without a call (kernels' hot paths).
static inline size_t ct_elem_size(ct_dtype dtype) {
  static const unsigned char sizes[CT_NUM_DTYPES] = {
      [CT_BOOL] = 1, [CT_INT32] = 4, [CT_INT64] = 8, [CT_FLOAT32] = 4, [CT_FLOAT64] = 8};
  return sizes[dtype];
}

/// Makes op a 0-d operand over one value in host memory (a C scalar, or a 0-d tensor's
/// value converted for the kernel). Backends of every device read such an operand by
/// value, as PyTorch's kernels read a CPU scalar.
static inline void ct_operand_set_host_scalar(ct_operand *op, void *value, ct_dtype dtype) {
  op->data = (char *)value;
  op->dtype = dtype;
  op->device = CT_CPU; // host memory
  op->ndim = 0;
}

/// Swaps dims a and b of op: the transposed view of the same data.
static inline void ct_operand_swap_dims(ct_operand *op, int a, int b) {
  const int64_t shape = op->shape[a], stride = op->strides[a];
  op->shape[a] = op->shape[b], op->strides[a] = op->strides[b];
  op->shape[b] = shape, op->strides[b] = stride;
}

/// log2 of the element size: byte strides >> ct_elem_shift are element strides.
static inline int ct_elem_shift(ct_dtype dtype) {
  static const unsigned char shifts[CT_NUM_DTYPES] = {
      [CT_BOOL] = 0, [CT_INT32] = 2, [CT_INT64] = 3, [CT_FLOAT32] = 2, [CT_FLOAT64] = 3};
  return shifts[dtype];
}

/// Number of elements of a shape.
static inline int64_t ct_operand_numel(const ct_operand *op) {
  int64_t n = 1;
  for (int i = 0; i < op->ndim; i++) n *= op->shape[i];
  return n;
}

#endif

// Describing tensors for kernels (kernels/operand.h): the only place that turns a tensor's
// geometry into byte strides. Ops adjust a descriptor (transpose, restride, point it at a
// value) instead of making tensor headers for kernels to read.
#ifndef CTORCH_SRC_CORE_OPERAND_H
#define CTORCH_SRC_CORE_OPERAND_H
#include "core/tensor_impl.h"
#include "kernels/operand.h"

/// t's data seen with another geometry (shape, strides in elements of t): what a kernel
/// reads of a restrided, broadcast or flattened use of t, without a tensor header.
static inline ct_operand ct__operand_as(const ct_tensor *t, int ndim, const int64_t *shape, const int64_t *strides) {
  ct_operand op;
  const int64_t es = (int64_t)ct__dtype_size(t->dtype);
  op.data = ct__data(t);
  op.dtype = t->dtype;
  op.device = t->storage->device;
  op.ndim = ndim;
  for (int d = 0; d < ndim; d++) {
    op.shape[d] = shape[d];
    op.strides[d] = strides[d] * es;
  }
  return op;
}

/// The operand descriptor of t (its data pointer, dtype, device, shape, byte strides).
static inline ct_operand ct__operand(const ct_tensor *t) { return ct__operand_as(t, t->ndim, t->shape, t->strides); }

#endif

// Describing tensors for kernels (kernels/operand.h): the only place that turns a tensor's
// geometry into byte strides.
#ifndef CTORCH_SRC_CORE_OPERAND_H
#define CTORCH_SRC_CORE_OPERAND_H
#include "core/tensor_impl.h"
#include "kernels/operand.h"

/// The operand descriptor of t (its data pointer, dtype, device, shape, byte strides).
static inline ct_operand ct__operand(const ct_tensor *t) {
  ct_operand op;
  const int64_t es = (int64_t)ct__dtype_size(t->dtype);
  op.data = ct__data(t);
  op.dtype = t->dtype;
  op.device = t->storage->device;
  op.ndim = t->ndim;
  for (int d = 0; d < t->ndim; d++) {
    op.shape[d] = t->shape[d];
    op.strides[d] = t->strides[d] * es;
  }
  return op;
}

#endif

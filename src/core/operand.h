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

/// Sets *op to the descriptor of t (its data pointer, dtype, device, shape, byte
/// strides), in place: hot paths fill their operand arrays without a temporary copy.
/// Copies t's whole shape and stride arrays (initialised past ndim): fixed-size moves,
/// no loop over ndim and no memcpy call.
static inline void ct__operand_set(ct_operand *restrict op, const ct_tensor *restrict t) {
  const int shift = ct_elem_shift(t->dtype);
  op->data = ct__data(t);
  op->dtype = t->dtype;
  op->device = t->storage->device;
  op->ndim = t->ndim;
  for (int d = 0; d < CT_MAX_DIMS; d++) {
    op->shape[d] = t->shape[d];
    op->strides[d] = (int64_t)((uint64_t)t->strides[d] << shift);
  }
}

/// The descriptor of t, as a value (ct__operand_set where a copy does not matter).
static inline ct_operand ct__operand(const ct_tensor *t) {
  ct_operand op;
  ct__operand_set(&op, t);
  return op;
}

#endif

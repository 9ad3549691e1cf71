// PyTorch's dimension order and dense layouts of strided tensors (TensorIterator's
// reorder_dimensions, is_non_overlapping_and_dense, infer_dense_strides), shared by the
// random fills, the *_like layouts and the elementwise overlap checks.
#ifndef CTORCH_SRC_CORE_LAYOUT_H
#define CTORCH_SRC_CORE_LAYOUT_H
#include "core/tensor_impl.h"

/// TensorIterator::reorder_dimensions for one operand (also infer_dense_strides' order):
/// perm[0] is the fastest-varying dim, perm[ndim-1] the slowest.
void ct__iteration_perm(int ndim, const int64_t *shape, const int64_t *strides, int *perm);
/// The elements exactly fill a span of memory that starts at the first element: the dims
/// of size >= 2, sorted by stride, have strides 1, size0, size0*size1 ... (strides are
/// non-negative in ctorch). False for some 0-element tensors, unlike PyTorch's
/// is_non_overlapping_and_dense, which also accepts every contiguous one.
bool ct__is_non_overlapping_and_dense(const ct_tensor *t);
/// PyTorch's infer_dense_strides: dense strides[t->ndim] laid out in t's dim order.
void ct__infer_dense_strides(const ct_tensor *t, int64_t *strides);
/// Broadcast two shapes (PyTorch's rule). Records PyTorch's error message on mismatch.
ct_status ct__broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                               int64_t *out);
#endif

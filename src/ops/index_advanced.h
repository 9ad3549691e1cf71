// PyTorch's advanced indexing (x[i, :, j], x[mask]) resolved to element offsets, shared by
// ct_index_tensors, index_put and masked_scatter (src/ops/index_advanced.c).
//
// A plan turns the caller's index list into one int64 index tensor per indexed dim
// (masks become the coordinates of their true elements), checked and wrapped, and the
// result's shape. From a plan, ct__adv_offsets gives, for every result position, the
// element offset it reads or writes in a tensor of x's shape with any strides: the
// indexed elements are then moved by the index kernels' gather and scatter loops,
// stepping by one element per offset unit.
#ifndef CTORCH_SRC_OPS_INDEX_ADVANCED_H
#define CTORCH_SRC_OPS_INDEX_ADVANCED_H
#include "autograd/node.h"

typedef struct ct__adv_plan {
  int n;                       ///< index tensors after masks are expanded
  int dims[CT_MAX_DIMS];       ///< the dim of x each one indexes (increasing)
  ct_tensor *index[CT_MAX_DIMS]; ///< int64, wrapped into [0, size) (the caller's scope)
  int b_ndim;                  ///< the index tensors' broadcast shape ...
  int64_t b_shape[CT_MAX_DIMS];
  int b_pos;                   ///< ... sits at this position of the result
  int ndim;                    ///< the result's shape
  int64_t shape[CT_MAX_DIMS];
} ct__adv_plan;

/// Checks and resolves n indices over x (NULL: a full slice) with PyTorch's errors.
/// Tensors it makes go to the innermost scope.
ct_status ct__adv_plan_make(const ct_tensor *x, int n, ct_tensor *const *indices, ct__adv_plan *plan);
/// int64 tensor of the plan's result shape: the offset (in elements, from element 0) of
/// each indexed element in a tensor of x's shape laid out with `strides`.
ct_tensor *ct__adv_offsets(const ct__adv_plan *plan, const int64_t *strides);
/// out[p] = src's element at offsets[p] (out has offsets' shape).
void ct__adv_gather(ct_tensor *out, const ct_tensor *src, const ct_tensor *offsets);
/// dst's element at offsets[p] = / += values[p] (values broadcast to offsets' shape;
/// accumulate adds, in row-major order of p). Serial.
void ct__adv_put(ct_tensor *dst, const ct_tensor *offsets, const ct_tensor *values, bool accumulate);

#endif

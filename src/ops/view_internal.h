// Shared plumbing for view and shape ops (src/ops/view_*.c, copy_ops.c, join.c).
#ifndef CTORCH_SRC_OPS_VIEW_INTERNAL_H
#define CTORCH_SRC_OPS_VIEW_INTERNAL_H
#include "autograd/node.h"

/// A view of `in` with the given geometry; when `in` requires grad (and grad mode is on)
/// records `name`/`backward` with `in` as the single input. *node_out (may be NULL)
/// receives the node for op arguments. Returns NULL on error (nothing leaked).
ct_tensor *ct__view_op(ct_tensor *in, int ndim, const int64_t *shape, const int64_t *strides, int64_t offset,
                       const char *name, ct_backward_fn backward, ct_node **node_out);
/// Strides for viewing (shape, strides) as new_shape without copying, PyTorch's rule.
/// Returns false when no such strides exist.
bool ct__view_strides(int ndim, const int64_t *shape, const int64_t *strides, int new_ndim,
                      const int64_t *new_shape, int64_t *new_strides);
/// Resolve one -1 entry of `shape` for `numel` elements into `out`; PyTorch's errors.
ct_status ct__infer_shape(int ndim, const int64_t *shape, int64_t numel, int64_t *out);
/// No-grad reshape used by backward functions: a view when possible, else a copy.
ct_tensor *ct__reshape_nograd(ct_tensor *t, int ndim, const int64_t *shape);
/// Zero tensor of the node's input i geometry (dtype of `like`), for scatter-style backward.
ct_tensor *ct__zeros_for_input(const ct_node *node, int i, const ct_tensor *like);
#endif

// Shared plumbing for view and shape ops (src/ops/view_*.c, copy_ops.c, join.c).
#ifndef CTORCH_SRC_OPS_VIEW_INTERNAL_H
#define CTORCH_SRC_OPS_VIEW_INTERNAL_H
#include "autograd/node.h"

/// A view of `in` with the given geometry; when `in` requires grad (and grad mode is on)
/// records `name`/`backward` with `in` as the single input. With grad mode on it
/// remembers the base (view_base). *node_out (may be NULL) receives the node for op
/// arguments. Returns NULL on error (nothing leaked).
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
/// clone(memory_format=torch.contiguous_format), recording CloneBackward0.
ct_tensor *ct__clone_contiguous(ct_tensor *t);

// ---- memory layouts ----
/// PyTorch's is_contiguous: row-major without gaps, or no elements at all.
bool ct__contiguous_like_torch(const ct_tensor *t);
/// PyTorch's is_non_overlapping_and_dense: the elements fill numel slots exactly once,
/// in any dim order.
bool ct__dense_layout(const ct_tensor *t);
/// Strides PyTorch gives a copy made with memory_format=preserve (clone, .to(dtype)):
/// t's own strides when dense, else dense strides in t's dim order.
void ct__preserved_strides(const ct_tensor *t, int64_t *strides);
/// PyTorch's suggest_memory_format (what cat gives its output).
typedef enum { CT__CONTIGUOUS_FORMAT, CT__CHANNELS_LAST, CT__CHANNELS_LAST_3D } ct__memory_format;
ct__memory_format ct__suggest_format(int ndim, const int64_t *shape, const int64_t *strides);
/// Dense strides of a tensor of `shape` laid out in `format`.
void ct__format_strides(ct__memory_format format, int ndim, const int64_t *shape, int64_t *strides);
/// New uninitialised tensor with the given dense strides (a permutation of a contiguous
/// layout), registered with the scope.
ct_tensor *ct__alloc_strided(ct_dtype dtype, int ndim, const int64_t *shape, const int64_t *strides);
#endif

// Shared plumbing of the indexing ops (src/ops/index_*.c, gather.c, embedding.c).
//
// Two families of indexed copies, both run by the iterator over operand descriptors
// (kernels/operand.h) whose geometry is prepared here:
//  * take along dim (x[i], index_select, embedding):
//      out[pre..., i..., post...] = src[pre..., idx[i...], post...]
//  * gather/scatter (gather, scatter_add, one_hot), element by element:
//      out[p] = self[p with p[dim] = index[p]]   /   dst[p with p[dim] = index[p]] += src[p]
#ifndef CTORCH_SRC_OPS_INDEX_INTERNAL_H
#define CTORCH_SRC_OPS_INDEX_INTERNAL_H
#include "autograd/node.h"
#include "kernels/index.h"

/// The index kernels of t's device (ops check their tensors' devices first).
const ct_index_kernels *ct__index_kernels(const ct_tensor *t);

/// t's descriptor as PyTorch's scatter/gather see it: a 0-d tensor is a 1-element vector.
ct_operand ct__vector_operand(const ct_tensor *t);

/// Folds the values of the int64 tensor idx into *scan (min, max, first value outside
/// [lo, hi)). Returns true when every value is in range.
bool ct__index_scan(const ct_tensor *idx, int64_t lo, int64_t hi, ct_index_scan *scan);
/// A new contiguous int64 tensor with idx's values, negatives wrapped by + size.
ct_tensor *ct__index_wrapped(const ct_tensor *idx, int64_t size);

/// Records index_select's out-of-range message for value `bad` along dim of x (PyTorch
/// words it by code path); returns NULL.
void *ct__index_select_range_error(const ct_tensor *x, int dim, int64_t bad);

/// Runs a gather- or scatter-family loop over ops {o0, o1, idx} (3 descriptors of one
/// shape); the kernel steps by `step` bytes per index unit. Scatters run serially
/// (duplicate indices write the same element).
void ct__run_index_loop(ct_loop_fn loop, bool parallel, const ct_operand *ops, int64_t step);

/// Take along dim into a new contiguous tensor: src.shape[:dim] + idx.shape +
/// src.shape[dim+1:]. idx (int64) must be validated already.
ct_tensor *ct__take(const ct_operand *src, int dim, const ct_operand *idx);
/// Take along dim 0 with idx (int64) not validated yet: a value outside [0, rows) gives
/// NULL with *bad_found set and the first such value (in idx's order) in *bad, no error
/// recorded. Other failures: NULL, *bad_found false, error recorded.
ct_tensor *ct__take_checked(const ct_tensor *src, const ct_tensor *idx, bool *bad_found, int64_t *bad);
/// Backward of a take: zeros of `shape` (grad's dtype), then each row of grad added at its
/// index (duplicates accumulate, in order), except at index `skip` (-1: none), which stays
/// zero (embedding's padding row).
ct_tensor *ct__take_backward(const ct_tensor *grad, int ndim, const int64_t *shape, int dim, const ct_operand *idx,
                             int64_t skip);

/// out = self gathered along dim by index (index's shape). Arguments checked already.
void ct__gather_into(ct_tensor *out, const ct_tensor *self, int dim, const ct_tensor *index);
/// dst[... index[p] ...] += src[p] for every position p of index (serial).
void ct__scatter_add_into(ct_tensor *dst, int dim, const ct_tensor *index, const ct_tensor *src);
/// A scatter-family loop (scatter, scatter_add, scatter_mul of kernels/index.h) run as
/// dst[... index[p] ...] op= src[p] over descriptors with at least one dim each (serial).
void ct__scatter_loop_operands(ct_loop_fn loop, const ct_operand *dst, int dim, const ct_operand *index,
                               const ct_operand *src);
/// The same over descriptors with at least one dim each (one_hot's broadcast source).
void ct__scatter_add_operands(const ct_operand *dst, int dim, const ct_operand *index, const ct_operand *src);

/// The first dim other than d where index is larger than x, or -1 (index fits x);
/// 0-d tensors count as 1-element vectors (gather.c).
int ct__first_dim_larger(const ct_tensor *index, const ct_tensor *x, int d);
/// Every index value in [0, x.size(dim)), else PyTorch's "index 5 is out of bounds for
/// dimension 1 with size 3".
ct_status ct__check_index_values(const ct_tensor *x, int dim, const ct_tensor *index);
/// PyTorch's shape rule for scatter with a src tensor: index no larger than self (outside
/// dim) and than src, all of one ndim; then the index values.
ct_status ct__check_scatter_shapes(const ct_tensor *x, int d, const ct_tensor *index, const ct_tensor *src);

/// Backward of scatter-like nodes for src (input 1): grad gathered at index along dim,
/// which must fit src's shape (else PyTorch's "Function <name> returned an invalid
/// gradient at index 1 ..."), reduced to src's shape and dtype. NULL on error.
ct_tensor *ct__scatter_src_grad(ct_node *node, ct_tensor *grad, int dim, ct_tensor *index);

/// PyTorch's assert_no_internal_overlap for an in-place write to t (an expanded dim:
/// several elements at one address): CT_OK or "unsupported operation: more than one
/// element of the written-to tensor refers to a single memory location ...".
ct_status ct__check_no_internal_overlap_write(const ct_tensor *t);

/// Records out as op `name` of x that saves the index tensor; *node_out receives the node
/// (NULL when nothing was recorded), for the op's arguments. Returns out, or NULL (out
/// dropped) when recording fails; a NULL out passes through.
ct_tensor *ct__index_record(ct_tensor *out, const char *name, ct_backward_fn backward, ct_tensor *x,
                            ct_tensor *index, ct_node **node_out);

/// Formats a shape like PyTorch's IntArrayRef: "[2, 3]".
#define CT_SHAPE_STR(t, buf) ct__shape_to_str((t)->ndim, (t)->shape, buf, sizeof buf)

#endif

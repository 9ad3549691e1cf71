// Planning and running reductions (shared by src/ops/reduce_*.c and softmax.c).
//
// A plan maps "reduce tensor `in` over the dims in `mask`" onto the reduction kernels
// (kernels/reduce.h): the output shape, a kept view (the output's shape over the input's
// storage, element j = first input element of output j) and the geometry of the reduced
// elements, sorted by stride and merged like PyTorch's TensorIterator does, so the
// cascade sum sees the same runs as PyTorch.
#ifndef CTORCH_SRC_OPS_REDUCE_PLAN_H
#define CTORCH_SRC_OPS_REDUCE_PLAN_H
#include <assert.h>
#include "autograd/node.h"
#include "kernels/dispatch.h"
#include "kernels/reduce.h"

typedef struct ct__reduce_plan {
  const ct_tensor *src;       // the input: what the kept view and ctx describe
  uint32_t mask;              // reduced dims of the input (bit d)
  bool keepdim;
  int out_ndim;
  int64_t out_shape[CT_MAX_DIMS];
  int64_t kept_strides[CT_MAX_DIMS]; // per output dim, in src elements
  int64_t out_numel, red_numel;      // outputs; elements reduced into each
  ct_reduce_ctx ctx;                 // reduced runs in src
} ct__reduce_plan;

/// The reduced-dims mask for dims[0..ndims-1] (negatives wrap; ndims == 0 or dims == NULL
/// means all dims). Errors like PyTorch on out-of-range or repeated dims.
ct_status ct__reduce_mask(const ct_tensor *t, const int *dims, int ndims, uint32_t *mask);
/// Mask of all dims of t.
uint32_t ct__reduce_mask_all(const ct_tensor *t);
/// Plan a reduction of `in` over `mask`. Never fails.
void ct__reduce_plan_init(ct__reduce_plan *p, const ct_tensor *in, uint32_t mask, bool keepdim);
/// A new output tensor of the plan's shape.
ct_tensor *ct__reduce_alloc(const ct__reduce_plan *p, ct_dtype dtype);
/// The kept view of `t` (the input or any tensor of the input's shape) for this plan.
ct_tensor *ct__reduce_kept_view(const ct__reduce_plan *p, const ct_tensor *t);
/// Run `loop` over ops (ops[0] has the output shape; ops given as full-size tensors are
/// replaced by their kept views when `kept[i]`), with ctx. Parallel across outputs when
/// the work is large, with splits that keep every output's result unchanged.
void ct__reduce_launch(const ct__reduce_plan *p, ct_loop_fn loop, int nops, ct_tensor *const *ops, const bool *kept,
                       const ct_reduce_ctx *ctx);
/// Run an elementwise loop over ops (broadcast to ops[0]) with ctx (NULL: no arguments).
void ct__reduce_elementwise(ct_loop_fn loop, int nops, ct_tensor *const *ops, const ct_reduce_ctx *ctx);

/// A stride-0 view of `small` (a reduction result over mask, keepdim or not) expanded to
/// the full input shape: PyTorch's sum_backward expand.
ct_tensor *ct__reduce_expand(ct_tensor *small, int ndim, const int64_t *shape, uint32_t mask, bool keepdim);

/// One reduction kernel over `in` into a new tensor of out_dtype: plan, allocate, run
/// (ctx param / flags as given).
ct_tensor *ct__reduce_simple(ct_tensor *in, uint32_t mask, bool keepdim, ct_dtype out_dtype, ct_loop_fn loop,
                             double param, int flags);

/// The reduction kernels of t's device (ops check their tensors' devices first).
static inline const ct_reduce_kernels *ct__reduce_kernels_of(const ct_tensor *t) {
  const ct_kernel_table *k = ct__kernels(t->storage->device);
  assert(k);
  return k->reduce;
}
/// The arguments every reduction node keeps (ct__reduce_record writes them). An op that
/// keeps more declares a struct whose first member is a ct__reduce_args named `reduce`.
typedef struct ct__reduce_args {
  uint32_t mask;     // reduced dims of the input
  bool keepdim;
  bool dims_given;   // false: reduced over all dims (sum(), not sum(dims))
  int64_t red_numel; // elements reduced into each output
} ct__reduce_args;

/// Record an op reducing input over the plan's dims, with the node's ct__reduce_args.
ct_status ct__reduce_record(ct_tensor *out, const char *name, ct_backward_fn backward, ct_tensor *in,
                            const ct__reduce_plan *p, bool dims_given, int n_saved, ct_tensor *const *saved,
                            ct_node **node_out);

/// Mean over mask without autograd (sum / count in the input's float dtype).
ct_tensor *ct__mean_mask(ct_tensor *t, uint32_t mask, bool keepdim);
/// Backward of value-selecting reductions (max(), amax/amin, norm with p = +-inf): node
/// saved {input, result}; its ct__reduce_args; flags CT_RED_SEL_*.
ct_status ct__reduce_select_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in, int flags);
#endif

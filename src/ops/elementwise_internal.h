// Shared plumbing of the elementwise ops (src/ops/binary_*.c, compare_*.c, unary_*.c,
// elementwise_*.c): operands that may be C scalars, conversion to the compute dtype,
// running a kernel into a new or an existing tensor, and autograd recording helpers.
#ifndef CTORCH_SRC_OPS_ELEMENTWISE_INTERNAL_H
#define CTORCH_SRC_OPS_ELEMENTWISE_INTERNAL_H
#include "autograd/node.h"
#include "kernels/elementwise.h"
#include "ops/promotion.h"

/// An input of an elementwise op: a tensor, or (t == NULL) the C scalar s. `mask`:
/// passed to the kernel in its own dtype (where's bool condition), not converted.
/// `python_float`: the scalar is a user's operand of a *_scalar op and promotes as a
/// Python float; other scalars (clamp bounds, internal constants) act as a Python int
/// when integral.
typedef struct ct__ew_arg {
  const ct_tensor *t;
  double s;
  bool mask;
  bool python_float;
} ct__ew_arg;
#define CT__EW_T(x) ((ct__ew_arg){.t = (x), .s = 0, .mask = false, .python_float = false})
#define CT__EW_S(v) ((ct__ew_arg){.t = NULL, .s = (v), .mask = false, .python_float = false})
#define CT__EW_F(v) ((ct__ew_arg){.t = NULL, .s = (v), .mask = false, .python_float = true})
#define CT__EW_MASK(x) ((ct__ew_arg){.t = (x), .s = 0, .mask = true, .python_float = false})

/// The elementwise kernels of t's device, which ops pick their loop from (t: the op's
/// first tensor operand; ct__ew_apply checks the others are on its device). A device
/// without a backend gives NULL loops, and ct__ew_apply reports the device.
const ct_elementwise_kernels *ct__ew_kernels(const ct_tensor *t);

/// Params for a kernel of `dtype`: p0, p1 stored in every field, integers saturated to
/// the dtype's range (so +-inf become the integer limits).
ct_ew_params ct__ew_params(ct_dtype dtype, double p0, double p1);

/// Runs `loop` (a kernel of dtype `compute`; its output has dtype `out_dtype`) over the
/// inputs, broadcast together. Inputs are converted to `compute` first (a 0-d tensor or
/// a scalar without allocating). With dst == NULL the result is a new contiguous tensor;
/// otherwise it is written into dst (in place: the broadcast shape must be dst's shape,
/// PyTorch's error otherwise; a dtype other than out_dtype is converted into).
/// Returns the result (dst itself when given) or NULL with the error recorded.
ct_tensor *ct__ew_apply(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                        ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst);

/// Broadcast shape of the tensor arguments (PyTorch's error on mismatch).
ct_status ct__ew_broadcast(int n_args, const ct__ew_arg *args, int *ndim, int64_t *shape);

/// True when some element of t is zero (integer division checks).
bool ct__ew_any_zero(const ct_tensor *t);

/// '"<kernel>" not implemented for '<Dtype>'' as PyTorch words it.
void *ct__ew_not_implemented(const char *kernel, ct_dtype dtype);

/// What an op records for autograd (see ct__ew_compute). Ops build one per call, recording
/// or not, so initialisers give every field, arrays included ({a, NULL, NULL}): a partly
/// initialised struct is cleared whole first. An op whose backward needs arguments writes
/// them into the node that ct__ew_compute_node returns (ct__node_args).
typedef struct ct__ew_grad {
  const char *name;         ///< PyTorch's grad_fn name
  ct_backward_fn backward;
  int n_inputs;
  ct_tensor *inputs[3];     ///< NULL for scalar arguments (no edge)
  int n_saved;
  ct_tensor *saved[3];      ///< tensors backward reads (NULL: not needed)
  int result_slot;          ///< saved slot that receives the result, or -1
} ct__ew_grad;

/// ct__ew_apply, then records `grad` on the result when an input requires grad (grad may
/// be NULL: nothing to record). In place (dst given), saved inputs sharing dst's storage
/// are copied before dst is overwritten (torch's original_self), so backward sees the
/// values this op used; a saved result is dst itself, checked by its version counter.
/// Returns the result or NULL (nothing leaked; dst keeps its old grad_fn on failure).
ct_tensor *ct__ew_compute(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                          ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst,
                          const ct__ew_grad *grad);

/// ct__ew_compute, also giving the op's node (NULL when nothing was recorded). After an
/// in-place op on a view it is not dst's grad_fn (see ct__rebase_view).
ct_tensor *ct__ew_compute_node(ct_loop_fn loop, int n_args, const ct__ew_arg *args, ct_dtype compute,
                               ct_dtype out_dtype, const ct_ew_params *params, ct_tensor *dst,
                               const ct__ew_grad *grad, ct_node **node_out);

/// Result type of the (non-mask) arguments, PyTorch's promotion.
ct_dtype ct__ew_result_type(int n_args, const ct__ew_arg *args);

/// Gradient loop helper for backward functions: runs loops[dtype] over the arguments
/// (usually the output gradient first) in their result type, as PyTorch's backward
/// formulas compute, with params p0, p1, and reduces the result to input i's shape and
/// dtype (ct__grad_for_input).
ct_tensor *ct__ew_grad_for(const ct_node *node, int i, const ct_loop_fn *loops, int n_args, const ct__ew_arg *args,
                           double p0, double p1);

/// In-place checks shared by every `*_` op: PyTorch's error for a leaf that requires grad
/// (only while grad mode is on) and for a result dtype that cannot be stored in `self`.
ct_status ct__ew_check_inplace(const ct_tensor *self, ct_dtype result);
/// A detached copy of t to save for backward when an in-place op will overwrite t's
/// storage (saved values must be those of the op's inputs). NULL input gives NULL.
ct_tensor *ct__ew_snapshot(const ct_tensor *t);

#endif

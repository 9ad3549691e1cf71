/// @file autograd.h
/// @brief Eager reverse-mode autograd: requires_grad, backward, .grad, grad_fn, no_grad.
#ifndef CTORCH_AUTOGRAD_H
#define CTORCH_AUTOGRAD_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A node of the backward graph (PyTorch's grad_fn). Opaque; owned by the tensors
/// that refer to it.
typedef struct ct_node ct_node;

/// `t.requires_grad = flag`: set requires_grad on a leaf (only floating leaves may require
/// grad; any change on a non-leaf errors like PyTorch). Returns CT_OK or an error status.
CT_API ct_status ct_set_requires_grad(ct_tensor *t, bool requires_grad);
/// t.requires_grad_(): like ct_set_requires_grad, but True on a non-leaf is a no-op (as
/// in PyTorch); returns t (NULL on error).
CT_API ct_tensor *ct_requires_grad_(ct_tensor *t, bool requires_grad);
/// Marks a leaf as an nn.Parameter (requires_grad=True, printed with "Parameter
/// containing:"); returns t, or NULL on error (non-leaf or non-floating t).
CT_API ct_tensor *ct_parameter(ct_tensor *t);
/// Whether t requires grad (leaf flag or produced by a differentiable op under grad mode).
CT_API bool ct_requires_grad(const ct_tensor *t);
/// True for tensors with no grad_fn.
CT_API bool ct_is_leaf(const ct_tensor *t);
/// The accumulated gradient of a leaf, or NULL (borrowed).
CT_API ct_tensor *ct_grad(const ct_tensor *t);
/// Set the gradient of a tensor (NULL clears it: PyTorch's `x.grad = None`).
CT_API ct_status ct_set_grad(ct_tensor *t, ct_tensor *grad);
/// Zero the existing gradient in place (no-op when there is none).
CT_API void ct_zero_grad(ct_tensor *t);

/// Backpropagate from `root`. `gradient` may be NULL only for one-element roots (implicit
/// 1). Frees the graph afterwards; use ct_backward_ex to retain it.
CT_API ct_status ct_backward(ct_tensor *root, const ct_tensor *gradient);
/// Backward with retain_graph: when true the saved tensors are kept for another backward.
CT_API ct_status ct_backward_ex(ct_tensor *root, const ct_tensor *gradient, bool retain_graph);

/// t._version: how many in-place writes the data t shares with its views and detached
/// aliases has had (a tensor saved for backward must not change before backward). -1 for
/// NULL.
CT_API int64_t ct_version_counter(const ct_tensor *t);

/// A new tensor sharing storage, detached from the graph (requires_grad false).
CT_API ct_tensor *ct_detach(ct_tensor *t);

/// Grad mode (thread-local). ct_no_grad_enter() disables graph recording and returns the
/// previous mode to hand back to ct_grad_mode_restore() (PyTorch's `with torch.no_grad()`).
CT_API bool ct_no_grad_enter(void);
/// Restore the grad mode returned by ct_no_grad_enter() (leaves the no_grad block).
CT_API void ct_grad_mode_restore(bool previous);
/// Whether graph recording is on for this thread (torch.is_grad_enabled()).
CT_API bool ct_is_grad_enabled(void);

/// grad_fn of t (borrowed), NULL for leaves.
CT_API ct_node *ct_grad_fn(const ct_tensor *t);
/// PyTorch's class name of the node: "MulBackward0", "AccumulateGrad" ...
CT_API const char *ct_node_name(const ct_node *node);
/// Number of next_functions entries (one per differentiable input).
CT_API int ct_node_num_next(const ct_node *node);
/// The i-th next function (borrowed): the input's grad_fn, an AccumulateGrad node for a
/// leaf requiring grad, or NULL for an input that does not require grad.
CT_API ct_node *ct_node_next(const ct_node *node, int i);
/// For an AccumulateGrad node: the leaf it accumulates into (borrowed).
CT_API ct_tensor *ct_node_variable(const ct_node *node);

// ---- torch.autograd.grad, create_graph (higher-order gradients) ----

/// Options of ct_autograd_grad and ct_backward_opts (zero-initialised: PyTorch's
/// defaults). The graph is retained when retain_graph or create_graph is set (PyTorch's
/// retain_graph=None default).
typedef struct ct_grad_options {
  /// Keep the graph's saved tensors for another backward.
  bool retain_graph;
  /// Record the gradient computation itself, so the gradients can be differentiated
  /// again (double backward).
  bool create_graph;
  /// ct_autograd_grad: an input the outputs do not depend on gets NULL instead of an
  /// error.
  bool allow_unused;
} ct_grad_options;

/// torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
/// allow_unused): the gradients of the outputs with respect to the inputs, written to
/// grads[0..n_inputs) (new tensors in the current scope; NULL for an unused input when
/// allow_unused). grad_outputs may be NULL, and any entry NULL, for one-element outputs
/// (implicit 1). Leaves' .grad is not touched; only the nodes leading to the inputs run.
/// opts may be NULL (defaults). On error every grads[i] is NULL.
CT_API ct_status ct_autograd_grad(int n_outputs, ct_tensor *const *outputs, ct_tensor *const *grad_outputs,
                                  int n_inputs, ct_tensor *const *inputs, const ct_grad_options *opts,
                                  ct_tensor **grads);
/// backward(gradient, retain_graph, create_graph): ct_backward_ex with create_graph. With
/// create_graph the accumulated .grad tensors carry a graph of their own (allow_unused is
/// ignored). opts may be NULL.
CT_API ct_status ct_backward_opts(ct_tensor *root, const ct_tensor *gradient, const ct_grad_options *opts);

// ---- hooks ----

/// A tensor hook: sees the gradient computed for the tensor (borrowed) and returns a
/// replacement of the same shape and dtype (made in the hook: it belongs to the scope
/// backward runs in) or NULL to keep it.
typedef ct_tensor *(*ct_tensor_hook_fn)(ct_tensor *grad, void *ctx);
/// A post-accumulate-grad hook: called with the leaf once its .grad has been accumulated.
typedef void (*ct_post_accumulate_grad_hook_fn)(ct_tensor *leaf, void *ctx);
/// A registered hook. Owned by the tensor (freed with it, and with the graph nodes that
/// refer to it); pass it to ct_hook_remove while the tensor is alive.
typedef struct ct_hook_handle ct_hook_handle;

/// t.register_hook(fn): fn runs each time a gradient for t is computed, before it is
/// used (accumulated into a leaf's .grad, handed on by t's grad_fn); hooks run in
/// registration order, each seeing the previous one's result. NULL on error (t does not
/// require grad).
CT_API ct_hook_handle *ct_register_hook(ct_tensor *t, ct_tensor_hook_fn fn, void *ctx);
/// t.register_post_accumulate_grad_hook(fn) (a leaf only): fn runs after t.grad has
/// been accumulated, in the order the engine accumulates leaves.
CT_API ct_hook_handle *ct_register_post_accumulate_grad_hook(ct_tensor *t, ct_post_accumulate_grad_hook_fn fn,
                                                             void *ctx);
/// handle.remove(): the hook no longer runs.
CT_API void ct_hook_remove(ct_hook_handle *handle);
/// t.retain_grad(): a non-leaf keeps its gradient in .grad (as the hooks registered before
/// this call left it; later ones do not change it, as in PyTorch 1.13); a
/// no-op on a leaf. Error when t does not require grad.
CT_API ct_status ct_retain_grad(ct_tensor *t);
/// t.retains_grad.
CT_API bool ct_retains_grad(const ct_tensor *t);
/// t.detach_(): t itself leaves the graph (no grad_fn, requires_grad false); returns t,
/// or NULL with PyTorch's error for a view.
CT_API ct_tensor *ct_detach_(ct_tensor *t);

#ifdef __cplusplus
}
#endif
#endif

// Backward-graph nodes (PyTorch's grad_fn objects) and the recording API ops use.
//
// An op that supports autograd computes its result, then calls ct__record(). When grad
// mode is on and an input requires grad, a node is attached to the result: it holds a
// reference to each input's grad_fn (or to the AccumulateGrad node of a leaf), detached
// aliases of the tensors backward needs, and the input shapes/dtypes.
//
// An op that takes arguments backward needs (a dim, a scalar, strides) declares a small
// struct for them next to its backward function and keeps it in the node's argument
// area: `*ct__node_args(node, softmax_args) = (softmax_args){.dim = d}` after recording,
// `ct__node_args(node, softmax_args)->dim` in backward.
#ifndef CTORCH_SRC_AUTOGRAD_NODE_H
#define CTORCH_SRC_AUTOGRAD_NODE_H
#include <stddef.h>
#include "core/tensor_impl.h"

/// Computes the gradients of the node's inputs from the gradient of its output. Fills
/// grad_in[i] for each input i with node->next[i] != NULL (others may stay NULL). Tensors
/// it creates belong to the engine's scope. Runs with grad mode off, or on under
/// create_graph: then the gradients it returns must be made by recorded ops from `grad`
/// and the tensors ct__saved gives (which then carry their history), so that they can
/// be differentiated again (docs/DESIGN.md, "Double backward").
typedef ct_status (*ct_backward_fn)(ct_node *node, ct_tensor *grad_out, ct_tensor **grad_in);

typedef struct ct_input_meta {
  ct_dtype dtype;
  ct_device device; // where the input's gradient must go (PyTorch's InputMetadata)
  int device_index;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
} ct_input_meta;

#define CT_NODE_MAX_SAVED 4
/// Bytes of op arguments a node keeps inline (see ct__node_args).
#define CT_NODE_ARGS_SIZE 64

struct ct_node {
  int64_t refcount;
  const char *name;           // PyTorch's class name, e.g. "MulBackward0"
  ct_backward_fn backward;    // NULL for AccumulateGrad
  uint64_t sequence_nr;       // creation order on its thread; the engine runs newer nodes first
  int num_next;
  bool needed;                // engine, autograd.grad: a path leads from here to an input
  bool capture;               // engine, autograd.grad: an input's edge (its gradient is an answer)
  ct_node **next;             // owned references; NULL where no grad is needed
  ct_input_meta *inputs;      // geometry of each input, for reducing gradients
  int num_saved;
  int walk_next;              // engine: the next edge the graph walk visits
  ct_tensor *saved[CT_NODE_MAX_SAVED]; // detached aliases, owned; NULL after release
  // For the version check and its message (ct__saved): each saved tensor's storage
  // version when saved, and its grad_fn name then (NULL for a leaf); bit i of
  // saved_output: slot i is this node's own output.
  uint32_t saved_version[CT_NODE_MAX_SAVED];
  const char *saved_fn[CT_NODE_MAX_SAVED];
  uint8_t saved_output;
  bool saved_state;           // torch keeps state here that it frees with the graph and that
                              // ct__saved does not see (x * 2.0's scalar, CopySlices' op node)
  bool saved_released;        // backward ran without retain_graph
  // Each saved tensor's gradient edge when saved, which ct__saved hands back with it under
  // create_graph (as torch's SavedVariable restores grad_fn): for a saved input, input
  // saved_input[i] - 1's edge next[]; for another saved tensor that required grad,
  // extra->saved_edge[i]; none for this node's output (ct__saved uses the node itself).
  uint8_t saved_input[CT_NODE_MAX_SAVED];
  ct_tensor *variable;        // AccumulateGrad: the leaf (owned reference)
  // The recording op's arguments, as the struct that op declares (ct__node_args); zeroed
  // when the node is made.
  union {
    unsigned char bytes[CT_NODE_ARGS_SIZE];
    max_align_t align_;
  } args;
  void *owned_args;           // variable-length arguments the node owns (ct__node_adopt)
  struct ct__node_extra *extra; // what few nodes have (ct__node_extra), owned; or NULL
  // Engine bookkeeping during one backward pass.
  int dependencies;
  uint64_t visit_mark;        // pass number that last reached this node
  ct_tensor *pending_grad;
};

/// The parts of a node only some nodes have, kept out of the node itself so that every
/// node stays small (the engine's hot path walks many).
typedef struct ct__node_extra {
  ct_node *copy_fn;           // a node this one runs (owned): CopySlices' in-place op node, the
                              // op node of a linear backward's transpose (linear_backward.c)
  struct ct__hook_list *pre_hooks; // the output tensor's hooks (hooks.c), owned
  ct_node *saved_edge[CT_NODE_MAX_SAVED]; // saved tensors' own edges (see saved_input), owned
} ct__node_extra;

/// node->extra, made (zeroed) on first use; NULL when out of memory (error recorded).
ct__node_extra *ct__node_extra_of(ct_node *node);

/// Compile-time check that an op's argument struct T fits a node's argument area.
#define CT__NODE_ARGS_FIT(T)                                                                    \
  sizeof(struct {                                                                                \
    _Static_assert(sizeof(T) <= CT_NODE_ARGS_SIZE && _Alignof(T) <= _Alignof(max_align_t),       \
                   #T " does not fit a node's argument area (CT_NODE_ARGS_SIZE)");               \
    char fits;                                                                                   \
  })
static inline void *ct__node_args_area(ct_node *node) { return node->args.bytes; }
/// The op arguments of `node` seen as the op's struct type T (a pointer into the node).
/// The op that records the node writes them and its backward function reads them, both
/// as the same T.
#define ct__node_args(node, T) ((void)CT__NODE_ARGS_FIT(T), (T *)ct__node_args_area(node))
/// Gives `block` (from malloc, may be NULL) to the node, which frees it when it is
/// freed; returns block. For arguments whose size varies (cat's sizes): the op's argument
/// struct keeps the pointer, the node owns the memory. One block per node.
void *ct__node_adopt(ct_node *node, void *block);

/// Records `out` as the result of op `name`. No-op (CT_OK, *node_out = NULL) when grad
/// mode is off or no input requires grad. `saved` tensors are stored as detached aliases.
/// On success with recording, out->grad_fn is set and out->requires_grad is true.
ct_status ct__record(ct_tensor *out, const char *name, ct_backward_fn backward, int n_inputs,
                     ct_tensor *const *inputs, int n_saved, ct_tensor *const *saved,
                     ct_node **node_out);
/// CT_OK, or PyTorch's "backward through the graph a second time" error for a node about
/// to run whose saved state was freed and that keeps state ct__saved does not see
/// (saved_state).
static inline ct_status ct__check_saved_state(const ct_node *node);
/// PyTorch's check before an in-place op writes t while grad mode is on: t must not be a
/// leaf that requires grad, nor a view of one. CT_OK or the error.
ct_status ct__check_inplace(const ct_tensor *t);
/// True while a create_graph backward runs backward functions (only then is grad mode on
/// inside them): a backward function then takes its differentiable path, made of public
/// ops, instead of its fused kernels (docs/DESIGN.md, "Double backward").
extern _Thread_local bool ct__grad_disabled; // grad_mode.c: the thread's grad mode, negated
static inline bool ct__create_graph(void) { return __builtin_expect(!ct__grad_disabled, 0); }
/// Marks a backward function's create_graph path: kept out of line, so the fused path's
/// code stays as it was.
#define CT_CREATE_GRAPH_PATH __attribute__((noinline, cold))
/// True when an op on these inputs would be recorded (grad mode on and one requires grad).
bool ct__needs_grad(int n_inputs, ct_tensor *const *inputs);

ct_node *ct__node_retain(ct_node *n);
/// A new node (refcount 1, no edges, a fresh sequence_nr) or NULL when out of memory.
ct_node *ct__node_new(const char *name, ct_backward_fn backward, int n_inputs);
/// The edge a new node takes to t: a new reference to t's current grad_fn (see
/// ct__current_grad_fn), or to its AccumulateGrad for a leaf that requires grad; NULL
/// when t does not require grad (or out of memory).
ct_node *ct__grad_edge(ct_tensor *t, uint32_t lag);

// ---- views and in-place ops (view_history.c) ----
/// t's grad_fn now (borrowed). A view whose storage was written after its grad_fn was
/// made first gets a new AsStridedBackward0 from its base's current history, as torch
/// regenerates it. `lag`: writes to discount (1 while an in-place op records the write it
/// just made, so its inputs are judged as they were before it).
ct_node *ct__current_grad_fn(ct_tensor *t, uint32_t lag);
/// An in-place op recorded `fn` on `view` (a view in a graph): the base's history becomes
/// CopySlices(base's old history, fn's other inputs), which runs fn on the view's part of
/// the base's gradient, and the view's becomes AsStridedBackward0 of it. Takes `fn`; on
/// failure nothing changed and fn is released.
ct_status ct__rebase_view(ct_tensor *view, ct_node *fn);
void ct__node_release(ct_node *n);
/// The saved tensor in slot i, or NULL with PyTorch's error when the graph was freed
/// ("backward through the graph a second time") or when an in-place op modified the
/// tensor after it was saved ("... modified by an inplace operation ...").
/// Under grad mode (a create_graph backward) the tensor comes back as a new alias in the
/// current scope whose grad_fn is the saved tensor's history (its grad_fn, its leaf's
/// AccumulateGrad, or this node for its own output).
ct_tensor *ct__saved(ct_node *node, int i);
/// Frees the node's saved tensors and their edges (backward without retain_graph).
static inline void ct__release_saved(ct_node *node) {
  for (int i = 0; i < node->num_saved; i++) {
    ct_release(node->saved[i]);
    node->saved[i] = NULL;
    if (!node->extra) continue;
    ct__node_release(node->extra->saved_edge[i]);
    node->extra->saved_edge[i] = NULL;
  }
  if (node->backward) node->saved_released = true;
}

// ---- tensor hooks (hooks.c) ----
typedef struct ct__hook_list ct__hook_list;
void ct__hook_list_release(ct__hook_list *list);
/// A tensor is being freed: its hook list forgets it (retain_grad writes no more).
void ct__hooks_tensor_freed(ct_tensor *t);
/// Runs the tensor hooks of `list` on grad (in registration order, each seeing the
/// previous one's result), then retain_grad's store. Returns the gradient to use (grad
/// or a hook's replacement, in the current scope) or NULL with the error recorded.
ct_tensor *ct__hooks_run_pre(ct__hook_list *list, ct_tensor *grad);
/// Runs the post-accumulate-grad hooks of `list` (a leaf's .grad was just accumulated).
ct_status ct__hooks_run_post(ct__hook_list *list);

/// ct__check_saved_state's error ("backward through the graph a second time").
ct_status ct__saved_state_freed(void);
static inline ct_status ct__check_saved_state(const ct_node *node) {
  return node->saved_released && node->saved_state ? ct__saved_state_freed() : CT_OK;
}

#endif

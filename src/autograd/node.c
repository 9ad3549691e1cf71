// Graph nodes: recording, lifetime, and the public grad_fn / requires_grad accessors.
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/pool.h"

// Creation order of nodes, counted per thread as PyTorch's thread_local
// at::sequence_number counts it; the engine runs a graph's newer nodes first. Threads
// building graphs at once share nothing here: each numbers its graph as it would alone.
static _Thread_local uint64_t next_sequence_nr;

ct_node *ct__node_retain(ct_node *n) {
  if (n) n->refcount++;
  return n;
}

// A node and its per-input arrays (next, inputs) are one pool block.
static size_t node_block_size(int n_inputs) {
  return sizeof(ct_node) + (size_t)n_inputs * (sizeof(ct_node *) + sizeof(ct_input_meta));
}

// Releasing a long chain recursively would overflow the stack, so nodes whose count
// drops to zero are collected on an explicit work list (on the stack while it is short).
void ct__node_release(ct_node *n) {
  if (!n || --n->refcount > 0) return;
  ct_node *stack_work[32];
  ct_node **work = stack_work;
  size_t cap = sizeof stack_work / sizeof *stack_work, count = 0;
  work[count++] = n;
  while (count) {
    ct_node *x = work[--count];
    // The edges, then the extra's nodes: its copy_fn and saved tensors' edges.
    ct__node_extra *e = x->extra;
    const int n_edges = x->num_next + (e ? 1 + CT_NODE_MAX_SAVED : 0);
    for (int i = 0; i < n_edges; i++) {
      ct_node *c = i < x->num_next ? x->next[i] : i == x->num_next ? e->copy_fn : e->saved_edge[i - x->num_next - 1];
      if (c && --c->refcount == 0) {
        if (count == cap) {
          ct_node **grown = malloc(2 * cap * sizeof *work);
          if (grown) {
            memcpy(grown, work, count * sizeof *work);
            if (work != stack_work) free(work);
            work = grown;
            cap *= 2;
          }
        }
        if (count < cap) work[count++] = c;
        else c->refcount = 1; // out of memory: leak c rather than crash
      }
    }
    for (int i = 0; i < x->num_saved; i++) ct_release(x->saved[i]);
    if (x->variable) {
      if (x->variable->grad_accumulator == x) x->variable->grad_accumulator = NULL;
      ct_release(x->variable);
    }
    ct_release(x->pending_grad);
    if (e) ct__hook_list_release(e->pre_hooks);
    free(e);
    free(x->owned_args);
    ct__pool_free(x, node_block_size(x->num_next));
  }
  if (work != stack_work) free(work);
}

static ct_node *node_alloc(const char *name, int n_inputs) {
  const size_t size = node_block_size(n_inputs);
  ct_node *n = ct__pool_alloc(size);
  if (!n) return NULL;
  ct__zero(n, size);
  n->refcount = 1;
  n->name = name;
  n->sequence_nr = next_sequence_nr++;
  n->num_next = n_inputs;
  if (n_inputs) {
    n->next = (ct_node **)(n + 1);
    n->inputs = (ct_input_meta *)(n->next + n_inputs);
  }
  return n;
}

void *ct__node_adopt(ct_node *node, void *block) {
  assert(!node->owned_args);
  node->owned_args = block;
  return block;
}

ct_node *ct__node_new(const char *name, ct_backward_fn backward, int n_inputs) {
  ct_node *n = node_alloc(name, n_inputs);
  if (n) n->backward = backward;
  return n;
}

// The AccumulateGrad node of a leaf, shared by all uses of the leaf while alive.
static ct_node *accumulator_of(ct_tensor *leaf) {
  if (leaf->grad_accumulator) return ct__node_retain(leaf->grad_accumulator);
  ct_node *n = node_alloc("AccumulateGrad", 0);
  if (!n) return NULL;
  n->sequence_nr = UINT64_MAX; // PyTorch runs AccumulateGrad as soon as it is ready
  n->variable = ct_retain(leaf);
  leaf->grad_accumulator = n;
  return n;
}

ct_status ct__check_inplace(const ct_tensor *t) {
  if (!t->requires_grad || !ct_is_grad_enabled()) return CT_OK;
  const ct_tensor *base = t->view_base;
  if (base && base->requires_grad && !base->grad_fn)
    return ct__error(CT_ERR_RUNTIME,
                     "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  if (!t->grad_fn)
    return ct__error(CT_ERR_RUNTIME, "a leaf Variable that requires grad is being used in an in-place operation.");
  return CT_OK;
}

ct_node *ct__grad_edge(ct_tensor *t, uint32_t lag) {
  if (!t->requires_grad) return NULL;
  ct_node *fn = ct__current_grad_fn(t, lag);
  return fn ? ct__node_retain(fn) : accumulator_of(t);
}

// Whether t requires grad now: a view of a written storage first takes its base's
// current history (ct__current_grad_fn), which may make it require grad.
static bool requires_grad_now(ct_tensor *t, uint32_t lag) {
  if (t->view_base) ct__current_grad_fn(t, lag);
  return t->requires_grad;
}

bool ct__needs_grad(int n_inputs, ct_tensor *const *inputs) {
  if (!ct_is_grad_enabled()) return false;
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i] && requires_grad_now(inputs[i], 0)) return true;
  return false;
}

// Where saved tensor i's history is kept (see saved_input in node.h): the edge of the input
// it is, or an edge of its own.
static ct_status record_saved_edge(ct_node *n, int i, ct_tensor *saved, int n_inputs, ct_tensor *const *inputs) {
  if (i < n_inputs && inputs[i] == saved && n->next[i]) { // the usual case: input i saved in slot i
    n->saved_input[i] = (uint8_t)(i + 1);
    return CT_OK;
  }
  for (int j = 0; j < n_inputs; j++)
    if (inputs[j] == saved && n->next[j]) {
      n->saved_input[i] = (uint8_t)(j + 1);
      return CT_OK;
    }
  ct__node_extra *e = ct__node_extra_of(n);
  return e && (e->saved_edge[i] = ct__grad_edge(saved, 0)) ? CT_OK : CT_ERR_MEMORY;
}

ct__node_extra *ct__node_extra_of(ct_node *node) {
  if (!node->extra && !(node->extra = calloc(1, sizeof *node->extra)))
    ct__error(CT_ERR_MEMORY, "out of memory recording %s", node->name);
  return node->extra;
}

ct_status ct__record(ct_tensor *out, const char *name, ct_backward_fn backward, int n_inputs,
                     ct_tensor *const *inputs, int n_saved, ct_tensor *const *saved,
                     ct_node **node_out) {
  if (node_out) *node_out = NULL;
  if (!ct_is_grad_enabled()) return CT_OK;
  bool inplace = false; // out is an input: the op wrote it (and bumped its version) just now
  for (int i = 0; i < n_inputs; i++) inplace |= inputs[i] == out;
  bool needed = false;  // inputs over out's storage are judged as before that write
  for (int i = 0; i < n_inputs; i++)
    needed |= inputs[i] && requires_grad_now(inputs[i], inplace && inputs[i]->storage == out->storage);
  if (!needed) return CT_OK;
  ct_node *n = node_alloc(name, n_inputs);
  if (!n) return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
  n->backward = backward;
  for (int i = 0; i < n_inputs; i++) {
    ct_tensor *in = inputs[i];
    if (!in) continue;
    n->inputs[i].dtype = in->dtype;
    n->inputs[i].device = in->storage->device;
    n->inputs[i].device_index = in->storage->device_index;
    n->inputs[i].ndim = in->ndim;
    memcpy(n->inputs[i].shape, in->shape, sizeof in->shape);
    if (!in->requires_grad) continue;
    n->next[i] = ct__grad_edge(in, inplace && in->storage == out->storage);
    if (!n->next[i]) {
      ct__node_release(n);
      return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
    }
  }
  if (n_saved > CT_NODE_MAX_SAVED) n_saved = CT_NODE_MAX_SAVED;
  n->num_saved = n_saved; // before filling: a failure part-way releases the aliases made so far
  for (int i = 0; i < n_saved; i++) {
    if (!saved[i]) continue;
    n->saved[i] = ct__alias_unregistered(saved[i]);
    if (!n->saved[i]) {
      ct__node_release(n);
      return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
    }
    n->saved_version[i] = saved[i]->storage->version;
    n->saved_fn[i] = saved[i]->grad_fn ? saved[i]->grad_fn->name : NULL;
    if (saved[i] == out) n->saved_output |= (uint8_t)(1u << i);
    else if (saved[i]->requires_grad && record_saved_edge(n, i, saved[i], n_inputs, inputs) != CT_OK) {
      ct__node_release(n);
      return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
    }
  }
  if (inplace && out->view_base) {
    if (ct__rebase_view(out, n) != CT_OK) return ct_last_status();
  } else {
    if (inplace) { // out's history now ends here
      out->storage->writer_fn = name;
      out->storage->writer_version = out->storage->version;
    }
    ct__node_release(out->grad_fn);
    out->grad_fn = n;
  }
  out->requires_grad = true;
  if (node_out) *node_out = n;
  return CT_OK;
}

// torch's legacy type names, as its version error prints them.
static const char *legacy_type_name(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {
      [CT_BOOL] = "BoolTensor", [CT_INT32] = "IntTensor", [CT_INT64] = "LongTensor",
      [CT_FLOAT32] = "FloatTensor", [CT_FLOAT64] = "DoubleTensor"};
  return names[dtype];
}

// torch's SavedVariable::unpack message. It names the saved tensor's current grad_fn: the
// node itself for its own output; for an input, the grad_fn its latest in-place writer
// had or recorded, when that write came after the save, else the one it had when saved.
static void *modified_error(const ct_node *node, int i) {
  const ct_tensor *t = node->saved[i];
  const ct_storage *s = t->storage;
  const char *fn = node->saved_fn[i];
  if (node->saved_output >> i & 1) fn = node->name;
  else if (s->writer_version > node->saved_version[i] && s->writer_fn) fn = s->writer_fn;
  char shape[CT_MAX_DIMS * 24 + 4], which[160] = "";
  ct__shape_to_str(t->ndim, t->shape, shape, sizeof shape);
  // Nodes torch writes by hand (not generated) print their C++ name here.
  bool handwritten = fn && (!strcmp(fn, "CopyBackwards") || !strcmp(fn, "CopySlices"));
  if (fn) snprintf(which, sizeof which, ", which is output 0 of %s%s,", handwritten ? "torch::autograd::" : "", fn);
  return ct__error_null(CT_ERR_RUNTIME,
                        "one of the variables needed for gradient computation has been modified by an inplace "
                        "operation: [torch.%s %s]%s is at version %u; expected version %u instead. Hint: enable "
                        "anomaly detection to find the operation that failed to compute its gradient, with "
                        "torch.autograd.set_detect_anomaly(True).",
                        legacy_type_name(t->dtype), shape, which, (unsigned)s->version,
                        (unsigned)node->saved_version[i]);
}

static ct_status freed_error(void) {
  return ct__error(CT_ERR_RUNTIME,
                   "Trying to backward through the graph a second time (or directly access saved tensors after "
                   "they have already been freed). Saved intermediate values of the graph are freed when you call "
                   ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                   "graph a second time or if you need to access saved tensors after calling backward.");
}

ct_status ct__saved_state_freed(void) { return freed_error(); }

__attribute__((noinline)) static ct_tensor *saved_with_history(ct_node *node, int i, ct_tensor *t);

// ct__saved's rare cases: a freed graph, a modified tensor, a create_graph backward.
__attribute__((noinline)) static ct_tensor *saved_slow(ct_node *node, int i) {
  if (node->saved_released) {
    freed_error();
    return NULL;
  }
  ct_tensor *t = node->saved[i];
  if (t->storage->version != node->saved_version[i]) return modified_error(node, i);
  return saved_with_history(node, i, t);
}

ct_tensor *ct__saved(ct_node *node, int i) {
  ct_tensor *t = node->saved[i];
  if (__builtin_expect(node->saved_released || (t && (t->storage->version != node->saved_version[i] ||
                                                      ct__create_graph())),
                       0))
    return saved_slow(node, i);
  return t;
}

// Under create_graph: an alias of saved tensor i carrying its history, so that what
// backward computes from it is recorded back to it. (Out of line: ct__saved's usual path
// stays short.)
__attribute__((noinline)) static ct_tensor *saved_with_history(ct_node *node, int i, ct_tensor *t) {
  ct_node *edge = node->saved_output >> i & 1 ? node
                  : node->saved_input[i]     ? node->next[node->saved_input[i] - 1]
                  : node->extra              ? node->extra->saved_edge[i]
                                             : NULL;
  if (!edge) return t;
  ct_tensor *alias = ct__alias(t);
  if (!alias) return NULL;
  alias->requires_grad = true;
  alias->grad_fn = ct__node_retain(edge);
  return alias;
}


// ---- public accessors ----

// PyTorch's two setters differ: `x.requires_grad = flag` refuses any change on a
// non-leaf, `x.requires_grad_(flag)` only refuses False there (True is a no-op); their
// dtype messages differ too.
static ct_status set_requires_grad(ct_tensor *t, bool requires_grad, bool method) {
  if (t->grad_fn && (!requires_grad || !method)) {
    if (requires_grad) return ct__error(CT_ERR_RUNTIME, "you can only change requires_grad flags of leaf variables.");
    return ct__error(CT_ERR_RUNTIME,
                     "you can only change requires_grad flags of leaf variables. If you want to use a "
                     "computed variable in a subgraph that doesn't require differentiation use "
                     "var_no_grad = var.detach().");
  }
  if (requires_grad && !ct_dtype_is_floating(t->dtype))
    return ct__error(CT_ERR_RUNTIME, method ? "only Tensors of floating point dtype can require gradients"
                                            : "only Tensors of floating point and complex dtype can require gradients");
  if (t->grad_fn) return CT_OK;
  t->requires_grad = requires_grad;
  return CT_OK;
}

ct_status ct_set_requires_grad(ct_tensor *t, bool requires_grad) {
  if (!t) return ct__null_tensor_status("requires_grad_");
  return set_requires_grad(t, requires_grad, false);
}

ct_tensor *ct_requires_grad_(ct_tensor *t, bool requires_grad) {
  CT_CHECK_NULL(t);
  return set_requires_grad(t, requires_grad, true) == CT_OK ? t : NULL;
}

bool ct_requires_grad(const ct_tensor *t) { return t && requires_grad_now((ct_tensor *)t, 0); }
bool ct_is_leaf(const ct_tensor *t) { return t && !ct_grad_fn(t); }
int64_t ct_version_counter(const ct_tensor *t) { return t ? (int64_t)t->storage->version : -1; }
ct_tensor *ct_grad(const ct_tensor *t) { return t ? t->grad : NULL; }

ct_status ct_set_grad(ct_tensor *t, ct_tensor *grad) {
  if (!t) return ct__null_tensor_status("set_grad");
  if (grad) {
    if (grad->dtype != t->dtype)
      return ct__error(CT_ERR_ARG, "assigned grad has data of a different type");
    if (grad->ndim != t->ndim || memcmp(grad->shape, t->shape, (size_t)t->ndim * sizeof(int64_t)))
      return ct__error(CT_ERR_ARG, "assigned grad has data of a different size");
  }
  ct_retain(grad);
  ct_release(t->grad);
  t->grad = grad;
  return CT_OK;
}

void ct_zero_grad(ct_tensor *t) {
  if (!t || !t->grad) return;
  ct__fill(t->grad, 0.0);
  ct__bump_version(t->grad);
}

ct_tensor *ct_detach(ct_tensor *t) {
  CT_CHECK_NULL(t);
  return ct__alias(t);
}

ct_node *ct_grad_fn(const ct_tensor *t) { return t ? ct__current_grad_fn((ct_tensor *)t, 0) : NULL; }
const char *ct_node_name(const ct_node *node) { return node ? node->name : NULL; }
int ct_node_num_next(const ct_node *node) { return node ? node->num_next : 0; }
ct_node *ct_node_next(const ct_node *node, int i) {
  if (!node || i < 0 || i >= node->num_next) return NULL;
  return node->next[i];
}
ct_tensor *ct_node_variable(const ct_node *node) { return node ? node->variable : NULL; }

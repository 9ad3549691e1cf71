// Graph nodes: recording, lifetime, and the public grad_fn / requires_grad accessors.
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/pool.h"

static uint64_t next_sequence_nr; // shared counter; graphs are built on one thread

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
    for (int i = 0; i < x->num_next; i++) {
      ct_node *c = x->next[i];
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
    free(x->extra);
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

bool ct__needs_grad(int n_inputs, ct_tensor *const *inputs) {
  if (!ct_is_grad_enabled()) return false;
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i] && inputs[i]->requires_grad) return true;
  return false;
}

ct_status ct__record(ct_tensor *out, const char *name, ct_backward_fn backward, int n_inputs,
                     ct_tensor *const *inputs, int n_saved, ct_tensor *const *saved,
                     ct_node **node_out) {
  if (node_out) *node_out = NULL;
  if (!ct__needs_grad(n_inputs, inputs)) return CT_OK;
  ct_node *n = node_alloc(name, n_inputs);
  if (!n) return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
  n->backward = backward;
  for (int i = 0; i < n_inputs; i++) {
    ct_tensor *in = inputs[i];
    if (!in) continue;
    n->inputs[i].dtype = in->dtype;
    n->inputs[i].ndim = in->ndim;
    memcpy(n->inputs[i].shape, in->shape, sizeof in->shape);
    if (!in->requires_grad) continue;
    n->next[i] = in->grad_fn ? ct__node_retain(in->grad_fn) : accumulator_of(in);
    if (!n->next[i]) {
      ct__node_release(n);
      return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
    }
  }
  if (n_saved > CT_NODE_MAX_SAVED) n_saved = CT_NODE_MAX_SAVED;
  for (int i = 0; i < n_saved; i++) {
    if (!saved[i]) continue;
    n->saved[i] = ct__alias_unregistered(saved[i]);
    if (!n->saved[i]) {
      ct__node_release(n);
      return ct__error(CT_ERR_MEMORY, "out of memory recording %s", name);
    }
  }
  n->num_saved = n_saved;
  ct__node_release(out->grad_fn);
  out->grad_fn = n;
  out->requires_grad = true;
  if (node_out) *node_out = n;
  return CT_OK;
}

ct_tensor *ct__saved(ct_node *node, int i) {
  if (node->saved_released)
    return ct__error_null(CT_ERR_RUNTIME,
                          "Trying to backward through the graph a second time (or directly access saved "
                          "tensors after they have already been freed). Saved intermediate values of the "
                          "graph are freed when you call .backward() or autograd.grad(). Specify "
                          "retain_graph=True if you need to backward through the graph a second time or "
                          "if you need to access saved tensors after calling backward.");
  return node->saved[i];
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

bool ct_requires_grad(const ct_tensor *t) { return t && t->requires_grad; }
bool ct_is_leaf(const ct_tensor *t) { return t && !t->grad_fn; }
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
  if (t && t->grad) ct__fill(t->grad, 0.0);
}

ct_tensor *ct_detach(ct_tensor *t) {
  CT_CHECK_NULL(t);
  return ct__alias(t);
}

ct_node *ct_grad_fn(const ct_tensor *t) { return t ? t->grad_fn : NULL; }
const char *ct_node_name(const ct_node *node) { return node ? node->name : NULL; }
int ct_node_num_next(const ct_node *node) { return node ? node->num_next : 0; }
ct_node *ct_node_next(const ct_node *node, int i) {
  if (!node || i < 0 || i >= node->num_next) return NULL;
  return node->next[i];
}
ct_tensor *ct_node_variable(const ct_node *node) { return node ? node->variable : NULL; }

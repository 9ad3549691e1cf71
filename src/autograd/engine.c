// The backward engine: dependency counting over the graph reachable from the root,
// then nodes run newest-first (highest sequence_nr, as PyTorch's CPU queue does), each
// node's incoming gradients summed before it runs, leaves accumulating into .grad.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "autograd/engine.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/scope.h"

// Inlined into each of the two passes of ct__run_backward (see run_pass).
#define ENGINE_INLINE_EARLY static inline __attribute__((always_inline))

// A growable list of nodes whose first entries live in the struct itself: the graph of
// a small network's step fits, so backward makes no allocation for its bookkeeping.
#define NODE_LIST_INLINE 64
typedef struct node_list {
  ct_node **items;
  size_t count, capacity;
  ct_node *inline_items[NODE_LIST_INLINE];
} node_list;

static void list_init(node_list *l) {
  l->items = l->inline_items;
  l->count = 0;
  l->capacity = NODE_LIST_INLINE;
}

static void list_free(node_list *l) {
  if (l->items != l->inline_items) free(l->items);
}

static bool list_push(node_list *l, ct_node *n) {
  if (l->count == l->capacity) {
    size_t cap = 2 * l->capacity;
    ct_node **items = l->items == l->inline_items ? malloc(cap * sizeof *items) : realloc(l->items, cap * sizeof *items);
    if (!items) return false;
    if (l->items == l->inline_items) memcpy(items, l->inline_items, l->count * sizeof *items);
    l->items = items;
    l->capacity = cap;
  }
  l->items[l->count++] = n;
  return true;
}

// Max-heap on sequence_nr.
static void heap_push(node_list *h, ct_node *n) {
  size_t i = h->count - 1;
  (void)n;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (h->items[p]->sequence_nr >= h->items[i]->sequence_nr) break;
    ct_node *tmp = h->items[p];
    h->items[p] = h->items[i];
    h->items[i] = tmp;
    i = p;
  }
}

ENGINE_INLINE_EARLY ct_node *heap_pop(node_list *h) {
  ct_node *top = h->items[0];
  h->items[0] = h->items[--h->count];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->count && h->items[l]->sequence_nr > h->items[m]->sequence_nr) m = l;
    if (r < h->count && h->items[r]->sequence_nr > h->items[m]->sequence_nr) m = r;
    if (m == i) break;
    ct_node *tmp = h->items[m];
    h->items[m] = h->items[i];
    h->items[i] = tmp;
    i = m;
  }
  return top;
}

static bool same_shape(const ct_tensor *a, int ndim, const int64_t *shape) {
  if (a->ndim != ndim) return false;
  for (int d = 0; d < ndim; d++) // a few dims: no memcmp call
    if (a->shape[d] != shape[d]) return false;
  return true;
}

// A dense gradient nobody else can see: the engine may keep it or add into it instead of
// copying it (PyTorch's AccumulateGrad and InputBuffer do the same). `held` counts the
// references the engine itself holds besides the engine scope's.
static bool reusable(const ct_tensor *g, int64_t held) {
  return g->offset == 0 && g->storage->owns_data && ct_is_contiguous(g) &&
         g->storage->nbytes == (size_t)ct_numel(g) * ct__dtype_size(g->dtype) && ct__exclusively_held(g, held);
}

// Inlined into each of the two passes of ct__run_backward, so that a plain backward's
// tests of the general case's flags fold away.
#define ENGINE_INLINE static inline __attribute__((always_inline))

// Accumulates g into the leaf's .grad. Under create_graph .grad gets g's history:
// a clone of g, then .grad + g (torch's AccumulateGrad under grad mode).
ENGINE_INLINE ct_status accumulate_leaf(ct_tensor *leaf, ct_tensor *g, bool create_graph) {
  if (!same_shape(g, leaf->ndim, leaf->shape) || g->dtype != leaf->dtype)
    return ct__error(CT_ERR_RUNTIME, "internal: gradient of shape/dtype unlike its leaf");
  if (create_graph) {
    ct_tensor *sum = leaf->grad ? ct_add(leaf->grad, g) : ct_clone(g);
    if (!sum) return ct_last_status();
    ct__release(leaf->grad);
    leaf->grad = ct_retain(sum);
    return CT_OK;
  }
  if (leaf->grad) return ct__accumulate_into(leaf->grad, g);
  if (reusable(g, 1)) { // the same values as a copy, without the copy
    leaf->grad = ct_retain(g);
    return CT_OK;
  }
  ct_tensor *copy = ct__copy_as(g, leaf->dtype);
  if (!copy) return ct_last_status();
  leaf->grad = ct_retain(copy);
  return CT_OK;
}

// An AccumulateGrad node runs: the leaf's hooks, the accumulation, its post hooks.
ENGINE_INLINE ct_status run_accumulate(ct_node *n, ct_tensor *g, bool create_graph) {
  ct_tensor *leaf = n->variable;
  if (leaf->hooks && !(g = ct__hooks_run_pre(leaf->hooks, g))) return ct_last_status();
  ct_status st = accumulate_leaf(leaf, g, create_graph);
  if (st == CT_OK && leaf->hooks) st = ct__hooks_run_post(leaf->hooks);
  return st;
}

// Under create_graph gradients reaching a node add out of place, so the sum is recorded.
static ct_status add_pending_recorded(ct_node *n, ct_tensor *g) {
  ct_tensor *sum = ct_add(n->pending_grad, g);
  if (!sum) return ct_last_status();
  ct_release(n->pending_grad);
  n->pending_grad = ct_retain(sum);
  return CT_OK;
}

// Adds g into the gradient waiting at node n. `g_private`: g goes to no other edge of the
// node that made it, so that when nothing else holds it, it may take the sum.
ENGINE_INLINE ct_status add_pending(ct_node *n, ct_tensor *g, bool create_graph, bool g_private) {
  if (!n->pending_grad) {
    n->pending_grad = ct_retain(g);
    return CT_OK;
  }
  if (!same_shape(n->pending_grad, g->ndim, g->shape))
    return ct__error(CT_ERR_RUNTIME, "internal: gradients of different shapes reach %s", n->name);
  if (create_graph) return add_pending_recorded(n, g);
  if (n->pending_grad != g && reusable(n->pending_grad, 1)) return ct__accumulate_into(n->pending_grad, g);
  if (g_private && n->pending_grad != g && g->dtype == n->pending_grad->dtype && reusable(g, 0)) {
    // A shared pending gradient (a residual connection's, which both branches got) plus
    // this node's own: g + pending has the bits of pending + g, without copying pending.
    ct_status st = ct__accumulate_into(g, n->pending_grad);
    if (st != CT_OK) return st;
    ct_release(n->pending_grad);
    n->pending_grad = ct_retain(g);
    return CT_OK;
  }
  ct_tensor *sum = ct__copy_as(n->pending_grad, n->pending_grad->dtype);
  if (!sum) return ct_last_status();
  ct_status st = ct__accumulate_into(sum, g);
  if (st != CT_OK) return st;
  ct_release(n->pending_grad);
  n->pending_grad = ct_retain(sum);
  return CT_OK;
}

// Backward passes are numbered across all threads: a node reached in this pass is marked
// with its number (visit_mark). Per-thread numbers could repeat when a graph retained on
// one thread is run again on another, and its nodes would look visited already.
static _Atomic uint64_t last_pass;

// Collects the nodes reachable from the roots and counts, for each, its incoming edges.
// In a general pass every node starts needed and not a capture (mark_needed refines).
ENGINE_INLINE ct_status collect(const ct__backward_task *task, node_list *all, bool general) {
  const uint64_t pass = atomic_fetch_add_explicit(&last_pass, 1, memory_order_relaxed) + 1;
  node_list stack;
  list_init(&stack);
  ct_status st = CT_OK;
  for (int r = 0; st == CT_OK && r < task->n_roots; r++) {
    ct_node *root = task->roots[r];
    if (root->visit_mark == pass) continue;
    root->visit_mark = pass;
    root->dependencies = 0;
    if (!list_push(all, root) || !list_push(&stack, root)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
    while (st == CT_OK && stack.count) {
      ct_node *n = stack.items[--stack.count];
      if (general) {
        n->needed = true;
        n->capture = false;
        n->walk_next = -1;
      }
      for (int i = 0; i < n->num_next; i++) {
        ct_node *c = n->next[i];
        if (!c) continue;
        if (c->visit_mark != pass) {
          c->visit_mark = pass;
          c->dependencies = 0;
          if (!list_push(all, c) || !list_push(&stack, c)) {
            st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
            break;
          }
        }
        c->dependencies++;
      }
    }
  }
  list_free(&stack);
  return st;
}

// autograd.grad: marks the nodes to run, those with a path to a capture node. A
// depth-first walk settles a node when it leaves it, its children settled before (the
// graph has no cycles); walk_next is -1 for a node not reached yet.
static ct_status mark_needed(const ct__backward_task *task) {
  for (int k = 0; k < task->n_captures; k++) task->capture_nodes[k]->capture = true;
  node_list stack;
  list_init(&stack);
  ct_status st = CT_OK;
  for (int r = 0; st == CT_OK && r < task->n_roots; r++) {
    ct_node *root = task->roots[r];
    if (root->walk_next >= 0) continue;
    root->walk_next = 0;
    if (!list_push(&stack, root)) st = ct__error(CT_ERR_MEMORY, "out of memory in grad");
    while (st == CT_OK && stack.count) {
      ct_node *n = stack.items[stack.count - 1];
      if (n->walk_next == n->num_next) { // leaving n: its children are settled
        n->needed = false;
        for (int i = 0; !n->needed && i < n->num_next; i++)
          n->needed = n->next[i] && (n->next[i]->capture || n->next[i]->needed);
        stack.count--;
        continue;
      }
      ct_node *c = n->next[n->walk_next++];
      if (c && c->walk_next < 0) {
        c->walk_next = 0;
        if (!list_push(&stack, c)) st = ct__error(CT_ERR_MEMORY, "out of memory in grad");
      }
    }
  }
  list_free(&stack);
  return st;
}

// Whether grad_in[i] is none of the node's other results.
static bool only_once(ct_tensor *const *grad_in, int n, int i) {
  for (int j = 0; j < n; j++)
    if (j != i && grad_in[j] == grad_in[i]) return false;
  return true;
}

// Runs node n on its gradient g, handing the results to its edges.
ENGINE_INLINE ct_status run_node(ct_node *n, ct_tensor *g, node_list *ready, bool create_graph) {
  if (n->variable) return run_accumulate(n, g, create_graph);
  if (!n->backward) return CT_OK;
  if (n->extra && n->extra->pre_hooks && !(g = ct__hooks_run_pre(n->extra->pre_hooks, g))) return ct_last_status();
  ct_tensor *grad_in_small[8];
  ct_tensor **grad_in = n->num_next <= 8 ? grad_in_small : calloc((size_t)n->num_next, sizeof *grad_in);
  if (!grad_in) return ct__error(CT_ERR_MEMORY, "out of memory in backward");
  for (int i = 0; i < n->num_next; i++) grad_in[i] = NULL;
  ct_status st = ct__check_saved_state(n);
  if (st == CT_OK) st = create_graph ? ct__backward_create_graph(n, g, grad_in) : n->backward(n, g, grad_in);
  for (int i = 0; st == CT_OK && i < n->num_next; i++) {
    ct_node *c = n->next[i];
    if (!c) continue;
    if (grad_in[i]) st = add_pending(c, grad_in[i], create_graph, only_once(grad_in, n->num_next, i));
    if (st == CT_OK && --c->dependencies == 0) {
      if (!list_push(ready, c)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
      else heap_push(ready, c);
    }
  }
  if (grad_in != grad_in_small) free(grad_in);
  return st;
}

// autograd.grad: the gradient reaching a capture node is an answer (before its hooks,
// as torch 1.13 captures it).
static void capture(const ct__backward_task *task, ct_node *n, ct_tensor *g) {
  for (int k = 0; k < task->n_captures; k++)
    if (task->capture_nodes[k] == n && !task->captured[k]) task->captured[k] = ct_retain(g);
}

// One pass. `general` (autograd.grad's captures, or create_graph) is a constant in each
// of ct__run_backward's two calls: a plain backward skips its tests.
ENGINE_INLINE ct_status run_pass(const ct__backward_task *task, bool general) {
  const bool create_graph = general && task->create_graph;
  node_list all, ready;
  list_init(&all);
  list_init(&ready);
  const bool disabled = ct__grad_disabled;
  ct__grad_disabled = !create_graph;
  ct_status st = collect(task, &all, general);
  if (st == CT_OK && general && task->n_captures) st = mark_needed(task);
  for (int r = 0; st == CT_OK && r < task->n_roots; r++) {
    ct_node *root = task->roots[r];
    bool seen = false;
    for (int q = 0; q < r; q++) seen |= task->roots[q] == root;
    st = add_pending(root, task->root_grads[r], create_graph, false);
    if (st != CT_OK || seen || root->dependencies) continue;
    if (!list_push(&ready, root)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
    else heap_push(&ready, root);
  }
  while (st == CT_OK && ready.count) {
    ct_node *n = heap_pop(&ready);
    ct_tensor *g = n->pending_grad;
    n->pending_grad = NULL;
    const bool sole = g && g->refcount == 2 && g->storage->refcount == 1; // see below
    if (general && n->capture) capture(task, n, g);
    if (!general || n->needed) st = run_node(n, g, &ready, create_graph);
    // A consumed gradient that only the engine and its scope hold, and that the node made
    // a view of (TBackward's transpose of a weight gradient), is freed now, not when the
    // pass ends (as PyTorch's input buffers): the view is then its storage's only holder
    // and becomes .grad without a copy. (ct__drop leaves a tensor of an outer scope alone.)
    if (sole && g->refcount == 2 && g->storage->refcount > 1) ct__drop(g);
    ct_release(g);
  }
  for (size_t k = 0; k < all.count; k++) {
    ct_node *n = all.items[k];
    ct_release(n->pending_grad);
    n->pending_grad = NULL;
    if (!task->keep_graph && st == CT_OK && (!general || n->needed)) ct__release_saved(n);
  }
  ct__grad_disabled = disabled;
  list_free(&all);
  list_free(&ready);
  return st;
}

ct_status ct__run_backward(const ct__backward_task *task) {
  return task->n_captures || task->create_graph ? run_pass(task, true) : run_pass(task, false);
}

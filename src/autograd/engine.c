// The backward engine: dependency counting over the graph reachable from the root,
// then nodes run newest-first (highest sequence_nr, as PyTorch's CPU queue does), each
// node's incoming gradients summed before it runs, leaves accumulating into .grad.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/scope.h"

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

static ct_node *heap_pop(node_list *h) {
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
  return a->ndim == ndim && !memcmp(a->shape, shape, (size_t)ndim * sizeof(int64_t));
}

// A dense gradient nobody else can see: the engine may keep it or add into it instead of
// copying it (PyTorch's AccumulateGrad and InputBuffer do the same). `held` counts the
// references the engine itself holds besides the engine scope's.
static bool reusable(const ct_tensor *g, int64_t held) {
  return g->offset == 0 && g->storage->owns_data && ct_is_contiguous(g) &&
         g->storage->nbytes == (size_t)ct_numel(g) * ct__dtype_size(g->dtype) && ct__exclusively_held(g, held);
}

static ct_status accumulate_leaf(ct_tensor *leaf, ct_tensor *g) {
  if (!same_shape(g, leaf->ndim, leaf->shape) || g->dtype != leaf->dtype)
    return ct__error(CT_ERR_RUNTIME, "internal: gradient of shape/dtype unlike its leaf");
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

// Adds g into the gradient waiting at node n.
static ct_status add_pending(ct_node *n, ct_tensor *g) {
  if (!n->pending_grad) {
    n->pending_grad = ct_retain(g);
    return CT_OK;
  }
  if (!same_shape(n->pending_grad, g->ndim, g->shape))
    return ct__error(CT_ERR_RUNTIME, "internal: gradients of different shapes reach %s", n->name);
  if (n->pending_grad != g && reusable(n->pending_grad, 1)) return ct__accumulate_into(n->pending_grad, g);
  ct_tensor *sum = ct__copy_as(n->pending_grad, n->pending_grad->dtype);
  if (!sum) return ct_last_status();
  ct_status st = ct__accumulate_into(sum, g);
  if (st != CT_OK) return st;
  ct_release(n->pending_grad);
  n->pending_grad = ct_retain(sum);
  return CT_OK;
}

// PyTorch checks a given gradient's shape before whether the root requires grad.
static ct_status check_gradient_shape(const ct_tensor *root, const ct_tensor *gradient) {
  if (!gradient || same_shape(gradient, root->ndim, root->shape)) return CT_OK;
  char a[256], b[256];
  ct__shape_to_str(gradient->ndim, gradient->shape, a, sizeof a);
  ct__shape_to_str(root->ndim, root->shape, b, sizeof b);
  return ct__error(CT_ERR_RUNTIME,
                   "Mismatch in shape: grad_output[0] has a shape of torch.Size(%s) and output[0] "
                   "has a shape of torch.Size(%s).",
                   a, b);
}

static ct_tensor *root_gradient(ct_tensor *root, const ct_tensor *gradient) {
  if (!gradient) {
    if (ct_numel(root) != 1)
      return ct__error_null(CT_ERR_RUNTIME, "grad can be implicitly created only for scalar outputs");
    ct_tensor *ones = ct__alloc(root->dtype, root->ndim, root->shape);
    if (ones) ct__fill(ones, 1.0);
    return ones;
  }
  return ct__copy_as(gradient, root->dtype);
}

// Backward passes are numbered across all threads: a node reached in this pass is marked
// with its number (visit_mark). Per-thread numbers could repeat when a graph retained on
// one thread is run again on another, and its nodes would look visited already.
static _Atomic uint64_t last_pass;

// Collects the nodes reachable from root and counts, for each, its incoming edges.
static ct_status collect(ct_node *root, node_list *all) {
  const uint64_t pass = atomic_fetch_add_explicit(&last_pass, 1, memory_order_relaxed) + 1;
  node_list stack;
  list_init(&stack);
  ct_status st = CT_OK;
  root->dependencies = 0;
  root->visit_mark = pass;
  if (!list_push(all, root) || !list_push(&stack, root)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
  while (st == CT_OK && stack.count) {
    ct_node *n = stack.items[--stack.count];
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
  list_free(&stack);
  return st;
}

static ct_status run_graph(ct_node *root, ct_tensor *root_grad, bool retain_graph) {
  node_list all, ready;
  list_init(&all);
  list_init(&ready);
  ct_status st = collect(root, &all);
  if (st == CT_OK) {
    root->pending_grad = ct_retain(root_grad);
    if (!list_push(&ready, root)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
    else heap_push(&ready, root);
  }
  ct_tensor *grad_in_small[8];
  while (st == CT_OK && ready.count) {
    ct_node *n = heap_pop(&ready);
    ct_tensor *g = n->pending_grad;
    n->pending_grad = NULL;
    const bool sole = g && g->refcount == 2 && g->storage->refcount == 1; // see below
    if (n->variable) {
      st = accumulate_leaf(n->variable, g);
    } else if (n->backward) {
      ct_tensor **grad_in = n->num_next <= 8 ? grad_in_small : calloc((size_t)n->num_next, sizeof *grad_in);
      if (!grad_in) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
      else {
        memset(grad_in, 0, (size_t)n->num_next * sizeof *grad_in);
        st = ct__check_saved_state(n);
        if (st == CT_OK) st = n->backward(n, g, grad_in);
        for (int i = 0; st == CT_OK && i < n->num_next; i++) {
          ct_node *c = n->next[i];
          if (!c) continue;
          if (grad_in[i]) st = add_pending(c, grad_in[i]);
          if (st == CT_OK && --c->dependencies == 0) {
            if (!list_push(&ready, c)) st = ct__error(CT_ERR_MEMORY, "out of memory in backward");
            else heap_push(&ready, c);
          }
        }
        if (grad_in != grad_in_small) free(grad_in);
      }
    }
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
    if (!retain_graph && st == CT_OK) {
      for (int i = 0; i < n->num_saved; i++) {
        ct_release(n->saved[i]);
        n->saved[i] = NULL;
      }
      if (n->backward) n->saved_released = true;
    }
  }
  list_free(&all);
  list_free(&ready);
  return st;
}

ct_status ct_backward_ex(ct_tensor *root, const ct_tensor *gradient, bool retain_graph) {
  if (!root) return ct__null_tensor_status("backward");
  ct_status shape_st = check_gradient_shape(root, gradient);
  if (shape_st != CT_OK) return shape_st;
  if (!root->requires_grad)
    return ct__error(CT_ERR_RUNTIME, "element 0 of tensors does not require grad and does not have a grad_fn");
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  bool mode = ct_no_grad_enter();
  ct_status st;
  ct_tensor *g = root_gradient(root, gradient);
  if (!g) st = ct_last_status();
  else if (!root->grad_fn) st = accumulate_leaf(root, g);
  else st = run_graph(ct__current_grad_fn(root, 0), g, retain_graph);
  ct_grad_mode_restore(mode);
  ct_scope_close(scope);
  return st;
}

ct_status ct_backward(ct_tensor *root, const ct_tensor *gradient) {
  return ct_backward_ex(root, gradient, false);
}

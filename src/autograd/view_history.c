// Views and in-place ops, as torch handles them. A view remembers its base (view_base)
// and the version its grad_fn was made at. When the storage is written afterwards, the
// view's grad_fn is made again as AsStridedBackward0 of the base's current history. An
// in-place op on a view rebases the base's history onto a CopySlices node: it runs the
// op's node on the view's part of the base's gradient and passes the rest through.
#include <stdlib.h>
#include <string.h>
#include "autograd/engine.h"
#include "autograd/linear_backward.h"
#include "autograd/node.h"
#include "ctorch/ops.h"
#include "core/copy.h"
#include "core/error_impl.h"

// Where a view lies in its base. Offsets are in elements from the base's first one; the
// base's shape and dtype are the node's inputs[0].
typedef struct view_geometry {
  int64_t base_strides[CT_MAX_DIMS];
  int64_t view_shape[CT_MAX_DIMS], view_strides[CT_MAX_DIMS];
  int64_t view_offset;
  int64_t extent; // elements the base spans
  int view_ndim;
} view_geometry;

// Arguments of AsStridedBackward0 and CopySlices nodes: the geometry, too large to keep
// inline, is a block the node owns (ct__node_adopt).
typedef struct view_args {
  const view_geometry *geometry;
} view_args;

static const view_geometry *geometry(ct_node *node) { return ct__node_args(node, view_args)->geometry; }

static void set_meta(ct_input_meta *m, const ct_tensor *t) {
  m->dtype = t->dtype;
  m->ndim = t->ndim;
  memcpy(m->shape, t->shape, sizeof t->shape);
}

// Fills the node's geometry of `view` in its base and inputs[0]; false when out of memory.
static bool describe_view(ct_node *node, const ct_tensor *view) {
  const ct_tensor *base = view->view_base;
  view_geometry *g = ct__node_adopt(node, malloc(sizeof *g));
  if (!g) return false;
  memset(g, 0, sizeof *g);
  int64_t extent = 1;
  for (int d = 0; d < base->ndim; d++) {
    g->base_strides[d] = base->strides[d];
    extent = base->shape[d] ? extent + (base->shape[d] - 1) * base->strides[d] : 0;
    if (!extent) break;
  }
  g->extent = extent;
  g->view_ndim = view->ndim;
  memcpy(g->view_shape, view->shape, sizeof g->view_shape);
  memcpy(g->view_strides, view->strides, sizeof g->view_strides);
  g->view_offset = view->offset - base->offset;
  ct__node_args(node, view_args)->geometry = g;
  set_meta(&node->inputs[0], base);
  return true;
}

// A buffer spanning the base (dtype of `like`, zeroed when asked), seen as the base
// (*base_view) and as the view (*slot). The tensors belong to the current scope.
static ct_status base_buffer(ct_node *node, const ct_tensor *like, bool zero, ct_tensor **base_view,
                             ct_tensor **slot) {
  const view_geometry *g = geometry(node);
  const ct_input_meta *m = &node->inputs[0];
  ct_tensor *buf = ct__alloc_like(like, like->dtype, 1, &g->extent);
  if (!buf || (zero && ct__fill(buf, 0.0) != CT_OK)) return ct_last_status();
  *base_view = ct__make_view(buf, m->ndim, m->shape, g->base_strides, 0);
  *slot = ct__make_view(buf, g->view_ndim, g->view_shape, g->view_strides, g->view_offset);
  return *base_view && *slot ? CT_OK : ct_last_status();
}

// The base's gradient handed on: contiguous, as the base's other gradients usually are.
static ct_tensor *dense(ct_tensor *t) { return ct_is_contiguous(t) ? t : ct__copy_as(t, t->dtype); }

// The gradient of the node's base input (already of the base's shape) in the base's dtype.
static ct_tensor *base_gradient(const ct_node *node, ct_tensor *t) {
  ct_tensor *d = dense(t);
  ct_dtype dtype = node->inputs[0].dtype;
  return !d || d->dtype == dtype ? d : ct__copy_as(d, dtype);
}

// ---- AsStridedBackward0: the gradient lands on the view's elements of a zero base ----

// The view's part of v (base-shaped), a copy: the transpose of as_strided_backward, for
// double backward (linear_backward.c). Also used with a CopySlices node (same geometry).
static ct_tensor *as_strided_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *base = NULL, *slot = NULL;
  if (base_buffer(node, v, false, &base, &slot) != CT_OK || ct__copy_into(base, v) != CT_OK) return NULL;
  return ct__copy_as(slot, slot->dtype);
}

static ct_status as_strided_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, as_strided_jvp);
  ct_tensor *base = NULL, *slot = NULL;
  ct_status st = base_buffer(node, grad, true, &base, &slot);
  // Serial: the elements of an expanded view overlap, and each must add its share.
  if (st == CT_OK) st = ct__accumulate_into_serial(slot, grad);
  if (st != CT_OK) return st;
  grad_in[0] = base_gradient(node, base);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// A view's grad_fn made from its base's current history; `base_edge` is taken.
static ct_node *as_strided_node(const ct_tensor *view, ct_node *base_edge) {
  ct_node *n = ct__node_new("AsStridedBackward0", as_strided_backward, 1);
  if (!n || !describe_view(n, view)) {
    ct__node_release(n);
    ct__node_release(base_edge);
    return NULL;
  }
  n->next[0] = base_edge;
  return n;
}

ct_node *ct__current_grad_fn(ct_tensor *t, uint32_t lag) {
  ct_tensor *base = t->view_base;
  if (!base || t->view_version == t->storage->version - lag) return t->grad_fn;
  if (!t->grad_fn && !base->requires_grad) return NULL; // nothing to take yet
  ct_node *base_edge = ct__grad_edge(base, 0);
  if (!base_edge && base->requires_grad) return t->grad_fn; // out of memory: keep the old one
  ct_node *fn = as_strided_node(t, base_edge);
  if (!fn) return t->grad_fn;
  ct__node_release(t->grad_fn);
  t->grad_fn = fn;
  t->requires_grad = true;
  t->view_version = t->storage->version - lag;
  return fn;
}

// ---- CopySlices ----

// An AsStridedBackward0 node with cs's geometry and base, no edges: the linear map between
// the base and the view that a create_graph CopySlices records its steps with.
static ct_node *picking_node(ct_node *cs) {
  ct_node *n = ct__node_new("AsStridedBackward0", as_strided_backward, 1);
  view_geometry *g = n ? ct__node_adopt(n, malloc(sizeof *g)) : NULL;
  if (!g) {
    ct__node_release(n);
    ct__error(CT_ERR_MEMORY, "out of memory in backward");
    return NULL;
  }
  *g = *geometry(cs);
  ct__node_args(n, view_args)->geometry = g;
  n->inputs[0] = cs->inputs[0];
  return n;
}

// create_graph: the same from recorded steps. With P the view's part of a base-shaped
// tensor and P^T its transpose (zeros elsewhere): base gradient = grad + P^T(fn's
// gradient of P(grad) - P(grad)); fn runs as the engine runs a node under create_graph.
CT_CREATE_GRAPH_PATH static ct_status copy_slices_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_node *fn = node->extra->copy_fn, *pick = picking_node(node);
  if (!pick) return ct_last_status();
  ct_tensor *fn_grad[8] = {NULL};
  ct_tensor *slice = ct__linear_apply(pick, 0, grad, true, as_strided_jvp, NULL);
  ct_status st = slice ? ct__backward_create_graph(fn, slice, fn_grad) : ct_last_status();
  if (st == CT_OK && node->next[0]) {
    ct_tensor *kept = fn_grad[0] ? ct_sub(fn_grad[0], slice) : ct_neg(slice);
    ct_tensor *back = kept ? ct__linear_apply(pick, 0, kept, false, as_strided_jvp, NULL) : NULL;
    if (!back || !(grad_in[0] = ct_add(grad, back))) st = ct_last_status();
  }
  for (int i = 1; st == CT_OK && i < node->num_next; i++) grad_in[i] = fn_grad[i];
  ct__node_release(pick);
  return st;
}

// The base's gradient, with the view's part replaced by what the op's node makes of it;
// the op's other inputs get theirs. Torch frees the op node's saved state with the graph:
// it is marked freed here when this node's was.
static ct_status copy_slices_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_node *fn = node->extra->copy_fn;
  fn->saved_released = node->saved_released;
  ct_status st = ct__check_saved_state(fn);
  if (st != CT_OK) return st;
  ct_tensor *fn_grad[8] = {NULL};
  if (fn->num_next > 8) return ct__error(CT_ERR_RUNTIME, "internal: CopySlices over a node of %d inputs", fn->num_next);
  if (ct__create_graph()) return copy_slices_recorded(node, grad, grad_in);
  ct_tensor *result = NULL, *slice = NULL, *slice_grad = NULL;
  st = base_buffer(node, grad, false, &result, &slice);
  if (st == CT_OK) st = ct__copy_into(result, grad);
  if (st == CT_OK) slice_grad = ct__copy_as(slice, slice->dtype); // fn may keep it: not a view of result
  if (st == CT_OK && !slice_grad) st = ct_last_status();
  if (st == CT_OK) st = fn->backward(fn, slice_grad, fn_grad);
  if (st == CT_OK) st = fn_grad[0] ? ct__copy_into(slice, fn_grad[0]) : ct__fill(slice, 0.0);
  if (st != CT_OK) return st;
  if (node->next[0] && !(grad_in[0] = base_gradient(node, result))) return ct_last_status();
  for (int i = 1; i < node->num_next; i++) grad_in[i] = fn_grad[i];
  return CT_OK;
}

ct_status ct__rebase_view(ct_tensor *view, ct_node *fn) {
  ct_tensor *base = view->view_base;
  ct_node *cs = ct__node_new("CopySlices", copy_slices_backward, fn->num_next);
  if (!cs || !describe_view(cs, view) || !ct__node_extra_of(cs)) {
    ct__node_release(cs);
    ct__node_release(fn);
    return ct__error(CT_ERR_MEMORY, "out of memory recording CopySlices");
  }
  cs->extra->copy_fn = fn;
  cs->saved_state = true; // torch drops fn with the graph: a second backward fails
  cs->next[0] = ct__grad_edge(base, 0);
  for (int i = 1; i < fn->num_next; i++) {
    cs->inputs[i] = fn->inputs[i];
    cs->next[i] = ct__node_retain(fn->next[i]);
  }
  ct_node *view_fn = as_strided_node(view, ct__node_retain(cs));
  if (!view_fn || (!cs->next[0] && base->requires_grad)) {
    ct__node_release(view_fn);
    ct__node_release(cs);
    return ct__error(CT_ERR_MEMORY, "out of memory recording CopySlices");
  }
  ct__node_release(base->grad_fn);
  base->grad_fn = cs;
  base->requires_grad = true;
  ct__node_release(view->grad_fn);
  view->grad_fn = view_fn;
  view->view_version = view->storage->version;
  view->storage->writer_fn = "CopySlices"; // what the base's history now ends with
  view->storage->writer_version = view->storage->version;
  return CT_OK;
}

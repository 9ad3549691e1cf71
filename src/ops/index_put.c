// index_put / index_put_ (x[idx] = v, x[mask] = v; IndexPutBackward0) and masked_scatter
// (MaskedScatterBackward0), written through the offsets of an advanced-index plan.
#include <string.h>
#include "autograd/linear_backward.h"
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/scatter.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "ops/index_advanced.h"
#include "ops/index_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// A row-major copy of t (t itself when it already is one).
static ct_tensor *dense(ct_tensor *t) { return ct__contiguous_like_torch(t) ? t : ct__copy_as(t, t->dtype); }

// grad with zeros where the forward wrote (offsets row-major over grad's shape).
static ct_tensor *zeros_at(ct_tensor *grad, ct_tensor *offsets) {
  ct_tensor *g = ct__copy_as(grad, grad->dtype), *zero = ct_scalar(0, grad->dtype);
  if (!g || !zero) return NULL;
  ct__adv_put(g, offsets, zero, false);
  ct__drop(zero);
  return g;
}

// grad's elements at offsets (row-major over grad's shape), in offsets' shape.
static ct_tensor *gathered(ct_tensor *grad, ct_tensor *offsets) {
  ct_tensor *src = dense(grad), *g = src ? ct__alloc(grad->dtype, offsets->ndim, offsets->shape) : NULL;
  if (g) ct__adv_gather(g, src, offsets);
  return g;
}

// ---- index_put ----

typedef struct put_args {
  bool accumulate;
} put_args;

// Zeros of the op's output shape (a jvp's result) with v added at offsets.
static ct_tensor *added_at(const ct_input_meta *out, ct_tensor *v, ct_tensor *offsets) {
  ct_tensor *z = ct__alloc(v->dtype, out->ndim, out->shape);
  if (z && ct__fill(z, 0.0) != CT_OK) return NULL;
  if (z) ct__adv_put(z, offsets, v, true);
  return z;
}

// The transpose of index_put's backward on v (input 0: x-shaped, 1: values-shaped), for
// double backward (linear_backward.c).
static ct_tensor *index_put_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  ct_tensor *offsets = ct__saved(node, 0);
  if (!offsets) return NULL;
  if (input == 0) return ct__node_args(node, put_args)->accumulate ? ct_clone(v) : zeros_at(v, offsets);
  ct_tensor *e = ct_expand(v, offsets->ndim, offsets->shape);
  return e ? added_at(out, e, offsets) : NULL;
}

// IndexPutBackward0: saved[0] = the row-major offsets written. x keeps the gradient of
// what it kept (all of it when accumulating); values get the gradient of where they went.
static ct_status index_put_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, index_put_jvp);
  ct_tensor *offsets = ct__saved(node, 0);
  if (!offsets) return ct_last_status();
  if (node->next[0]) {
    grad_in[0] = ct__node_args(node, put_args)->accumulate ? grad : zeros_at(grad, offsets);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *g = gathered(grad, offsets);
    grad_in[1] = g ? ct__grad_for_input(node, 1, g) : NULL;
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

// PyTorch's check that values broadcast to the indexing result.
static ct_status check_values_shape(const ct_tensor *values, const ct__adv_plan *plan) {
  int nd;
  int64_t shape[CT_MAX_DIMS];
  bool ok = ct__broadcast_shapes(values->ndim, values->shape, plan->ndim, plan->shape, &nd, shape) == CT_OK &&
            nd == plan->ndim && !memcmp(shape, plan->shape, (size_t)nd * sizeof *shape);
  if (ok) return CT_OK;
  char a[256], b[256];
  CT_SHAPE_STR(values, a);
  ct__shape_to_str(plan->ndim, plan->shape, b, sizeof b);
  return ct__error(CT_ERR_ARG, "shape mismatch: value tensor of shape %s cannot be broadcast to indexing result of shape %s",
                   a, b);
}

// Writes values into `target` (x itself, or a copy of it) at x[indices] and records the
// node on target. Runs inside the caller's scope.
static ct_status put_into(ct_tensor *target, ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values,
                          bool accumulate, bool inplace) {
  ct__adv_plan plan;
  if (ct__adv_plan_make(x, n, indices, &plan) != CT_OK || check_values_shape(values, &plan) != CT_OK)
    return ct_last_status();
  if (values->dtype != x->dtype)
    return ct__error(CT_ERR_ARG,
                     "Index put requires the source and destination dtypes match, got %s for the destination and %s "
                     "for the source.",
                     ct__scalar_type_name(x->dtype), ct__scalar_type_name(values->dtype));
  ct_tensor *inputs[2] = {x, values};
  bool record = ct__needs_grad(2, inputs);
  if (inplace && record && ct__check_inplace(x) != CT_OK) return ct_last_status();
  ct_tensor *offsets = ct__adv_offsets(&plan, target->strides);
  if (!offsets) return ct_last_status();
  ct__adv_put(target, offsets, values, accumulate);
  if (inplace) ct__bump_version(target);
  if (!record) return CT_OK;
  int64_t strides[CT_MAX_DIMS];
  ct__contiguous_strides(x->ndim, x->shape, strides);
  ct_tensor *linear = ct__contiguous_like_torch(target) ? offsets : ct__adv_offsets(&plan, strides);
  ct_node *node;
  if (!linear || ct__record(target, "IndexPutBackward0", index_put_back, 2, inputs, 1, &linear, &node) != CT_OK)
    return ct_last_status();
  if (node) *ct__node_args(node, put_args) = (put_args){accumulate};
  return CT_OK;
}

static ct_tensor *index_put_impl(ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values, bool accumulate,
                                 bool inplace) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(values);
  if (ct__check_same_device(x, 1, (const ct_tensor *const[]){values}, false) != CT_OK) return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = inplace ? x : ct__copy_as(x, x->dtype);
  ct_status st = out ? put_into(out, x, n, indices, values, accumulate, inplace) : ct_last_status();
  if (inplace) {
    ct_scope_close(s);
    return st == CT_OK ? x : NULL;
  }
  if (st != CT_OK) out = NULL;
  return ct__close_keeping(s, &out, 1) == CT_OK ? out : NULL;
}

ct_tensor *ct_index_put(ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values, bool accumulate) {
  return index_put_impl(x, n, indices, values, accumulate, false);
}

ct_tensor *ct_index_put_(ct_tensor *x, int n, ct_tensor *const *indices, ct_tensor *values, bool accumulate) {
  return index_put_impl(x, n, indices, values, accumulate, true);
}

ct_tensor *ct_index_put_scalar_(ct_tensor *x, int n, ct_tensor *const *indices, double value) {
  CT_CHECK_NULL(x);
  ct_tensor *v = ct_scalar(value, x->dtype);
  ct_tensor *out = v ? index_put_impl(x, n, indices, v, false, true) : NULL;
  ct__drop(v);
  return out;
}

// ---- masked_scatter ----

// MaskedScatterBackward0: saved[0] = the row-major offsets of the mask's true elements
// in the broadcast shape. x keeps the gradient where mask is false; source's first
// elements get the gradient where they went, the rest zero.
// The transpose of masked_scatter's backward on v (input 0: x-shaped, broadcast; 1:
// source-shaped, its first elements placed), for double backward (linear_backward.c).
static ct_tensor *masked_scatter_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  ct_tensor *offsets = ct__saved(node, 0);
  if (!offsets) return NULL;
  if (input == 0) {
    ct_tensor *e = ct_expand(v, out->ndim, out->shape);
    return e ? zeros_at(e, offsets) : NULL;
  }
  ct_tensor *src = dense(v);
  ct_tensor *head = src ? ct__make_view(src, 1, offsets->shape, (int64_t[]){1}, src->offset) : NULL;
  return head ? added_at(out, head, offsets) : NULL;
}

static ct_status masked_scatter_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, masked_scatter_jvp);
  ct_tensor *offsets = ct__saved(node, 0);
  if (!offsets) return ct_last_status();
  if (node->next[0]) {
    ct_tensor *g = zeros_at(grad, offsets);
    grad_in[0] = g ? ct__grad_for_input(node, 0, g) : NULL;
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *gs = ct__zeros_for_input(node, 1, grad), *src = dense(grad);
    if (!gs || !src) return ct_last_status();
    ct_tensor *head = ct__make_view(gs, 1, offsets->shape, (int64_t[]){1}, 0);
    if (!head) return ct_last_status();
    ct__adv_gather(head, src, offsets);
    ct__drop(head);
    grad_in[1] = gs;
  }
  return CT_OK;
}

// t's dims in the order PyTorch 1.13's in-place masked_scatter_ visits them: memory
// order (strides decreasing, ties in dim order), as its TensorIterator reorders them.
static void memory_order(const ct_tensor *t, int *perm) {
  for (int i = 0; i < t->ndim; i++) perm[i] = i;
  for (int i = 1; i < t->ndim; i++)
    for (int j = i; j > 0 && t->strides[perm[j]] > t->strides[perm[j - 1]]; j--) {
      int tmp = perm[j];
      perm[j] = perm[j - 1], perm[j - 1] = tmp;
    }
}

// t's geometry with dims in perm's order (at least one dim: a 0-d t is seen as [1]).
static ct_tensor *permuted(ct_tensor *t, const int *perm, const int64_t *strides) {
  int64_t shape[CT_MAX_DIMS], st[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) shape[i] = t->shape[perm[i]], st[i] = strides[perm[i]];
  if (t->ndim == 0) shape[0] = 1, st[0] = 1;
  return ct__make_view(t, t->ndim ? t->ndim : 1, shape, st, t->offset);
}

// Writes source's head into target at mask (broadcast to target's shape already), in
// row-major order (in place: target's memory order, as PyTorch), and records the node on
// target with inputs x (the op's self) and source.
static ct_status masked_scatter_into(ct_tensor *target, ct_tensor *x, ct_tensor *mask, ct_tensor *source,
                                     bool inplace) {
  if (source->dtype != x->dtype)
    return ct__error(CT_ERR_ARG, "masked_scatter: expected self and source to have same dtypes but got%s and %s",
                     ct__scalar_type_name(x->dtype), ct__scalar_type_name(source->dtype));
  ct_tensor *inputs[2] = {inplace ? target : x, source};
  bool record = ct__needs_grad(2, inputs);
  if (inplace && record && ct__check_inplace(target) != CT_OK) return ct_last_status();
  int perm[CT_MAX_DIMS];
  memory_order(target, perm);
  int64_t linear_strides[CT_MAX_DIMS];
  ct__contiguous_strides(target->ndim, target->shape, linear_strides);
  ct_tensor *t1 = permuted(target, perm, target->strides), *m1 = t1 ? permuted(mask, perm, mask->strides) : NULL;
  ct__adv_plan plan;
  if (!m1 || ct__adv_plan_make(t1, 1, &m1, &plan) != CT_OK) return ct_last_status();
  int64_t count = plan.shape[0];
  if (ct_numel(source) < count) return ct__error(CT_ERR_RUNTIME, "Number of elements of source < number of ones in mask");
  ct_tensor *src = dense(source);
  ct_tensor *head = src ? ct__make_view(src, 1, &count, (int64_t[]){1}, src->offset) : NULL;
  ct_tensor *offsets = head ? ct__adv_offsets(&plan, t1->strides) : NULL;
  if (!offsets) return ct_last_status();
  ct__adv_put(t1, offsets, head, false);
  if (inplace) ct__bump_version(target);
  if (!record) return CT_OK;
  // Backward reads the gradient in row-major order (masked_select) even where the forward
  // wrote in memory order: PyTorch 1.13 does so.
  int identity[CT_MAX_DIMS];
  for (int i = 0; i < CT_MAX_DIMS; i++) identity[i] = i;
  ct_tensor *tl = permuted(target, identity, linear_strides), *ml = tl ? permuted(mask, identity, mask->strides) : NULL;
  if (!ml || ct__adv_plan_make(tl, 1, &ml, &plan) != CT_OK) return ct_last_status();
  ct_tensor *linear = ct__adv_offsets(&plan, tl->strides);
  if (!linear) return ct_last_status();
  return ct__record(target, "MaskedScatterBackward0", masked_scatter_back, 2, inputs, 1, &linear, NULL);
}

static ct_tensor *masked_scatter_impl(ct_tensor *x, ct_tensor *mask, ct_tensor *source, bool inplace) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(mask);
  CT_CHECK_NULL(source);
  if (ct__check_mask_device(x, mask) != CT_OK) return NULL;
  if (mask->dtype != CT_BOOL)
    return ct__error_null(CT_ERR_ARG, "masked_scatter: ctorch takes bool masks only, got mask with dtype %s",
                          ct__scalar_type_name(mask->dtype));
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *target = NULL, *m = NULL;
  if (inplace) {
    target = x;
    m = ct_expand(mask, x->ndim, x->shape);
  } else {
    int nd;
    int64_t shape[CT_MAX_DIMS];
    if (ct__broadcast_shapes(mask->ndim, mask->shape, x->ndim, x->shape, &nd, shape) == CT_OK) { // PyTorch's order
      target = ct__alloc(x->dtype, nd, shape);
      if (target && ct__copy_into(target, x) != CT_OK) target = NULL;
      m = target ? ct_expand(mask, nd, shape) : NULL;
    }
  }
  ct_status st = m ? masked_scatter_into(target, x, m, source, inplace) : ct_last_status();
  if (inplace) {
    ct_scope_close(s);
    return st == CT_OK ? x : NULL;
  }
  if (st != CT_OK) target = NULL;
  return ct__close_keeping(s, &target, 1) == CT_OK ? target : NULL;
}

ct_tensor *ct_masked_scatter(ct_tensor *x, ct_tensor *mask, ct_tensor *source) {
  return masked_scatter_impl(x, mask, source, false);
}

ct_tensor *ct_masked_scatter_(ct_tensor *x, ct_tensor *mask, ct_tensor *source) {
  return masked_scatter_impl(x, mask, source, true);
}

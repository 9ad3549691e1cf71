// Tensor hooks (register_hook, retain_grad, post-accumulate-grad hooks) and detach_.
//
// A tensor's hooks live in one list it shares with its grad_fn (extra->pre_hooks), so
// the engine finds a non-leaf's hooks on the node it runs; a leaf's are read from the
// AccumulateGrad node's variable. The list outlives the tensor while a node holds it;
// it only forgets the tensor (retain_grad then stores nothing), as torch's weak
// reference does. Handles are the hook entries: valid while the list lives.
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"

typedef enum { HOOK_TENSOR, HOOK_RETAIN_GRAD, HOOK_POST_ACCUMULATE } hook_kind;

struct ct_hook_handle {
  hook_kind kind;
  ct_tensor_hook_fn tensor_fn;
  ct_post_accumulate_grad_hook_fn post_fn;
  void *ctx;
  bool removed;
  ct_hook_handle *next;
};

struct ct__hook_list {
  int64_t refcount;    // the tensor's reference and the nodes'
  ct_tensor *tensor;   // weak: NULL once the tensor is freed
  bool retains_grad;
  ct_hook_handle *first, *last;
};

void ct__hook_list_release(ct__hook_list *list) {
  if (!list || --list->refcount > 0) return;
  for (ct_hook_handle *h = list->first, *next; h; h = next) {
    next = h->next;
    free(h);
  }
  free(list);
}

void ct__hooks_tensor_freed(ct_tensor *t) {
  t->hooks->tensor = NULL;
  ct__hook_list_release(t->hooks);
  t->hooks = NULL;
}

// t's list, made on first use, and attached to t's grad_fn so the engine sees it.
static ct__hook_list *hooks_of(ct_tensor *t) {
  if (!t->hooks) {
    t->hooks = calloc(1, sizeof *t->hooks);
    if (!t->hooks) return ct__error_null(CT_ERR_MEMORY, "out of memory registering a hook");
    t->hooks->refcount = 1;
    t->hooks->tensor = t;
  }
  ct_node *fn = ct_grad_fn(t);
  if (fn && (!fn->extra || fn->extra->pre_hooks != t->hooks)) {
    if (!ct__node_extra_of(fn)) return NULL;
    ct__hook_list_release(fn->extra->pre_hooks);
    fn->extra->pre_hooks = t->hooks;
    t->hooks->refcount++;
  }
  return t->hooks;
}

static ct_hook_handle *add_hook(ct_tensor *t, hook_kind kind, ct_tensor_hook_fn tensor_fn,
                                ct_post_accumulate_grad_hook_fn post_fn, void *ctx) {
  if (!ct_requires_grad(t))
    return ct__error_null(CT_ERR_RUNTIME, "cannot register a hook on a tensor that doesn't require gradient");
  ct__hook_list *list = hooks_of(t);
  if (!list) return NULL;
  ct_hook_handle *h = calloc(1, sizeof *h);
  if (!h) return ct__error_null(CT_ERR_MEMORY, "out of memory registering a hook");
  *h = (ct_hook_handle){.kind = kind, .tensor_fn = tensor_fn, .post_fn = post_fn, .ctx = ctx};
  if (list->last) list->last->next = h;
  else list->first = h;
  list->last = h;
  return h;
}

ct_hook_handle *ct_register_hook(ct_tensor *t, ct_tensor_hook_fn fn, void *ctx) {
  CT_CHECK_NULL(t);
  if (!fn) return ct__error_null(CT_ERR_ARG, "register_hook: the hook is NULL");
  return add_hook(t, HOOK_TENSOR, fn, NULL, ctx);
}

ct_hook_handle *ct_register_post_accumulate_grad_hook(ct_tensor *t, ct_post_accumulate_grad_hook_fn fn,
                                                      void *ctx) {
  CT_CHECK_NULL(t);
  if (!fn) return ct__error_null(CT_ERR_ARG, "register_post_accumulate_grad_hook: the hook is NULL");
  if (!ct_requires_grad(t))
    return ct__error_null(CT_ERR_RUNTIME, "cannot register a hook on a tensor that doesn't require gradient");
  if (!ct_is_leaf(t))
    return ct__error_null(CT_ERR_RUNTIME, "post accumulate grad hooks cannot be registered on non-leaf tensors");
  return add_hook(t, HOOK_POST_ACCUMULATE, NULL, fn, ctx);
}

void ct_hook_remove(ct_hook_handle *handle) {
  if (handle) handle->removed = true;
}

ct_status ct_retain_grad(ct_tensor *t) {
  if (!t) return ct__null_tensor_status("retain_grad");
  if (!ct_requires_grad(t)) return ct__error(CT_ERR_RUNTIME, "can't retain_grad on Tensor that has requires_grad=False");
  if (ct_is_leaf(t)) return CT_OK; // a leaf's .grad is kept anyway
  if (t->hooks && t->hooks->retains_grad) return CT_OK;
  if (!add_hook(t, HOOK_RETAIN_GRAD, NULL, NULL, NULL)) return ct_last_status();
  t->hooks->retains_grad = true;
  return CT_OK;
}

bool ct_retains_grad(const ct_tensor *t) { return t && !ct_is_leaf(t) && t->hooks && t->hooks->retains_grad; }

// torch's legacy type names, as its hook check prints them.
static const char *legacy_name(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {
      [CT_BOOL] = "torch.BoolTensor", [CT_INT32] = "torch.IntTensor", [CT_INT64] = "torch.LongTensor",
      [CT_FLOAT32] = "torch.FloatTensor", [CT_FLOAT64] = "torch.DoubleTensor"};
  return names[dtype];
}

// A replacement must look like the gradient it replaces (torch's check_single_result,
// which names a Python hook by its __name__; a C hook has none: "hook").
static ct_status check_replacement(const ct_tensor *grad, const ct_tensor *res) {
  if (res->ndim != grad->ndim || memcmp(res->shape, grad->shape, (size_t)grad->ndim * sizeof(int64_t)))
    return ct__error(CT_ERR_RUNTIME, "hook 'hook' has changed the size of value");
  if (res->dtype != grad->dtype)
    return ct__error(CT_ERR_RUNTIME, "hook 'hook' has changed the type of value (was %s got %s)",
                     legacy_name(grad->dtype), legacy_name(res->dtype));
  return CT_OK;
}

// retain_grad's hook: .grad becomes a clone of grad, or its sum with what an earlier
// pass left. false when out of memory.
static bool retain(ct__hook_list *list, ct_tensor *grad) {
  ct_tensor *t = list->tensor;
  if (!t || !t->grad_fn) return true;
  ct_tensor *kept = t->grad ? ct_add(t->grad, grad) : ct_clone(grad);
  if (!kept) return false;
  ct__release(t->grad);
  t->grad = ct_retain(kept);
  return true;
}

// In registration order, retain_grad's among them (as in torch 1.13, where it is one
// more tensor hook: hooks registered before it change what .grad keeps).
ct_tensor *ct__hooks_run_pre(ct__hook_list *list, ct_tensor *grad) {
  for (ct_hook_handle *h = list->first; h && grad; h = h->next) {
    if (h->removed) continue;
    if (h->kind == HOOK_RETAIN_GRAD && !retain(list, grad)) return NULL;
    if (h->kind != HOOK_TENSOR) continue;
    ct_tensor *res = h->tensor_fn(grad, h->ctx);
    if (res && check_replacement(grad, res) != CT_OK) return NULL;
    if (res) grad = res;
  }
  return grad;
}

ct_status ct__hooks_run_post(ct__hook_list *list) {
  for (ct_hook_handle *h = list->first; h; h = h->next)
    if (!h->removed && h->kind == HOOK_POST_ACCUMULATE && list->tensor) h->post_fn(list->tensor, h->ctx);
  return CT_OK;
}

ct_tensor *ct_detach_(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (t->view_base)
    return ct__error_null(CT_ERR_RUNTIME,
                          "Can't detach views in-place. Use detach() instead. If you are using "
                          "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
                          "True, gradients are views of DDP buckets, and hence detach_() cannot be called on these "
                          "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
                          "torch/optim/optimizer.py as the solution.");
  ct__node_release(t->grad_fn);
  t->grad_fn = NULL;
  t->requires_grad = false;
  return t;
}

// DDP's reducer: each parameter's gradient is packed into its bucket as it becomes ready
// (scaled by 1 / world size, as PyTorch 1.13 does while copying), each full bucket's
// all-reduce (a sum) starts at once, in bucket order, and the finalize step waits on
// them and writes the averages back into .grad.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "distributed/ddp_impl.h"
#include "distributed/scaled_sum.h"

// Parameter i's slice of its bucket, shaped like the parameter (in the current scope).
static ct_tensor *bucket_view(ct_ddp *ddp, int i) {
  ct_tensor *p = ddp->params[i];
  ct_tensor *flat = ddp->buckets[ddp->bucket_of[i]].flat;
  return ct_view(ct_narrow(flat, 0, ddp->offset[i], ct_numel(p)), ct_dim(p), ct_shape(p));
}

// A growable set of graph nodes (open addressing on the pointer).
typedef struct node_set {
  const ct_node **slots;
  size_t cap, count;
} node_set;

static bool set_insert(node_set *s, const ct_node *n) { // true when n is new
  if (2 * (s->count + 1) > s->cap) {
    node_set bigger = {calloc(s->cap ? 2 * s->cap : 64, sizeof *s->slots), s->cap ? 2 * s->cap : 64, 0};
    if (!bigger.slots) return false;
    for (size_t k = 0; k < s->cap; k++)
      if (s->slots[k]) set_insert(&bigger, s->slots[k]);
    free(s->slots);
    *s = bigger;
  }
  size_t k = ((uintptr_t)n >> 4) * 0x9E3779B97F4A7C15u % s->cap;
  for (; s->slots[k]; k = (k + 1) % s->cap)
    if (s->slots[k] == n) return false;
  s->slots[k] = n;
  s->count++;
  return true;
}

// Marks the parameters the graph of `output` accumulates into as used (find_unused_parameters).
static ct_status mark_reached(ct_ddp *ddp, ct_tensor *output) {
  for (int i = 0; i < ddp->num_params; i++) ddp->unused[i] = true;
  const ct_node *root = ct_grad_fn(output);
  if (!root) { // the output is a leaf: at most itself is used
    for (int i = 0; i < ddp->num_params; i++)
      if (ddp->params[i] == output) ddp->unused[i] = false;
    return CT_OK;
  }
  node_set seen = {0};
  size_t depth = 0, cap = 64;
  const ct_node **stack = malloc(cap * sizeof *stack);
  ct_status st = stack && set_insert(&seen, root) ? CT_OK : CT_ERR_MEMORY;
  if (st == CT_OK) stack[depth++] = root;
  while (st == CT_OK && depth) {
    const ct_node *node = stack[--depth];
    ct_tensor *leaf = ct_node_variable(node);
    for (int i = 0; leaf && i < ddp->num_params; i++)
      if (ddp->params[i] == leaf) ddp->unused[i] = false;
    for (int k = 0; k < ct_node_num_next(node); k++) {
      const ct_node *next = ct_node_next(node, k);
      if (!next || !set_insert(&seen, next)) continue;
      if (depth == cap) {
        const ct_node **grown = realloc(stack, 2 * cap * sizeof *stack);
        if (!grown) {
          st = CT_ERR_MEMORY;
          break;
        }
        stack = grown;
        cap *= 2;
      }
      stack[depth++] = next;
    }
  }
  free(stack);
  free(seen.slots);
  return st == CT_OK ? CT_OK : ct__error(CT_ERR_MEMORY, "DistributedDataParallel: out of memory walking the graph");
}

ct_status ct__ddp_prepare(ct_ddp *ddp, ct_tensor *output) {
  if (ddp->hook_status != CT_OK) { // hand over the error backward could not return
    ct_status st = ddp->hook_status;
    ddp->hook_status = CT_OK;
    ddp->expecting = false;
    return ct__error(st, "%s", ddp->hook_error);
  }
  if (ddp->expecting && ddp->backward_ran)
    return ct__error(CT_ERR_RUNTIME,
                     "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                     "indicates that your module has parameters that were not used in producing loss. You can enable "
                     "unused parameter detection by passing find_unused_parameters = true in ct_ddp_options, or "
                     "call ct_ddp_sync_gradients after backward");
  for (int k = 0; k < ddp->num_buckets; k++) { // a forward without backward: start over
    ct_work_free(ddp->buckets[k].work);
    ddp->buckets[k].work = NULL;
    ddp->buckets[k].pending = ddp->buckets[k].count;
  }
  memset(ddp->ready, 0, (size_t)ddp->num_params * sizeof *ddp->ready);
  ddp->num_ready = 0;
  ddp->backward_ran = false;
  memset(ddp->unused, 0, (size_t)ddp->num_params * sizeof *ddp->unused);
  ddp->next_bucket = 0;
  ddp->expecting = true;
  if (!ddp->opts.find_unused_parameters) return CT_OK;
  if (mark_reached(ddp, output) != CT_OK) return ct_last_status();
  for (int i = 0; i < ddp->num_params; i++) // unreached: their (zero) share goes in now
    if (ddp->unused[i] && ct__ddp_mark_ready(ddp, i) != CT_OK) return ct_last_status();
  return CT_OK;
}

// Whether parameter i's .grad is its bucket view (gradient_as_bucket_view after a step).
static bool grad_is_bucket_view(ct_ddp *ddp, int i) {
  const ct_tensor *grad = ct_grad(ddp->params[i]), *flat = ddp->buckets[ddp->bucket_of[i]].flat;
  return grad && ct_is_contiguous(grad) && ct_shares_storage(grad, flat) &&
         (char *)ct_data_ptr(grad) == (char *)ct_data_ptr(flat) + ddp->offset[i] * (int64_t)ct_dtype_size(ct_get_dtype(flat));
}

// Packs parameter i's gradient (zeros without one) into its bucket.
static ct_status pack(ct_ddp *ddp, int i) {
  if (grad_is_bucket_view(ddp, i) && !ddp->unused[i]) return CT_OK; // already there
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  ct_tensor *view = bucket_view(ddp, i), *grad = ct_grad(ddp->params[i]);
  ct_status st = !view ? ct_last_status() : !grad || ddp->unused[i] ? ct__fill(view, 0) : ct__copy_into(view, grad);
  ct_scope_close(scope);
  return st;
}

// Starts a full bucket's all-reduce of its gradients times 1 / world (PyTorch 1.13
// multiplies by 1 / world while copying into the bucket: the same float products; the
// backend fuses the product into the reduction).
static ct_status start_bucket(ct_ddp *ddp, ddp_bucket *b) {
  b->work = ddp->world > 1 ? ct__dist_scaled_sum_async(b->flat, 1.0 / ddp->world, ddp->opts.group)
                           : ct_dist_all_reduce_async(b->flat, CT_REDUCE_SUM, ddp->opts.group);
  return b->work ? CT_OK : ct_last_status();
}

static ct_status start_ready_buckets(ct_ddp *ddp) {
  while (ddp->next_bucket < ddp->num_buckets && ddp->buckets[ddp->next_bucket].pending == 0) {
    ct_status st = start_bucket(ddp, &ddp->buckets[ddp->next_bucket++]);
    if (st != CT_OK) return st;
  }
  return CT_OK;
}

// Advances the started buckets' all-reduces: a ring all-reduce moves on to its next step
// only when its work is tested, so each gradient's hook gives the earlier buckets a turn
// (communication keeps overlapping the rest of backward). Errors show at the final wait.
static void progress_started_buckets(ct_ddp *ddp) {
  for (int k = 0; k < ddp->next_bucket; k++)
    if (ddp->buckets[k].work) ct_work_is_completed(ddp->buckets[k].work);
}

ct_status ct__ddp_mark_ready(ct_ddp *ddp, int i) {
  if (ddp->ready[i]) return CT_OK;
  ct_status st = pack(ddp, i);
  if (st != CT_OK) return st;
  ddp->ready[i] = true;
  ddp->num_ready++;
  ddp->buckets[ddp->bucket_of[i]].pending--;
  progress_started_buckets(ddp);
  return start_ready_buckets(ddp);
}

// Writes parameter i's averaged gradient from its bucket into .grad (with
// gradient_as_bucket_view, .grad becomes the bucket's view instead).
static ct_status unpack(ct_ddp *ddp, int i) {
  if (grad_is_bucket_view(ddp, i)) return CT_OK;
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  ct_tensor *view = bucket_view(ddp, i), *grad = ct_grad(ddp->params[i]);
  ct_status st = !view                               ? ct_last_status()
                 : ddp->opts.gradient_as_bucket_view ? ct_set_grad(ddp->params[i], view)
                 : grad                              ? ct__copy_into(grad, view)
                                                     : ct_set_grad(ddp->params[i], ct_clone(view));
  ct_scope_close(scope);
  return st;
}

// Parameters that got no gradient without find_unused_parameters: PyTorch's advice.
static ct_status report_missing(ct_ddp *ddp) {
  for (int i = 0; i < ddp->num_params; i++)
    if (!ddp->ready[i] && (ddp->backward_ran || !ct_grad(ddp->params[i]))) // the hooks say, or .grad does
      return ct__error(CT_ERR_RUNTIME,
                       "DistributedDataParallel: parameter %d received no gradient in this backward: the module has "
                       "parameters that were not used in producing the loss. Pass find_unused_parameters = true "
                       "(ct_ddp_options), or make sure all forward outputs participate in the loss",
                       i);
  return CT_OK;
}

// ddp->unused becomes "unused on every rank" (an all-reduce of the used flags).
static ct_status globally_unused(ct_ddp *ddp) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  int64_t n = ddp->num_params;
  ct_tensor *used = ct_zeros(1, &n, CT_INT32);
  ct_status st = used ? CT_OK : ct_last_status();
  for (int i = 0; st == CT_OK && i < ddp->num_params; i++) ((int32_t *)ct_data_ptr(used))[i] = !ddp->unused[i];
  if (st == CT_OK) st = ct_dist_all_reduce(used, CT_REDUCE_MAX, ddp->opts.group);
  for (int i = 0; st == CT_OK && i < ddp->num_params; i++) ddp->unused[i] = !((int32_t *)ct_data_ptr(used))[i];
  ct_scope_close(scope);
  return st;
}

ct_status ct__ddp_finalize(ct_ddp *ddp) {
  if (ddp->hook_status != CT_OK) {
    ct_status st = ddp->hook_status;
    ddp->hook_status = CT_OK;
    ddp->expecting = false;
    return ct__error(st, "%s", ddp->hook_error);
  }
  if (!ddp->expecting) return CT_OK;
  ct_status st = ddp->opts.find_unused_parameters ? CT_OK : report_missing(ddp);
  for (int k = 0; st == CT_OK && k < ddp->num_buckets; k++)
    for (int j = 0; st == CT_OK && j < ddp->buckets[k].count; j++) st = ct__ddp_mark_ready(ddp, ddp->buckets[k].params[j]);
  for (int k = 0; k < ddp->num_buckets; k++) {
    ddp_bucket *b = &ddp->buckets[k];
    if (b->work && st == CT_OK) st = ct_work_wait(b->work);
    ct_work_free(b->work);
    b->work = NULL;
  }
  if (st == CT_OK && ddp->opts.find_unused_parameters) st = globally_unused(ddp);
  // Unused on every rank: .grad stays as it was (PyTorch's globally unused parameters).
  for (int i = 0; st == CT_OK && i < ddp->num_params; i++)
    if (!ddp->unused[i]) st = unpack(ddp, i);
  ddp->expecting = false;
  return st;
}

void ct__ddp_grad_ready_hook(ct_tensor *param, void *ctx) {
  (void)param;
  ddp_hook *hook = ctx;
  ct_ddp *ddp = hook->ddp;
  if (!ddp->expecting || ddp->hook_status != CT_OK) return; // no_sync, eval, or already failed
  ddp->backward_ran = true;
  ct_status st = ct__ddp_mark_ready(ddp, hook->index);
  if (st == CT_OK && ddp->num_ready == ddp->num_params) st = ct__ddp_finalize(ddp);
  if (st != CT_OK) {
    ddp->hook_status = st;
    snprintf(ddp->hook_error, sizeof ddp->hook_error, "DistributedDataParallel (during backward): %s", ct_last_error());
  }
}

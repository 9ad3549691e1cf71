// DistributedDataParallel: wraps a module so that each synced backward leaves every
// rank's .grad the average over the ranks (the reducer in ddp_reducer.c), after making
// every rank start from rank 0's parameters and buffers.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "distributed/ddp_impl.h"

ct_ddp_options ct_ddp_defaults(void) {
  return (ct_ddp_options){.bucket_cap_mb = 25, .broadcast_buffers = true, .find_unused_parameters = false};
}

// Broadcasts the module's buffers from the group's rank 0.
static ct_status broadcast_buffers(ct_ddp *ddp) {
  ct_named_list *buffers = ct_module_named_buffers(ddp->module);
  if (!buffers) return ct_last_status();
  int src = ct_dist_get_global_rank(ddp->opts.group, 0);
  ct_status st = src < 0 ? ct_last_status() : CT_OK;
  for (int i = 0; st == CT_OK && i < buffers->count; i++)
    st = ct_dist_broadcast(buffers->items[i].tensor, src, ddp->opts.group);
  ct_named_list_free(buffers);
  return st;
}

static ct_status broadcast_parameters(ct_ddp *ddp) {
  int src = ct_dist_get_global_rank(ddp->opts.group, 0);
  ct_status st = src < 0 ? ct_last_status() : CT_OK;
  for (int i = 0; st == CT_OK && i < ddp->num_params; i++) st = ct_dist_broadcast(ddp->params[i], src, ddp->opts.group);
  return st;
}

ct_ddp *ct_ddp_new(ct_module *module, const ct_ddp_options *opts) {
  if (!module) return ct__error_null(CT_ERR_ARG, "DistributedDataParallel: module is NULL");
  ct_ddp_options o = opts ? *opts : ct_ddp_defaults();
  if (!(o.bucket_cap_mb > 0))
    return ct__error_null(CT_ERR_ARG, "DistributedDataParallel: bucket_cap_mb must be positive, got %g", o.bucket_cap_mb);
  int world = ct_dist_get_world_size(o.group);
  if (world < 0) return NULL;
  ct_ddp *ddp = calloc(1, sizeof *ddp);
  if (!ddp) return ct__error_null(CT_ERR_MEMORY, "DistributedDataParallel: out of memory");
  *ddp = (ct_ddp){.module = module, .opts = o, .world = world};
  if (!(ddp->params = ct_module_parameters(module, &ddp->num_params))) goto fail;
  for (int i = 0; i < ddp->num_params; i++) ct_retain(ddp->params[i]);
  ddp->retained = true;
  // Before the check for no parameters (PyTorch's order is the other way): a rank without
  // parameters then fails with the others instead of leaving them waiting.
  if (ct__ddp_verify_params(ddp) != CT_OK) goto fail;
  if (ddp->num_params == 0) {
    ct__error(CT_ERR_RUNTIME, "DistributedDataParallel is not needed when a module doesn't have any parameter that "
                              "requires a gradient.");
    goto fail;
  }
  size_t n = (size_t)ddp->num_params;
  ddp->bucket_of = calloc(n, sizeof *ddp->bucket_of);
  ddp->offset = calloc(n, sizeof *ddp->offset);
  ddp->ready = calloc(n, sizeof *ddp->ready);
  ddp->unused = calloc(n, sizeof *ddp->unused);
  ddp->hooks = calloc(n, sizeof *ddp->hooks);
  if (!ddp->bucket_of || !ddp->offset || !ddp->ready || !ddp->unused || !ddp->hooks) {
    ct__error(CT_ERR_MEMORY, "DistributedDataParallel: out of memory");
    goto fail;
  }
  if (broadcast_parameters(ddp) != CT_OK || broadcast_buffers(ddp) != CT_OK ||
      ct__ddp_make_buckets(ddp, (int64_t)(o.bucket_cap_mb * 1024 * 1024)) != CT_OK)
    goto fail;
  for (int i = 0; i < ddp->num_params; i++) {
    ddp->hooks[i] = (ddp_hook){.ddp = ddp, .index = i};
    ddp->hooks[i].handle = ct_register_post_accumulate_grad_hook(ddp->params[i], ct__ddp_grad_ready_hook, &ddp->hooks[i]);
    if (!ddp->hooks[i].handle) goto fail;
  }
  return ddp;
fail:
  ct_ddp_free(ddp);
  return NULL;
}

void ct_ddp_free(ct_ddp *ddp) {
  if (!ddp) return;
  ct__ddp_free_buckets(ddp);
  for (int i = 0; ddp->hooks && i < ddp->num_params; i++)
    if (ddp->hooks[i].handle) ct_hook_remove(ddp->hooks[i].handle);
  for (int i = 0; ddp->retained && i < ddp->num_params; i++) ct_release(ddp->params[i]);
  free(ddp->hooks);
  free(ddp->params);
  free(ddp->bucket_of);
  free(ddp->offset);
  free(ddp->ready);
  free(ddp->unused);
  free(ddp);
}

ct_module *ct_ddp_module(ct_ddp *ddp) {
  if (!ddp) return ct__error_null(CT_ERR_ARG, "DistributedDataParallel: ddp is NULL");
  return ddp->module;
}

ct_tensor *ct_ddp_forward(ct_ddp *ddp, ct_tensor *input) {
  if (!ddp) return ct__error_null(CT_ERR_ARG, "DistributedDataParallel: ddp is NULL");
  if (!input) return NULL;
  if (ddp->opts.broadcast_buffers && ddp->world > 1 && broadcast_buffers(ddp) != CT_OK) return NULL;
  ct_tensor *output = ct_module_forward(ddp->module, input);
  if (!output) return NULL;
  bool synced_step = ct_is_grad_enabled() && !ddp->no_sync;
  if (synced_step && ct__ddp_prepare(ddp, output) != CT_OK) return NULL;
  return output;
}

ct_status ct_ddp_sync_gradients(ct_ddp *ddp) {
  if (!ddp) return ct__error(CT_ERR_ARG, "DistributedDataParallel: ddp is NULL");
  return ct__ddp_finalize(ddp);
}

void ct_ddp_no_sync_enter(ct_ddp *ddp) {
  if (ddp) ddp->no_sync = true;
}

void ct_ddp_no_sync_exit(ct_ddp *ddp) {
  if (ddp) ddp->no_sync = false;
}

int ct_ddp_num_buckets(const ct_ddp *ddp) {
  if (!ddp) {
    ct__error(CT_ERR_ARG, "DistributedDataParallel: ddp is NULL");
    return -1;
  }
  return ddp->num_buckets;
}

int ct_ddp_buckets_started(const ct_ddp *ddp) {
  if (!ddp) {
    ct__error(CT_ERR_ARG, "DistributedDataParallel: ddp is NULL");
    return -1;
  }
  return ddp->expecting ? ddp->next_bucket : 0;
}

int ct_ddp_bucket_params(const ct_ddp *ddp, int bucket, int *indices) {
  if (!ddp || !indices) {
    ct__error(CT_ERR_ARG, "DistributedDataParallel: NULL argument");
    return -1;
  }
  if (bucket < 0 || bucket >= ddp->num_buckets) {
    ct__error(CT_ERR_INDEX, "DistributedDataParallel: bucket %d is out of range (%d buckets)", bucket, ddp->num_buckets);
    return -1;
  }
  for (int j = 0; j < ddp->buckets[bucket].count; j++) indices[j] = ddp->buckets[bucket].params[j];
  return ddp->buckets[bucket].count;
}

// DistributedDataParallel's state, shared by its construction (ddp.c), bucketing
// (ddp_buckets.c) and gradient reduction (ddp_reducer.c).
#ifndef CTORCH_SRC_DISTRIBUTED_DDP_IMPL_H
#define CTORCH_SRC_DISTRIBUTED_DDP_IMPL_H
#include "ctorch/autograd.h"
#include "ctorch/distributed.h"

#define DDP_FIRST_BUCKET_BYTES (1 << 20) // dist._DEFAULT_FIRST_BUCKET_BYTES

typedef struct ddp_bucket {
  int *params;       // parameter indices, in the bucket's order
  int count;
  int64_t numel;     // elements of all its parameters
  ct_dtype dtype;    // one dtype per bucket
  ct_tensor *flat;   // the gradients, packed (retained)
  int pending;       // parameters not yet ready in this backward
  ct_work *work;     // its all-reduce, once started
} ddp_bucket;

// The context of parameter `index`'s post-accumulate-grad hook.
typedef struct ddp_hook {
  struct ct_ddp *ddp;
  int index;
  ct_hook_handle *handle;
} ddp_hook;

struct ct_ddp {
  ct_module *module;
  ct_ddp_options opts;
  int world;
  ct_tensor **params; // ct_module_parameters' order (retained: the hooks live on them)
  int num_params;
  bool retained;
  ddp_hook *hooks;    // per parameter
  int *bucket_of;     // per parameter: its bucket
  int64_t *offset;    // per parameter: its first element in the bucket
  ddp_bucket *buckets;
  int num_buckets;
  // The reduction of the current backward.
  bool *ready;         // per parameter: its gradient is in its bucket
  bool *unused;        // per parameter: find_unused_parameters found it unreached
  int num_ready;       // the reduction finishes by itself when every parameter is ready
  bool backward_ran;   // a hook fired since the last prepare
  ct_status hook_status; // the first error inside backward's hooks (they cannot return it)
  char hook_error[512];
  int next_bucket;     // buckets start in order (every rank issues the same sequence)
  bool expecting;      // a synced forward ran: a reduction is due
  bool no_sync;
};

/// Splits the parameters into buckets: reverse order, one dtype per bucket, the first
/// closed at DDP_FIRST_BUCKET_BYTES, the others at cap_bytes (as PyTorch's rebuilt
/// buckets when gradients arrive in reverse order). Allocates their flat buffers.
ct_status ct__ddp_make_buckets(ct_ddp *ddp, int64_t cap_bytes);
/// Frees the buckets.
void ct__ddp_free_buckets(ct_ddp *ddp);

/// Checks that every rank of the group wraps parameters of the same number, sizes and
/// strides (PyTorch's messages); every rank fails with the same error when one differs.
ct_status ct__ddp_verify_params(ct_ddp *ddp);
/// Starts the reduction of the next backward: nothing ready; with find_unused_parameters
/// the parameters `output` does not depend on are marked unused (and ready).
ct_status ct__ddp_prepare(ct_ddp *ddp, ct_tensor *output);
/// Parameter i's gradient is final: packs it (divided by the world size) into its bucket
/// and starts every bucket, in order, whose parameters are all ready.
ct_status ct__ddp_mark_ready(ct_ddp *ddp, int i);
/// The post-accumulate-grad hook of every parameter: marks it ready (which starts the
/// buckets that become full) and finalizes once every parameter is ready, so that
/// backward returns with the averaged gradients.
void ct__ddp_grad_ready_hook(ct_tensor *param, void *ctx);
/// Marks what is left ready, waits on every bucket and writes the averages into .grad.
ct_status ct__ddp_finalize(ct_ddp *ddp);
#endif

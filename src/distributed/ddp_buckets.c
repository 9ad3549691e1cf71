// DDP's gradient buckets (PyTorch's compute_bucket_assignment_by_size over the parameters
// in the order their gradients usually become ready: reverse registration order).
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "distributed/ddp_impl.h"

// The bucket being filled for each dtype, and the size limit it closes at.
typedef struct open_bucket {
  int bucket; // index into ddp->buckets, -1 when none is open
  int64_t bytes, limit;
} open_bucket;

static ct_status add_bucket(ct_ddp *ddp, ct_dtype dtype, int *index) {
  ddp_bucket *grown = realloc(ddp->buckets, (size_t)(ddp->num_buckets + 1) * sizeof *grown);
  if (!grown) return ct__error(CT_ERR_MEMORY, "DistributedDataParallel: out of memory making buckets");
  ddp->buckets = grown;
  *index = ddp->num_buckets++;
  ddp->buckets[*index] = (ddp_bucket){.dtype = dtype};
  if (!(ddp->buckets[*index].params = malloc((size_t)ddp->num_params * sizeof(int))))
    return ct__error(CT_ERR_MEMORY, "DistributedDataParallel: out of memory making buckets");
  return CT_OK;
}

static ct_status allocate_flat(ddp_bucket *b) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  b->flat = ct_retain(ct_zeros(1, &b->numel, b->dtype));
  ct_scope_close(scope);
  return b->flat ? CT_OK : ct_last_status();
}

ct_status ct__ddp_make_buckets(ct_ddp *ddp, int64_t cap_bytes) {
  open_bucket open[CT_NUM_DTYPES];
  for (int d = 0; d < CT_NUM_DTYPES; d++) open[d] = (open_bucket){.bucket = -1, .limit = DDP_FIRST_BUCKET_BYTES};
  for (int i = ddp->num_params - 1; i >= 0; i--) {
    ct_dtype dtype = ct_get_dtype(ddp->params[i]);
    open_bucket *o = &open[dtype];
    if (o->bucket < 0 && add_bucket(ddp, dtype, &o->bucket) != CT_OK) return ct_last_status();
    ddp_bucket *b = &ddp->buckets[o->bucket];
    ddp->bucket_of[i] = o->bucket;
    ddp->offset[i] = b->numel;
    b->params[b->count++] = i;
    b->numel += ct_numel(ddp->params[i]);
    o->bytes += ct_numel(ddp->params[i]) * (int64_t)ct_dtype_size(dtype);
    if (o->bytes >= o->limit) *o = (open_bucket){.bucket = -1, .limit = cap_bytes};
  }
  for (int k = 0; k < ddp->num_buckets; k++)
    if (allocate_flat(&ddp->buckets[k]) != CT_OK) return ct_last_status();
  return CT_OK;
}

void ct__ddp_free_buckets(ct_ddp *ddp) {
  for (int k = 0; k < ddp->num_buckets; k++) {
    ct_work_free(ddp->buckets[k].work);
    ct_release(ddp->buckets[k].flat);
    free(ddp->buckets[k].params);
  }
  free(ddp->buckets);
  ddp->buckets = NULL;
  ddp->num_buckets = 0;
}

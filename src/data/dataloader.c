// DataLoader: a batch sampler (the user's, or BatchSampler over the user's sampler, over
// RandomSampler with shuffle, or over SequentialSampler), then fetching and collating each
// batch. Per epoch PyTorch draws, from the loader's generator, the iterator's _base_seed
// (random64 % 2^63) when the iterator is created; the samplers draw the order lazily as
// batches are taken (src/data/sampler.c), so the same seeds give PyTorch's batches.
// With num_workers, batches are fetched by background threads (src/data/worker_pool.c).
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/data.h"
#include "ctorch/random.h"
#include "ctorch/sampler.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "data/dataloader_impl.h"
#include "data/sampler_impl.h"

struct ct_dataloader {
  ct_dataset dataset;
  ct_dataloader_options options;
  ct_sampler *own_sampler;             // the default sampler, when the user gave none
  ct_batch_sampler *own_batch_sampler; // the default batch sampler, when the user gave none
  ct_batch_sampler *batch_sampler;     // the one in use
  int64_t *indices;                    // the batch being fetched
  int64_t capacity;                    // room in `indices`
  bool started;
  ct__worker_pool *pool;               // num_workers > 0: the current epoch's workers
};

// PyTorch's argument checks, in its order.
static ct_status check_options(const ct_dataloader_options *o) {
  if (o->num_workers < 0)
    return ct__error(CT_ERR_ARG, "num_workers option should be non-negative; use num_workers=0 to disable "
                                 "multiprocessing.");
  if (o->num_workers == 0 && o->prefetch_factor != 0 && o->prefetch_factor != 2)
    return ct__error(CT_ERR_ARG, "prefetch_factor option could only be specified in multiprocessing.let "
                                 "num_workers > 0 to enable multiprocessing.");
  if (o->prefetch_factor < 0)
    return ct__error(CT_ERR_ARG, "prefetch_factor should be positive, but got prefetch_factor=%d", o->prefetch_factor);
  if (o->sampler && o->shuffle) return ct__error(CT_ERR_ARG, "sampler option is mutually exclusive with shuffle");
  if (o->batch_sampler && ((o->batch_size != 0 && o->batch_size != 1) || o->shuffle || o->sampler || o->drop_last))
    return ct__error(CT_ERR_ARG, "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last");
  return CT_OK;
}

// The samplers PyTorch's constructor makes: RandomSampler or SequentialSampler, then
// BatchSampler, unless the user gave them.
static ct_status make_samplers(ct_dataloader *l) {
  const ct_dataloader_options *o = &l->options;
  l->batch_sampler = o->batch_sampler;
  if (!l->batch_sampler) {
    ct_sampler *sampler = o->sampler;
    if (!sampler) {
      sampler = l->own_sampler = o->shuffle ? ct_random_sampler_new(&l->dataset, false, 0, o->generator)
                                            : ct_sequential_sampler_new(&l->dataset);
      if (!sampler) return ct_last_status();
    }
    l->batch_sampler = l->own_batch_sampler = ct_batch_sampler_new(sampler, o->batch_size ? o->batch_size : 1,
                                                                   o->drop_last);
    if (!l->batch_sampler) return ct_last_status();
  }
  return CT_OK;
}

ct_dataloader *ct_dataloader_new(const ct_dataset *dataset, ct_dataloader_options options) {
  if (!dataset) return ct__error_null(CT_ERR_ARG, "DataLoader: dataset is NULL");
  if (!dataset->length || !dataset->get_item)
    return ct__error_null(CT_ERR_ARG, "DataLoader: dataset needs length and get_item callbacks");
  if (check_options(&options) != CT_OK) return NULL;
  ct_dataloader *l = calloc(1, sizeof *l);
  if (!l) return ct__error_null(CT_ERR_MEMORY, "out of memory creating a DataLoader");
  l->dataset = *dataset;
  l->options = options;
  if (!l->options.collate) l->options.collate = ct_default_collate;
  if (!l->options.prefetch_factor) l->options.prefetch_factor = 2;
  if (make_samplers(l) != CT_OK) {
    ct_dataloader_free(l);
    return NULL;
  }
  return l;
}

void ct_dataloader_free(ct_dataloader *loader) {
  if (!loader) return;
  ct__worker_pool_free(loader->pool);
  ct_batch_sampler_free(loader->own_batch_sampler);
  ct_sampler_free(loader->own_sampler);
  free(loader->indices);
  free(loader);
}

int64_t ct_dataloader_len(const ct_dataloader *l) {
  if (!l) {
    ct__error(CT_ERR_ARG, "DataLoader is NULL");
    return -1;
  }
  return ct_batch_sampler_len(l->batch_sampler);
}

ct_status ct_dataloader_start_epoch(ct_dataloader *l) {
  if (!l) return ct__error(CT_ERR_ARG, "DataLoader is NULL");
  ct__worker_pool_free(l->pool); // the previous epoch's workers, if it was left early
  l->pool = NULL;
  l->started = false;
  int64_t n = l->dataset.length(l->dataset.ctx);
  if (n < 0) return ct__error(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)n);
  ct_status st = ct_batch_sampler_start(l->batch_sampler);
  if (st != CT_OK) return st;
  l->started = true;
  (void)ct_generator_random64(l->options.generator); // the iterator's _base_seed
  if (l->options.num_workers > 0 && !(l->pool = ct__worker_pool_new(l, l->options.num_workers,
                                                                     l->options.prefetch_factor))) {
    l->started = false;
    return ct_last_status();
  }
  return CT_OK;
}

ct_batch_result ct__dataloader_next_indices(ct_dataloader *l, int64_t **indices, int *count) {
  int64_t n;
  ct_batch_result got = ct__batch_sampler_next_growing(l->batch_sampler, &l->indices, &l->capacity, &n);
  if (got == CT_BATCH_READY && n > INT_MAX) { // collate takes an int count
    ct__error(CT_ERR_MEMORY, "DataLoader: a batch of %lld samples is too large (at most %d)", (long long)n, INT_MAX);
    return CT_BATCH_ERROR;
  }
  *indices = l->indices;
  *count = (int)n;
  return got;
}

ct_status ct__dataloader_fetch(const ct_dataloader *l, const int64_t *indices, int n, ct_batch *batch) {
  ct_batch *samples = calloc((size_t)n, sizeof *samples);
  if (!samples) return ct__error(CT_ERR_MEMORY, "out of memory fetching a batch");
  ct_status st = CT_OK;
  for (int i = 0; st == CT_OK && i < n; i++) st = l->dataset.get_item(l->dataset.ctx, indices[i], &samples[i]);
  if (st == CT_OK) st = l->options.collate(l->options.collate_ctx, samples, n, batch);
  free(samples);
  if (st != CT_OK && ct_last_status() == CT_OK) ct__error(st, "DataLoader: a dataset or collate callback failed");
  if (st != CT_OK) batch->count = 0; // what a failed collate made goes with the caller's scope
  return st;
}

ct_batch_result ct_dataloader_next(ct_dataloader *l, ct_batch *batch) {
  if (!l || !batch) {
    ct__error(CT_ERR_ARG, "DataLoader next: NULL argument");
    return CT_BATCH_ERROR;
  }
  memset(batch, 0, sizeof *batch);
  if (!l->started && ct_dataloader_start_epoch(l) != CT_OK) return CT_BATCH_ERROR;
  ct_batch_result got;
  if (l->pool) {
    got = ct__worker_pool_next(l->pool, batch);
  } else {
    int64_t *indices;
    int n;
    got = ct__dataloader_next_indices(l, &indices, &n);
    if (got == CT_BATCH_READY) {
      // The samples, and whatever the callbacks make on the way, live in a scope of their
      // own; only the batch fields go to the caller's scope.
      ct_scope *scope = ct_scope_open();
      if (!scope) return CT_BATCH_ERROR;
      ct_status st = ct__dataloader_fetch(l, indices, n, batch);
      // The close reports a scope a callback left open.
      ct_status closed = ct__close_keeping(scope, batch->fields, batch->count);
      if (st != CT_OK || closed != CT_OK) got = CT_BATCH_ERROR;
    }
  }
  if (got == CT_BATCH_ERROR) memset(batch, 0, sizeof *batch);
  if (got == CT_BATCH_END) { // the next call starts a new epoch, like a new iter(loader)
    l->started = false;
    ct__worker_pool_free(l->pool);
    l->pool = NULL;
  }
  return got;
}

ct_status ct_default_collate(void *ctx, const ct_batch *samples, int n, ct_batch *batch) {
  (void)ctx;
  if (n <= 0) return ct__error(CT_ERR_ARG, "collate: empty batch");
  if (!samples || !batch) return ct__error(CT_ERR_ARG, "collate: %s is NULL", samples ? "batch" : "samples");
  int fields = samples[0].count;
  if (fields < 0 || fields > CT_BATCH_MAX_FIELDS)
    return ct__error(CT_ERR_ARG, "collate: a sample has %d fields; a batch holds 0 to %d", fields, CT_BATCH_MAX_FIELDS);
  ct_tensor **column = malloc((size_t)n * sizeof *column);
  if (!column) return ct__error(CT_ERR_MEMORY, "out of memory collating");
  ct_status st = CT_OK;
  for (int k = 0; st == CT_OK && k < fields; k++) {
    for (int i = 0; st == CT_OK && i < n; i++) {
      if (samples[i].count != fields) st = ct__error(CT_ERR_ARG, "collate: samples have different field counts");
      else if (!(column[i] = samples[i].fields[k])) st = ct__null_tensor_status("collate");
    }
    if (st == CT_OK && !(batch->fields[k] = ct_stack(column, n, 0))) st = ct_last_status();
  }
  free(column);
  batch->count = st == CT_OK ? fields : 0;
  return st;
}

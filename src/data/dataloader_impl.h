// The DataLoader's pieces its worker pool uses (src/data/dataloader.c, worker_pool.c).
#ifndef CTORCH_SRC_DATA_DATALOADER_IMPL_H
#define CTORCH_SRC_DATA_DATALOADER_IMPL_H
#include "ctorch/data.h"

/// Background threads fetching one epoch's batches (num_workers > 0).
typedef struct ct__worker_pool ct__worker_pool;

/// The next batch of sample indices from the loader's batch sampler (main thread only):
/// *indices points into the loader's buffer, valid until the next call.
ct_batch_result ct__dataloader_next_indices(ct_dataloader *loader, int64_t **indices, int *count);
/// Fetches samples indices[0..n) and collates them into *batch, in the calling thread's
/// innermost scope (the caller opens one around it). On failure batch->count is 0.
ct_status ct__dataloader_fetch(const ct_dataloader *loader, const int64_t *indices, int n, ct_batch *batch);

/// Starts `workers` threads and hands them the first workers * prefetch_factor batches of
/// indices (PyTorch's iterator prefetch). NULL with an error on failure.
ct__worker_pool *ct__worker_pool_new(ct_dataloader *loader, int workers, int prefetch_factor);
/// The next batch in sampler order (as ct_dataloader_next), handed to the caller's scope.
ct_batch_result ct__worker_pool_next(ct__worker_pool *pool, ct_batch *batch);
/// Stops the threads (each finishes the batch it is fetching), joins them and drops the
/// batches not taken. NULL is a no-op.
void ct__worker_pool_free(ct__worker_pool *pool);

#endif

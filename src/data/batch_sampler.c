// BatchSampler: groups a sampler's indices into batches, pulling them one at a time as
// PyTorch's __iter__ does, so the sampler's lazy draws happen at the same batches.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/sampler.h"
#include "data/sampler_impl.h"

struct ct_batch_sampler {
  ct_sampler *sampler; // borrowed
  int64_t batch_size;
  bool drop_last;
  bool sampler_ended; // the last batch was partial: the next call ends the iteration
};

ct_batch_sampler *ct_batch_sampler_new(ct_sampler *sampler, int64_t batch_size, bool drop_last) {
  if (batch_size <= 0)
    return ct__error_null(CT_ERR_ARG, "batch_size should be a positive integer value, but got batch_size=%lld",
                          (long long)batch_size);
  if (!sampler) return ct__error_null(CT_ERR_ARG, "BatchSampler: sampler is NULL");
  ct_batch_sampler *b = malloc(sizeof *b);
  if (!b) return ct__error_null(CT_ERR_MEMORY, "out of memory creating a BatchSampler");
  *b = (ct_batch_sampler){.sampler = sampler, .batch_size = batch_size, .drop_last = drop_last};
  return b;
}

void ct_batch_sampler_free(ct_batch_sampler *b) { free(b); }

int64_t ct_batch_sampler_len(const ct_batch_sampler *b) {
  if (!b) {
    ct__error(CT_ERR_ARG, "BatchSampler is NULL");
    return -1;
  }
  int64_t n = ct_sampler_len(b->sampler);
  if (n < 0) return -1;
  return b->drop_last ? n / b->batch_size : n / b->batch_size + (n % b->batch_size != 0);
}

int64_t ct_batch_sampler_batch_size(const ct_batch_sampler *b) {
  if (!b) {
    ct__error(CT_ERR_ARG, "BatchSampler is NULL");
    return -1;
  }
  return b->batch_size;
}

ct_status ct_batch_sampler_start(ct_batch_sampler *b) {
  if (!b) return ct__error(CT_ERR_ARG, "BatchSampler is NULL");
  b->sampler_ended = false;
  return ct_sampler_start(b->sampler);
}

// Room for one more index in *buffer (grown by doubling up to the batch size).
static ct_status grow(int64_t **buffer, int64_t *capacity, int64_t batch_size) {
  int64_t cap = *capacity < batch_size / 2 ? (*capacity ? *capacity * 2 : 64) : batch_size;
  if (cap > batch_size) cap = batch_size;
  int64_t *grown = cap <= (INT64_MAX >> 4) ? realloc(*buffer, (size_t)cap * sizeof *grown) : NULL;
  if (!grown) return ct__error(CT_ERR_MEMORY, "out of memory for a batch of %lld indices", (long long)cap);
  *buffer = grown;
  *capacity = cap;
  return CT_OK;
}

// BatchSampler.__iter__'s next batch into *buffer, which grows when *capacity is short
// (capacity NULL: the buffer has room for batch_size).
static ct_batch_result next_batch(ct_batch_sampler *b, int64_t **buffer, int64_t *capacity, int64_t *count) {
  if (b->sampler_ended) {
    b->sampler_ended = false;
    return CT_BATCH_END;
  }
  int64_t n = 0;
  while (n < b->batch_size) {
    if (capacity && n == *capacity && grow(buffer, capacity, b->batch_size) != CT_OK) return CT_BATCH_ERROR;
    ct_batch_result got = ct_sampler_next(b->sampler, &(*buffer)[n]);
    if (got == CT_BATCH_ERROR) return CT_BATCH_ERROR;
    if (got == CT_BATCH_END) {
      b->sampler_ended = n > 0 && !b->drop_last;
      break;
    }
    n++;
  }
  // The sampler ran out: a partial batch is yielded unless drop_last.
  if (n == 0 || (n < b->batch_size && b->drop_last)) return CT_BATCH_END;
  *count = n;
  return CT_BATCH_READY;
}

ct_batch_result ct_batch_sampler_next(ct_batch_sampler *b, int64_t *indices, int64_t *count) {
  if (count) *count = 0;
  if (!b || !indices || !count) {
    ct__error(CT_ERR_ARG, "BatchSampler next: NULL argument");
    return CT_BATCH_ERROR;
  }
  return next_batch(b, &indices, NULL, count);
}

ct_batch_result ct__batch_sampler_next_growing(ct_batch_sampler *b, int64_t **buffer, int64_t *capacity,
                                               int64_t *count) {
  *count = 0;
  return next_batch(b, buffer, capacity, count);
}

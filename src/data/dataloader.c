// DataLoader: sampler (sequential or PyTorch's RandomSampler), batching, collate.
// Per epoch PyTorch draws, from the loader's generator: the iterator's _base_seed
// (random64 % 2^63) when the iterator is created, then, with shuffle, at the first batch:
//  - without a user generator, the RandomSampler's seed (another random64 % 2^63), which
//    seeds a fresh generator that draws randperm(n);
//  - with one, randperm(n) from that generator, plus a second, discarded randperm(n) when
//    the sampler is exhausted (RandomSampler's `randperm(n)[:num_samples % n]` tail).
// Reproducing those draws gives PyTorch's batches.
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "core/checked.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/data.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

struct ct_dataloader {
  ct_dataset dataset;
  ct_dataloader_options options;
  int64_t length;   // dataset length, read at epoch start
  int64_t *order;   // sample order of the current epoch
  int64_t position; // next sample in `order`
  bool started, sampled;
  ct_generator *sampler_gen; // RandomSampler's private generator, re-seeded each epoch
};

ct_dataloader *ct_dataloader_new(const ct_dataset *dataset, ct_dataloader_options options) {
  if (!dataset) return ct__error_null(CT_ERR_ARG, "DataLoader: dataset is NULL");
  if (!dataset->length || !dataset->get_item)
    return ct__error_null(CT_ERR_ARG, "DataLoader: dataset needs length and get_item callbacks");
  if (options.batch_size < 0)
    return ct__error_null(CT_ERR_ARG, "batch_size should be a positive integer value, but got batch_size=%lld",
                          (long long)options.batch_size);
  ct_dataloader *l = calloc(1, sizeof *l);
  if (!l) return ct__error_null(CT_ERR_MEMORY, "out of memory creating a DataLoader");
  l->dataset = *dataset;
  l->options = options;
  if (!l->options.batch_size) l->options.batch_size = 1;
  if (!l->options.collate) l->options.collate = ct_default_collate;
  return l;
}

void ct_dataloader_free(ct_dataloader *loader) {
  if (!loader) return;
  ct_generator_free(loader->sampler_gen);
  free(loader->order);
  free(loader);
}

int64_t ct_dataloader_len(const ct_dataloader *l) {
  if (!l) {
    ct__error(CT_ERR_ARG, "DataLoader is NULL");
    return -1;
  }
  int64_t n = l->dataset.length(l->dataset.ctx), b = l->options.batch_size;
  if (n < 0) {
    ct__error(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)n);
    return -1;
  }
  return l->options.drop_last ? n / b : ct__ceil_div(n, b);
}

ct_status ct_dataloader_start_epoch(ct_dataloader *l) {
  if (!l) return ct__error(CT_ERR_ARG, "DataLoader is NULL");
  int64_t n = l->dataset.length(l->dataset.ctx);
  if (n < 0) return ct__error(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)n);
  int64_t bytes;
  if (!ct__mul_ok(n ? n : 1, (int64_t)sizeof *l->order, &bytes))
    return ct__error(CT_ERR_MEMORY, "DataLoader: the dataset length %lld is too large to order its samples",
                     (long long)n);
  int64_t *order = realloc(l->order, (size_t)bytes);
  if (!order) return ct__error(CT_ERR_MEMORY, "out of memory starting an epoch");
  l->order = order;
  l->length = n;
  l->position = 0;
  l->started = true;
  l->sampled = false;
  (void)ct_generator_random64(l->options.generator); // the iterator's _base_seed
  return CT_OK;
}

// randperm(n) from gen into `order` (NULL: drawn and discarded).
static ct_status draw_permutation(int64_t n, ct_generator *gen, int64_t *order) {
  ct_scope *s = ct_scope_open();
  ct_tensor *perm = s ? ct_randperm_gen(n, gen) : NULL;
  ct_status st = !perm ? ct_last_status() : order ? ct_to_i64_array(perm, order) : CT_OK;
  ct_scope_close(s);
  return st;
}

// RandomSampler.__iter__.
static ct_status shuffle_order(ct_dataloader *l) {
  if (l->options.generator) return draw_permutation(l->length, l->options.generator, l->order);
  uint64_t seed = ct_generator_random64(NULL) % (UINT64_C(1) << 63);
  // PyTorch makes a fresh torch.Generator() and seeds it; re-seeding one kept generator
  // gives the same stream without seeding mt19937 twice per epoch.
  if (!l->sampler_gen && !(l->sampler_gen = ct_generator_new())) return ct_last_status();
  ct_generator_manual_seed(l->sampler_gen, seed);
  return draw_permutation(l->length, l->sampler_gen, l->order);
}

static ct_status sample_order(ct_dataloader *l) {
  l->sampled = true;
  if (l->options.shuffle) return shuffle_order(l);
  for (int64_t i = 0; i < l->length; i++) l->order[i] = i;
  return CT_OK;
}

// Fetches and collates samples [position, position + n) into *batch.
static ct_status collate_batch(ct_dataloader *l, int n, ct_batch *batch) {
  ct_batch *samples = calloc((size_t)n, sizeof *samples);
  if (!samples) return ct__error(CT_ERR_MEMORY, "out of memory fetching a batch");
  ct_status st = CT_OK;
  for (int i = 0; st == CT_OK && i < n; i++)
    st = l->dataset.get_item(l->dataset.ctx, l->order[l->position + i], &samples[i]);
  if (st == CT_OK) st = l->options.collate(l->options.collate_ctx, samples, n, batch);
  free(samples);
  if (st != CT_OK && ct_last_status() == CT_OK)
    ct__error(st, "DataLoader: a dataset or collate callback failed");
  return st;
}

ct_batch_result ct_dataloader_next(ct_dataloader *l, ct_batch *batch) {
  if (!l || !batch) {
    ct__error(CT_ERR_ARG, "DataLoader next: NULL argument");
    return CT_BATCH_ERROR;
  }
  memset(batch, 0, sizeof *batch);
  if (!l->started && ct_dataloader_start_epoch(l) != CT_OK) return CT_BATCH_ERROR;
  if (!l->sampled && sample_order(l) != CT_OK) return CT_BATCH_ERROR;
  int64_t left = l->length - l->position, b = l->options.batch_size;
  if (left <= 0 || (l->options.drop_last && left < b)) {
    l->started = false; // the next call starts a new epoch, like a new iter(loader)
    if (l->options.shuffle && l->options.generator && l->length > 0 &&
        draw_permutation(l->length, l->options.generator, NULL) != CT_OK)
      return CT_BATCH_ERROR;
    return CT_BATCH_END;
  }
  if (left > INT_MAX && b > INT_MAX) { // collate takes an int count
    ct__error(CT_ERR_MEMORY, "DataLoader: a batch of %lld samples is too large (at most %d)",
              (long long)(left < b ? left : b), INT_MAX);
    return CT_BATCH_ERROR;
  }
  int n = (int)(left < b ? left : b);
  // The samples, and whatever the callbacks make on the way, live in a scope of their
  // own; only the batch fields go to the caller's scope.
  ct_scope *scope = ct_scope_open();
  if (!scope) return CT_BATCH_ERROR;
  ct_status st = collate_batch(l, n, batch);
  l->position += n;
  if (st != CT_OK) batch->count = 0; // what a failed collate made goes with the scope
  // The close reports a scope a callback left open.
  ct_status closed = ct__close_keeping(scope, batch->fields, batch->count);
  if (st == CT_OK) st = closed;
  if (st != CT_OK) {
    memset(batch, 0, sizeof *batch);
    return CT_BATCH_ERROR;
  }
  return CT_BATCH_READY;
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

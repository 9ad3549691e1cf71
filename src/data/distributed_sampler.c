// DistributedSampler (torch/utils/data/distributed.py, PyTorch 1.13): each rank's share of
// one permutation (or of 0..n-1), padded by repeating its start to a multiple of the
// number of replicas (or cut to one with drop_last), every num_replicas-th index from rank.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/distributed.h"
#include "ctorch/scope.h"
#include "data/sampler_impl.h"

typedef struct distributed_sampler {
  const ct_dataset *dataset;
  int64_t n;              // len(dataset) at construction
  int64_t num_samples;    // len(sampler)
  int num_replicas, rank;
  bool shuffle, drop_last;
  uint64_t seed;
  int64_t epoch;
  int64_t *permutation;   // the iteration's full list (n entries)
} distributed_sampler;

static int64_t sampler_length(const void *ctx) { return ((const distributed_sampler *)ctx)->num_samples; }

static void free_sampler(void *ctx) {
  distributed_sampler *d = ctx;
  if (d) free(d->permutation);
  free(d);
}

// randperm(n) from a generator seeded seed + epoch, into d->permutation.
static ct_status shuffled(distributed_sampler *d) {
  ct_generator *g = ct_generator_new();
  ct_scope *scope = g ? ct_scope_open() : NULL;
  if (!scope) {
    ct_generator_free(g);
    return ct_last_status();
  }
  ct_generator_manual_seed(g, d->seed + (uint64_t)d->epoch);
  ct_tensor *perm = ct_randperm_gen(d->n, g);
  ct_status st = !perm ? ct_last_status() : d->n ? ct_to_i64_array(perm, d->permutation) : CT_OK;
  ct_scope_close(scope);
  ct_generator_free(g);
  return st;
}

static ct_status draw(void *ctx, int64_t *out) {
  distributed_sampler *d = ctx;
  int64_t n = d->dataset->length(d->dataset->ctx);
  if (n != d->n)
    return ct__error(CT_ERR_RUNTIME, "DistributedSampler: the dataset's length changed from %lld to %lld",
                     (long long)d->n, (long long)n);
  if (d->shuffle) {
    ct_status st = shuffled(d);
    if (st != CT_OK) return st;
  } else {
    for (int64_t i = 0; i < n; i++) d->permutation[i] = i;
  }
  // indices padded cyclically (or cut) to total_size, then indices[rank:total_size:num_replicas]
  for (int64_t k = 0; k < d->num_samples; k++) out[k] = d->permutation[(d->rank + k * d->num_replicas) % n];
  return CT_OK;
}

static const ct__sampler_source distributed_source = {sampler_length, draw, free_sampler};

ct_sampler *ct_distributed_sampler_new(const ct_dataset *dataset, int num_replicas, int rank, bool shuffle,
                                       uint64_t seed, bool drop_last) {
  if (!dataset || !dataset->length || !dataset->get_item)
    return ct__error_null(CT_ERR_ARG, "DistributedSampler: dataset is NULL or lacks length and get_item callbacks");
  if (num_replicas < 0 && (num_replicas = ct_dist_get_world_size(NULL)) < 0) return NULL;
  if (rank < 0 && (rank = ct_dist_get_rank(NULL)) < 0) return NULL;
  if (num_replicas == 0) return ct__error_null(CT_ERR_ARG, "DistributedSampler: num_replicas should be positive");
  if (rank >= num_replicas)
    return ct__error_null(CT_ERR_ARG, "Invalid rank %d, rank should be in the interval [0, %d]", rank,
                          num_replicas - 1);
  int64_t n = dataset->length(dataset->ctx);
  if (n < 0) return ct__error_null(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)n);
  distributed_sampler *d = calloc(1, sizeof *d);
  if (d) d->permutation = malloc((size_t)(n ? n : 1) * sizeof *d->permutation);
  if (!d || !d->permutation) {
    free_sampler(d);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a DistributedSampler");
  }
  *d = (distributed_sampler){.dataset = dataset, .n = n, .num_replicas = num_replicas, .rank = rank,
                             .shuffle = shuffle, .drop_last = drop_last, .seed = seed, .permutation = d->permutation};
  // math.ceil(n / R), or with drop_last and a remainder math.ceil((n - R) / R), which is n // R
  d->num_samples = drop_last ? n / num_replicas : (n + num_replicas - 1) / num_replicas;
  return ct__sampler_from_source(&distributed_source, d);
}

ct_status ct_distributed_sampler_set_epoch(ct_sampler *sampler, int64_t epoch) {
  distributed_sampler *d = ct__sampler_source_ctx(sampler, &distributed_source);
  if (!d) return ct__error(CT_ERR_ARG, "set_epoch: the sampler is not a DistributedSampler");
  d->epoch = epoch;
  return CT_OK;
}

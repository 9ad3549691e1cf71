// Internal pieces shared by the samplers and the DataLoader.
#ifndef CTORCH_SRC_DATA_SAMPLER_IMPL_H
#define CTORCH_SRC_DATA_SAMPLER_IMPL_H
#include "ctorch/sampler.h"

/// torch.multinomial(weights, num_samples, replacement, generator) over a 1-D float64
/// distribution of `n` weights (ct_multinomial_gen); the indices go to out[num_samples].
ct_status ct__weighted_draw(const double *weights, int64_t n, int64_t num_samples, bool replacement,
                            ct_generator *gen, int64_t *out);

/// ct_batch_sampler_next into a buffer of *capacity indices that grows (realloc) as the
/// batch needs, up to the batch size: for batch sizes far beyond the dataset.
ct_batch_result ct__batch_sampler_next_growing(ct_batch_sampler *b, int64_t **buffer, int64_t *capacity,
                                               int64_t *count);

/// A sampler whose iterations are each one list of indices made when its first index is
/// asked for (DistributedSampler): `length` is len(sampler), `draw` writes the list.
typedef struct ct__sampler_source {
  int64_t (*length)(const void *ctx);
  ct_status (*draw)(void *ctx, int64_t *out); // out has room for length(ctx) indices
  void (*free_ctx)(void *ctx);
} ct__sampler_source;
/// A sampler over `source`; it owns ctx (freed with free_ctx, also when this fails).
ct_sampler *ct__sampler_from_source(const ct__sampler_source *source, void *ctx);
/// The ctx of a sampler made from `source`; NULL for any other sampler.
void *ct__sampler_source_ctx(const ct_sampler *sampler, const ct__sampler_source *source);

#endif

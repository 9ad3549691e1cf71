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

#endif

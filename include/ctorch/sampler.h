/// @file sampler.h
/// @brief torch.utils.data samplers: the order a DataLoader visits a dataset in.
///
/// A sampler yields dataset indices; a batch sampler groups them into batches. Give either
/// to a DataLoader (ct_dataloader_options.sampler / .batch_sampler), or iterate them
/// yourself. Random samplers draw exactly what PyTorch 1.13 draws, at the same moments
/// (lazily, as the indices are consumed), so the same seeds give the same order:
///
/// ```c
/// ct_generator *g = ct_generator_manual_seed(ct_generator_new(), 7);
/// ct_sampler *sampler = ct_random_sampler_new(dataset, true, 100, g);  // RandomSampler(ds, True, 100, generator=g)
/// ct_dataloader *loader = ct_dataloader_new(dataset, (ct_dataloader_options){.batch_size = 8, .sampler = sampler});
/// ```
///
/// A sampler holds one iteration at a time (its iterator state lives in it): one loader
/// per sampler. Samplers borrow their dataset and generator: both must outlive them.
#ifndef CTORCH_SAMPLER_H
#define CTORCH_SAMPLER_H
#include "ctorch/data.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A sampler of dataset indices (Sampler[int]).
typedef struct ct_sampler ct_sampler;
/// A sampler of index batches (BatchSampler).
typedef struct ct_batch_sampler ct_batch_sampler;

/// SequentialSampler(data_source): 0, 1, ..., len(data_source) - 1 (the length read when
/// an iteration starts).
CT_API ct_sampler *ct_sequential_sampler_new(const ct_dataset *data_source);
/// RandomSampler(data_source, replacement, num_samples, generator). num_samples 0 means
/// None (len(data_source)); a negative one, or an empty data source without it, fails with
/// PyTorch's message. generator NULL: each iteration seeds a private generator from the
/// default generator, as PyTorch does. With replacement: randint in chunks of 32; without:
/// randperm(n) for every n samples, the tail sliced from one more permutation.
CT_API ct_sampler *ct_random_sampler_new(const ct_dataset *data_source, bool replacement, int64_t num_samples,
                                         ct_generator *generator);
/// WeightedRandomSampler(weights, num_samples, replacement, generator): torch.multinomial over
/// `weights` (a 1-D tensor of any real dtype, copied as float64). generator NULL: the
/// default generator.
CT_API ct_sampler *ct_weighted_random_sampler_new(const ct_tensor *weights, int64_t num_samples, bool replacement,
                                                  ct_generator *generator);
/// SubsetRandomSampler(indices, generator): indices[randperm(n)] (indices copied).
CT_API ct_sampler *ct_subset_random_sampler_new(const int64_t *indices, int64_t n, ct_generator *generator);
/// Free a sampler. NULL is a no-op.
CT_API void ct_sampler_free(ct_sampler *sampler);
/// len(sampler); -1 and an error for NULL (or a data source with a negative length).
CT_API int64_t ct_sampler_len(const ct_sampler *sampler);
/// Start an iteration (iter(sampler)); draws nothing yet, as PyTorch's generator functions.
CT_API ct_status ct_sampler_start(ct_sampler *sampler);
/// The next index in *index: CT_BATCH_READY, CT_BATCH_END when the iteration is over (the
/// next call starts a new one), CT_BATCH_ERROR with a message.
CT_API ct_batch_result ct_sampler_next(ct_sampler *sampler, int64_t *index);

/// BatchSampler(sampler, batch_size, drop_last). The sampler is borrowed.
CT_API ct_batch_sampler *ct_batch_sampler_new(ct_sampler *sampler, int64_t batch_size, bool drop_last);
/// Free a batch sampler (not its sampler). NULL is a no-op.
CT_API void ct_batch_sampler_free(ct_batch_sampler *batch_sampler);
/// len(batch_sampler); -1 and an error for NULL.
CT_API int64_t ct_batch_sampler_len(const ct_batch_sampler *batch_sampler);
/// Batch size of a batch sampler; -1 and an error for NULL.
CT_API int64_t ct_batch_sampler_batch_size(const ct_batch_sampler *batch_sampler);
/// Start an iteration (iter(batch_sampler)): starts the sampler's.
CT_API ct_status ct_batch_sampler_start(ct_batch_sampler *batch_sampler);
/// The next batch of indices: *count indices written to `indices` (room for batch_size).
/// Returns CT_BATCH_READY, CT_BATCH_END (*count 0; the next call starts a new iteration)
/// or CT_BATCH_ERROR.
CT_API ct_batch_result ct_batch_sampler_next(ct_batch_sampler *batch_sampler, int64_t *indices, int64_t *count);

/// Subset(dataset, indices): sample i is dataset[indices[i]] (indices copied; negative i
/// counts from the end, as a Python list). `dataset` is borrowed. Free with ct_dataset_ops_free.
CT_API ct_dataset *ct_subset_new(const ct_dataset *dataset, const int64_t *indices, int64_t n);
/// The indices of a subset from ct_subset_new or ct_random_split (borrowed), *n their count;
/// NULL for another dataset.
CT_API const int64_t *ct_subset_indices(const ct_dataset *subset, int64_t *n);
/// ConcatDataset(datasets): the samples of datasets[0], then datasets[1], ... (lengths read
/// once, here, as PyTorch's cumulative_sizes). The datasets are borrowed. Free with
/// ct_dataset_ops_free.
CT_API ct_dataset *ct_concat_dataset_new(const ct_dataset *const *datasets, int n);
/// random_split(dataset, lengths, generator): `lengths` are n counts, or n fractions summing
/// to 1 (floored, the remainder handed out round-robin, as PyTorch 1.13). The splits are
/// Subsets of randperm(len) drawn from `generator` (NULL: the default generator), written to
/// subsets[0..n); free each with ct_dataset_ops_free. On error nothing is allocated.
CT_API ct_status ct_random_split(const ct_dataset *dataset, const double *lengths, int n, ct_generator *generator,
                                 ct_dataset **subsets);
/// Free a dataset made by ct_subset_new, ct_concat_dataset_new or ct_random_split. NULL is a
/// no-op.
CT_API void ct_dataset_ops_free(ct_dataset *dataset);

#ifdef __cplusplus
}
#endif
#endif

/// @file data.h
/// @brief torch.utils.data for C: datasets through callbacks, a DataLoader with PyTorch's
/// shuffling (same batches as PyTorch after the same manual_seed), pad_sequence and a
/// vocabulary helper.
///
/// ```c
/// ct_dataloader *loader = ct_dataloader_new(&dataset, (ct_dataloader_options){
///     .batch_size = 2, .shuffle = true, .collate = my_collate, .collate_ctx = &cfg});
/// for (int epoch = 0; epoch < 1000; epoch++) {
///   ct_dataloader_start_epoch(loader);              // for batch in loader:
///   for (;;) {
///     ct_scope *step = ct_scope_open();             // owns the batch and the step's tensors
///     ct_batch batch;
///     ct_batch_result got = ct_dataloader_next(loader, &batch);
///     if (got != CT_BATCH_READY) {                  // CT_BATCH_END, or CT_BATCH_ERROR
///       ct_scope_close(step);
///       break;
///     }
///     ...
///     ct_scope_close(step);
///   }
/// }
/// ct_dataloader_free(loader);
/// ```
#ifndef CTORCH_DATA_H
#define CTORCH_DATA_H
#include "ctorch/random.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Maximum number of tensors in a sample or a batch.
#define CT_BATCH_MAX_FIELDS 8

/// A batch (or a sample): `count` tensors, owned by the innermost scope of the thread that
/// produced it.
typedef struct ct_batch {
  int count;
  ct_tensor *fields[CT_BATCH_MAX_FIELDS];
} ct_batch;

/// A map-style dataset (PyTorch's Dataset with __len__ and __getitem__).
typedef struct ct_dataset {
  void *ctx;                              ///< user data handed to the callbacks
  int64_t (*length)(void *ctx);           ///< number of samples
  /// Sample `index` (0 <= index < length) as tensors in *sample (owned by the innermost scope).
  ct_status (*get_item)(void *ctx, int64_t index, ct_batch *sample);
} ct_dataset;

/// Turns `n` samples into one batch (PyTorch's collate_fn). ctx is collate_ctx.
typedef ct_status (*ct_collate_fn)(void *ctx, const ct_batch *samples, int n, ct_batch *batch);

/// DataLoader options. Zero-initialised fields give PyTorch's defaults except batch_size
/// (0 means 1).
typedef struct ct_dataloader_options {
  int64_t batch_size;
  bool shuffle;
  bool drop_last;
  ct_collate_fn collate;   ///< NULL: ct_default_collate (stacks each field)
  void *collate_ctx;
  ct_generator *generator; ///< NULL: the default generator (as PyTorch)
  /// A ct_sampler (ctorch/sampler.h; borrowed) giving the sample order; excludes shuffle.
  struct ct_sampler *sampler;
  /// A ct_batch_sampler (borrowed) giving whole batches; excludes batch_size (other than
  /// 1), shuffle, sampler and drop_last.
  struct ct_batch_sampler *batch_sampler;
  /// Background threads preparing batches ahead (ctorch's worker processes): the batches
  /// and their order are those of num_workers = 0. See ct_dataloader_next for what the
  /// callbacks may do then.
  int num_workers;
  int prefetch_factor; ///< batches prepared ahead per worker; 0 means 2 (only with workers)
} ct_dataloader_options;

typedef struct ct_dataloader ct_dataloader;

/// The default collate: field k of the batch is ct_stack of field k of every sample.
CT_API ct_status ct_default_collate(void *ctx, const ct_batch *samples, int n, ct_batch *batch);

/// A dataset over tensors sharing their first dimension (TensorDataset): sample i is
/// (t0[i], t1[i], ...). The dataset holds references to the tensors; free with
/// ct_tensor_dataset_free.
CT_API ct_dataset *ct_tensor_dataset_new(int n, ct_tensor *const *tensors);
/// Free a dataset from ct_tensor_dataset_new (drops its tensor references). NULL is a no-op.
CT_API void ct_tensor_dataset_free(ct_dataset *dataset);

/// Create a loader over `dataset` (borrowed: must outlive the loader). NULL on error.
CT_API ct_dataloader *ct_dataloader_new(const ct_dataset *dataset, ct_dataloader_options options);
/// Free a loader. NULL is a no-op.
CT_API void ct_dataloader_free(ct_dataloader *loader);
/// Start an epoch (PyTorch's iter(loader)): draws the iterator's base seed; the sampler
/// draws its order as the batches are taken, exactly as PyTorch does (with workers, the
/// first num_workers * prefetch_factor batches of indices are drawn here, as PyTorch's
/// multi-process iterator does). Stops the workers of an epoch left unfinished.
CT_API ct_status ct_dataloader_start_epoch(ct_dataloader *loader);
/// What ct_dataloader_next produced.
typedef enum ct_batch_result {
  CT_BATCH_ERROR = -1, ///< failed: ct_last_error() says why; *batch is empty
  CT_BATCH_END = 0,    ///< the epoch is over (the next call starts a new one); *batch is empty
  CT_BATCH_READY = 1,  ///< *batch holds the next batch
} ct_batch_result;

/// Next batch of the epoch, owned by the caller's innermost scope. The samples and
/// whatever the callbacks make while fetching and collating them live in a scope of the
/// loader's own, closed before returning: only the batch fields remain. A callback that
/// leaves a scope open makes the call fail (CT_BATCH_ERROR). An error recorded before the
/// call is never cleared: the end of the epoch is told by the result, not by the error slot.
///
/// With num_workers > 0, worker threads fetch the batches ahead, in the same order and with
/// the same draws as without; a worker's failure comes back here (CT_BATCH_ERROR, its
/// message) for its batch. The callbacks then run on those threads, one at a time: while
/// an epoch runs the caller must not use the dataset's tensors, and the callbacks must not
/// draw from the default generator. A batch field sharing memory or a graph with anything
/// else (a view of the dataset) is handed over as a detached copy.
CT_API ct_batch_result ct_dataloader_next(ct_dataloader *loader, ct_batch *batch);
/// Number of batches per epoch (len(loader)); -1 and an error for a NULL loader or a
/// negative dataset length.
CT_API int64_t ct_dataloader_len(const ct_dataloader *loader);

/// pad_sequence: sequences[i] has shape [L_i, *]; the result is [B, max L, *]
/// (batch_first) or [max L, B, *], padded with padding_value. Differentiable.
CT_API ct_tensor *ct_pad_sequence(ct_tensor *const *sequences, int n, bool batch_first, double padding_value);

/// A vocabulary: words sorted and numbered, with an unknown-word token.
typedef struct ct_vocab ct_vocab;
/// Build from `n` words (duplicates allowed) plus the given special tokens; all distinct
/// words are sorted (strcmp order) and numbered from 0. `unk_token` (which must be among
/// words or specials) is the index of words not in the vocabulary.
CT_API ct_vocab *ct_vocab_new(const char *const *words, int64_t n, const char *const *specials, int n_specials,
                             const char *unk_token);
/// Free a vocabulary. NULL is a no-op.
CT_API void ct_vocab_free(ct_vocab *vocab);
/// Number of distinct words (specials included); -1 for NULL.
CT_API int64_t ct_vocab_size(const ct_vocab *vocab);
/// Index of `word`, or the unknown token's index.
CT_API int64_t ct_vocab_index(const ct_vocab *vocab, const char *word);
/// Word with index i (borrowed), NULL when out of range.
CT_API const char *ct_vocab_word(const ct_vocab *vocab, int64_t i);

#ifdef __cplusplus
}
#endif
#endif

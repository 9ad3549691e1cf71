// The misuse catalogue (tests/util/misuse.h): samplers, dataset combinators and the
// DataLoader's sampler, batch_sampler and worker options. (The loader's older cases are in
// test_misuse_io.c.)
#include <math.h>
#include <stdint.h>
#include "misuse.h"
#include "misuse_datasets.h"

static void test_samplers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  ct_dataset empty = {.length = no_samples, .get_item = scalar_sample};
  ct_dataset negative = {.length = negative_length, .get_item = scalar_sample};
  ct_dataset no_item = {.length = ten_samples};
  MISUSE(ct_sequential_sampler_new(NULL), "SequentialSampler: data_source is NULL");
  MISUSE(ct_sequential_sampler_new(&no_item), "SequentialSampler: dataset needs length and get_item callbacks");
  MISUSE(ct_random_sampler_new(NULL, false, 0, NULL), "RandomSampler: data_source is NULL");
  MISUSE(ct_random_sampler_new(&ds, false, -3, NULL),
         "num_samples should be a positive integer value, but got num_samples=-3");
  MISUSE(ct_random_sampler_new(&empty, false, 0, NULL),
         "num_samples should be a positive integer value, but got num_samples=0");
  MISUSE(ct_random_sampler_new(&negative, false, 0, NULL), "dataset length is negative (-1)");
  ct_tensor *weights = ct_ones(CT_SHAPE(4), CT_FLOAT64), *bad = NULL;
  MISUSE(ct_weighted_random_sampler_new(weights, 0, true, NULL),
         "num_samples should be a positive integer value, but got num_samples=0");
  MISUSE(ct_weighted_random_sampler_new(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), 2, true, NULL),
         "weights should be a 1d sequence but given weights have shape (2, 3)");
  NULL_PASSES(ct_weighted_random_sampler_new(bad, 2, true, NULL));
  MISUSE(ct_subset_random_sampler_new(NULL, 3, NULL), "SubsetRandomSampler: indices is NULL");
  MISUSE(ct_subset_random_sampler_new((int64_t[]){1}, -1, NULL), "negative number of indices (-1)");
  MISUSE_IF(ct_sampler_len(NULL) == -1, "sampler is NULL");
  MISUSE_STATUS(ct_sampler_start(NULL), "sampler is NULL");
  int64_t index, count, indices[4];
  MISUSE_IF(ct_sampler_next(NULL, &index) == CT_BATCH_ERROR, "sampler next: NULL argument");
  // Draw-time errors: torch.multinomial's checks.
  const struct {
    double w[3];
    int64_t num_samples;
    bool replacement;
    const char *message;
  } draws[] = {
      {{1, 2, 3}, 4, false, "cannot sample n_sample > prob_dist.size(-1) samples without replacement"},
      {{1, -1, 3}, 2, false, "probability tensor contains either `inf`, `nan` or element < 0"},
      {{0, 0, 0}, 2, false, "invalid multinomial distribution (sum of probabilities <= 0)"},
      {{1, INFINITY, 3}, 2, true, "invalid multinomial distribution (encountering probability entry = infinity or NaN)"},
      {{1, NAN, 3}, 2, true, "invalid multinomial distribution (encountering probability entry < 0)"}, // as PyTorch
      {{1, -1, 3}, 2, true, "invalid multinomial distribution (encountering probability entry < 0)"},
      {{0, 0, 0}, 2, true, "invalid multinomial distribution (sum of probabilities <= 0)"},
  };
  for (size_t i = 0; i < sizeof draws / sizeof *draws; i++) {
    ct_sampler *sampler = ct_weighted_random_sampler_new(ct_tensor_from_f64(draws[i].w, 1, (int64_t[]){3}),
                                                         draws[i].num_samples, draws[i].replacement, NULL);
    MISUSE_IF(ct_sampler_next(sampler, &index) == CT_BATCH_ERROR, draws[i].message);
    ct_sampler_free(sampler);
  }
  ct_sampler *sequential = ct_sequential_sampler_new(&ds);
  MISUSE(ct_batch_sampler_new(sequential, 0, false), "batch_size should be a positive integer value, but got batch_size=0");
  MISUSE(ct_batch_sampler_new(NULL, 2, false), "BatchSampler: sampler is NULL");
  ct_batch_sampler *batches = ct_batch_sampler_new(sequential, 4, false);
  MISUSE_IF(ct_batch_sampler_next(batches, NULL, &count) == CT_BATCH_ERROR, "BatchSampler next: NULL argument");
  MISUSE_IF(ct_batch_sampler_next(NULL, indices, &count) == CT_BATCH_ERROR, "BatchSampler next: NULL argument");
  MISUSE_IF(ct_batch_sampler_len(NULL) == -1, "BatchSampler is NULL");
  MISUSE_STATUS(ct_batch_sampler_start(NULL), "BatchSampler is NULL");
  ct_batch_sampler_free(batches);
  ct_sampler_free(sequential);
  area_done(s);
}

static void test_datasets(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  ct_dataset *parts[3];
  MISUSE(ct_subset_new(NULL, (int64_t[]){1}, 1), "Subset: dataset is NULL");
  MISUSE(ct_subset_new(&ds, NULL, 2), "Subset: indices is NULL");
  MISUSE(ct_subset_new(&ds, (int64_t[]){1}, -2), "Subset: negative number of indices (-2)");
  ct_dataset *subset = ct_subset_new(&ds, (int64_t[]){4, 7}, 2);
  ct_batch sample;
  MISUSE_STATUS(subset->get_item(subset->ctx, 2, &sample), "list index out of range");
  MISUSE_STATUS(subset->get_item(subset->ctx, -3, &sample), "list index out of range");
  MISUSE(ct_subset_indices(&ds, &(int64_t){0}), "ct_subset_indices: not a Subset");
  ct_dataset_ops_free(&ds); // not one of ours: refused, nothing freed
  MISUSE_IF(true, "ct_dataset_ops_free: not a Subset or ConcatDataset");
  MISUSE(ct_concat_dataset_new((const ct_dataset *[]){&ds}, 0), "datasets should not be an empty iterable");
  MISUSE(ct_concat_dataset_new((const ct_dataset *[]){&ds, NULL}, 2), "ConcatDataset: dataset is NULL");
  ct_dataset *both = ct_concat_dataset_new((const ct_dataset *[]){&ds, subset}, 2);
  MISUSE_STATUS(both->get_item(both->ctx, -13, &sample), "absolute value of index should not exceed dataset length");
  MISUSE_STATUS(both->get_item(both->ctx, 12, &sample), "list index out of range");
  ct_dataset_ops_free(both);
  ct_dataset_ops_free(subset);
  MISUSE_STATUS(ct_random_split(&ds, (double[]){3, 8}, 2, NULL, parts),
                "Sum of input lengths does not equal the length of the input dataset!");
  MISUSE_STATUS(ct_random_split(&ds, (double[]){0.5, 1.5, -1}, 3, NULL, parts), "Fraction at index 1 is not between 0 and 1");
  MISUSE_STATUS(ct_random_split(&ds, (double[]){2.5, 7.5}, 2, NULL, parts), "length at index 0 (2.5) is neither a count");
  MISUSE_STATUS(ct_random_split(&ds, (double[]){10}, 0, NULL, parts), "random_split: needs at least one length");
  MISUSE_STATUS(ct_random_split(NULL, (double[]){10}, 1, NULL, parts), "random_split: dataset is NULL");
  area_done(s);
}

static void test_loader_options(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  ct_sampler *sampler = ct_sequential_sampler_new(&ds);
  ct_batch_sampler *batches = ct_batch_sampler_new(sampler, 3, false);
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.num_workers = -1}),
         "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.");
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.prefetch_factor = 4}),
         "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
         "multiprocessing.");
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.num_workers = 1, .prefetch_factor = -1}),
         "prefetch_factor should be positive, but got prefetch_factor=-1");
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.shuffle = true, .sampler = sampler}),
         "sampler option is mutually exclusive with shuffle");
  const ct_dataloader_options exclusive[] = {
      {.batch_sampler = batches, .batch_size = 2},
      {.batch_sampler = batches, .shuffle = true},
      {.batch_sampler = batches, .sampler = sampler},
      {.batch_sampler = batches, .drop_last = true},
  };
  for (int i = 0; i < 4; i++)
    MISUSE(ct_dataloader_new(&ds, exclusive[i]),
           "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last");
  ct_dataset empty = {.length = no_samples, .get_item = scalar_sample};
  MISUSE(ct_dataloader_new(&empty, (ct_dataloader_options){.shuffle = true}),
         "num_samples should be a positive integer value, but got num_samples=0");
  ct_batch_sampler_free(batches);
  ct_sampler_free(sampler);
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(52);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_samplers),
      cmocka_unit_test(test_datasets),
      cmocka_unit_test(test_loader_options),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

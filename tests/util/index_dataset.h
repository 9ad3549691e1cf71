// The test suite's simplest dataset: sample i is the int64 scalar i. Its length is the
// int64_t that ctx points to (index_dataset_length), so a test sets the size by assigning it.
#ifndef CTORCH_TESTS_INDEX_DATASET_H
#define CTORCH_TESTS_INDEX_DATASET_H
#include "ctorch.h"

// Sample i is the int64 scalar i.
static inline ct_status scalar_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_scalar((double)index, CT_INT64);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

// *(int64_t *)ctx samples.
static inline int64_t index_dataset_length(void *ctx) { return *(const int64_t *)ctx; }

#endif

// Dataset callbacks the data misuse cases share (test_misuse_io.c, test_misuse_data.c).
#ifndef CTORCH_TESTS_MISUSE_DATASETS_H
#define CTORCH_TESTS_MISUSE_DATASETS_H
#include "ctorch.h"

static inline int64_t ten_samples(void *ctx) {
  (void)ctx;
  return 10;
}

static inline int64_t no_samples(void *ctx) {
  (void)ctx;
  return 0;
}

static inline int64_t negative_length(void *ctx) {
  (void)ctx;
  return -1;
}

// Sample i is the int64 scalar i.
static inline ct_status scalar_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_scalar((double)index, CT_INT64);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

#endif

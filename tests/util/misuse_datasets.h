// Dataset callbacks the data misuse cases share (test_misuse_io.c, test_misuse_data.c).
#ifndef CTORCH_TESTS_MISUSE_DATASETS_H
#define CTORCH_TESTS_MISUSE_DATASETS_H
#include "index_dataset.h"

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

#endif

// The histogram PyTorch's SummaryWriter.add_histogram writes (torch/utils/tensorboard/
// summary.py, make_histogram): np.histogram counts over the bins, trimmed to the
// buckets between the first and last non-empty one, as TensorBoard's HistogramProto.
#ifndef CTORCH_SRC_TENSORBOARD_HISTOGRAM_H
#define CTORCH_SRC_TENSORBOARD_HISTOGRAM_H
#include <stddef.h>
#include <stdint.h>
#include "ctorch/error.h"

typedef struct ct__histogram {
  double min, max, num, sum, sum_squares;
  size_t nbuckets;
  double *bucket_limit; ///< upper edge of each bucket (malloc'd)
  double *bucket;       ///< count of each bucket (malloc'd)
} ct__histogram;

/// Builds the histogram of `n` float64 values. `bins` 0: PyTorch's default "tensorflow"
/// bins (±1e-12 * 1.1^k up to 1e20, and 0); bins > 0: that many equal-width bins between
/// the values' min and max, as np.histogram(values, bins=int). `max_bins` > 0 merges
/// neighbouring bins as make_histogram's max_bins does. Records the error and returns
/// its status when PyTorch raises (no values, a non-finite range for equal bins, no
/// value inside the bins). On success the caller frees with ct__histogram_free.
ct_status ct__histogram_build(const double *values, size_t n, int64_t bins, int64_t max_bins, ct__histogram *out);
void ct__histogram_free(ct__histogram *h);
#endif

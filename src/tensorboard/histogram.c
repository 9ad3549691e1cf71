// Counting follows numpy 1.24's np.histogram: explicit edges count a value in
// [e_i, e_{i+1}) (the last bin also takes e_last; outside values and NaN are dropped);
// equal-width bins compute an index from (x - first) * norm and correct it against the
// edges, which come from np.linspace. Sum is numpy's pairwise sum; sum_squares is
// values.dot(values), a BLAS dot whose order differs by library, summed here in order.
#include "tensorboard/histogram.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"

// PyTorch's default bins (SummaryWriter.__init__): -1e20 .. -1e-12, 0, 1e-12 .. 1e20 in
// steps of a factor 1.1, the factors multiplied up in double as Python does.
static double *tensorflow_edges(size_t *count) {
  size_t half = 0;
  for (double v = 1e-12; v < 1e20; v *= 1.1) half++;
  double *edges = malloc((2 * half + 1) * sizeof *edges);
  if (!edges) return NULL;
  size_t k = 0;
  for (double v = 1e-12; v < 1e20; v *= 1.1, k++) {
    edges[half + 1 + k] = v;
    edges[half - 1 - k] = -v;
  }
  edges[half] = 0;
  *count = 2 * half + 1;
  return edges;
}

// np.linspace(first, last, n + 1).
static double *linspace_edges(double first, double last, int64_t n) {
  double *edges = malloc((size_t)(n + 1) * sizeof *edges);
  if (!edges) return NULL;
  double delta = last - first, step = delta / (double)n;
  for (int64_t i = 0; i <= n; i++) edges[i] = step == 0 ? (double)i / (double)n * delta + first : (double)i * step + first;
  edges[n] = last;
  return edges;
}

static void count_explicit(const double *x, size_t n, const double *edges, size_t nedges, double *counts) {
  size_t nbins = nedges - 1;
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (!(v >= edges[0] && v <= edges[nbins])) continue; // outside, or NaN
    size_t lo = 0, hi = nedges;                          // first edge > v
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (edges[mid] > v) hi = mid;
      else lo = mid + 1;
    }
    size_t bin = lo - 1;
    counts[bin < nbins ? bin : nbins - 1] += 1;
  }
}

static void count_uniform(const double *x, size_t n, const double *edges, int64_t nbins, double *counts) {
  double first = edges[0], last = edges[nbins], norm = (double)nbins / (last - first);
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (!(v >= first && v <= last)) continue;
    int64_t idx = (int64_t)((v - first) * norm);
    if (idx == nbins) idx--;
    if (v < edges[idx]) idx--;
    if (v >= edges[idx + 1] && idx != nbins - 1) idx++;
    counts[idx] += 1;
  }
}

// numpy's pairwise summation of a contiguous float64 run (8 accumulators up to 128).
static double pairwise_sum(const double *x, size_t n) {
  if (n < 8) {
    double s = 0.;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    memcpy(r, x, sizeof r);
    size_t i;
    for (i = 8; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; j++) r[j] += x[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += x[i];
    return s;
  }
  size_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(x, half) + pairwise_sum(x + half, n - half);
}

// make_histogram's max_bins: sum groups of `n / max_bins` bins (the last padded).
static size_t subsample(double *counts, double *edges, size_t nbins, int64_t max_bins) {
  size_t group = nbins / (size_t)max_bins, merged = (nbins + group - 1) / group;
  for (size_t g = 0; g < merged; g++) {
    double s = 0;
    for (size_t k = g * group; k < nbins && k < (g + 1) * group; k++) s += counts[k];
    counts[g] = s;
  }
  double last = edges[nbins];
  for (size_t g = 0; g < merged; g++) edges[g] = edges[g * group];
  edges[merged] = last;
  return merged;
}

static void summarize(const double *x, size_t n, ct__histogram *h) {
  double lo = INFINITY, hi = -INFINITY, squares = 0;
  bool any_nan = false;
  for (size_t i = 0; i < n; i++) {
    any_nan |= isnan(x[i]);
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
    squares += x[i] * x[i];
  }
  h->min = any_nan ? NAN : lo; // numpy's min and max propagate NaN
  h->max = any_nan ? NAN : hi;
  h->num = (double)n;
  h->sum = x[0] + pairwise_sum(x + 1, n - 1); // a reduction starts from the first element
  h->sum_squares = squares;
}

// Keeps the buckets from the one before the first non-empty bin to the last non-empty
// one, each labelled by its upper edge (an empty bin 0 stands before bin 0).
static ct_status trim(const double *counts, const double *edges, size_t nbins, ct__histogram *h) {
  size_t first = nbins, last = 0;
  for (size_t i = 0; i < nbins; i++)
    if (counts[i] > 0) {
      if (first == nbins) first = i;
      last = i;
    }
  if (first == nbins) return ct__error(CT_ERR_ARG, "add_histogram: The histogram is empty, please file a bug report.");
  size_t k = last - first + 2;
  h->bucket_limit = malloc(k * sizeof(double));
  h->bucket = malloc(k * sizeof(double));
  if (!h->bucket_limit || !h->bucket) return ct__error(CT_ERR_MEMORY, "add_histogram: out of memory");
  for (size_t j = 0; j < k; j++) {
    h->bucket_limit[j] = edges[first + j];
    h->bucket[j] = first + j == 0 ? 0 : counts[first + j - 1];
  }
  h->nbuckets = k;
  return CT_OK;
}

ct_status ct__histogram_build(const double *x, size_t n, int64_t bins, int64_t max_bins, ct__histogram *h) {
  memset(h, 0, sizeof *h);
  if (n == 0) return ct__error(CT_ERR_ARG, "add_histogram: The input has no element.");
  summarize(x, n, h);
  size_t nedges;
  double *edges;
  if (bins == 0) {
    edges = tensorflow_edges(&nedges);
  } else {
    double first = h->min, last = h->max;
    if (!isfinite(first) || !isfinite(last))
      return ct__error(CT_ERR_ARG, "add_histogram: autodetected range of [%g, %g] is not finite", first, last);
    if (first == last) {
      first -= 0.5;
      last += 0.5;
    }
    edges = linspace_edges(first, last, bins);
    nedges = (size_t)bins + 1;
  }
  double *counts = edges ? calloc(nedges - 1, sizeof *counts) : NULL;
  if (!counts) {
    free(edges);
    return ct__error(CT_ERR_MEMORY, "add_histogram: out of memory");
  }
  size_t nbins = nedges - 1;
  if (bins == 0) count_explicit(x, n, edges, nedges, counts);
  else count_uniform(x, n, edges, bins, counts);
  if (max_bins > 0 && nbins > (size_t)max_bins) nbins = subsample(counts, edges, nbins, max_bins);
  ct_status st = trim(counts, edges, nbins, h);
  free(counts);
  free(edges);
  if (st != CT_OK) ct__histogram_free(h);
  return st;
}

void ct__histogram_free(ct__histogram *h) {
  free(h->bucket_limit);
  free(h->bucket);
  h->bucket_limit = h->bucket = NULL;
  h->nbuckets = 0;
}

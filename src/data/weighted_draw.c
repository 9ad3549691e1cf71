// WeightedRandomSampler's draw: torch.multinomial over a 1-D float64 distribution, with
// PyTorch 1.13's CPU algorithms, checks and draws (aten/src/ATen/native/Distributions.cpp
// and cpu/MultinomialKernel.cpp):
//  - without replacement, or one sample: q = weights / Exp(1) (exponential_ draws one
//    random64 per element: -log(1 - U53)), then argmax(q) or topk(q, num_samples);
//  - with replacement: the normalised cumulative distribution, its last entry forced to
//    1, searched (lower bound) with one U53 draw per sample.
// Kept internal to the data area: a public ct_multinomial belongs to src/random.
#include <math.h>
#include <stdlib.h>
#include "core/error_impl.h"
#include "data/sampler_impl.h"

// at::uniform_real_distribution<double>(0, 1): the low 53 bits of random64, scaled.
static double uniform53(ct_generator *gen) {
  return (double)(ct_generator_random64(gen) & ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

typedef struct keyed {
  double key;
  int64_t index;
} keyed;

// Descending keys; equal keys by index (topk's order among ties is not specified).
static int by_key_descending(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? 1 : -1;
  return (x->index > y->index) - (x->index < y->index);
}

static ct_status draw_exponential_race(const double *w, int64_t n, int64_t num_samples, ct_generator *gen,
                                       int64_t *out) {
  double total = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!(w[i] >= 0 && w[i] < INFINITY))
      return ct__error(CT_ERR_ARG, "probability tensor contains either `inf`, `nan` or element < 0");
    total += w[i];
  }
  if (total == 0) return ct__error(CT_ERR_ARG, "invalid multinomial distribution (sum of probabilities <= 0)");
  keyed *q = malloc((size_t)n * sizeof *q);
  if (!q) return ct__error(CT_ERR_MEMORY, "out of memory drawing from a multinomial distribution");
  for (int64_t i = 0; i < n; i++) q[i] = (keyed){w[i] / (-1.0 * log(1.0 - uniform53(gen))), i};
  if (num_samples == 1) { // argmax: the first of the largest
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
      if (q[i].key > q[best].key) best = i;
    out[0] = best;
  } else {
    qsort(q, (size_t)n, sizeof *q, by_key_descending);
    for (int64_t i = 0; i < num_samples; i++) out[i] = q[i].index;
  }
  free(q);
  return CT_OK;
}

static ct_status draw_with_replacement(const double *w, int64_t n, int64_t num_samples, ct_generator *gen,
                                       int64_t *out) {
  double *cumulative = malloc((size_t)(n ? n : 1) * sizeof *cumulative), sum = 0;
  if (!cumulative) return ct__error(CT_ERR_MEMORY, "out of memory drawing from a multinomial distribution");
  ct_status st = CT_OK;
  for (int64_t j = 0; st == CT_OK && j < n; j++) {
    if (!(w[j] >= 0)) st = ct__error(CT_ERR_ARG, "invalid multinomial distribution (encountering probability entry < 0)");
    else if (!isfinite(w[j]))
      st = ct__error(CT_ERR_ARG, "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
    sum += w[j];
    cumulative[j] = sum;
  }
  if (st == CT_OK && !(sum > 0))
    st = ct__error(CT_ERR_ARG, "invalid multinomial distribution (sum of probabilities <= 0)");
  if (st == CT_OK) {
    for (int64_t j = 0; j < n; j++) cumulative[j] /= sum;
    cumulative[n - 1] = 1;
    for (int64_t s = 0; s < num_samples; s++) {
      double u = uniform53(gen);
      int64_t left = 0, right = n;
      while (right > left) {
        int64_t mid = left + (right - left) / 2;
        if (cumulative[mid] < u) left = mid + 1;
        else right = mid;
      }
      out[s] = left;
    }
  }
  free(cumulative);
  return st;
}

ct_status ct__weighted_draw(const double *w, int64_t n, int64_t num_samples, bool replacement, ct_generator *gen,
                            int64_t *out) {
  if (!replacement && num_samples > n)
    return ct__error(CT_ERR_ARG, "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  if (n > (INT64_C(1) << 24)) return ct__error(CT_ERR_ARG, "number of categories cannot exceed 2^24");
  if (!replacement || num_samples == 1) {
    if (n == 0)
      return ct__error(CT_ERR_ARG, "max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                                   "the reduction dim with the 'dim' argument.");
    return draw_exponential_race(w, n, num_samples, gen, out);
  }
  return draw_with_replacement(w, n, num_samples, gen, out);
}

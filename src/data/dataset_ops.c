// Datasets over datasets (torch/utils/data/dataset.py): Subset, ConcatDataset and
// random_split. Each embeds its public ct_dataset first; its get_item callback tells the
// kind (ct_dataset_ops_free and ct_subset_indices check it).
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/checked.h"
#include "core/error_impl.h"
#include "ctorch/random.h"
#include "ctorch/sampler.h"
#include "ctorch/scope.h"

typedef struct subset {
  ct_dataset base; // first: the public handle points here
  const ct_dataset *dataset;
  int64_t *indices;
  int64_t count;
} subset;

typedef struct concat_dataset {
  ct_dataset base;
  const ct_dataset **datasets;
  int64_t *cumulative_sizes; // PyTorch's cumulative_sizes, read at construction
  int count;
} concat_dataset;

static int64_t subset_length(void *ctx) { return ((subset *)ctx)->count; }

static ct_status subset_get(void *ctx, int64_t index, ct_batch *sample) {
  const subset *s = ctx;
  if (index < -s->count || index >= s->count) return ct__error(CT_ERR_INDEX, "list index out of range");
  if (index < 0) index += s->count;
  return s->dataset->get_item(s->dataset->ctx, s->indices[index], sample);
}

static int64_t concat_length(void *ctx) {
  const concat_dataset *c = ctx;
  return c->cumulative_sizes[c->count - 1];
}

static ct_status concat_get(void *ctx, int64_t index, ct_batch *sample) {
  const concat_dataset *c = ctx;
  int64_t len = concat_length(ctx);
  if (index < 0) {
    if (-index > len) return ct__error(CT_ERR_INDEX, "absolute value of index should not exceed dataset length");
    index += len;
  }
  int k = 0, hi = c->count; // k = bisect_right(cumulative_sizes, index)
  while (k < hi) {
    int mid = k + (hi - k) / 2;
    if (index < c->cumulative_sizes[mid]) hi = mid;
    else k = mid + 1;
  }
  if (k == c->count) return ct__error(CT_ERR_INDEX, "list index out of range");
  int64_t local = k == 0 ? index : index - c->cumulative_sizes[k - 1];
  return c->datasets[k]->get_item(c->datasets[k]->ctx, local, sample);
}

static ct_status check_dataset(const ct_dataset *d, const char *what) {
  if (!d) return ct__error(CT_ERR_ARG, "%s: dataset is NULL", what);
  if (!d->length || !d->get_item)
    return ct__error(CT_ERR_ARG, "%s: dataset needs length and get_item callbacks", what);
  return CT_OK;
}

ct_dataset *ct_subset_new(const ct_dataset *dataset, const int64_t *indices, int64_t n) {
  if (check_dataset(dataset, "Subset") != CT_OK) return NULL;
  if (n < 0) return ct__error_null(CT_ERR_ARG, "Subset: negative number of indices (%lld)", (long long)n);
  if (n && !indices) return ct__error_null(CT_ERR_ARG, "Subset: indices is NULL");
  int64_t bytes;
  if (!ct__mul_ok(n ? n : 1, (int64_t)sizeof *indices, &bytes))
    return ct__error_null(CT_ERR_MEMORY, "Subset: %lld indices are too many", (long long)n);
  subset *s = calloc(1, sizeof *s);
  int64_t *copy = malloc((size_t)bytes);
  if (!s || !copy) {
    free(s);
    free(copy);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a Subset");
  }
  if (n) memcpy(copy, indices, (size_t)n * sizeof *indices);
  *s = (subset){.base = {.ctx = s, .length = subset_length, .get_item = subset_get},
                .dataset = dataset, .indices = copy, .count = n};
  return &s->base;
}

const int64_t *ct_subset_indices(const ct_dataset *d, int64_t *n) {
  if (!d || d->get_item != subset_get) {
    if (n) *n = 0;
    return ct__error_null(CT_ERR_ARG, "ct_subset_indices: not a Subset");
  }
  const subset *s = (const subset *)d;
  if (n) *n = s->count;
  return s->indices;
}

static void concat_free(concat_dataset *c) {
  if (!c) return;
  free(c->datasets);
  free(c->cumulative_sizes);
  free(c);
}

ct_dataset *ct_concat_dataset_new(const ct_dataset *const *datasets, int n) {
  if (n <= 0) return ct__error_null(CT_ERR_ARG, "datasets should not be an empty iterable");
  if (!datasets) return ct__error_null(CT_ERR_ARG, "ConcatDataset: datasets is NULL");
  concat_dataset *c = calloc(1, sizeof *c);
  if (c) {
    c->datasets = malloc((size_t)n * sizeof *c->datasets);
    c->cumulative_sizes = malloc((size_t)n * sizeof *c->cumulative_sizes);
  }
  if (!c || !c->datasets || !c->cumulative_sizes) {
    concat_free(c);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a ConcatDataset");
  }
  c->base = (ct_dataset){.ctx = c, .length = concat_length, .get_item = concat_get};
  c->count = n;
  int64_t total = 0;
  for (int k = 0; k < n; k++) {
    if (check_dataset(datasets[k], "ConcatDataset") != CT_OK) {
      concat_free(c);
      return NULL;
    }
    int64_t len = datasets[k]->length(datasets[k]->ctx);
    if (len < 0 || !ct__add_ok(total, len, &total)) {
      ct__error(CT_ERR_ARG, "ConcatDataset: dataset %d has an invalid length (%lld)", k, (long long)len);
      concat_free(c);
      return NULL;
    }
    c->datasets[k] = datasets[k];
    c->cumulative_sizes[k] = total;
  }
  return &c->base;
}

void ct_dataset_ops_free(ct_dataset *d) {
  if (!d) return;
  if (d->get_item == subset_get) {
    free(((subset *)d)->indices);
    free(d);
  } else if (d->get_item == concat_get) {
    concat_free((concat_dataset *)d);
  } else {
    ct__error(CT_ERR_ARG, "ct_dataset_ops_free: not a Subset or ConcatDataset");
  }
}

// random_split's lengths: counts, or fractions summing to 1 turned into counts.
static ct_status split_lengths(const double *lengths, int n, int64_t dataset_len, int64_t *counts) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += lengths[i];
  // math.isclose(sum, 1) (relative tolerance 1e-9) and sum <= 1
  if (fabs(sum - 1) <= 1e-9 * fmax(fabs(sum), 1) && sum <= 1) {
    int64_t assigned = 0;
    for (int i = 0; i < n; i++) {
      if (!(lengths[i] >= 0 && lengths[i] <= 1))
        return ct__error(CT_ERR_ARG, "Fraction at index %d is not between 0 and 1", i);
      counts[i] = (int64_t)floor((double)dataset_len * lengths[i]);
      assigned += counts[i];
    }
    for (int64_t i = 0; i < dataset_len - assigned; i++) counts[i % n]++; // round-robin remainder
    return CT_OK;
  }
  if (sum != (double)dataset_len)
    return ct__error(CT_ERR_ARG, "Sum of input lengths does not equal the length of the input dataset!");
  for (int i = 0; i < n; i++) {
    if (!(lengths[i] >= 0 && lengths[i] == floor(lengths[i])))
      return ct__error(CT_ERR_ARG, "random_split: length at index %d (%g) is neither a count nor a fraction of a "
                                   "list summing to 1", i, lengths[i]);
    counts[i] = (int64_t)lengths[i];
  }
  return CT_OK;
}

ct_status ct_random_split(const ct_dataset *dataset, const double *lengths, int n, ct_generator *generator,
                          ct_dataset **subsets) {
  if (check_dataset(dataset, "random_split") != CT_OK) return ct_last_status();
  if (n <= 0 || !lengths || !subsets)
    return ct__error(CT_ERR_ARG, "random_split: needs at least one length and room for the subsets");
  int64_t len = dataset->length(dataset->ctx);
  if (len < 0) return ct__error(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)len);
  int64_t *counts = malloc((size_t)n * sizeof *counts), *order = malloc((size_t)(len ? len : 1) * sizeof *order);
  ct_status st = counts && order ? split_lengths(lengths, n, len, counts)
                                 : ct__error(CT_ERR_MEMORY, "out of memory splitting a dataset");
  if (st == CT_OK) {
    ct_scope *scope = ct_scope_open();
    ct_tensor *perm = scope ? ct_randperm_gen(len, generator) : NULL;
    st = perm ? ct_to_i64_array(perm, order) : ct_last_status();
    ct_scope_close(scope);
  }
  int made = 0;
  for (int64_t offset = 0; st == CT_OK && made < n; offset += counts[made++])
    if (!(subsets[made] = ct_subset_new(dataset, order + offset, counts[made]))) st = ct_last_status();
  if (st != CT_OK)
    while (made > 0) ct_dataset_ops_free(subsets[--made]);
  free(counts);
  free(order);
  return st;
}

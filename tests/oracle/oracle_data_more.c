// Samplers, random_split, Subset, ConcatDataset and the DataLoader's sampler options,
// printed for comparison with PyTorch. A generator seed of -1 means none (the default one).
// Each case ends with "next <default draw> <generator draw>": randint(0, 1000000) from the
// default generator and from the case's generator, which tells that both were left where
// PyTorch leaves them. Case lines:
//   random <seed> <n> <replacement> <num_samples> <gen_seed> <iterations>
//       -> per iteration a line of RandomSampler's indices
//   weighted <seed> <replacement> <num_samples> <gen_seed> <iterations> <w_1> ... <w_k>
//       -> per iteration a line of WeightedRandomSampler's indices
//   subset_random <seed> <gen_seed> <i_1> ... <i_k> -> SubsetRandomSampler's indices
//   split <seed> <gen_seed> <n> <length_1> ... <length_k> -> a line of indices per split
//   loader <seed> <n> <batch_size> <drop_last> <kind> <replacement> <num_samples> <sampler_gen>
//          <loader_gen> <epochs> <workers>
//       -> DataLoader over range(n) with sampler=<kind> (random, sequential, or batch: a
//          BatchSampler over a RandomSampler given as batch_sampler): "epoch", then batches
//   concat <seed> <workers> <batch_size> <len_1> ... <len_k>
//       -> ConcatDataset of k TensorDatasets (dataset j holds 100 j + i), loaded with shuffle,
//          then dataset[-1] and dataset[-len]
//   options <shuffle> <sampler> <batch_sampler> <batch_size> <drop_last> <workers> <prefetch>
//       -> "ok" or PyTorch's error
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "index_dataset.h"

static ct_generator *generator_for(long long seed) {
  return seed < 0 ? NULL : ct_generator_manual_seed(ct_generator_new(), (uint64_t)seed);
}

static long long draw(ct_generator *gen) {
  ct_scope *s = ct_scope_open();
  int64_t v = -1;
  ct_to_i64_array(ct_randint_gen(0, 1000000, 1, (int64_t[]){1}, CT_INT64, gen), &v);
  ct_scope_close(s);
  return (long long)v;
}

static void print_next(ct_generator *gen) {
  long long d = draw(NULL);
  printf("next %lld %lld\n", d, gen ? draw(gen) : -1LL);
}

static void print_error(void) { printf("error: %s\n", ct_last_error()); }

// Prints `iterations` iterations of a sampler, a line each.
static void iterate(ct_sampler *sampler, long long iterations) {
  for (long long it = 0; it < iterations; it++) {
    int64_t index;
    ct_batch_result got;
    int first = 1;
    while ((got = ct_sampler_next(sampler, &index)) == CT_BATCH_READY) {
      printf("%s%lld", first ? "" : " ", (long long)index);
      first = 0;
    }
    printf("\n");
    if (got == CT_BATCH_ERROR) print_error();
  }
}

// Reads up to `cap` numbers from s into out; returns how many.
static int read_numbers(const char *s, double *out, int cap) {
  int n = 0, used;
  while (n < cap && sscanf(s, "%lf%n", &out[n], &used) == 1) {
    s += used;
    n++;
  }
  return n;
}

static int64_t dataset_n;
static ct_dataset range_dataset = {.ctx = &dataset_n, .length = index_dataset_length, .get_item = scalar_sample};

static void run_random(const char *args) {
  unsigned long long seed;
  long long n, num_samples, gen_seed, iterations;
  int replacement;
  sscanf(args, "%llu %lld %d %lld %lld %lld", &seed, &n, &replacement, &num_samples, &gen_seed, &iterations);
  ct_manual_seed(seed);
  ct_generator *gen = generator_for(gen_seed);
  dataset_n = n;
  ct_sampler *sampler = ct_random_sampler_new(&range_dataset, replacement, num_samples, gen);
  if (!sampler) print_error();
  else iterate(sampler, iterations);
  ct_sampler_free(sampler);
  print_next(gen);
  ct_generator_free(gen);
}

static void run_weighted(const char *args) {
  unsigned long long seed;
  long long num_samples, gen_seed, iterations;
  int replacement, used;
  sscanf(args, "%llu %d %lld %lld %lld%n", &seed, &replacement, &num_samples, &gen_seed, &iterations, &used);
  double weights[256];
  int k = read_numbers(args + used, weights, 256);
  ct_manual_seed(seed);
  ct_generator *gen = generator_for(gen_seed);
  ct_scope *s = ct_scope_open();
  ct_sampler *sampler =
      ct_weighted_random_sampler_new(ct_tensor_from_f64(weights, 1, (int64_t[]){k}), num_samples, replacement, gen);
  if (!sampler) print_error();
  else iterate(sampler, iterations);
  ct_sampler_free(sampler);
  ct_scope_close(s);
  print_next(gen);
  ct_generator_free(gen);
}

static void run_subset_random(const char *args) {
  unsigned long long seed;
  long long gen_seed;
  int used;
  sscanf(args, "%llu %lld%n", &seed, &gen_seed, &used);
  double values[256];
  int64_t indices[256];
  int k = read_numbers(args + used, values, 256);
  for (int i = 0; i < k; i++) indices[i] = (int64_t)values[i];
  ct_manual_seed(seed);
  ct_generator *gen = generator_for(gen_seed);
  ct_sampler *sampler = ct_subset_random_sampler_new(indices, k, gen);
  iterate(sampler, 1);
  ct_sampler_free(sampler);
  print_next(gen);
  ct_generator_free(gen);
}

static void run_split(const char *args) {
  unsigned long long seed;
  long long gen_seed, n;
  int used;
  sscanf(args, "%llu %lld %lld%n", &seed, &gen_seed, &n, &used);
  double lengths[64];
  int k = read_numbers(args + used, lengths, 64);
  ct_manual_seed(seed);
  ct_generator *gen = generator_for(gen_seed);
  dataset_n = n;
  ct_dataset *parts[64];
  if (ct_random_split(&range_dataset, lengths, k, gen, parts) != CT_OK) {
    print_error();
  } else {
    for (int i = 0; i < k; i++) {
      int64_t count;
      const int64_t *indices = ct_subset_indices(parts[i], &count);
      for (int64_t j = 0; j < count; j++) printf("%s%lld", j ? " " : "", (long long)indices[j]);
      printf("\n");
      ct_dataset_ops_free(parts[i]);
    }
  }
  print_next(gen);
  ct_generator_free(gen);
}

// Prints every batch of `epochs` epochs (field 0 of each batch, as integers).
static void print_epochs(ct_dataloader *loader, long long epochs) {
  for (long long e = 0; e < epochs; e++) {
    printf("epoch\n");
    if (ct_dataloader_start_epoch(loader) != CT_OK) {
      print_error();
      continue;
    }
    ct_batch_result got;
    for (;;) {
      ct_scope *step = ct_scope_open();
      ct_batch batch;
      if ((got = ct_dataloader_next(loader, &batch)) != CT_BATCH_READY) {
        ct_scope_close(step);
        break;
      }
      int64_t k = ct_numel(batch.fields[0]), v[4096];
      ct_to_i64_array(batch.fields[0], v);
      for (int64_t i = 0; i < k; i++) printf("%s%lld", i ? " " : "", (long long)v[i]);
      printf("\n");
      ct_scope_close(step);
    }
    if (got == CT_BATCH_ERROR) print_error();
  }
}

static void run_loader(const char *args) {
  unsigned long long seed;
  long long n, batch_size, num_samples, sampler_gen_seed, loader_gen_seed, epochs;
  int drop_last, replacement, workers;
  char kind[32];
  sscanf(args, "%llu %lld %lld %d %31s %d %lld %lld %lld %lld %d", &seed, &n, &batch_size, &drop_last, kind,
         &replacement, &num_samples, &sampler_gen_seed, &loader_gen_seed, &epochs, &workers);
  ct_manual_seed(seed);
  ct_generator *sampler_gen = generator_for(sampler_gen_seed), *loader_gen = generator_for(loader_gen_seed);
  dataset_n = n;
  ct_sampler *sampler = !strcmp(kind, "sequential") ? ct_sequential_sampler_new(&range_dataset)
                                                    : ct_random_sampler_new(&range_dataset, replacement, num_samples,
                                                                            sampler_gen);
  ct_batch_sampler *batches = NULL;
  ct_dataloader_options options = {.generator = loader_gen, .num_workers = workers};
  if (!strcmp(kind, "batch")) {
    batches = ct_batch_sampler_new(sampler, batch_size, drop_last);
    options.batch_sampler = batches;
  } else {
    options.sampler = sampler;
    options.batch_size = batch_size;
    options.drop_last = drop_last;
  }
  ct_dataloader *loader = sampler ? ct_dataloader_new(&range_dataset, options) : NULL;
  if (!loader) print_error();
  else print_epochs(loader, epochs);
  ct_dataloader_free(loader);
  ct_batch_sampler_free(batches);
  ct_sampler_free(sampler);
  print_next(sampler_gen);
  ct_generator_free(sampler_gen);
  ct_generator_free(loader_gen);
}

static void run_concat(const char *args) {
  unsigned long long seed;
  long long batch_size;
  int workers, used;
  sscanf(args, "%llu %d %lld%n", &seed, &workers, &batch_size, &used);
  double lengths[16];
  int k = read_numbers(args + used, lengths, 16);
  ct_manual_seed(seed);
  ct_scope *s = ct_scope_open();
  ct_dataset *parts[16];
  for (int j = 0; j < k; j++) {
    ct_tensor *values = ct_arange(100.0 * j, 100.0 * j + lengths[j], 1, CT_INT64);
    parts[j] = ct_tensor_dataset_new(1, &values);
  }
  ct_dataset *all = ct_concat_dataset_new((const ct_dataset *const *)parts, k);
  ct_dataloader *loader = ct_dataloader_new(
      all, (ct_dataloader_options){.batch_size = batch_size, .shuffle = true, .num_workers = workers});
  print_epochs(loader, 2);
  int64_t len = all->length(all->ctx);
  for (int64_t i = -1; i >= -len; i -= len - 1 ? len - 1 : 1) {
    ct_batch sample;
    if (all->get_item(all->ctx, i, &sample) != CT_OK) {
      print_error();
      continue;
    }
    int64_t v;
    ct_item_int(sample.fields[0], &v);
    printf("item %lld %lld\n", (long long)i, (long long)v);
  }
  ct_batch sample;
  if (all->get_item(all->ctx, -len - 1, &sample) != CT_OK) print_error();
  ct_dataloader_free(loader);
  ct_dataset_ops_free(all);
  for (int j = 0; j < k; j++) ct_tensor_dataset_free(parts[j]);
  ct_scope_close(s);
  print_next(NULL);
}

static void run_options(const char *args) {
  int shuffle, has_sampler, has_batch_sampler, drop_last, workers, prefetch;
  long long batch_size;
  sscanf(args, "%d %d %d %lld %d %d %d", &shuffle, &has_sampler, &has_batch_sampler, &batch_size, &drop_last,
         &workers, &prefetch);
  dataset_n = 10;
  ct_sampler *sampler = ct_sequential_sampler_new(&range_dataset);
  ct_batch_sampler *batches = ct_batch_sampler_new(sampler, 3, false);
  ct_dataloader *loader = ct_dataloader_new(
      &range_dataset, (ct_dataloader_options){.batch_size = batch_size, .shuffle = shuffle, .drop_last = drop_last,
                                              .sampler = has_sampler ? sampler : NULL,
                                              .batch_sampler = has_batch_sampler ? batches : NULL,
                                              .num_workers = workers, .prefetch_factor = prefetch});
  if (loader) printf("ok %lld\n", (long long)ct_dataloader_len(loader));
  else print_error();
  ct_dataloader_free(loader);
  ct_batch_sampler_free(batches);
  ct_sampler_free(sampler);
}

int main(void) {
  static char line[1 << 16];
  const struct {
    const char *name;
    void (*run)(const char *);
  } kinds[] = {{"random ", run_random}, {"weighted ", run_weighted}, {"subset_random ", run_subset_random},
               {"split ", run_split},   {"loader ", run_loader},     {"concat ", run_concat},
               {"options ", run_options}};
  while (fgets(line, sizeof line, stdin)) {
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
      if (!strncmp(line, kinds[k].name, strlen(kinds[k].name))) kinds[k].run(line + strlen(kinds[k].name));
    printf("@@END@@\n");
    fflush(stdout);
  }
  return 0;
}

// DataLoader batches and pad_sequence, printed for comparison with PyTorch.
// Case lines:
//   loader <seed> <n> <batch_size> <shuffle> <drop_last> <epochs> <generator_seed or -1>
//       -> (a generator seed gives the loader its own generator) per epoch a line "epoch", then one line per batch: the sample indices
//   pad <batch_first> <padding_value> <len_1> ... <len_k>
//       -> repr of pad_sequence over arange-valued sequences of those lengths (shape [len, 2])
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

static void run_loader(const char *args) {
  unsigned long long seed;
  long long n, batch_size, epochs, gen_seed;
  int shuffle, drop_last;
  sscanf(args, "%llu %lld %lld %d %d %lld %lld", &seed, &n, &batch_size, &shuffle, &drop_last, &epochs, &gen_seed);
  ct_manual_seed(seed);
  ct_generator *gen = NULL;
  if (gen_seed >= 0) ct_generator_manual_seed(gen = ct_generator_new(), (uint64_t)gen_seed);
  ct_scope *s = ct_scope_open();
  ct_tensor *indices = ct_arange(0, (double)n, 1, CT_INT64);
  ct_dataset *ds = ct_tensor_dataset_new(1, &indices);
  ct_dataloader *loader = ct_dataloader_new(
      ds, (ct_dataloader_options){.batch_size = batch_size, .shuffle = shuffle, .drop_last = drop_last, .generator = gen});
  for (long long e = 0; e < epochs; e++) {
    printf("epoch\n");
    ct_dataloader_start_epoch(loader);
    ct_batch batch;
    ct_batch_result got;
    while ((got = ct_dataloader_next(loader, &batch)) == CT_BATCH_READY) {
      int64_t k = ct_numel(batch.fields[0]);
      int64_t *v = malloc((size_t)k * sizeof *v);
      ct_to_i64_array(batch.fields[0], v);
      for (int64_t i = 0; i < k; i++) printf("%s%lld", i ? " " : "", (long long)v[i]);
      printf("\n");
      free(v);
    }
    if (got == CT_BATCH_ERROR) printf("error: %s\n", ct_last_error());
  }
  ct_dataloader_free(loader);
  ct_generator_free(gen);
  ct_tensor_dataset_free(ds);
  ct_scope_close(s);
}

static void run_pad(const char *args) {
  int batch_first, consumed;
  double value;
  sscanf(args, "%d %lf%n", &batch_first, &value, &consumed);
  args += consumed;
  ct_scope *s = ct_scope_open();
  ct_tensor *seqs[16];
  int n = 0;
  long long len;
  while (n < 16 && sscanf(args, "%lld%n", &len, &consumed) == 1) {
    args += consumed;
    seqs[n] = ct_view(ct_arange(0, 2.0 * (double)len, 1, CT_FLOAT32), CT_SHAPE(len, 2));
    n++;
  }
  ct_tensor *out = ct_pad_sequence(seqs, n, batch_first, value);
  if (out) ct_print(out);
  else printf("error: %s\n", ct_last_error());
  ct_scope_close(s);
}

int main(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    if (!strncmp(line, "loader ", 7)) run_loader(line + 7);
    else if (!strncmp(line, "pad ", 4)) run_pad(line + 4);
    printf("@@END@@\n");
    fflush(stdout);
  }
  return 0;
}

// DistributedSampler's indices, printed for comparison with PyTorch's (single process: the
// replicas and rank are given). Case line:
//   <n> <num_replicas> <rank> <shuffle> <seed> <drop_last> <first_epoch> <epochs>
//   -> "len <len(sampler)>", then per epoch (set_epoch(first_epoch + e)) a line of the
//      sampler's indices, then a line of a DataLoader's batches over the same sampler
//      (batch_size 2, "|" between batches); or "error: <message>"
#include <stdio.h>
#include "ctorch.h"
#include "index_dataset.h"

#define RECORD_END "@@END@@"

static int64_t dataset_n;
static ct_dataset range_dataset = {.ctx = &dataset_n, .length = index_dataset_length, .get_item = scalar_sample};

static void print_loader(ct_sampler *sampler) {
  ct_dataloader *loader = ct_dataloader_new(&range_dataset, (ct_dataloader_options){.batch_size = 2, .sampler = sampler});
  ct_batch batch;
  ct_batch_result got;
  for (int b = 0; (got = ct_dataloader_next(loader, &batch)) == CT_BATCH_READY; b++) {
    int64_t values[2];
    ct_to_i64_array(batch.fields[0], values);
    for (int64_t i = 0; i < ct_numel(batch.fields[0]); i++) printf("%s%lld", i ? " " : b ? "|" : "", (long long)values[i]);
  }
  printf(got == CT_BATCH_END ? "\n" : "\nerror: %s\n", ct_last_error());
  ct_dataloader_free(loader);
}

static void run_case(const char *line) {
  long long n, first_epoch, epochs;
  int replicas, rank, shuffle, drop_last;
  unsigned long long seed;
  if (sscanf(line, "%lld %d %d %d %llu %d %lld %lld", &n, &replicas, &rank, &shuffle, &seed, &drop_last, &first_epoch,
             &epochs) != 8) {
    printf("error: bad case\n");
    return;
  }
  dataset_n = n;
  ct_sampler *sampler = ct_distributed_sampler_new(&range_dataset, replicas, rank, shuffle, seed, drop_last);
  if (!sampler) {
    printf("error: %s\n", ct_last_error());
    return;
  }
  printf("len %lld\n", (long long)ct_sampler_len(sampler));
  for (long long e = 0; e < epochs; e++) {
    ct_distributed_sampler_set_epoch(sampler, first_epoch + e);
    int64_t index;
    for (int k = 0; ct_sampler_next(sampler, &index) == CT_BATCH_READY; k++) printf("%s%lld", k ? " " : "", (long long)index);
    printf("\n");
  }
  print_loader(sampler);
  ct_sampler_free(sampler);
}

int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    ct_scope *scope = ct_scope_open();
    run_case(line);
    ct_scope_close(scope);
    printf(RECORD_END "\n");
    fflush(stdout);
  }
  return 0;
}

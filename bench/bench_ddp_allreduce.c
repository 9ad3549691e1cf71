// ddp_allreduce_25mb: DDP's bucketed gradient all-reduce of a 25 MiB model (25 Linear(512,
// 512) weights: a 1 MiB first bucket, then one of 24 MiB) on the ranks of mpirun (run.sh
// uses 2), against a plain MPI_Allreduce of the same bytes in place. ctorch's time covers
// what DDP does after backward with gradient_as_bucket_view (the gradients live in the
// buckets): the division by the world size and the buckets' all-reduces. Rank 0 prints
//   ddp_allreduce_25mb ctorch=<seconds> mpi=<seconds> speedup=<mpi/ctorch>
// with the medians of several runs, the two sides alternating; speedup is the median of
// the runs' own ratios. This VM's memory bandwidth drops for stretches of several runs,
// both sides alike, so a ratio of two medians can compare a slow stretch with a fast one.
#define _POSIX_C_SOURCE 200809L
#include "bench_timing.h"
#include <ctorch.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { LAYERS = 25, WIDTH = 512, WARMUP = 5, RUNS = 31 };

int main(void) {
  if (ct_dist_init_process_group(0) != CT_OK) {
    fprintf(stderr, "bench_ddp_allreduce: %s\n", ct_last_error());
    return 1;
  }
  int rank = ct_dist_get_rank(NULL);
  ct_module *layers[LAYERS];
  for (int i = 0; i < LAYERS; i++)
    layers[i] = ct_linear_new(WIDTH, WIDTH, false);
  ct_module *model = ct_sequential_new(LAYERS, layers);
  ct_ddp_options options = ct_ddp_defaults();
  options.gradient_as_bucket_view = true; // no copies in and out of the buckets
  ct_ddp *ddp = ct_ddp_new(model, &options);
  int n;
  ct_tensor **params = ct_module_parameters(model, &n);
  for (int i = 0; i < n; i++)
    ct_set_grad(params[i], ct_keep(ct_ones(2, (int64_t[]){WIDTH, WIDTH}, CT_FLOAT32)));
  ct_tensor *input = ct_ones(2, (int64_t[]){1, WIDTH}, CT_FLOAT32);

  size_t count = (size_t)LAYERS * WIDTH * WIDTH;
  float *buffer = malloc(count * sizeof *buffer);
  for (size_t i = 0; i < count; i++)
    buffer[i] = 1.0f;
  // The two sides alternate, run by run, after WARMUP rounds of both: the first
  // transfers of a launch are slower (pages, caches, the VM's CPUs), whichever side goes first.
  double ours[RUNS], theirs[RUNS];
  for (int r = -WARMUP; r < RUNS; r++) {
    ct_scope *scope = ct_scope_open();
    ct_ddp_forward(ddp, input); // prepares the reduction; the gradients are set, not computed
    ct_dist_barrier(NULL);
    double t0 = bench_now();
    ct_status st = ct_ddp_sync_gradients(ddp);
    if (r >= 0) ours[r] = bench_now() - t0;
    ct_scope_close(scope);
    if (st != CT_OK) {
      fprintf(stderr, "bench_ddp_allreduce: %s\n", ct_last_error());
      return 1;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (r >= 0) theirs[r] = bench_now() - t0;
  }
  double ratios[RUNS]; // before bench_median sorts the times
  for (int r = 0; r < RUNS; r++)
    ratios[r] = theirs[r] / ours[r];
  double speedup = bench_median(ratios, RUNS), ctorch_s = bench_median(ours, RUNS),
         mpi_s = bench_median(theirs, RUNS);
  if (rank == 0) printf("ddp_allreduce_25mb ctorch=%.6f mpi=%.6f speedup=%.2f\n", ctorch_s, mpi_s, speedup);
  free(buffer);
  free(params);
  ct_ddp_free(ddp);
  ct_module_free(model);
  ct_dist_destroy_process_group();
  return 0;
}

// The CUDA kernel table against the CPU table on the same inputs: memory hooks, copy,
// elementwise, reduce, blas, optim, loss, index, pool, norm, rnn, sort, conv and random
// families, per dtype (random: against the same Philox blocks mapped on the host).
// Bitwise where both compute the same IEEE operations in the same order (copies,
// arithmetic, comparisons, formulas of + - * / and sqrt, optimizer updates, index moves);
// within float tolerances where the libraries (SLEEF vs CUDA's libm) or the summation
// order (cascade vs block tree, OpenBLAS vs cuBLAS) differ.
// Exits 77 (skipped) when this build has no CUDA backend or the machine no usable GPU.
#include "cuda_harness.h"

// The families whose CUDA loops have CPU twins (memory and random need a real device).
static void check_families(void) {
  check_copy();
  check_elementwise();
  check_reduce();
  check_reduce_loops();
  check_blas();
  check_optim();
  check_loss();
  check_index();
  check_pool();
  check_norm();
  check_rnn();
  check_sort();
  check_conv();
}

int main(int argc, char **argv) {
  cpu = ct__kernels(CT_CPU);
  gpu = ct__kernels(CT_CUDA);
  // --cpu-against-cpu: the CPU table stands in for the CUDA one (memory hooks included), a
  // check of this harness itself (every comparison must hold) on machines without a GPU.
  if (argc > 1 && strcmp(argv[1], "--cpu-against-cpu") == 0) {
    gpu = cpu;
    check_families();
    printf("%d checks, %d failures (CPU against CPU)\n", checks, failures);
    return failures ? 1 : 0;
  }
  if (!gpu) {
    printf("skipped: this build has no CUDA backend\n");
    return 77;
  }
  // --tables: only which entries are filled (plain data, no GPU needed).
  if (argc > 1 && strcmp(argv[1], "--tables") == 0) {
    check_tables();
    printf("%d checks, %d failures (table entries)\n", checks, failures);
    return failures ? 1 : 0;
  }
  char why[512];
  if (gpu->runtime->device_count(why, sizeof why) == 0) {
    printf("skipped: %s\n", why);
    return 77;
  }
  check_tables();
  check_memory();
  check_families();
  check_random();
  gpu->runtime->synchronize(gpu->runtime->current_device());
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}

// The CUDA kernel tests' harness (tests/cuda): the two tables under comparison, inputs,
// device copies, and the comparisons (bitwise or within float tolerance) of one loop run
// on both devices. Each check_*.c file compares some families; test_cuda_kernels.c runs them.
#ifndef CTORCH_TESTS_CUDA_CUDA_HARNESS_H
#define CTORCH_TESTS_CUDA_CUDA_HARNESS_H
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/dispatch.h"

/// The CPU table and the one under test (the CUDA table, or the CPU's own with --cpu-against-cpu).
extern const ct_kernel_table *cpu, *gpu;
/// Comparisons made and failed so far.
extern int failures, checks;
extern const char *dtype_names[CT_NUM_DTYPES];

#define MAXN 4096
enum { EXACT, CLOSE };

/// Uniform inputs from a fixed-seed generator.
uint32_t next_u32(void);
double uniform(double lo, double hi);
/// n elements of dtype: specials first for floats (0, -0, inf, -inf, nan, ...), then
/// uniform values in [-4, 4]; integers in [-50, 50], nonzero when `nonzero`.
void fill_values(void *buf, ct_dtype dt, int64_t n, bool nonzero, bool specials);
/// n floating values uniform in [lo, hi).
void fill_range(void *buf, ct_dtype dt, int64_t n, double lo, double hi);
/// A device copy of nbytes of host memory (exits when out of device memory).
void *dev_copy_of(const void *host, size_t nbytes);

double value_at(const void *buf, ct_dtype dt, int64_t i);
bool close_enough(double got, double want, ct_dtype dt, double scale);
/// Compares n elements `step` apart: bitwise (EXACT; any NaN matches any NaN) or within
/// float tolerance of |want| + scale (CLOSE); records the first failure.
void compare(const char *what, ct_dtype dt, const void *got, const void *want, int64_t n, int64_t step, int mode,
             double scale);

typedef struct run_spec {
  int nops;
  ct_dtype dt[4];
  int64_t n;
  int64_t step[4];     // element stride of each operand
  bool host_scalar[4]; // a 0-d operand in host memory (stride 0), read by value
  bool nonzero[4];     // inputs that must not be 0 (integer divisors)
  bool finite;         // no inf/nan inputs (float -> int casts of them are undefined)
} run_spec;

/// Runs loop_cpu on host buffers and loop_gpu on device copies of the same inputs;
/// compares operand 0 (and operand 1 when `two_outputs`).
void check_run(const char *what, ct_loop_fn loop_cpu, ct_loop_fn loop_gpu, const run_spec *s, void *ctx, int mode,
               bool two_outputs);
run_spec spec(int nops, const ct_dtype *dt, int64_t n);
/// A loop contiguous (64 elements), strided and, for 3 operands, with operand 2 a host scalar.
void check_variants(const char *what, ct_loop_fn c, ct_loop_fn g, int nops, const ct_dtype *dt, void *ctx, int mode,
                    bool divisor);

// The families' checks (check_math.c, check_layers.c, check_pool_random.c).
void check_memory(void);
void check_copy(void);
void check_elementwise(void);
void check_reduce(void);
/// The reduce family's backward/elementwise loops and value reductions (check_reduce_loops.c).
void check_reduce_loops(void);
void check_blas(void);
void check_optim(void);
void check_loss(void);
void check_index(void);
void check_norm(void);
void check_rnn(void);
void check_sort(void);
void check_conv(void);
void check_pool(void);
void check_random(void);
/// Which table entries are filled, CUDA against CPU (check_tables.c; needs no GPU).
void check_tables(void);

#endif

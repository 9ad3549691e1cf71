// Running one 1-D run of the host iterator (kernels/iter.h) on the device: a grid-stride
// kernel applies a functor at every index of the run. Each family's loops are templates
// over the dtype and an op functor, instantiated once per table entry.
#ifndef CTORCH_SRC_KERNELS_CUDA_LOOPS_CUH
#define CTORCH_SRC_KERNELS_CUDA_LOOPS_CUH
#include "kernels/cuda/cuda_common.cuh"

// The operands of one run (operand 0 is the output) and its length.
struct Run {
  Operand op[CT_ITER_MAX_OPS];
  int64_t n;
};

template <class F> __global__ void run_kernel(Run run, F f) {
  CT_GRID_STRIDE(i, run.n) f(run.op, i);
}

// In order on one thread: a run whose output is broadcast (stride 0) accumulates into one
// element, in the order the CPU loop does.
template <class F> __global__ void run_serial_kernel(Run run, F f) {
  for (int64_t i = 0; i < run.n; i++) f(run.op, i);
}

// Queues f over the run data/strides/n of nops operands; sizes[k] is operand k's element
// size (for reading a host scalar by value). `serial`: in index order on one thread (a
// broadcast output, or scatters whose indices may repeat), as the CPU loop runs.
template <class F>
void launch_run(char **data, const int64_t *strides, int64_t n, int nops, const size_t *sizes, F f,
                bool serial = false) {
  if (n <= 0) return;
  Run run;
  run.n = n;
  for (int k = 0; k < nops; k++) run.op[k] = make_operand(data, strides, k, sizes[k]);
  if (serial || (strides[0] == 0 && n > 1))
    run_serial_kernel<<<1, 1, 0, CT_CUDA_STREAM>>>(run, f);
  else
    run_kernel<<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(run, f);
  CT_CUDA_CHECK_LAUNCH("elementwise loop");
}

// The dtypes of ct_dtype, in its order, for filling tables.
#define CT_CUDA_FOR_DTYPES(X) X(bool) X(int32_t) X(int64_t) X(float) X(double)

#endif

// The strided iterator (NumPy's design): operands are broadcast to one iteration shape,
// adjacent dims that are contiguous for every operand are merged, and a kernel is handed
// 1-D runs: loop(data, strides, n, ctx) where data[k]/strides[k] are the byte pointer and
// byte stride of operand k (operand 0 is the output). Kernels test for unit strides to
// take their contiguous (vectorised) path.
#ifndef CTORCH_SRC_KERNELS_ITER_H
#define CTORCH_SRC_KERNELS_ITER_H
#include <stdbool.h>
#include "kernels/operand.h"

#define CT_ITER_MAX_OPS 4
/// Elements below which a loop runs on one thread (PyTorch's GRAIN_SIZE).
#define CT_PARALLEL_GRAIN 32768

typedef void (*ct_loop_fn)(char **data, const int64_t *strides, int64_t n, void *ctx);

typedef struct ct_iter {
  int nops;
  int ndim;                                      // after coalescing; innermost is last
  int64_t shape[CT_MAX_DIMS];
  int64_t strides[CT_ITER_MAX_OPS][CT_MAX_DIMS]; // bytes; 0 along broadcast dims
  char *data[CT_ITER_MAX_OPS];
  int64_t numel;
} ct_iter;

/// Build an iterator over ops[0..nops-1]. ops[0] defines the iteration shape; every
/// other operand must broadcast to it (right-aligned, size-1 dims get stride 0): the op
/// layer checks shapes first, so a mismatch is an internal error (asserted).
/// Operand dtypes may differ; kernels know what they were given.
void ct__iter_build(ct_iter *it, int nops, const ct_operand *ops);
/// Run loop over all elements, in parallel chunks above CT_PARALLEL_GRAIN elements
/// (only when `parallel_ok`: loops with side effects in order, like RNG, pass false).
void ct__iter_run(const ct_iter *it, ct_loop_fn loop, void *ctx, bool parallel_ok);

#endif

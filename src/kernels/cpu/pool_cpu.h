// Shared pieces of the CPU pooling kernels (pool_max.c, pool_avg.c): a 4-D operand's
// geometry in elements, the address of one (n, c) plane, and the rule for splitting
// planes across threads. Planes are independent, so threads never change a result.
#ifndef CTORCH_SRC_KERNELS_CPU_POOL_CPU_H
#define CTORCH_SRC_KERNELS_CPU_POOL_CPU_H
#include "kernels/cpu/dtype_rows.h"
#include "kernels/pool.h"

/// Work (window elements visited, counted in a double: no overflow) below which the planes run on the calling
/// thread: an OpenMP region costs more than a small layer's pooling.
#define POOL_PARALLEL_MIN ((double)(1 << 18))

/// A (N, C, H, W) operand: sizes and strides in elements.
typedef struct pool_geom {
  int64_t n, c, h, w;
  int64_t sn, sc, sh, sw;
} pool_geom;

static inline pool_geom pool_geom_of(const ct_operand *op) {
  const int64_t es = (int64_t)ct_elem_size(op->dtype);
  return (pool_geom){op->shape[0],        op->shape[1],        op->shape[2],        op->shape[3],
                     op->strides[0] / es, op->strides[1] / es, op->strides[2] / es, op->strides[3] / es};
}

/// Element (0, 0) of plane p = n * C + c of op.
static inline char *pool_plane(const ct_operand *op, int64_t channels, int64_t p) {
  return op->data + (p / channels) * op->strides[0] + (p % channels) * op->strides[1];
}

static inline int64_t pool_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t pool_max(int64_t a, int64_t b) { return a > b ? a : b; }

/// Adaptive pooling's input range [start, end) for output cell a of b over c inputs:
/// floor(a*c/b) and ceil((a+1)*c/b), in integers (PyTorch's start_index / end_index).
static inline int64_t pool_adaptive_start(int64_t a, int64_t b, int64_t c) {
  return (a / b) * c + ((a % b) * c) / b;
}
static inline int64_t pool_adaptive_end(int64_t a, int64_t b, int64_t c) { return 1 + ((a + 1) * c - 1) / b; }

#endif

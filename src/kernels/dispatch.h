// Per-device kernel tables. Op code (src/ops, src/core) never calls a CPU kernel by
// name: it asks for the table of its operands' device and calls through it, so a CUDA
// backend is a new table (kernels/dispatch.c maps devices to tables), not a change to
// the ops. Each kernel family declares its own struct in its header; the table points
// to one instance per family.
#ifndef CTORCH_SRC_KERNELS_DISPATCH_H
#define CTORCH_SRC_KERNELS_DISPATCH_H
#include "kernels/iter.h"

/// Conversion and fill loops (kernels/cpu/copy.c).
typedef struct ct_copy_kernels {
  /// cast[dst][src]: operand 0 (dtype dst) = operand 1 (dtype src), C conversion rules
  /// (float->int truncates, nonzero->true).
  ct_loop_fn cast[CT_NUM_DTYPES][CT_NUM_DTYPES];
  /// fill[dtype]: operand 0 = *(const <dtype> *)ctx.
  ct_loop_fn fill[CT_NUM_DTYPES];
  /// accumulate[dtype]: operand 0 += operand 1 (same dtype). Not parallel-safe when
  /// operand 0 is broadcast (stride 0): callers reducing into it run serially.
  ct_loop_fn accumulate[CT_NUM_DTYPES];
} ct_copy_kernels;

struct ct_elementwise_kernels;
struct ct_reduce_kernels;
struct ct_blas_kernels;
struct ct_index_kernels;

typedef struct ct_kernel_table {
  const char *name;
  const ct_copy_kernels *copy;
  const struct ct_elementwise_kernels *elementwise; // kernels/elementwise.h
  const struct ct_reduce_kernels *reduce;           // kernels/reduce.h
  const struct ct_blas_kernels *blas;               // kernels/blas.h
  const struct ct_index_kernels *index;             // kernels/index.h
} ct_kernel_table;

/// Kernel table per device (kernels/dispatch.c); NULL where this build has no backend.
extern const ct_kernel_table *const ct__kernel_tables[CT_NUM_DEVICES];

/// The kernel table of a device, or NULL when this build has no backend for it (CUDA).
/// Ops check their operands' devices first (core/device.h), which reports a missing
/// backend, so the tables they look up afterwards exist.
static inline const ct_kernel_table *ct__kernels(ct_device device) { return ct__kernel_tables[device]; }

#endif

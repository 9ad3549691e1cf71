// Index kernel family (kernels/cpu/index_*.c): indexed loads and accumulations along
// one dimension, masked fills, and index-range scans.
//
// Loops have the iterator's signature loop(data, byte_strides, n, ctx). The gather and
// scatter loops get operands whose geometry was prepared by op code (index_internal.h):
// the "source"/"destination" operand has stride 0 along the indexed dim(s), and the int64
// index operand says how many steps of ctx->stride to add to it.
#ifndef CTORCH_SRC_KERNELS_INDEX_H
#define CTORCH_SRC_KERNELS_INDEX_H
#include "kernels/dispatch.h"

/// ctx of gather and scatter_add loops.
typedef struct ct_index_step {
  int64_t stride; ///< bytes between neighbours along the indexed dim
} ct_index_step;

/// ctx of the row loops: rows of `row_bytes` bytes (a whole number of elements), the
/// row with index i at base + i * stride. scatter_add_rows leaves row `skip` alone (-1:
/// none; embedding's padding row). gather_rows with limit >= 0 copies no row for an
/// index outside [0, limit) and records the first one in bad (run it serially then).
typedef struct ct_index_rows {
  char *base;
  int64_t stride, row_bytes, skip, limit;
  bool bad_found;
  int64_t bad;
} ct_index_rows;

/// ctx of the range scan: reads lo/hi, updates the rest. Run it serially.
typedef struct ct_index_scan {
  int64_t lo, hi;  ///< valid values are lo <= v < hi
  int64_t min, max;
  bool bad_found;  ///< a value outside [lo, hi) was seen; `bad` is the first one
  int64_t bad;
} ct_index_scan;

typedef struct ct_index_kernels {
  /// gather[dtype]: operand 0 = *(operand 1 + operand 2 * stride), operand 2 int64
  /// (already validated). Rows with a constant index and unit strides are memcpy'd.
  const ct_loop_fn *gather;
  /// scatter_add[dtype]: *(operand 0 + operand 2 * stride) += operand 1. Duplicate
  /// indices write the same element: never run in parallel.
  const ct_loop_fn *scatter_add;
  /// scatter[dtype]: *(operand 0 + operand 2 * stride) = operand 1 (moves bytes). Later
  /// positions win where indices repeat: run serially.
  const ct_loop_fn *scatter;
  /// scatter_mul[dtype]: *(operand 0 + operand 2 * stride) *= operand 1. Serial.
  const ct_loop_fn *scatter_mul;
  /// gather_rows: the row at operand 0 (one row per element) = the row of operand 1
  /// (int64; validated already, or checked against ctx's limit) in ctx (a ct_index_rows).
  /// Moves bytes: any dtype.
  ct_loop_fn gather_rows;
  /// scatter_add_rows[dtype]: the row of operand 1 (int64) in ctx += the row at operand 0,
  /// elementwise. Duplicate indices write the same row: never run in parallel.
  const ct_loop_fn *scatter_add_rows;
  /// masked_fill[dtype]: operand 0 = operand 2 (bool) ? *(const <dtype> *)ctx : operand 1.
  const ct_loop_fn *masked_fill;
  /// Operand 0 int64: folds its values into a ct_index_scan.
  ct_loop_fn scan;
  /// Operand 0 (int64) = operand 1 (int64), plus *(const int64_t *)ctx where negative.
  ct_loop_fn wrap_negative;
  /// Writes the positions of the true elements of a contiguous bool array to `out`
  /// (may be NULL to count only); returns their number.
  int64_t (*mask_positions)(const bool *mask, int64_t n, int64_t *out);
  /// Writes i repeated counts[i] times for i in [0, n) to `out` (counts validated
  /// non-negative; out holds their sum): repeat_interleave's index.
  void (*repeat_positions)(const int64_t *counts, int64_t n, int64_t *out);
} ct_index_kernels;

#endif

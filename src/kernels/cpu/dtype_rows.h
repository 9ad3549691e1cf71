// Rows of the CPU kernels' per-dtype loop tables, in ct_dtype order {bool, int32, int64,
// float32, float64}, from loops named P_<suffix> (b, i32, i64, f32, f64); NULL where a
// dtype has no loop.
#ifndef CTORCH_SRC_KERNELS_CPU_DTYPE_ROWS_H
#define CTORCH_SRC_KERNELS_CPU_DTYPE_ROWS_H
#include <stddef.h>

#define DTYPE_ROW_ALL(P) {P##_b, P##_i32, P##_i64, P##_f32, P##_f64}
#define DTYPE_ROW_NUMERIC(P) {NULL, P##_i32, P##_i64, P##_f32, P##_f64}
#define DTYPE_ROW_FLOAT(P) {NULL, NULL, NULL, P##_f32, P##_f64}

#endif

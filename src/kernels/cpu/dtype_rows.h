// Rows of the CPU kernels' per-dtype loop tables, in ct_dtype order {bool, int32, int64,
// float32, float64}, from loops named P_<suffix> (b, i32, i64, f32, f64); NULL where a
// dtype has no loop.
//
// Typed loops come from template headers (kernels/cpu/*_tmpl.h) included once per type
// with a few #defines (T, SFX ...); a template names what it defines CT_SUFFIXED(name,
// SFX), which gives the P_<suffix> names these rows collect.
#ifndef CTORCH_SRC_KERNELS_CPU_DTYPE_ROWS_H
#define CTORCH_SRC_KERNELS_CPU_DTYPE_ROWS_H
#include <stddef.h>

#define DTYPE_ROW_ALL(P) {P##_b, P##_i32, P##_i64, P##_f32, P##_f64}
#define DTYPE_ROW_NUMERIC(P) {NULL, P##_i32, P##_i64, P##_f32, P##_f64}
#define DTYPE_ROW_FLOAT(P) {NULL, NULL, NULL, P##_f32, P##_f64}

/// name_<sfx>, with sfx macro-expanded first (a template's SFX).
#define CT_SUFFIXED(name, sfx) CT_SUFFIXED_(name, sfx)
#define CT_SUFFIXED_(name, sfx) name##_##sfx

#endif

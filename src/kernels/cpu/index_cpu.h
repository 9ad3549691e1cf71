// Declarations shared by the CPU index kernel files (assembled into the kernel table in
// index_table.c).
#ifndef CTORCH_SRC_KERNELS_CPU_INDEX_CPU_H
#define CTORCH_SRC_KERNELS_CPU_INDEX_CPU_H
#include <stdint.h>
#include "kernels/index.h"

/// The int64 index at element k of a run starting at p with byte stride s.
#define IDX_AT(p, k, s) (*(const int64_t *)((p) + (k) * (s)))

// index_gather.c
extern const ct_loop_fn ct__cpu_index_gather[CT_NUM_DTYPES];
void ct__cpu_index_gather_rows(char **data, const int64_t *s, int64_t n, void *ctx);
// index_scatter.c
extern const ct_loop_fn ct__cpu_index_scatter[CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_index_scatter_add[CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_index_scatter_mul[CT_NUM_DTYPES];
extern const ct_loop_fn ct__cpu_index_scatter_add_rows[CT_NUM_DTYPES];
void ct__cpu_repeat_positions(const int64_t *counts, int64_t n, int64_t *out);
// index_mask.c
extern const ct_loop_fn ct__cpu_index_masked_fill[CT_NUM_DTYPES];
int64_t ct__cpu_mask_positions(const bool *mask, int64_t n, int64_t *out);
// index_scan.c
void ct__cpu_index_scan_i64(char **data, const int64_t *s, int64_t n, void *ctx);
void ct__cpu_wrap_negative_i64(char **data, const int64_t *s, int64_t n, void *ctx);
#endif

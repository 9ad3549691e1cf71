// The CPU index kernel family (kernels/index.h), collected from index_*.c.
#include "kernels/cpu/index_cpu.h"

const ct_index_kernels ct__cpu_index_kernels = {
    .gather = ct__cpu_index_gather,
    .scatter_add = ct__cpu_index_scatter_add,
    .scatter = ct__cpu_index_scatter,
    .scatter_mul = ct__cpu_index_scatter_mul,
    .gather_rows = ct__cpu_index_gather_rows,
    .scatter_add_rows = ct__cpu_index_scatter_add_rows,
    .masked_fill = ct__cpu_index_masked_fill,
    .scan = ct__cpu_index_scan_i64,
    .wrap_negative = ct__cpu_wrap_negative_i64,
    .mask_positions = ct__cpu_mask_positions,
    .repeat_positions = ct__cpu_repeat_positions,
};

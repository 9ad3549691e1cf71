// The CPU pooling kernel family (kernels/pool.h), collected from pool_max.c and
// pool_avg.c.
#include "kernels/pool.h"

extern const ct_max_pool_fn ct__cpu_max_pool_loops[CT_NUM_DTYPES];
extern const ct_max_pool_backward_fn ct__cpu_max_pool_backward_loops[CT_NUM_DTYPES];
extern const ct_avg_pool_fn ct__cpu_avg_pool_loops[CT_NUM_DTYPES];
extern const ct_avg_pool_backward_fn ct__cpu_avg_pool_backward_loops[CT_NUM_DTYPES];
extern const ct_adaptive_avg_pool_fn ct__cpu_adaptive_avg_pool_loops[CT_NUM_DTYPES];
extern const ct_adaptive_avg_pool_backward_fn ct__cpu_adaptive_avg_pool_backward_loops[CT_NUM_DTYPES];

const ct_pool_kernels ct__cpu_pool_kernels = {
    .max = ct__cpu_max_pool_loops,
    .max_backward = ct__cpu_max_pool_backward_loops,
    .avg = ct__cpu_avg_pool_loops,
    .avg_backward = ct__cpu_avg_pool_backward_loops,
    .adaptive_avg = ct__cpu_adaptive_avg_pool_loops,
    .adaptive_avg_backward = ct__cpu_adaptive_avg_pool_backward_loops,
};

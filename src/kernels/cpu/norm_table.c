// The CPU normalisation kernel family (kernels/norm.h), collected from norm_batch.c,
// norm_layer.c and norm_group.c.
#include "kernels/norm.h"

extern const ct_batch_norm_fn ct__cpu_batch_norm_loops[CT_NUM_DTYPES];
extern const ct_batch_norm_backward_fn ct__cpu_batch_norm_backward_loops[CT_NUM_DTYPES];
extern const ct_layer_norm_fn ct__cpu_layer_norm_loops[CT_NUM_DTYPES];
extern const ct_layer_norm_backward_fn ct__cpu_layer_norm_backward_loops[CT_NUM_DTYPES];
extern const ct_group_norm_fn ct__cpu_group_norm_loops[CT_NUM_DTYPES];
extern const ct_group_norm_backward_fn ct__cpu_group_norm_backward_loops[CT_NUM_DTYPES];

const ct_norm_kernels ct__cpu_norm_kernels = {
    .batch_norm = ct__cpu_batch_norm_loops,
    .batch_norm_backward = ct__cpu_batch_norm_backward_loops,
    .layer_norm = ct__cpu_layer_norm_loops,
    .layer_norm_backward = ct__cpu_layer_norm_backward_loops,
    .group_norm = ct__cpu_group_norm_loops,
    .group_norm_backward = ct__cpu_group_norm_backward_loops,
};

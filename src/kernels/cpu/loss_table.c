// The CPU loss kernel family (kernels/loss.h), collected from loss_pointwise.c and
// loss_nll.c.
#include "kernels/loss.h"

extern const ct_pointwise_loss_loops ct__cpu_pointwise_loss_loops[CT_POINTWISE_LOSS_COUNT][CT_NUM_DTYPES];
extern const ct_nll_forward_fn ct__cpu_nll_forward_loops[CT_NUM_DTYPES];
extern const ct_nll_backward_fn ct__cpu_nll_backward_loops[CT_NUM_DTYPES];

const ct_loss_kernels ct__cpu_loss_kernels = {
    .pointwise = ct__cpu_pointwise_loss_loops,
    .nll_forward = ct__cpu_nll_forward_loops,
    .nll_backward = ct__cpu_nll_backward_loops,
};

// Helpers shared by the CPU reduction kernels (kernels/cpu/reduce_*.c).
#ifndef CTORCH_SRC_KERNELS_CPU_REDUCE_IMPL_H
#define CTORCH_SRC_KERNELS_CPU_REDUCE_IMPL_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kernels/reduce.h"

/// Number of innermost runs one output reduces (product of the outer reduced dims).
static inline int64_t ct__red_runs(const ct_reduce_ctx *c) {
  int64_t n = 1;
  for (int d = 0; d < c->nouter; d++) n *= c->outer_shape[d];
  return n;
}

/// Start of run k (row-major over the outer reduced dims, innermost fastest) of the
/// output whose first element is at base.
static inline const char *ct__red_run_ptr(const ct_reduce_ctx *c, const char *base, int64_t k) {
  int64_t off = 0;
  for (int d = c->nouter - 1; d >= 0; d--) {
    off += (k % c->outer_shape[d]) * c->outer_stride[d];
    k /= c->outer_shape[d];
  }
  return base + off;
}

// Loop arrays ([CT_NUM_DTYPES], NULL for unsupported dtypes) defined by the kernel
// files and collected into the table in reduce_table.c.
extern const ct_reduce_kernels ct__cpu_reduce_kernels;
extern const ct_loop_fn ct__cpu_sum_loops[], ct__cpu_prod_loops[], ct__cpu_div_scalar_loops[];
extern const ct_loop_fn ct__cpu_max_loops[], ct__cpu_min_loops[], ct__cpu_argmax_loops[],
    ct__cpu_argmin_loops[], ct__cpu_select_count_loops[], ct__cpu_select_grad_loops[],
    ct__cpu_scatter_index_loops[];
extern const ct_loop_fn ct__cpu_var_loops[], ct__cpu_sq_dev_sum_loops[], ct__cpu_norm_loops[],
    ct__cpu_norm_grad_loops[], ct__cpu_prod_backward_loops[], ct__cpu_exp_sub_loops[],
    ct__cpu_log_add_loops[], ct__cpu_var_coef_loops[], ct__cpu_sub_mul_loops[], ct__cpu_exp_grad_loops[];
extern const ct_softmax_fn ct__cpu_softmax_loops[], ct__cpu_log_softmax_loops[];
extern const ct_softmax_backward_fn ct__cpu_softmax_backward_loops[], ct__cpu_log_softmax_backward_loops[];

#endif

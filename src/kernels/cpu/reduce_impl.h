// Helpers shared by the CPU reduction kernels (kernels/cpu/reduce_*.c).
#ifndef CTORCH_SRC_KERNELS_CPU_REDUCE_IMPL_H
#define CTORCH_SRC_KERNELS_CPU_REDUCE_IMPL_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kernels/cpu/dtype_rows.h"
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

/// Runs the statements with `x` (type T) = each element of the output whose first element
/// is at base, run by run, in order (runs = ct__red_runs(c), computed once by the caller).
#define CT__RED_FOR_EACH(c, runs, base, T, x, ...)                                              \
  for (int64_t k_ = 0; k_ < (runs); k_++) {                                                    \
    const char *p_ = ct__red_run_ptr(c, base, k_);                                             \
    for (int64_t i_ = 0; i_ < (c)->len; i_++) {                                                \
      T x;                                                                                     \
      memcpy(&x, p_ + i_ * (c)->stride, sizeof x);                                             \
      __VA_ARGS__;                                                                             \
    }                                                                                          \
  }

typedef float ct__v8f __attribute__((vector_size(32)));
typedef double ct__v4d __attribute__((vector_size(32)));
typedef int32_t ct__v8i __attribute__((vector_size(32)));
typedef int64_t ct__v4l __attribute__((vector_size(32)));

// ct__max_run_<sfx> / ct__min_run_<sfx>(x, n, acc): nan-propagating max / min of acc and
// x[0..n), vectorised.
#define T float
#define SFX f32
#define VT ct__v8f
#define VI ct__v8i
#define W 8
#include "kernels/cpu/reduce_extreme_tmpl.h"
#define T double
#define SFX f64
#define VT ct__v4d
#define VI ct__v4l
#define W 4
#include "kernels/cpu/reduce_extreme_tmpl.h"

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

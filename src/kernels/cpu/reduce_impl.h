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

// nan-propagating max / min of acc and x[0..n): vector lanes (a lane that saw a nan
// keeps it), then the lanes and the tail. Max and min are exact, so the order only
// matters for which of -0 / +0 is returned.
typedef float ct__v8f __attribute__((vector_size(32)));
typedef double ct__v4d __attribute__((vector_size(32)));
typedef int32_t ct__v8i __attribute__((vector_size(32)));
typedef int64_t ct__v4l __attribute__((vector_size(32)));
#define CT__VEXTREME(a, v, OP, VT, VI)                                                          \
  do {                                                                                         \
    VI take_ = ((v)OP(a)) | ((v) != (v));                                                      \
    (a) = (VT)(((VI)(v) & take_) | ((VI)(a) & ~take_));                                        \
  } while (0)
// Eight vector accumulators (independent dependency chains), then the lanes and tail.
#define CT__DEFINE_EXTREME_RUN(NAME, T, VT, VI, W, OP)                                          \
  static inline T NAME(const T *x, int64_t n, T acc) {                                         \
    int64_t i = 0;                                                                             \
    if (n >= 8 * W) {                                                                          \
      VT a[8], v;                                                                              \
      memcpy(a, x, sizeof a);                                                                  \
      for (i = 8 * W; i + 8 * W <= n; i += 8 * W)                                              \
        for (int k = 0; k < 8; k++) {                                                          \
          memcpy(&v, x + i + k * W, sizeof v);                                                 \
          CT__VEXTREME(a[k], v, OP, VT, VI);                                                   \
        }                                                                                      \
      for (int k = 1; k < 8; k++) CT__VEXTREME(a[0], a[k], OP, VT, VI);                        \
      for (int l = 0; l < W; l++) acc = (a[0][l] OP acc || a[0][l] != a[0][l]) ? a[0][l] : acc; \
    }                                                                                          \
    for (; i < n; i++) acc = (x[i] OP acc || x[i] != x[i]) ? x[i] : acc;                       \
    return acc;                                                                                \
  }
CT__DEFINE_EXTREME_RUN(ct__max_run_f32, float, ct__v8f, ct__v8i, 8, >)
CT__DEFINE_EXTREME_RUN(ct__min_run_f32, float, ct__v8f, ct__v8i, 8, <)
CT__DEFINE_EXTREME_RUN(ct__max_run_f64, double, ct__v4d, ct__v4l, 4, >)
CT__DEFINE_EXTREME_RUN(ct__min_run_f64, double, ct__v4d, ct__v4l, 4, <)

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

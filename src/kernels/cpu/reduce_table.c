// The CPU reduction kernel family (kernels/reduce.h), collected from reduce_*.c.
#include "kernels/cpu/reduce_impl.h"

const ct_reduce_kernels ct__cpu_reduce_kernels = {
    .sum = ct__cpu_sum_loops,
    .prod = ct__cpu_prod_loops,
    .max = ct__cpu_max_loops,
    .min = ct__cpu_min_loops,
    .argmax = ct__cpu_argmax_loops,
    .argmin = ct__cpu_argmin_loops,
    .var = ct__cpu_var_loops,
    .sq_dev_sum = ct__cpu_sq_dev_sum_loops,
    .norm = ct__cpu_norm_loops,
    .select_count = ct__cpu_select_count_loops,
    .scatter_index = ct__cpu_scatter_index_loops,
    .prod_backward = ct__cpu_prod_backward_loops,
    .div_scalar = ct__cpu_div_scalar_loops,
    .exp_sub = ct__cpu_exp_sub_loops,
    .log_add = ct__cpu_log_add_loops,
    .var_coef = ct__cpu_var_coef_loops,
    .sub_mul = ct__cpu_sub_mul_loops,
    .select_grad = ct__cpu_select_grad_loops,
    .exp_grad = ct__cpu_exp_grad_loops,
    .norm_grad = ct__cpu_norm_grad_loops,
    .softmax = ct__cpu_softmax_loops,
    .log_softmax = ct__cpu_log_softmax_loops,
    .softmax_backward = ct__cpu_softmax_backward_loops,
    .log_softmax_backward = ct__cpu_log_softmax_backward_loops,
};

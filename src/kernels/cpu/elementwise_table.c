// The CPU elementwise kernel family, registered in cpu_table.c.
#include "kernels/cpu/elementwise_cpu.h"

const ct_elementwise_kernels ct__cpu_elementwise_kernels = {
    .binary = ct__cpu_ew_binary,
    .compare = ct__cpu_ew_compare,
    .unary = ct__cpu_ew_unary,
    .math = ct__cpu_ew_math,
    .grad = ct__cpu_ew_grad,
    .grad2 = ct__cpu_ew_grad2,
    .where = ct__cpu_ew_where,
    .logical_not = ct__cpu_ew_logical_not,
    .any_zero = ct__cpu_ew_any_zero,
};

// Which kernel table serves which device: one entry per backend built in.
#include "kernels/dispatch.h"

extern const ct_kernel_table ct__cpu_kernel_table;

const ct_kernel_table *ct__kernel_tables[CT_NUM_DEVICES] = {[CT_CPU] = &ct__cpu_kernel_table};

// Which kernel table serves which device: one entry per backend built in.
#include "kernels/dispatch.h"

extern const ct_kernel_table ct__cpu_kernel_table;
#ifdef CTORCH_HAVE_CUDA
extern const ct_kernel_table ct__cuda_kernel_table; // kernels/cuda/cuda_table.cu
#endif

const ct_kernel_table *ct__kernel_tables[CT_NUM_DEVICES] = {
    [CT_CPU] = &ct__cpu_kernel_table,
#ifdef CTORCH_HAVE_CUDA
    [CT_CUDA] = &ct__cuda_kernel_table,
#endif
};

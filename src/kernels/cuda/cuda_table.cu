// The CUDA backend's kernel table (docs/DESIGN.md, "CUDA backend"): every family, each
// filled for the dtypes the CPU table fills except where its file says otherwise.
#include "kernels/dispatch.h"

extern "C" {
extern const ct_copy_kernels ct__cuda_copy_kernels;
extern const struct ct_elementwise_kernels ct__cuda_elementwise_kernels;
extern const struct ct_reduce_kernels ct__cuda_reduce_kernels;
extern const struct ct_blas_kernels ct__cuda_blas_kernels;
extern const struct ct_optim_kernels ct__cuda_optim_kernels;
extern const struct ct_loss_kernels ct__cuda_loss_kernels;
extern const struct ct_index_kernels ct__cuda_index_kernels;
extern const struct ct_random_kernels ct__cuda_random_kernels;
extern const struct ct_pool_kernels ct__cuda_pool_kernels;
extern const struct ct_norm_kernels ct__cuda_norm_kernels;
extern const struct ct_rnn_kernels ct__cuda_rnn_kernels;
extern const struct ct_sort_kernels ct__cuda_sort_kernels;
extern const struct ct_conv_kernels ct__cuda_conv_kernels;
extern const ct_memory_hooks ct__cuda_memory;
extern const ct_device_runtime ct__cuda_runtime;

extern const ct_kernel_table ct__cuda_kernel_table;
const ct_kernel_table ct__cuda_kernel_table = {
    /* name */ "cuda",
    /* copy */ &ct__cuda_copy_kernels,
    /* elementwise */ &ct__cuda_elementwise_kernels,
    /* reduce */ &ct__cuda_reduce_kernels,
    /* blas */ &ct__cuda_blas_kernels,
    /* index */ &ct__cuda_index_kernels,
    /* optim */ &ct__cuda_optim_kernels,
    /* loss */ &ct__cuda_loss_kernels,
    /* random */ &ct__cuda_random_kernels,
    /* pool */ &ct__cuda_pool_kernels,
    /* conv */ &ct__cuda_conv_kernels,
    /* norm */ &ct__cuda_norm_kernels,
    /* sort */ &ct__cuda_sort_kernels,
    /* rnn */ &ct__cuda_rnn_kernels,
    /* attention */ NULL, // the composed ops
    /* memory */ &ct__cuda_memory,
    /* runtime */ &ct__cuda_runtime,
};
}

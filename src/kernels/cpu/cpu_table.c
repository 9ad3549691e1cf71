// The CPU backend's kernel table. A new kernel family adds its instance here.
#include "kernels/dispatch.h"

extern const ct_copy_kernels ct__cpu_copy_kernels;
extern const struct ct_reduce_kernels ct__cpu_reduce_kernels;
extern const struct ct_elementwise_kernels ct__cpu_elementwise_kernels;
extern const struct ct_index_kernels ct__cpu_index_kernels;
extern const struct ct_blas_kernels ct__cpu_blas_kernels;
extern const struct ct_optim_kernels ct__cpu_optim_kernels;
extern const struct ct_loss_kernels ct__cpu_loss_kernels;
extern const struct ct_random_kernels ct__cpu_random_kernels;
extern const struct ct_pool_kernels ct__cpu_pool_kernels;
extern const struct ct_conv_kernels ct__cpu_conv_kernels;
extern const struct ct_norm_kernels ct__cpu_norm_kernels;
extern const struct ct_sort_kernels ct__cpu_sort_kernels;
extern const struct ct_rnn_kernels ct__cpu_rnn_kernels;
extern const struct ct_attention_kernels ct__cpu_attention_kernels;
extern const ct_memory_hooks ct__cpu_memory;

const ct_kernel_table ct__cpu_kernel_table = {
    .name = "cpu",
    .copy = &ct__cpu_copy_kernels,
    .reduce = &ct__cpu_reduce_kernels,
    .elementwise = &ct__cpu_elementwise_kernels,
    .index = &ct__cpu_index_kernels,
    .blas = &ct__cpu_blas_kernels,
    .optim = &ct__cpu_optim_kernels,
    .loss = &ct__cpu_loss_kernels,
    .random = &ct__cpu_random_kernels,
    .pool = &ct__cpu_pool_kernels,
    .conv = &ct__cpu_conv_kernels,
    .norm = &ct__cpu_norm_kernels,
    .sort = &ct__cpu_sort_kernels,
    .rnn = &ct__cpu_rnn_kernels,
    .attention = &ct__cpu_attention_kernels,
    .memory = &ct__cpu_memory,
    .runtime = NULL, // one host, nothing to count or select
};

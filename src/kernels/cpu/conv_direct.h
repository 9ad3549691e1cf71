// Direct float32 convolution (cpu/conv_direct.c) for the cases whose order of sums is
// free (ct_conv_args.exact false). Each entry returns false, doing nothing, for a
// geometry it does not handle (or in a build without AVX2 and FMA); the caller then
// takes the im2col path.
#ifndef CTORCH_SRC_KERNELS_CPU_CONV_DIRECT_H
#define CTORCH_SRC_KERNELS_CPU_CONV_DIRECT_H
#include "kernels/conv.h"
#include <stdbool.h>

/// Elements of workspace the direct entries need for a (0 when they do not handle it).
int64_t ct__conv_direct_workspace(const ct_conv_args *a);
/// The three maps of kernels/conv.h.
bool ct__conv_direct_forward(const ct_conv_args *a, const float *in, const float *weight, const float *bias,
                             float *out, float *work);
bool ct__conv_direct_transpose(const ct_conv_args *a, const float *out, const float *weight, float *in, float *work);
bool ct__conv_direct_weight_grad(const ct_conv_args *a, const float *out, const float *in, float *grad_weight,
                                 float *work);

#endif

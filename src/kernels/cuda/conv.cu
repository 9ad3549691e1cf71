// Convolutions (kernels/conv.h) on the device as direct convolutions, straightforward:
// forward one thread per output element, transpose (input gradient) one thread per input
// element gathering the outputs whose windows cover it, weight gradient one thread per
// weight element summing over the batch in order. No workspace; cuDNN is not used yet.
// Sums run in a fixed order but not the CPU's (im2col + GEMM, or oneDNN's): floats agree
// to rounding; integers wrap (computed unsigned) and agree exactly.
#include <type_traits>
#include "kernels/conv.h"
#include "kernels/cuda/cuda_common.cuh"

namespace {

template <typename T, bool = std::is_floating_point_v<T>> struct Acc { using type = T; };
template <typename T> struct Acc<T, false> { using type = std::make_unsigned_t<T>; };
template <typename T> using acc_t = typename Acc<T>::type;

template <typename T>
__global__ void forward_kernel(ct_conv_args a, const T *in, const T *w, const T *bias, T *out) {
  const int64_t OH = a.out_size[0], OW = a.out_size[1], IH = a.in_size[0], IW = a.in_size[1];
  const int64_t icg = a.in_channels / a.groups, ocg = a.out_channels / a.groups, KH = a.kernel[0], KW = a.kernel[1];
  CT_GRID_STRIDE(t, a.batch * a.out_channels * OH * OW) {
    const int64_t ox = t % OW, oy = (t / OW) % OH, oc = (t / (OW * OH)) % a.out_channels, b = t / (OW * OH * a.out_channels);
    const int64_t g = oc / ocg;
    acc_t<T> sum = 0;
    for (int64_t ic = 0; ic < icg; ic++)
      for (int64_t ky = 0; ky < KH; ky++) {
        const int64_t iy = oy * a.stride[0] - a.padding[0] + ky * a.dilation[0];
        if (iy < 0 || iy >= IH) continue;
        for (int64_t kx = 0; kx < KW; kx++) {
          const int64_t ix = ox * a.stride[1] - a.padding[1] + kx * a.dilation[1];
          if (ix < 0 || ix >= IW) continue;
          sum += (acc_t<T>)in[((b * a.in_channels + g * icg + ic) * IH + iy) * IW + ix] *
                 (acc_t<T>)w[((oc * icg + ic) * KH + ky) * KW + kx];
        }
      }
    out[t] = (T)(bias ? sum + (acc_t<T>)bias[oc] : sum);
  }
}

// Input element (b, c, iy, ix) receives out[b, oc, oy, ox] * w[oc, c in group, ky, kx] for
// every window position that reads it: iy = oy * stride - padding + ky * dilation.
template <typename T>
__global__ void transpose_kernel(ct_conv_args a, const T *out, const T *w, const T *bias, T *in) {
  const int64_t OH = a.out_size[0], OW = a.out_size[1], IH = a.in_size[0], IW = a.in_size[1];
  const int64_t icg = a.in_channels / a.groups, ocg = a.out_channels / a.groups, KH = a.kernel[0], KW = a.kernel[1];
  CT_GRID_STRIDE(t, a.batch * a.in_channels * IH * IW) {
    const int64_t ix = t % IW, iy = (t / IW) % IH, c = (t / (IW * IH)) % a.in_channels, b = t / (IW * IH * a.in_channels);
    const int64_t g = c / icg, ic = c % icg;
    acc_t<T> sum = 0;
    for (int64_t oc = g * ocg; oc < (g + 1) * ocg; oc++)
      for (int64_t ky = 0; ky < KH; ky++) {
        const int64_t ny = iy + a.padding[0] - ky * a.dilation[0];
        if (ny < 0 || ny % a.stride[0] || ny / a.stride[0] >= OH) continue;
        for (int64_t kx = 0; kx < KW; kx++) {
          const int64_t nx = ix + a.padding[1] - kx * a.dilation[1];
          if (nx < 0 || nx % a.stride[1] || nx / a.stride[1] >= OW) continue;
          sum += (acc_t<T>)out[((b * a.out_channels + oc) * OH + ny / a.stride[0]) * OW + nx / a.stride[1]] *
                 (acc_t<T>)w[((oc * icg + ic) * KH + ky) * KW + kx];
        }
      }
    in[t] = (T)(bias ? sum + (acc_t<T>)bias[c] : sum);
  }
}

template <typename T> __global__ void weight_grad_kernel(ct_conv_args a, const T *out, const T *in, T *gw) {
  const int64_t OH = a.out_size[0], OW = a.out_size[1], IH = a.in_size[0], IW = a.in_size[1];
  const int64_t icg = a.in_channels / a.groups, ocg = a.out_channels / a.groups, KH = a.kernel[0], KW = a.kernel[1];
  CT_GRID_STRIDE(t, a.out_channels * icg * KH * KW) {
    const int64_t kx = t % KW, ky = (t / KW) % KH, ic = (t / (KW * KH)) % icg, oc = t / (KW * KH * icg);
    const int64_t c = (oc / ocg) * icg + ic;
    acc_t<T> sum = 0;
    for (int64_t b = 0; b < a.batch; b++)
      for (int64_t oy = 0; oy < OH; oy++) {
        const int64_t iy = oy * a.stride[0] - a.padding[0] + ky * a.dilation[0];
        if (iy < 0 || iy >= IH) continue;
        for (int64_t ox = 0; ox < OW; ox++) {
          const int64_t ix = ox * a.stride[1] - a.padding[1] + kx * a.dilation[1];
          if (ix < 0 || ix >= IW) continue;
          sum += (acc_t<T>)out[((b * a.out_channels + oc) * OH + oy) * OW + ox] *
                 (acc_t<T>)in[((b * a.in_channels + c) * IH + iy) * IW + ix];
        }
      }
    gw[t] = (T)sum;
  }
}

int64_t workspace(const ct_conv_args *) { return 0; }

template <typename T>
void forward(const ct_conv_args *a, const void *in, const void *weight, const void *bias, void *out, void *) {
  const int64_t total = a->batch * a->out_channels * a->out_size[0] * a->out_size[1];
  if (total <= 0) return;
  forward_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      *a, static_cast<const T *>(in), static_cast<const T *>(weight), static_cast<const T *>(bias), static_cast<T *>(out));
  CT_CUDA_CHECK_LAUNCH("convolution");
}
template <typename T>
void transpose(const ct_conv_args *a, const void *out, const void *weight, const void *bias, void *in, void *) {
  const int64_t total = a->batch * a->in_channels * a->in_size[0] * a->in_size[1];
  if (total <= 0) return;
  transpose_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      *a, static_cast<const T *>(out), static_cast<const T *>(weight), static_cast<const T *>(bias), static_cast<T *>(in));
  CT_CUDA_CHECK_LAUNCH("convolution transpose");
}
template <typename T> void weight_grad(const ct_conv_args *a, const void *out, const void *in, void *grad_weight, void *) {
  const int64_t total = a->out_channels * (a->in_channels / a->groups) * a->kernel[0] * a->kernel[1];
  if (total <= 0) return;
  weight_grad_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      *a, static_cast<const T *>(out), static_cast<const T *>(in), static_cast<T *>(grad_weight));
  CT_CUDA_CHECK_LAUNCH("convolution weight gradient");
}

ct_conv_kernels make_conv_kernels() {
  ct_conv_kernels k = {};
  k.workspace = workspace;
  k.forward[CT_INT32] = forward<int32_t>, k.forward[CT_INT64] = forward<int64_t>;
  k.forward[CT_FLOAT32] = forward<float>, k.forward[CT_FLOAT64] = forward<double>;
  k.transpose[CT_INT32] = transpose<int32_t>, k.transpose[CT_INT64] = transpose<int64_t>;
  k.transpose[CT_FLOAT32] = transpose<float>, k.transpose[CT_FLOAT64] = transpose<double>;
  k.weight_grad[CT_INT32] = weight_grad<int32_t>, k.weight_grad[CT_INT64] = weight_grad<int64_t>;
  k.weight_grad[CT_FLOAT32] = weight_grad<float>, k.weight_grad[CT_FLOAT64] = weight_grad<double>;
  return k; // bias_grad: NULL, the op sums with the reduce family
}

} // namespace

extern "C" {
extern const ct_conv_kernels ct__cuda_conv_kernels;
const ct_conv_kernels ct__cuda_conv_kernels = make_conv_kernels();
}

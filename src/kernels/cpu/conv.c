// The CPU convolution kernel family (kernels/conv.h): conv_tmpl.h once per numeric
// dtype. Products go through the CPU blas family (OpenBLAS, or the portable GEMM with
// CTORCH_GEMM=fallback); float32 convolutions whose order of sums is free try the
// direct convolution of conv_direct.c first.
#include "kernels/conv.h"
#include "kernels/blas.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/dtype_rows.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

extern const ct_blas_kernels ct__cpu_blas_kernels;

// A 1×1 kernel with stride 1 and no padding over an `in` of the output's size: the
// columns are the image itself (PyTorch's slow_conv2d skips the unfold too).
static bool conv_needs_columns(const ct_conv_args *a) {
  return a->kernel[0] != 1 || a->kernel[1] != 1 || a->stride[0] != 1 || a->stride[1] != 1 || a->padding[0] != 0 ||
         a->padding[1] != 0 || a->in_size[0] != a->out_size[0] || a->in_size[1] != a->out_size[1];
}

// The column matrix of one image and group (rows: channel and kernel taps; columns:
// output positions), or the direct convolution's buffers. INT64_MAX when the size
// overflows: the op's allocation then reports it.
static int64_t workspace(const ct_conv_args *a) {
  int64_t columns = 0;
  if (conv_needs_columns(a)) {
    const int64_t factors[4] = {a->kernel[0], a->kernel[1], a->out_size[0], a->out_size[1]};
    columns = a->in_channels / a->groups;
    for (int i = 0; i < 4; i++)
      if (__builtin_mul_overflow(columns, factors[i], &columns)) return INT64_MAX;
  }
  const int64_t direct = ct__conv_direct_workspace(a);
  return columns > direct ? columns : direct;
}

// The output columns [lo, hi) whose kernel column j lands inside the input along `dim`
// (0: rows, 1: columns), and the input index `first` that column lo reads.
typedef struct conv_span {
  int64_t lo, hi, first;
} conv_span;

static int64_t ceil_div_nonneg(int64_t num, int64_t den) { return num <= 0 ? 0 : (num + den - 1) / den; }

static conv_span conv_valid_span(const ct_conv_args *a, int dim, int64_t j) {
  const int64_t s = a->stride[dim], shift = j * a->dilation[dim] - a->padding[dim]; // input index of output 0
  conv_span r;
  r.lo = ceil_div_nonneg(-shift, s);
  r.hi = ceil_div_nonneg(a->in_size[dim] - shift, s);
  if (r.hi > a->out_size[dim]) r.hi = a->out_size[dim];
  r.first = r.lo * s + shift;
  return r;
}

// The templates: integer and float64 maps always unfold; float32 ones try the direct
// convolution first (its transpose only without a bias: the input gradient).
#define DIRECT_NONE(...) false

#define DIRECT_FORWARD DIRECT_NONE
#define DIRECT_TRANSPOSE DIRECT_NONE
#define DIRECT_WEIGHT_GRAD DIRECT_NONE
#define T int32_t
#define SFX i32
#define DT CT_INT32
#include "kernels/cpu/conv_tmpl.h"
#define DIRECT_FORWARD DIRECT_NONE
#define DIRECT_TRANSPOSE DIRECT_NONE
#define DIRECT_WEIGHT_GRAD DIRECT_NONE
#define T int64_t
#define SFX i64
#define DT CT_INT64
#include "kernels/cpu/conv_tmpl.h"
#define DIRECT_FORWARD ct__conv_direct_forward
#define DIRECT_TRANSPOSE(a, out, weight, bias, in, work) (!(bias) && ct__conv_direct_transpose(a, out, weight, in, work))
#define DIRECT_WEIGHT_GRAD ct__conv_direct_weight_grad
#define T float
#define SFX f32
#define DT CT_FLOAT32
#include "kernels/cpu/conv_tmpl.h"
#define DIRECT_FORWARD DIRECT_NONE
#define DIRECT_TRANSPOSE DIRECT_NONE
#define DIRECT_WEIGHT_GRAD DIRECT_NONE
#define T double
#define SFX f64
#define DT CT_FLOAT64
#include "kernels/cpu/conv_tmpl.h"

// oneDNN's bias gradient (its backward-weights driver, one thread): per channel, plain
// additions from 0 over the images and positions in order. Eight channels at a time, so
// that eight independent sums are in flight.
static void bias_grad_f32(const ct_conv_args *a, const void *out_, void *grad_bias_) {
  const float *out = out_;
  float *grad_bias = grad_bias_;
  const int64_t plane = a->out_size[0] * a->out_size[1], channels = a->out_channels;
  for (int64_t c0 = 0; c0 < channels; c0 += 8) {
    const int64_t n = channels - c0 < 8 ? channels - c0 : 8;
    float sum[8] = {0};
    for (int64_t b = 0; b < a->batch; b++) {
      const float *g = out + (b * channels + c0) * plane;
      for (int64_t p = 0; p < plane; p++)
        for (int64_t t = 0; t < n; t++) sum[t] += g[t * plane + p];
    }
    memcpy(grad_bias + c0, sum, (size_t)n * sizeof(float));
  }
}

const ct_conv_kernels ct__cpu_conv_kernels = {
    .workspace = workspace,
    .forward = DTYPE_ROW_NUMERIC(forward),
    .transpose = DTYPE_ROW_NUMERIC(transpose),
    .weight_grad = DTYPE_ROW_NUMERIC(weight_grad),
    .bias_grad = {[CT_FLOAT32] = bias_grad_f32},
};

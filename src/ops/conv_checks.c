// at::convolution's argument checks (PyTorch 1.13, aten/src/ATen/native/Convolution.cpp):
// the shape rules every backend shares, then the choice of CPU backend and that
// backend's own checks, so each error is the one PyTorch reports for the same call.
#include "core/checked.h"
#include "core/dtype_impl.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ops/conv_internal.h"
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static bool any_below(int n, const int64_t *v, int64_t bound) {
  for (int i = 0; i < n; i++)
    if (v[i] < bound) return true;
  return false;
}

// expand_param_if_needed: a list of one value serves any number of dims, a longer one
// must have one value per dim.
static ct_status check_list_length(const char *name, const int64_t *v, int n, int dims) {
  if (n == 1 || n == dims) return CT_OK;
  char list[96];
  ct__shape_to_str(n, v, list, sizeof list);
  return ct__error(CT_ERR_ARG,
                   "expected %s to be a single integer value or a list of %d values to match the convolution "
                   "dimensions, but got %s=%s",
                   name, dims, name, list);
}

// check_shape_forward's rules for a direct convolution: channels, bias, and the kernel
// extent against the padded input.
static ct_status check_direct_shapes(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                                     const ct__conv_params *p, const char *wsizes, const char *isizes) {
  const int64_t *w = weight->shape;
  int64_t channels;
  if (!ct__mul_ok(w[1], p->groups, &channels)) return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
  if (input->shape[1] != channels)
    return ct__error(CT_ERR_ARG,
                     "Given groups=%lld, weight of size %s, expected input%s to have %lld channels, but got %lld "
                     "channels instead",
                     (long long)p->groups, wsizes, isizes, (long long)channels, (long long)input->shape[1]);
  if (bias && (bias->ndim != 1 || bias->shape[0] != w[0])) {
    char bsizes[64];
    ct__shape_to_str(bias->ndim, bias->shape, bsizes, sizeof bsizes);
    return ct__error(CT_ERR_ARG,
                     "Given weight of size %s, expected bias to be 1-dimensional with %lld elements, but got bias "
                     "of size %s instead",
                     wsizes, (long long)w[0], bsizes);
  }
  const int dims = input->ndim - 2;
  int64_t padded[2], extent[2];
  bool fits = true;
  for (int i = 0; i < dims; i++) {
    const int64_t pad = p->padding[p->spatial == 1 ? 0 : i], dil = p->dilation[p->spatial == 1 ? 0 : i];
    int64_t twice, reach;
    if (!ct__mul_ok(pad, 2, &twice) || !ct__add_ok(input->shape[i + 2], twice, &padded[i]) ||
        !ct__mul_ok(dil, w[i + 2] - 1, &reach) || !ct__add_ok(reach, 1, &extent[i]))
      return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
    fits &= padded[i] >= extent[i];
  }
  if (fits) return CT_OK;
  char in_text[64] = "", k_text[64] = "";
  for (int i = 0; i < dims; i++) {
    const size_t li = strlen(in_text), lk = strlen(k_text);
    snprintf(in_text + li, sizeof in_text - li, "%s%lld", i ? " x " : "", (long long)padded[i]);
    snprintf(k_text + lk, sizeof k_text - lk, "%s%lld", i ? " x " : "", (long long)extent[i]);
  }
  return ct__error(CT_ERR_ARG,
                   "Calculated padded input size per channel: (%s). Kernel size: (%s). Kernel size can't be greater "
                   "than actual input size",
                   in_text, k_text);
}

// check_shape_forward's rules for a transposed convolution: channels and bias.
static ct_status check_transposed_shapes(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                                         const ct__conv_params *p, const char *wsizes, const char *isizes) {
  const int64_t *w = weight->shape;
  if (input->shape[1] != w[0])
    return ct__error(CT_ERR_ARG,
                     "Given transposed=1, weight of size %s, expected input%s to have %lld channels, but got %lld "
                     "channels instead",
                     wsizes, isizes, (long long)w[0], (long long)input->shape[1]);
  int64_t out_channels;
  if (!ct__mul_ok(w[1], p->groups, &out_channels)) return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
  if (bias && (bias->ndim != 1 || bias->shape[0] != out_channels)) {
    char bsizes[64];
    ct__shape_to_str(bias->ndim, bias->shape, bsizes, sizeof bsizes);
    return ct__error(CT_ERR_ARG,
                     "Given transposed=1, weight of size %s, expected bias to be 1-dimensional with %lld elements, "
                     "but got bias of size %s instead",
                     wsizes, (long long)out_channels, bsizes);
  }
  return CT_OK;
}

// check_shape_forward: the rules every backend shares.
static ct_status check_shape_forward(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                                     const ct__conv_params *p) {
  const int n = p->spatial;
  if (any_below(n, p->padding, 0)) return ct__error(CT_ERR_ARG, "negative padding is not supported");
  if (p->transposed && any_below(n, p->output_padding, 0))
    return ct__error(CT_ERR_ARG, "negative output_padding is not supported");
  if (any_below(n, p->stride, 1)) return ct__error(CT_ERR_ARG, "non-positive stride is not supported");
  char wsizes[96], isizes[96];
  ct__shape_to_str(weight->ndim, weight->shape, wsizes, sizeof wsizes);
  ct__shape_to_str(input->ndim, input->shape, isizes, sizeof isizes);
  if (weight->ndim != input->ndim)
    return ct__error(CT_ERR_ARG,
                     "Expected %d-dimensional input for %d-dimensional weight %s, but got %d-dimensional input of "
                     "size %s instead",
                     weight->ndim, weight->ndim, wsizes, input->ndim, isizes);
  const int64_t groups = p->groups, w0 = weight->shape[0];
  if (w0 < groups)
    return ct__error(CT_ERR_ARG,
                     "Given groups=%lld, expected weight to be at least %lld at dimension 0, but got weight of size "
                     "%s instead",
                     (long long)groups, (long long)groups, wsizes);
  if (w0 % groups != 0)
    return ct__error(CT_ERR_ARG,
                     "Given groups=%lld, expected weight to be divisible by %lld at dimension 0, but got weight of "
                     "size [%s] instead",
                     (long long)groups, (long long)groups, wsizes);
  return p->transposed ? check_transposed_shapes(input, weight, bias, p, wsizes, isizes)
                       : check_direct_shapes(input, weight, bias, p, wsizes, isizes);
}

// ---- the backend and its own checks (all on the 2-D view of a 1-D convolution) ----

// A convolution seen as 2-D: sizes of input and weight, and the parameters.
typedef struct view2d {
  int64_t in[4], w[4];
  int64_t stride[2], padding[2], dilation[2], output_padding[2];
} view2d;

static void view_as_2d(const ct_tensor *input, const ct_tensor *weight, const ct__conv_params *p, view2d *v) {
  if (input->ndim == 4) {
    for (int d = 0; d < 4; d++) v->in[d] = input->shape[d], v->w[d] = weight->shape[d];
    for (int d = 0; d < 2; d++) {
      const int s = p->spatial == 1 ? 0 : d;
      v->stride[d] = p->stride[s], v->padding[d] = p->padding[s], v->dilation[d] = p->dilation[s];
      v->output_padding[d] = p->output_padding[s];
    }
    return;
  }
  // PyTorch's view1d_as_2d: a height of 1 with stride 1, padding 0, dilation 1.
  const int64_t in[4] = {input->shape[0], input->shape[1], 1, input->shape[2]};
  const int64_t w[4] = {weight->shape[0], weight->shape[1], 1, weight->shape[2]};
  for (int d = 0; d < 4; d++) v->in[d] = in[d], v->w[d] = w[d];
  v->stride[0] = 1, v->padding[0] = 0, v->dilation[0] = 1, v->output_padding[0] = 0;
  v->stride[1] = p->stride[0], v->padding[1] = p->padding[0], v->dilation[1] = p->dilation[0];
  v->output_padding[1] = p->output_padding[0];
}

// ConvParams::use_mkldnn of PyTorch's CPU build (which never routes a transposed
// convolution to oneDNN).
static bool torch_uses_mkldnn(const view2d *v, ct_dtype dtype, const ct__conv_params *p) {
  if (dtype != CT_FLOAT32 || p->transposed) return false;
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  const bool strided = v->stride[0] != 1 || v->stride[1] != 1;
  const bool dilated = v->dilation[0] != 1 || v->dilation[1] != 1;
  const int64_t n = v->in[0], kh = v->w[2], kw = v->w[3];
  if (!(strided || dilated || n >= 16 || kw != 1 || kh != 1 || threads > 1)) return false;
  return p->groups > 1 || (kw > 3 && kh > 3) || n > 1 || n * v->in[1] * v->in[2] * v->in[3] > 20480;
}

static ct_status dtype_mismatch(ct_dtype expected, ct_dtype found) {
  return ct__error(CT_ERR_ARG, "expected scalar type %s but found %s", ct__scalar_type_name(expected),
                   ct__scalar_type_name(found));
}

static ct_status not_implemented(const char *kernel, ct_dtype dtype) {
  return ct__error(CT_ERR_ARG, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(dtype));
}

static ct_status check_mkldnn(const view2d *v, ct_dtype in, const ct_tensor *weight, const ct_tensor *bias) {
  if (weight->dtype != in)
    return ct__error(CT_ERR_ARG,
                     "Input type (%s) and weight type (%s) should be the same or input should be a MKLDNN tensor "
                     "and weight is a dense tensor",
                     ct__tensor_to_string(in), ct__tensor_to_string(weight->dtype));
  if (bias && bias->dtype != in)
    return ct__error(CT_ERR_ARG,
                     "Input type (%s) and bias type (%s) should be the same or input should be a MKLDNN tensor and "
                     "bias is a dense tensor",
                     ct__tensor_to_string(in), ct__tensor_to_string(bias->dtype));
  if (any_below(2, v->dilation, 1)) return ct__error(CT_ERR_ARG, "non-positive dilation is not supported");
  if (v->w[2] <= 0 || v->w[3] <= 0)
    return ct__error(CT_ERR_ARG, "could not create a descriptor for a dilated convolution forward propagation "
                                 "primitive");
  return CT_OK;
}

static ct_status check_slow_2d(const view2d *v, ct_dtype in, const ct_tensor *weight) {
  if (v->w[2] <= 0 || v->w[3] <= 0)
    return ct__error(CT_ERR_ARG, "kernel size should be greater than zero, but got kernel_height: %lld kernel_width: %lld",
                     (long long)v->w[2], (long long)v->w[3]);
  if (in == CT_BOOL) return not_implemented("slow_conv2d_cpu", in);
  return weight->dtype != in ? dtype_mismatch(in, weight->dtype) : CT_OK;
}

static ct_status check_slow_dilated(const view2d *v, ct_dtype in, const ct_tensor *weight) {
  char list[64];
  if (v->w[2] <= 0 || v->w[3] <= 0) {
    ct__shape_to_str(2, v->w + 2, list, sizeof list);
    return ct__error(CT_ERR_ARG, "kernel size should be greater than zero, but got %s", list);
  }
  if (any_below(2, v->dilation, 1)) {
    ct__shape_to_str(2, v->dilation, list, sizeof list);
    return ct__error(CT_ERR_ARG, "dilation should be greater than zero, but got %s", list);
  }
  if (in == CT_BOOL || in == CT_INT32) return not_implemented("slow_conv_dilated<>", in);
  return weight->dtype != in ? dtype_mismatch(in, weight->dtype) : CT_OK;
}

static ct_status check_slow_transpose(const view2d *v, ct_dtype in, const ct_tensor *weight, const ct_tensor *bias,
                                      int64_t groups, const int64_t *out_size) {
  if (v->w[2] <= 0 || v->w[3] <= 0)
    return ct__error(CT_ERR_ARG, "kernel size should be greater than zero, but got kernel_height: %lld kernel_width: %lld",
                     (long long)v->w[2], (long long)v->w[3]);
  if (any_below(2, v->dilation, 1))
    return ct__error(CT_ERR_ARG, "dilation should be greater than zero, but got dilation_height: %lld, dilation_width: %lld",
                     (long long)v->dilation[0], (long long)v->dilation[1]);
  const int64_t *op = v->output_padding, *s = v->stride, *d = v->dilation;
  if (!((op[1] < s[1] || op[1] < d[1]) && (op[0] < s[0] || op[0] < d[0])))
    return ct__error(CT_ERR_ARG,
                     "output padding must be smaller than either stride or dilation, but got output_padding_height: "
                     "%lld output_padding_width: %lld stride_height: %lld stride_width: %lld dilation_height: %lld "
                     "dilation_width: %lld",
                     (long long)op[0], (long long)op[1], (long long)s[0], (long long)s[1], (long long)d[0],
                     (long long)d[1]);
  if (v->w[1] == 0) { // each group's weight is empty
    const int64_t group_weight[4] = {v->w[0] / groups, v->w[1], v->w[2], v->w[3]};
    char text[96];
    ct__shape_to_str(4, group_weight, text, sizeof text);
    return ct__error(CT_ERR_ARG, "non-empty 2D or 4D weight tensor expected, but got: %s", text);
  }
  if (out_size[0] < 1 || out_size[1] < 1)
    return ct__error(CT_ERR_ARG,
                     "Given input size per channel: (%lld x %lld). Calculated output size per channel: (%lld x %lld). "
                     "Output size is too small",
                     (long long)v->in[2], (long long)v->in[3], (long long)out_size[0], (long long)out_size[1]);
  if (in == CT_BOOL || in == CT_INT32) return not_implemented("slow_conv_transpose2d_out_cpu", in);
  if (weight->dtype != in) return dtype_mismatch(in, weight->dtype);
  return bias && bias->dtype != in ? dtype_mismatch(in, bias->dtype) : CT_OK;
}

// The Empty backend's quirks: it reads weight element 0 and views the result to the
// output size.
static ct_status check_empty(const view2d *v, const int64_t *out_shape) {
  if (v->in[1] != 0 && v->w[0] * v->w[1] * v->w[2] * v->w[3] == 0)
    return ct__error(CT_ERR_INDEX, "select(): index 0 out of range for tensor of size [0] at dimension 0");
  for (int d = 0; d < 4; d++)
    if (out_shape[d] < 0) return ct__error(CT_ERR_ARG, "invalid shape dimension %lld", (long long)out_shape[d]);
  return CT_OK;
}

// The output's spatial sizes: the direct formula, or the transposed one.
static ct_status output_size(const view2d *v, bool transposed, int64_t *out) {
  for (int d = 0; d < 2; d++) {
    const int64_t in = v->in[d + 2], k = v->w[d + 2], s = v->stride[d], p = v->padding[d], dil = v->dilation[d];
    int64_t reach, span, twice;
    if (!ct__mul_ok(dil, k - 1, &reach) || !ct__mul_ok(p, 2, &twice))
      return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
    if (transposed) { // (in - 1) * s - 2p + dil (k - 1) + output_padding + 1
      int64_t base, with_pad;
      if (!ct__mul_ok(in - 1, s, &base) || !ct__add_ok(base, reach, &span) ||
          __builtin_sub_overflow(span, twice, &span) || !ct__add_ok(span, v->output_padding[d], &with_pad) ||
          !ct__add_ok(with_pad, 1, &out[d]))
        return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
    } else { // (in + 2p - dil (k - 1) - 1) / s + 1, the numerator >= 0 after the kernel check
      if (!ct__add_ok(in, twice, &span)) return ct__error(CT_ERR_ARG, "convolution: sizes are too large");
      out[d] = (span - reach - 1) / s + 1;
    }
  }
  return CT_OK;
}

ct_status ct__conv_check(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                         const ct__conv_params *p, ct__conv_plan *plan) {
  const int dims = weight->ndim - 2;
  if (dims <= 0) return ct__error(CT_ERR_ARG, "weight should have at least three dimensions");
  if (p->groups <= 0) return ct__error(CT_ERR_ARG, "non-positive groups is not supported");
  const int n = p->spatial;
  if (check_list_length("stride", p->stride, n, dims) != CT_OK ||
      check_list_length("padding", p->padding, n, dims) != CT_OK ||
      check_list_length("dilation", p->dilation, n, dims) != CT_OK ||
      check_list_length("output_padding", p->output_padding, n, dims) != CT_OK)
    return ct_last_status();
  if (check_shape_forward(input, weight, bias, p) != CT_OK) return ct_last_status();

  view2d v;
  view_as_2d(input, weight, p, &v);
  int64_t spatial_out[2];
  if (output_size(&v, p->transposed, spatial_out) != CT_OK) return ct_last_status();
  const int64_t out_channels = p->transposed ? v.w[1] * p->groups : v.w[0];
  const ct_dtype dtype = input->dtype;
  ct_status st;
  if (v.in[0] == 0 || v.in[1] == 0) {
    plan->backend = CT_CONV_EMPTY;
    // A zero-channel direct input gives zero output channels too.
    const int64_t shape[4] = {v.in[0], !p->transposed && v.in[1] == 0 ? 0 : out_channels, spatial_out[0],
                              spatial_out[1]};
    if (check_empty(&v, shape) != CT_OK) return ct_last_status();
    st = weight->dtype != dtype ? dtype_mismatch(dtype, weight->dtype) : CT_OK;
    memcpy(plan->out_shape, shape, sizeof shape);
  } else {
    if (v.in[2] == 0 || v.in[3] == 0) {
      char text[96];
      ct__shape_to_str(4, v.in, text, sizeof text);
      return ct__error(CT_ERR_ARG, "Only zero batch or zero channel inputs are supported, but got input shape: %s",
                       text);
    }
    plan->backend = torch_uses_mkldnn(&v, dtype, p) ? CT_CONV_MKLDNN
                    : p->transposed                ? CT_CONV_SLOW_TRANSPOSE
                    : v.dilation[0] != 1 || v.dilation[1] != 1 ? CT_CONV_SLOW_DILATED
                                                               : CT_CONV_SLOW_2D;
    switch (plan->backend) {
    case CT_CONV_MKLDNN: st = check_mkldnn(&v, dtype, weight, bias); break;
    case CT_CONV_SLOW_2D: st = check_slow_2d(&v, dtype, weight); break;
    case CT_CONV_SLOW_DILATED: st = check_slow_dilated(&v, dtype, weight); break;
    default: st = check_slow_transpose(&v, dtype, weight, bias, p->groups, spatial_out); break;
    }
    const int64_t shape[4] = {v.in[0], out_channels, spatial_out[0], spatial_out[1]};
    memcpy(plan->out_shape, shape, sizeof shape);
  }
  if (st != CT_OK) return st;
  plan->convert_bias = bias && bias->dtype != dtype;
  if (plan->convert_bias && plan->backend == CT_CONV_EMPTY) return dtype_mismatch(dtype, bias->dtype);

  // The output has the input's rank: a 1-D convolution drops the height of 1.
  plan->out_ndim = input->ndim;
  if (input->ndim == 3) plan->out_shape[2] = plan->out_shape[3];
  // The kernels' direct convolution: for a transposed one, `in` is its output.
  ct_conv_args *a = &plan->args;
  a->batch = v.in[0];
  a->groups = p->groups;
  a->exact = plan->backend != CT_CONV_MKLDNN; // oneDNN's order of sums is its own
  a->in_channels = p->transposed ? out_channels : v.in[1];
  a->out_channels = p->transposed ? v.in[1] : out_channels;
  for (int d = 0; d < 2; d++) {
    a->in_size[d] = p->transposed ? spatial_out[d] : v.in[d + 2];
    a->out_size[d] = p->transposed ? v.in[d + 2] : spatial_out[d];
    a->kernel[d] = v.w[d + 2];
    a->stride[d] = v.stride[d], a->padding[d] = v.padding[d], a->dilation[d] = v.dilation[d];
  }
  return CT_OK;
}

// Argument checks, output sizes and layouts shared by the pooling ops (ops/pool_*.c).
#include "core/checked.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ops/pool_internal.h"
#include "ops/view_internal.h"
#include <limits.h>
#include <stdint.h>

static bool fits_int(int64_t v) { return v >= INT_MIN && v <= INT_MAX; }

ct_status ct__pool_window(const int64_t kernel[2], const ct_pool_options *o, bool dilation,
                          ct_pool_window *w) {
  for (int d = 0; d < 2; d++) {
    w->kernel[d] = kernel[d];
    w->stride[d] = o->stride[d] == 0 ? kernel[d] : o->stride[d];
    w->padding[d] = o->padding[d];
    w->dilation[d] = dilation ? o->dilation[d] : 1;
    if (!fits_int(w->kernel[d]) || !fits_int(w->stride[d]) || !fits_int(w->padding[d]) ||
        !fits_int(w->dilation[d]))
      return ct__error(CT_ERR_RUNTIME, "integer out of range");
  }
  return CT_OK;
}

// Floor division (PyTorch's div_rtn) for y != 0.
static int64_t floor_div(int64_t x, int64_t y) {
  int64_t q = x / y;
  if (x % y != 0 && ((x % y < 0) != (y < 0))) q--;
  return q;
}

ct_status ct__pool_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                               bool ceil_mode, int64_t *out) {
  if (stride == 0) return ct__error(CT_ERR_RUNTIME, "stride should not be zero");
  if (pad < 0)
    return ct__error(CT_ERR_RUNTIME, "pad must be non-negative, but got pad: %lld", (long long)pad);
  if (pad > kernel / 2)
    return ct__error(CT_ERR_RUNTIME,
                     "pad should be at most half of kernel size, but got pad=%lld and kernel_size=%lld",
                     (long long)pad, (long long)kernel);
  // in + 2 pad - dilation (kernel - 1) - 1 (+ stride - 1), each step checked (pad is at
  // most kernel / 2, so 2 pad fits).
  int64_t span, numerator, size, last_start;
  bool ok =
      ct__mul_ok(dilation, kernel - 1, &span) && ct__add_ok(in, 2 * pad, &numerator) &&
      !__builtin_sub_overflow(numerator, span, &numerator) && ct__add_ok(numerator, -1, &numerator) &&
      (!ceil_mode || (ct__add_ok(numerator, stride, &numerator) && ct__add_ok(numerator, -1, &numerator))) &&
      !(numerator == INT64_MIN && stride == -1) && ct__add_ok(floor_div(numerator, stride), 1, &size);
  if (!ok) return ct__error(CT_ERR_MEMORY, "pooling output size is too large");
  if (ceil_mode && ct__mul_ok(size - 1, stride, &last_start) && last_start >= in + pad) size--;
  *out = size;
  return CT_OK;
}

ct_status ct__pool2d_output_sizes(const ct_tensor *input, const ct_pool_window *w, bool ceil_mode,
                                  int64_t out[2]) {
  const int nd = input->ndim;
  const int64_t planes = input->shape[nd - 3], h = input->shape[nd - 2], wd = input->shape[nd - 1];
  for (int d = 0; d < 2; d++)
    if (ct__pool_output_size(input->shape[nd - 2 + d], w->kernel[d], w->padding[d], w->stride[d],
                             w->dilation[d], ceil_mode, &out[d]) != CT_OK)
      return ct_last_status();
  if (w->kernel[0] <= 0 || w->kernel[1] <= 0)
    return ct__error(CT_ERR_RUNTIME, "kernel size should be greater than zero, but got kH: %lld kW: %lld",
                     (long long)w->kernel[0], (long long)w->kernel[1]);
  if (w->stride[0] <= 0 || w->stride[1] <= 0)
    return ct__error(CT_ERR_RUNTIME, "stride should be greater than zero, but got dH: %lld dW: %lld",
                     (long long)w->stride[0], (long long)w->stride[1]);
  if (w->dilation[0] <= 0 || w->dilation[1] <= 0)
    return ct__error(CT_ERR_RUNTIME,
                     "dilation should be greater than zero, but got dilationH: %lld dilationW: %lld",
                     (long long)w->dilation[0], (long long)w->dilation[1]);
  // Only the batch dim of a 4-D input may be empty.
  if ((nd != 3 && nd != 4) || (nd == 3 && input->shape[0] == 0) || input->shape[1] == 0 ||
      input->shape[2] == 0 || (nd == 4 && input->shape[3] == 0)) {
    char s[256];
    ct__shape_to_str(nd, input->shape, s, sizeof s);
    return ct__error(
        CT_ERR_RUNTIME,
        "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:%s", s);
  }
  if (out[0] < 1 || out[1] < 1)
    return ct__error(
        CT_ERR_RUNTIME,
        "Given input size: (%lldx%lldx%lld). Calculated output size: (%lldx%lldx%lld). Output size is "
        "too small",
        (long long)planes, (long long)h, (long long)wd, (long long)planes, (long long)out[0],
        (long long)out[1]);
  return CT_OK;
}

ct_status ct__pool_check_dtype(const ct_tensor *t, const char *op, bool int64_ok) {
  if (ct_dtype_is_floating(t->dtype) || (int64_ok && t->dtype == CT_INT64)) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "\"%s%s\" not implemented for '%s'", op,
                   ct__pool_channels_last(t) ? "_channels_last" : "", ct__scalar_type_name(t->dtype));
}

ct_operand ct__pool_operand(const ct_tensor *t) {
  ct_operand op = ct__operand(t);
  if (t->ndim == 3) {
    for (int d = 3; d > 0; d--) {
      op.shape[d] = op.shape[d - 1];
      op.strides[d] = op.strides[d - 1];
    }
    op.shape[0] = 1;
    op.strides[0] = 0;
    op.ndim = 4;
  }
  return op;
}

bool ct__pool_channels_last(const ct_tensor *t) {
  return ct__suggest_format(t->ndim, t->shape, t->strides) == CT__CHANNELS_LAST;
}

ct_tensor *ct__pool_alloc(ct_dtype dtype, int ndim, const int64_t *shape, const ct_tensor *like) {
  if (!ct__pool_channels_last(like)) return ct__alloc(dtype, ndim, shape);
  int64_t strides[4];
  ct__format_strides(CT__CHANNELS_LAST, ndim, shape, strides);
  return ct__alloc_strided(dtype, ndim, shape, strides);
}

ct_pool_options ct_pool_defaults(void) {
  return (ct_pool_options){
      .stride = {0, 0}, .padding = {0, 0}, .dilation = {1, 1}, .ceil_mode = false, .count_include_pad = true};
}

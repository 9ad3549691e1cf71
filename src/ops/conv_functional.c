// F.conv1d, F.conv2d, F.conv_transpose2d: PyTorch 1.13's wrappers around at::convolution
// (conv.c): the device and dtype checks of the wrappers, unbatched inputs (batchify),
// and padding='same' / 'valid' (_convolution_mode), including the zero-padded copy of
// the input that 'same' makes for an even kernel extent.
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/conv.h"
#include "ctorch/creation.h"
#include "ctorch/view.h"
#include "ops/conv_internal.h"
#include "ctorch/device.h"

ct_conv_options ct_conv_defaults(void) {
  return (ct_conv_options){.stride = {1, 1}, .dilation = {1, 1}, .groups = 1, .bias = true};
}

// check_input_same_type_as_parameters' wording for tensors on different devices, then
// the device's backend.
static ct_status check_devices(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias) {
  const ct_storage *d = input->storage;
  if (!ct__same_place(weight->storage, d))
    return ct__error(CT_ERR_ARG, "Input type (%s) and weight type (%s) should be the same", ct__tensor_type_name(input),
                     ct__tensor_type_name(weight));
  if (bias && !ct__same_place(bias->storage, d))
    return ct__error(CT_ERR_ARG, "Input type (%s) and bias type (%s) should be the same", ct__tensor_type_name(input),
                     ct__tensor_type_name(bias));
  return ct__check_device(input);
}

// conv2d's own bias check, which names dtypes as caffe2's TypeMeta does.
static ct_status check_bias_dtype(const ct_tensor *input, const ct_tensor *bias) {
  static const char *const names[CT_NUM_DTYPES] = {
      [CT_BOOL] = "bool", [CT_INT32] = "int", [CT_INT64] = "long int", [CT_FLOAT32] = "float", [CT_FLOAT64] = "double"};
  if (!bias || bias->dtype == input->dtype) return CT_OK;
  return ct__error(CT_ERR_ARG, "Input type (%s) and bias type (%s) should be the same", names[input->dtype],
                   names[bias->dtype]);
}

// ---- padding='same' ----

// ConstantPadNdBackward0: the gradient of the input is the gradient's leading block.
static ct_status pad_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const ct_input_meta *in = &node->inputs[0];
  if (ct__create_graph()) { // recorded: the block as narrowed views
    ct_tensor *g = grad;
    for (int d = 2; g && d < in->ndim; d++) g = ct_narrow(g, d, 0, in->shape[d]);
    grad_in[0] = g;
    return g ? CT_OK : ct_last_status();
  }
  ct_tensor *block = ct__make_view(grad, in->ndim, in->shape, grad->strides, grad->offset);
  grad_in[0] = block ? ct__copy_as(block, grad->dtype) : NULL;
  ct__drop(block);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// constant_pad_nd(x, pad) with zeros: `extra[i]` zeros after the end of spatial dim i.
static ct_tensor *pad_end(ct_tensor *x, const int64_t *extra) {
  int64_t shape[CT_MAX_DIMS];
  for (int d = 0; d < x->ndim; d++) shape[d] = x->shape[d] + (d >= 2 ? extra[d - 2] : 0);
  ct_tensor *out = ct_new_zeros(x, x->ndim, shape, x->dtype);
  ct_tensor *inner = out ? ct__make_view(out, x->ndim, x->shape, out->strides, 0) : NULL;
  const ct_status st = inner ? ct__copy_into(inner, x) : ct_last_status();
  ct__drop(inner);
  if (st == CT_OK && ct__record(out, "ConstantPadNdBackward0", pad_backward, 1, &x, 0, NULL, NULL) == CT_OK)
    return out;
  ct__drop(out);
  return NULL;
}

// _convolution_same: padding that keeps the size (stride 1). An odd total padding
// d * (k - 1) goes one more at the end, by padding the input first.
static ct_tensor *conv_same(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct__conv_params p) {
  if (weight->ndim <= 2) return ct__error_null(CT_ERR_ARG, "weight should have at least three dimensions");
  if (weight->ndim != input->ndim) {
    char w[96], in[96];
    ct__shape_to_str(weight->ndim, weight->shape, w, sizeof w);
    ct__shape_to_str(input->ndim, input->shape, in, sizeof in);
    return ct__error_null(CT_ERR_ARG,
                          "Expected %d-dimensional input for %d-dimensional weight%s, but got %d-dimensional input of "
                          "size %s instead",
                          weight->ndim, weight->ndim, w, input->ndim, in);
  }
  for (int i = 0; i < p.spatial; i++)
    if (p.stride[i] != 1)
      return ct__error_null(CT_ERR_ARG, "padding='same' is not supported for strided convolutions");
  int64_t extra[2] = {0, 0};
  bool symmetric = true;
  for (int i = 0; i < p.spatial; i++) {
    int64_t total;
    if (!ct__mul_ok(p.dilation[i], weight->shape[i + 2] - 1, &total))
      return ct__error_null(CT_ERR_ARG, "convolution: sizes are too large");
    const int64_t before = total / 2, after = total - total / 2; // C++'s truncating division, as PyTorch
    p.padding[i] = before;
    if (before != after) {
      symmetric = false;
      extra[i] = after - before;
      // A negative total (negative dilation) would crop; the convolution then refuses the
      // negative padding that remains.
      if (extra[i] < 0) p.padding[i] = after;
    }
  }
  if (symmetric || extra[0] < 0 || extra[1] < 0) return ct__convolution(input, weight, bias, &p);
  ct_tensor *padded = pad_end(input, extra);
  ct_tensor *out = padded ? ct__convolution(padded, weight, bias, &p) : NULL;
  ct__drop(padded);
  return out;
}

// ---- the wrappers ----

// Common path: devices, conv2d's bias check, batchify, the padding mode, and the
// unbatched result. `name` is the function PyTorch names in its rank error.
static ct_tensor *conv_entry(const char *name, int spatial, bool transposed, bool bias_check, ct_tensor *input,
                             ct_tensor *weight, ct_tensor *bias, const ct_conv_options *o) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(weight);
  if (check_devices(input, weight, bias) != CT_OK) return NULL;
  if (transposed && o->padding_mode != CT_PADDING_EXPLICIT)
    return ct__error_null(CT_ERR_ARG, "%s(): argument 'padding' must be tuple of ints, not str", name);
  if (bias_check && o->padding_mode == CT_PADDING_EXPLICIT && check_bias_dtype(input, bias) != CT_OK) return NULL;
  if (input->ndim != spatial + 1 && input->ndim != spatial + 2) {
    char sizes[96];
    ct__shape_to_str(input->ndim, input->shape, sizes, sizeof sizes);
    return ct__error_null(CT_ERR_ARG, "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s",
                          spatial + 1, spatial + 2, name, sizes);
  }
  ct__conv_params p = {.spatial = spatial, .transposed = transposed, .groups = o->groups};
  for (int i = 0; i < 2; i++) {
    const int s = spatial == 1 ? 0 : i;
    p.stride[i] = o->stride[s];
    p.padding[i] = o->padding_mode == CT_PADDING_EXPLICIT ? o->padding[s] : 0;
    p.dilation[i] = o->dilation[s];
    p.output_padding[i] = transposed ? o->output_padding[s] : 0;
  }
  const bool batched = input->ndim == spatial + 2;
  ct_tensor *x = batched ? input : ct_unsqueeze(input, 0);
  ct_tensor *out = !x                                        ? NULL
                   : o->padding_mode == CT_PADDING_SAME ? conv_same(x, weight, bias, p)
                                                        : ct__convolution(x, weight, bias, &p);
  if (!batched) {
    ct__drop(x);
    ct_tensor *squeezed = out ? ct_squeeze_dim(out, 0) : NULL;
    ct__drop(out);
    out = squeezed;
  }
  return out;
}

ct_tensor *ct_conv1d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o) {
  return conv_entry("conv1d", 1, false, false, input, weight, bias, &o);
}

ct_tensor *ct_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o) {
  return conv_entry("conv2d", 2, false, true, input, weight, bias, &o);
}

ct_tensor *ct_conv_transpose2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, ct_conv_options o) {
  return conv_entry("conv_transpose2d", 2, true, false, input, weight, bias, &o);
}

// Convolution layers: Conv1d, Conv2d, ConvTranspose2d (torch/nn/modules/conv.py), with
// _ConvNd's argument checks, reset_parameters' draws and extra_repr.
#include <math.h>
#include <stdio.h>
#include "core/error_impl.h"
#include "ctorch/conv.h"
#include "ctorch/creation.h"
#include "ctorch/init.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

typedef struct conv_module {
  ct_module base;
  int spatial; // 1 or 2: how many entries of each pair are used
  bool transposed;
  int64_t in_channels, out_channels, kernel[2];
  ct_conv_options o;
  ct_tensor *weight, *bias; // borrowed from the registry; bias NULL without one
} conv_module;

static ct_tensor *conv1d_forward(ct_module *self, ct_tensor *x) {
  conv_module *m = (conv_module *)self;
  return ct_conv1d(x, m->weight, m->bias, m->o);
}
static ct_tensor *conv2d_forward(ct_module *self, ct_tensor *x) {
  conv_module *m = (conv_module *)self;
  return ct_conv2d(x, m->weight, m->bias, m->o);
}
static ct_tensor *conv_transpose2d_forward(ct_module *self, ct_tensor *x) {
  conv_module *m = (conv_module *)self;
  return ct_conv_transpose2d(x, m->weight, m->bias, m->o);
}

// Appends ", <name>=<tuple>" (Python's tuple repr: "(3,)" or "(3, 3)") to buf at *len.
static void append_tuple(char *buf, size_t cap, size_t *len, const char *name, int n, const int64_t *v) {
  int w = n == 1 ? snprintf(buf + *len, cap - *len, "%s=(%lld,)", name, (long long)v[0])
                 : snprintf(buf + *len, cap - *len, "%s=(%lld, %lld)", name, (long long)v[0], (long long)v[1]);
  if (w > 0) *len = *len + (size_t)w < cap ? *len + (size_t)w : cap - 1;
}

static bool all_equal(int n, const int64_t *v, int64_t value) {
  for (int i = 0; i < n; i++)
    if (v[i] != value) return false;
  return true;
}

// _ConvNd.extra_repr: sizes and stride always, the rest when not PyTorch's default.
static void conv_repr(const ct_module *self, char *buf, size_t cap) {
  const conv_module *m = (const conv_module *)self;
  const ct_conv_options *o = &m->o;
  const int n = m->spatial;
  int w = snprintf(buf, cap, "%lld, %lld, ", (long long)m->in_channels, (long long)m->out_channels);
  size_t len = w > 0 && (size_t)w < cap ? (size_t)w : 0;
  append_tuple(buf, cap, &len, "kernel_size", n, m->kernel);
  append_tuple(buf, cap, &len, ", stride", n, o->stride);
  if (o->padding_mode != CT_PADDING_EXPLICIT) {
    w = snprintf(buf + len, cap - len, ", padding=%s", o->padding_mode == CT_PADDING_SAME ? "same" : "valid");
    if (w > 0) len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;
  } else if (!all_equal(n, o->padding, 0)) {
    append_tuple(buf, cap, &len, ", padding", n, o->padding);
  }
  if (!all_equal(n, o->dilation, 1)) append_tuple(buf, cap, &len, ", dilation", n, o->dilation);
  if (m->transposed && !all_equal(n, o->output_padding, 0))
    append_tuple(buf, cap, &len, ", output_padding", n, o->output_padding);
  if (o->groups != 1) {
    w = snprintf(buf + len, cap - len, ", groups=%lld", (long long)o->groups);
    if (w > 0) len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;
  }
  if (!m->bias) snprintf(buf + len, cap - len, ", bias=False");
}

static const ct_module_vtable conv1d_vtable = {"Conv1d", conv1d_forward, conv_repr, NULL};
static const ct_module_vtable conv2d_vtable = {"Conv2d", conv2d_forward, conv_repr, NULL};
static const ct_module_vtable conv_transpose2d_vtable = {"ConvTranspose2d", conv_transpose2d_forward, conv_repr,
                                                         NULL};

// _ConvNd.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), then the bias from
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) unless fan_in is 0 (PyTorch then leaves it as made).
static ct_status reset_parameters(ct_tensor *weight, ct_tensor *bias) {
  if (!ct_init_kaiming_uniform_(weight, sqrt(5.0), "fan_in", "leaky_relu")) return ct_last_status();
  int64_t fan_in;
  ct_status st = ct_init_calculate_fan_in_and_fan_out(weight, &fan_in, NULL);
  if (st != CT_OK || !bias || fan_in == 0) return st;
  const double bound = 1 / sqrt((double)fan_in);
  return ct_init_uniform_(bias, -bound, bound) ? CT_OK : ct_last_status();
}

// _ConvNd.__init__: argument checks, parameters, initialisation.
static ct_module *conv_new(const ct_module_vtable *vtable, int spatial, bool transposed, int64_t in, int64_t out,
                           const int64_t *kernel, ct_conv_options o) {
  if (o.groups <= 0) return ct__error_null(CT_ERR_ARG, "groups must be a positive integer");
  if (in % o.groups != 0) return ct__error_null(CT_ERR_ARG, "in_channels must be divisible by groups");
  if (out % o.groups != 0) return ct__error_null(CT_ERR_ARG, "out_channels must be divisible by groups");
  if (transposed && o.padding_mode != CT_PADDING_EXPLICIT) // refused when the layer is made, not when called
    return ct__error_null(CT_ERR_ARG, "conv_transpose2d(): argument 'padding' must be tuple of ints, not str");
  if (o.padding_mode == CT_PADDING_SAME && !all_equal(spatial, o.stride, 1))
    return ct__error_null(CT_ERR_ARG, "padding='same' is not supported for strided convolutions");
  if (!transposed) o.output_padding[0] = o.output_padding[1] = 0;
  if (spatial == 1) { // the unused second entries mirror the first, for one-entry tuples
    o.stride[1] = o.stride[0], o.padding[1] = o.padding[0], o.dilation[1] = o.dilation[0];
    o.output_padding[1] = o.output_padding[0];
  }
  conv_module *m = ct_module_new(sizeof *m, vtable);
  if (!m) return NULL;
  m->spatial = spatial;
  m->transposed = transposed;
  m->in_channels = in, m->out_channels = out;
  m->kernel[0] = kernel[0], m->kernel[1] = spatial == 2 ? kernel[1] : kernel[0];
  m->o = o;
  // Python's floor division: exact here, as groups divides both.
  const int64_t rows = transposed ? in : out, cols = (transposed ? out : in) / o.groups;
  const int64_t shape[4] = {rows, cols, kernel[0], spatial == 2 ? kernel[1] : 0};
  m->weight = ct__module_new_parameter(&m->base, "weight", spatial + 2, shape, CT_FLOAT32);
  if (m->weight && o.bias) m->bias = ct__module_new_parameter(&m->base, "bias", 1, &out, CT_FLOAT32);
  if (!m->weight || (o.bias && !m->bias) || reset_parameters(m->weight, m->bias) != CT_OK) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_module *ct_conv1d_new(int64_t in_channels, int64_t out_channels, int64_t kernel_size, ct_conv_options o) {
  return conv_new(&conv1d_vtable, 1, false, in_channels, out_channels, &kernel_size, o);
}

ct_module *ct_conv2d_new(int64_t in_channels, int64_t out_channels, const int64_t kernel_size[2], ct_conv_options o) {
  if (!kernel_size) return ct__error_null(CT_ERR_ARG, "conv2d: kernel_size is NULL");
  return conv_new(&conv2d_vtable, 2, false, in_channels, out_channels, kernel_size, o);
}

ct_module *ct_conv_transpose2d_new(int64_t in, int64_t out, const int64_t kernel_size[2], ct_conv_options o) {
  if (!kernel_size) return ct__error_null(CT_ERR_ARG, "conv_transpose2d: kernel_size is NULL");
  return conv_new(&conv_transpose2d_vtable, 2, true, in, out, kernel_size, o);
}

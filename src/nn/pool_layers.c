// Pooling modules: MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d. Each forward is
// one functional op (ops/pool_*.c). A pair whose two values are equal prints as one int,
// as PyTorch prints a module built from an int (MaxPool2d(2)).
#include "core/error_impl.h"
#include "ctorch/conv.h"
#include "nn/module_impl.h"
#include "ops/pool_internal.h"
#include <stdio.h>

typedef struct pool_module {
  ct_module base;
  int64_t size[2]; // the kernel, or AdaptiveAvgPool2d's output size
  ct_pool_options o;
} pool_module;

#define POOL(self) ((const pool_module *)(self))

static ct_tensor *max_pool1d_forward(ct_module *self, ct_tensor *x) {
  return ct_max_pool1d(x, POOL(self)->size[0], POOL(self)->o);
}
static ct_tensor *max_pool2d_forward(ct_module *self, ct_tensor *x) {
  return ct_max_pool2d(x, POOL(self)->size, POOL(self)->o);
}
static ct_tensor *avg_pool2d_forward(ct_module *self, ct_tensor *x) {
  return ct_avg_pool2d(x, POOL(self)->size, POOL(self)->o);
}
static ct_tensor *adaptive_avg_pool2d_forward(ct_module *self, ct_tensor *x) {
  const int64_t *size = POOL(self)->size;
  return ct__adaptive_avg_pool2d(x, size, size[0] != size[1]);
}

// "2" or "(2, 3)".
static const char *pair_str(const int64_t v[2], char *buf, size_t cap) {
  if (v[0] == v[1])
    snprintf(buf, cap, "%lld", (long long)v[0]);
  else
    snprintf(buf, cap, "(%lld, %lld)", (long long)v[0], (long long)v[1]);
  return buf;
}

// The stride in use: as given, or the kernel where 0 (PyTorch's stride=None).
static void stride_of(const pool_module *m, int64_t stride[2]) {
  for (int d = 0; d < 2; d++)
    stride[d] = m->o.stride[d] == 0 ? m->size[d] : m->o.stride[d];
}

static void max_pool1d_repr(const ct_module *self, char *buf, size_t cap) {
  const pool_module *m = POOL(self);
  snprintf(buf, cap, "kernel_size=%lld, stride=%lld, padding=%lld, dilation=%lld, ceil_mode=%s",
           (long long)m->size[0], (long long)(m->o.stride[0] == 0 ? m->size[0] : m->o.stride[0]),
           (long long)m->o.padding[0], (long long)m->o.dilation[0], m->o.ceil_mode ? "True" : "False");
}

static void max_pool2d_repr(const ct_module *self, char *buf, size_t cap) {
  const pool_module *m = POOL(self);
  int64_t stride[2];
  stride_of(m, stride);
  char k[48], s[48], p[48], d[48];
  snprintf(buf, cap, "kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s",
           pair_str(m->size, k, sizeof k), pair_str(stride, s, sizeof s), pair_str(m->o.padding, p, sizeof p),
           pair_str(m->o.dilation, d, sizeof d), m->o.ceil_mode ? "True" : "False");
}

static void avg_pool2d_repr(const ct_module *self, char *buf, size_t cap) {
  const pool_module *m = POOL(self);
  int64_t stride[2];
  stride_of(m, stride);
  char k[48], s[48], p[48];
  snprintf(buf, cap, "kernel_size=%s, stride=%s, padding=%s", pair_str(m->size, k, sizeof k),
           pair_str(stride, s, sizeof s), pair_str(m->o.padding, p, sizeof p));
}

static void adaptive_avg_pool2d_repr(const ct_module *self, char *buf, size_t cap) {
  char size[48];
  snprintf(buf, cap, "output_size=%s", pair_str(POOL(self)->size, size, sizeof size));
}

static const ct_module_vtable max_pool1d_vt = {"MaxPool1d", max_pool1d_forward, max_pool1d_repr, NULL};
static const ct_module_vtable max_pool2d_vt = {"MaxPool2d", max_pool2d_forward, max_pool2d_repr, NULL};
static const ct_module_vtable avg_pool2d_vt = {"AvgPool2d", avg_pool2d_forward, avg_pool2d_repr, NULL};
static const ct_module_vtable adaptive_avg_pool2d_vt = {"AdaptiveAvgPool2d", adaptive_avg_pool2d_forward,
                                                        adaptive_avg_pool2d_repr, NULL};

static ct_module *pool_module_new(const ct_module_vtable *vt, const int64_t size[2], const char *what,
                                  ct_pool_options o) {
  if (!size) return ct__error_null(CT_ERR_ARG, "%s: %s is NULL", vt->name, what);
  pool_module *m = ct_module_new(sizeof *m, vt);
  if (!m) return NULL;
  m->size[0] = size[0];
  m->size[1] = size[1];
  m->o = o;
  return &m->base;
}

ct_module *ct_max_pool1d_new(int64_t kernel, ct_pool_options o) {
  return pool_module_new(&max_pool1d_vt, (int64_t[]){kernel, kernel}, "kernel_size", o);
}
ct_module *ct_max_pool2d_new(const int64_t kernel[2], ct_pool_options o) {
  return pool_module_new(&max_pool2d_vt, kernel, "kernel_size", o);
}
ct_module *ct_avg_pool2d_new(const int64_t kernel[2], ct_pool_options o) {
  return pool_module_new(&avg_pool2d_vt, kernel, "kernel_size", o);
}
ct_module *ct_adaptive_avg_pool2d_new(const int64_t output_size[2]) {
  return pool_module_new(&adaptive_avg_pool2d_vt, output_size, "output_size", ct_pool_defaults());
}

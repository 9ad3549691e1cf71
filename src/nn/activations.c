// Stateless activation and utility modules: each forward is one functional op.
#include <stdio.h>
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "core/tensor_impl.h"
#include "nn/module_impl.h"

// Modules carrying one scalar or two dims of configuration.
typedef struct configured_module {
  ct_module base;
  double scalar;
  int dims[2];
} configured_module;

#define CONFIG(self) ((const configured_module *)(self))

static ct_tensor *relu_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_relu(x); }
static ct_tensor *sigmoid_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_sigmoid(x); }
static ct_tensor *tanh_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_tanh(x); }
static ct_tensor *gelu_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_gelu(x); }
// nn.Identity returns its input itself (a new reference for the caller's scope).
static ct_tensor *identity_forward(ct_module *self, ct_tensor *x) {
  (void)self;
  return ct__register(ct_retain(x));
}
static ct_tensor *leaky_forward(ct_module *self, ct_tensor *x) { return ct_leaky_relu(x, CONFIG(self)->scalar); }
static ct_tensor *softmax_forward(ct_module *self, ct_tensor *x) { return ct_softmax(x, CONFIG(self)->dims[0]); }
static ct_tensor *log_softmax_forward(ct_module *self, ct_tensor *x) { return ct_log_softmax(x, CONFIG(self)->dims[0]); }
// torch.flatten returns its input itself when start and end name the same dim.
static ct_tensor *flatten_forward(ct_module *self, ct_tensor *x) {
  CT_CHECK_NULL(x);
  int start = CONFIG(self)->dims[0], end = CONFIG(self)->dims[1], n = x->ndim;
  if (n > 0 && start >= -n && start < n && end >= -n && end < n && (start + n) % n == (end + n) % n)
    return ct__register(ct_retain(x));
  return ct_flatten(x, start, end);
}

static void leaky_repr(const ct_module *self, char *buf, size_t cap) {
  char slope[32];
  ct_format_float(CONFIG(self)->scalar, slope, sizeof slope); // Python's str(float): 0.01, 1.0, 1e-05
  snprintf(buf, cap, "negative_slope=%s", slope);
}
static void dim_repr(const ct_module *self, char *buf, size_t cap) { snprintf(buf, cap, "dim=%d", CONFIG(self)->dims[0]); }
static void flatten_repr(const ct_module *self, char *buf, size_t cap) {
  snprintf(buf, cap, "start_dim=%d, end_dim=%d", CONFIG(self)->dims[0], CONFIG(self)->dims[1]);
}
static void gelu_repr(const ct_module *self, char *buf, size_t cap) {
  (void)self;
  snprintf(buf, cap, "approximate='none'");
}

static const ct_module_vtable relu_vt = {"ReLU", relu_forward, NULL, NULL};
static const ct_module_vtable sigmoid_vt = {"Sigmoid", sigmoid_forward, NULL, NULL};
static const ct_module_vtable tanh_vt = {"Tanh", tanh_forward, NULL, NULL};
static const ct_module_vtable gelu_vt = {"GELU", gelu_forward, gelu_repr, NULL};
static const ct_module_vtable identity_vt = {"Identity", identity_forward, NULL, NULL};
static const ct_module_vtable leaky_vt = {"LeakyReLU", leaky_forward, leaky_repr, NULL};
static const ct_module_vtable softmax_vt = {"Softmax", softmax_forward, dim_repr, NULL};
static const ct_module_vtable log_softmax_vt = {"LogSoftmax", log_softmax_forward, dim_repr, NULL};
static const ct_module_vtable flatten_vt = {"Flatten", flatten_forward, flatten_repr, NULL};

static ct_module *configured(const ct_module_vtable *vt, double scalar, int dim0, int dim1) {
  configured_module *m = ct_module_new(sizeof *m, vt);
  if (!m) return NULL;
  m->scalar = scalar;
  m->dims[0] = dim0;
  m->dims[1] = dim1;
  return &m->base;
}

ct_module *ct_relu_new(void) { return ct__simple_module_new(&relu_vt); }
ct_module *ct_sigmoid_new(void) { return ct__simple_module_new(&sigmoid_vt); }
ct_module *ct_tanh_new(void) { return ct__simple_module_new(&tanh_vt); }
ct_module *ct_gelu_new(void) { return ct__simple_module_new(&gelu_vt); }
ct_module *ct_identity_new(void) { return ct__simple_module_new(&identity_vt); }
ct_module *ct_leaky_relu_new(double negative_slope) { return configured(&leaky_vt, negative_slope, 0, 0); }
ct_module *ct_softmax_new(int dim) { return configured(&softmax_vt, 0, dim, 0); }
ct_module *ct_log_softmax_new(int dim) { return configured(&log_softmax_vt, 0, dim, 0); }
ct_module *ct_flatten_new(int start_dim, int end_dim) { return configured(&flatten_vt, 0, start_dim, end_dim); }

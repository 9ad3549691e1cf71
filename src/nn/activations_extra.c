// Activation modules SiLU, Mish, ELU, Hardtanh and Softplus: each forward is one
// functional op with the module's configuration, each repr PyTorch's extra_repr.
#include <math.h>
#include <stdio.h>
#include "core/error_impl.h"
#include "ctorch/nn_extra.h"
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "nn/module_impl.h"

// Up to two numbers of configuration (alpha; min/max; beta/threshold).
typedef struct activation_module {
  ct_module base;
  double a, b;
} activation_module;

#define ACT(self) ((const activation_module *)(self))

static ct_tensor *silu_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_silu(x); }
static ct_tensor *mish_forward(ct_module *self, ct_tensor *x) { (void)self; return ct_mish(x); }
static ct_tensor *elu_forward(ct_module *self, ct_tensor *x) { return ct_elu(x, ACT(self)->a); }
static ct_tensor *hardtanh_forward(ct_module *self, ct_tensor *x) { return ct_hardtanh(x, ACT(self)->a, ACT(self)->b); }
static ct_tensor *softplus_forward(ct_module *self, ct_tensor *x) { return ct_softplus(x, ACT(self)->a, ACT(self)->b); }

// Python's str() of a float (1.0, 0.01, 1e-05); integral values as ints when `int_when_integral`
// (PyTorch's int defaults, Softplus(beta=1, threshold=20)).
static const char *python_number(double v, bool int_when_integral, char *buf, size_t cap) {
  if (int_when_integral && isfinite(v) && v == floor(v) && fabs(v) < 1e15) snprintf(buf, cap, "%.0f", v);
  else ct_format_float(v, buf, cap);
  return buf;
}

static void elu_repr(const ct_module *self, char *buf, size_t cap) {
  char a[32];
  snprintf(buf, cap, "alpha=%s", python_number(ACT(self)->a, false, a, sizeof a));
}
static void hardtanh_repr(const ct_module *self, char *buf, size_t cap) {
  char a[32], b[32];
  snprintf(buf, cap, "min_val=%s, max_val=%s", python_number(ACT(self)->a, false, a, sizeof a),
           python_number(ACT(self)->b, false, b, sizeof b));
}
static void softplus_repr(const ct_module *self, char *buf, size_t cap) {
  char a[32], b[32];
  snprintf(buf, cap, "beta=%s, threshold=%s", python_number(ACT(self)->a, true, a, sizeof a),
           python_number(ACT(self)->b, true, b, sizeof b));
}

static const ct_module_vtable silu_vt = {"SiLU", silu_forward, NULL, NULL};
static const ct_module_vtable mish_vt = {"Mish", mish_forward, NULL, NULL};
static const ct_module_vtable elu_vt = {"ELU", elu_forward, elu_repr, NULL};
static const ct_module_vtable hardtanh_vt = {"Hardtanh", hardtanh_forward, hardtanh_repr, NULL};
static const ct_module_vtable softplus_vt = {"Softplus", softplus_forward, softplus_repr, NULL};

static ct_module *activation_new(const ct_module_vtable *vt, double a, double b) {
  activation_module *m = ct_module_new(sizeof *m, vt);
  if (!m) return NULL;
  m->a = a;
  m->b = b;
  return &m->base;
}

ct_module *ct_silu_new(void) { return ct__simple_module_new(&silu_vt); }
ct_module *ct_mish_new(void) { return ct__simple_module_new(&mish_vt); }
ct_module *ct_elu_new(double alpha) { return activation_new(&elu_vt, alpha, 0); }
ct_module *ct_softplus_new(double beta, double threshold) { return activation_new(&softplus_vt, beta, threshold); }
// PyTorch's `assert self.max_val > self.min_val` (an AssertionError without a message).
ct_module *ct_hardtanh_new(double min_val, double max_val) {
  if (!(max_val > min_val))
    return ct__error_null(CT_ERR_ARG, "AssertionError: Hardtanh: max_val (%g) must be greater than min_val (%g)",
                          max_val, min_val);
  return activation_new(&hardtanh_vt, min_val, max_val);
}

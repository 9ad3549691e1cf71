// Normalisation and channel-dropout layers: BatchNorm1d/2d (running statistics as
// buffers), LayerNorm, GroupNorm, Dropout2d. Each forward is its functional op
// (ctorch/norm.h); parameters and buffers are float32, made as PyTorch's reset_parameters
// makes them (weight ones, bias zeros, running_mean zeros, running_var ones).
#include <stdio.h>
#include <string.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/norm.h"
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

// Registers a new tensor of `dtype` filled with `value` as a parameter or a (persistent)
// buffer. It is made in a scope of its own, so the module holds its only reference.
static ct_tensor *add_state(ct_module *m, const char *name, int ndim, const int64_t *shape, ct_dtype dtype,
                            double value, bool parameter) {
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *t = ct_full(ndim, shape, value, dtype);
  t = parameter ? ct_module_register_parameter(m, name, t) : ct_module_register_buffer(m, name, t, true);
  ct_scope_close(s);
  return t;
}

// ---- BatchNorm1d / BatchNorm2d ----

typedef struct batch_norm_module {
  ct_module base;
  bool two_d;                                            // BatchNorm2d: 4-D input; 1d: 2-D or 3-D
  int64_t num_features;
  ct_batch_norm_options o;
  ct_tensor *weight, *bias;                              // NULL without affine
  ct_tensor *running_mean, *running_var, *num_batches_tracked; // NULL without tracking
} batch_norm_module;

ct_batch_norm_options ct_batch_norm_defaults(void) {
  return (ct_batch_norm_options){.eps = 1e-5, .momentum = 0.1, .affine = true, .track_running_stats = true};
}

// _BatchNorm.forward: count the batch and pick the update factor (momentum, or the
// cumulative average's 1 / num_batches_tracked), normalise with the batch's statistics in
// training or when there are no running ones, and update the running ones when tracking.
static ct_tensor *batch_norm_forward(ct_module *self, ct_tensor *x) {
  batch_norm_module *m = (batch_norm_module *)self;
  if (m->two_d ? x->ndim != 4 : x->ndim != 2 && x->ndim != 3)
    return ct__error_null(CT_ERR_ARG, "expected %s input (got %dD input)", m->two_d ? "4D" : "2D or 3D", x->ndim);
  double factor = m->o.cumulative_average ? 0.0 : m->o.momentum;
  if (self->training && m->num_batches_tracked) {
    ct_scope *s = ct_scope_open();
    if (!s) return NULL;
    double batches = 0;
    const bool counted = ct_add_(m->num_batches_tracked, ct_scalar(1, CT_INT64)) &&
                         ct_item(m->num_batches_tracked, &batches) == CT_OK;
    ct_scope_close(s);
    if (!counted) return NULL;
    if (m->o.cumulative_average) factor = 1.0 / batches;
  }
  const bool use_batch_stats = self->training || (!m->running_mean && !m->running_var);
  return ct_batch_norm(x, m->running_mean, m->running_var, m->weight, m->bias, use_batch_stats, factor, m->o.eps);
}

static void batch_norm_repr(const ct_module *self, char *buf, size_t cap) {
  const batch_norm_module *m = (const batch_norm_module *)self;
  char eps[32], momentum[32] = "None";
  ct_format_float(m->o.eps, eps, sizeof eps);
  if (!m->o.cumulative_average) ct_format_float(m->o.momentum, momentum, sizeof momentum);
  snprintf(buf, cap, "%lld, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", (long long)m->num_features, eps,
           momentum, m->o.affine ? "True" : "False", m->o.track_running_stats ? "True" : "False");
}

static const ct_module_vtable batch_norm1d_vtable = {"BatchNorm1d", batch_norm_forward, batch_norm_repr, NULL};
static const ct_module_vtable batch_norm2d_vtable = {"BatchNorm2d", batch_norm_forward, batch_norm_repr, NULL};

static ct_module *batch_norm_new(const ct_module_vtable *vt, int64_t num_features, ct_batch_norm_options o) {
  batch_norm_module *m = ct_module_new(sizeof *m, vt);
  if (!m) return NULL;
  m->two_d = vt == &batch_norm2d_vtable;
  m->num_features = num_features;
  m->o = o;
  const int64_t *c = &num_features;
  bool ok = true;
  if (o.affine) {
    ok = (m->weight = add_state(&m->base, "weight", 1, c, CT_FLOAT32, 1, true)) &&
         (m->bias = add_state(&m->base, "bias", 1, c, CT_FLOAT32, 0, true));
  }
  if (ok && o.track_running_stats) {
    ok = (m->running_mean = add_state(&m->base, "running_mean", 1, c, CT_FLOAT32, 0, false)) &&
         (m->running_var = add_state(&m->base, "running_var", 1, c, CT_FLOAT32, 1, false)) &&
         (m->num_batches_tracked = add_state(&m->base, "num_batches_tracked", 0, NULL, CT_INT64, 0, false));
    if (ok) ct__module_mark_legacy_buffer(&m->base, "num_batches_tracked");
  }
  if (!ok) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_module *ct_batch_norm1d_new(int64_t num_features, ct_batch_norm_options o) {
  return batch_norm_new(&batch_norm1d_vtable, num_features, o);
}
ct_module *ct_batch_norm2d_new(int64_t num_features, ct_batch_norm_options o) {
  return batch_norm_new(&batch_norm2d_vtable, num_features, o);
}

// ---- LayerNorm ----

typedef struct layer_norm_module {
  ct_module base;
  int n_dims;
  int64_t shape[CT_MAX_DIMS];
  double eps;
  bool affine;
  ct_tensor *weight, *bias;
} layer_norm_module;

static ct_tensor *layer_norm_forward(ct_module *self, ct_tensor *x) {
  layer_norm_module *m = (layer_norm_module *)self;
  return ct_layer_norm(x, m->n_dims, m->shape, m->weight, m->bias, m->eps);
}

// "(3, 4), eps=1e-05, elementwise_affine=True": normalized_shape as a Python tuple.
static void layer_norm_repr(const ct_module *self, char *buf, size_t cap) {
  const layer_norm_module *m = (const layer_norm_module *)self;
  char shape[256] = "(", eps[32];
  size_t len = 1;
  for (int i = 0; i < m->n_dims && len < sizeof shape; i++)
    len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%lld", i ? ", " : "", (long long)m->shape[i]);
  if (len < sizeof shape) snprintf(shape + len, sizeof shape - len, "%s)", m->n_dims == 1 ? "," : "");
  ct_format_float(m->eps, eps, sizeof eps);
  snprintf(buf, cap, "%s, eps=%s, elementwise_affine=%s", shape, eps, m->affine ? "True" : "False");
}

static const ct_module_vtable layer_norm_vtable = {"LayerNorm", layer_norm_forward, layer_norm_repr, NULL};

ct_module *ct_layer_norm_new(int n_dims, const int64_t *normalized_shape, double eps, bool elementwise_affine) {
  if (n_dims < 0 || n_dims > CT_MAX_DIMS || (n_dims > 0 && !normalized_shape))
    return ct__error_null(CT_ERR_ARG, "LayerNorm: normalized_shape needs 0 to %d sizes, got %d%s", CT_MAX_DIMS, n_dims,
                          n_dims > 0 && !normalized_shape ? " and a NULL array" : "");
  layer_norm_module *m = ct_module_new(sizeof *m, &layer_norm_vtable);
  if (!m) return NULL;
  m->n_dims = n_dims;
  if (n_dims) memcpy(m->shape, normalized_shape, (size_t)n_dims * sizeof *normalized_shape);
  m->eps = eps;
  m->affine = elementwise_affine;
  if (elementwise_affine && (!(m->weight = add_state(&m->base, "weight", n_dims, m->shape, CT_FLOAT32, 1, true)) ||
                             !(m->bias = add_state(&m->base, "bias", n_dims, m->shape, CT_FLOAT32, 0, true)))) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

// ---- GroupNorm ----

typedef struct group_norm_module {
  ct_module base;
  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  ct_tensor *weight, *bias;
} group_norm_module;

static ct_tensor *group_norm_forward(ct_module *self, ct_tensor *x) {
  group_norm_module *m = (group_norm_module *)self;
  return ct_group_norm(x, m->num_groups, m->weight, m->bias, m->eps);
}

static void group_norm_repr(const ct_module *self, char *buf, size_t cap) {
  const group_norm_module *m = (const group_norm_module *)self;
  char eps[32];
  ct_format_float(m->eps, eps, sizeof eps);
  snprintf(buf, cap, "%lld, %lld, eps=%s, affine=%s", (long long)m->num_groups, (long long)m->num_channels, eps,
           m->affine ? "True" : "False");
}

static const ct_module_vtable group_norm_vtable = {"GroupNorm", group_norm_forward, group_norm_repr, NULL};

ct_module *ct_group_norm_new(int64_t num_groups, int64_t num_channels, double eps, bool affine) {
  // Python's num_channels % num_groups (the divisor's sign), as GroupNorm.__init__ checks it.
  if (num_groups == 0) return ct__error_null(CT_ERR_ARG, "integer modulo by zero");
  int64_t rest = num_channels % num_groups;
  if (rest != 0 && (rest < 0) != (num_groups < 0)) rest += num_groups;
  if (rest != 0) return ct__error_null(CT_ERR_ARG, "num_channels must be divisible by num_groups");
  group_norm_module *m = ct_module_new(sizeof *m, &group_norm_vtable);
  if (!m) return NULL;
  m->num_groups = num_groups;
  m->num_channels = num_channels;
  m->eps = eps;
  m->affine = affine;
  if (affine && (!(m->weight = add_state(&m->base, "weight", 1, &num_channels, CT_FLOAT32, 1, true)) ||
                 !(m->bias = add_state(&m->base, "bias", 1, &num_channels, CT_FLOAT32, 0, true)))) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

// ---- Dropout2d ----

typedef struct dropout2d_module {
  ct_module base;
  double p;
} dropout2d_module;

static ct_tensor *dropout2d_forward(ct_module *self, ct_tensor *x) {
  return ct_dropout2d(x, ((dropout2d_module *)self)->p, self->training);
}

static void dropout2d_repr(const ct_module *self, char *buf, size_t cap) {
  char p[32];
  ct_format_float(((const dropout2d_module *)self)->p, p, sizeof p);
  snprintf(buf, cap, "p=%s, inplace=False", p);
}

static const ct_module_vtable dropout2d_vtable = {"Dropout2d", dropout2d_forward, dropout2d_repr, NULL};

ct_module *ct_dropout2d_new(double p) {
  if (!(p >= 0 && p <= 1)) {
    char text[32];
    ct_format_float(p, text, sizeof text);
    return ct__error_null(CT_ERR_ARG, "dropout probability has to be between 0 and 1, but got %s", text);
  }
  dropout2d_module *m = ct_module_new(sizeof *m, &dropout2d_vtable);
  if (m) m->p = p;
  return m ? &m->base : NULL;
}

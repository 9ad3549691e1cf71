// Layers with parameters: Linear, Embedding; and Dropout (draws masks).
#include <stdio.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/init.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/print.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"
#include "ctorch/device.h"

// ---- Linear ----

typedef struct linear_module {
  ct_module base;
  int64_t in_features, out_features;
  ct_tensor *weight, *bias; // borrowed from the registry
} linear_module;

static ct_tensor *linear_forward(ct_module *self, ct_tensor *x) {
  linear_module *m = (linear_module *)self;
  return ct_linear(x, m->weight, m->bias);
}

static void linear_repr(const ct_module *self, char *buf, size_t cap) {
  const linear_module *m = (const linear_module *)self;
  snprintf(buf, cap, "in_features=%lld, out_features=%lld, bias=%s", (long long)m->in_features,
           (long long)m->out_features, m->bias ? "True" : "False");
}

static const ct_module_vtable linear_vtable = {"Linear", linear_forward, linear_repr, NULL};
// MultiheadAttention's out_proj: a Linear under the name PyTorch gives its class.
static const ct_module_vtable nondyn_linear_vtable = {"NonDynamicallyQuantizableLinear", linear_forward,
                                                      linear_repr, NULL};
static bool is_linear(const ct_module *m) {
  return m && (m->vtable == &linear_vtable || m->vtable == &nondyn_linear_vtable);
}

// torch.empty's check on a 2-D parameter shape, with its message.
static bool shape_ok(int64_t rows, int64_t cols) {
  if (rows >= 0 && cols >= 0) return true;
  ct__error(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: [%lld, %lld]",
            (long long)(rows < 0 ? rows : cols), (long long)rows, (long long)cols);
  return false;
}

static ct_module *linear_new(const ct_module_vtable *vtable, int64_t in_features, int64_t out_features,
                             bool bias) {
  if (!shape_ok(out_features, in_features)) return NULL;
  linear_module *m = ct_module_new(sizeof *m, vtable);
  if (!m) return NULL;
  m->in_features = in_features;
  m->out_features = out_features;
  m->weight =
      ct__module_new_parameter(&m->base, "weight", 2, (int64_t[]){out_features, in_features}, CT_FLOAT32);
  if (bias) m->bias = ct__module_new_parameter(&m->base, "bias", 1, &out_features, CT_FLOAT32);
  if (!m->weight || (bias && !m->bias) || ct_init_linear_reset_(m->weight, m->bias) != CT_OK) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_module *ct_linear_new(int64_t in_features, int64_t out_features, bool bias) {
  return linear_new(&linear_vtable, in_features, out_features, bias);
}
ct_module *ct__nondynamically_quantizable_linear_new(int64_t in_features, int64_t out_features, bool bias) {
  return linear_new(&nondyn_linear_vtable, in_features, out_features, bias);
}

ct_tensor *ct_linear_weight(ct_module *linear) {
  return is_linear(linear) ? ((linear_module *)linear)->weight : NULL;
}
ct_tensor *ct_linear_bias(ct_module *linear) {
  return is_linear(linear) ? ((linear_module *)linear)->bias : NULL;
}

// ---- Embedding ----

typedef struct embedding_module {
  ct_module base;
  int64_t num_embeddings, embedding_dim, padding_idx; // padding_idx: CT_NO_PADDING_IDX or 0..num-1
  ct_tensor *weight;
} embedding_module;

static ct_tensor *embedding_forward(ct_module *self, ct_tensor *indices) {
  embedding_module *m = (embedding_module *)self;
  return ct_embedding(m->weight, indices, m->padding_idx); // CT_NO_PADDING_IDX passes through
}

static void embedding_repr(const ct_module *self, char *buf, size_t cap) {
  const embedding_module *m = (const embedding_module *)self;
  int n = snprintf(buf, cap, "%lld, %lld", (long long)m->num_embeddings, (long long)m->embedding_dim);
  if (m->padding_idx != CT_NO_PADDING_IDX && n >= 0 && (size_t)n < cap)
    snprintf(buf + n, cap - (size_t)n, ", padding_idx=%lld", (long long)m->padding_idx);
}

static const ct_module_vtable embedding_vtable = {"Embedding", embedding_forward, embedding_repr, NULL};

ct_module *ct_embedding_new(int64_t num_embeddings, int64_t embedding_dim, int64_t padding_idx) {
  // nn.Embedding.__init__'s order: the padding_idx asserts, then torch.empty, then the
  // padding row fill (which is what rejects padding_idx 0 of an empty table).
  if (padding_idx != CT_NO_PADDING_IDX) {
    // padding_idx >= -num_embeddings, with -num_embeddings out of int64 for INT64_MIN.
    if ((padding_idx > 0 && padding_idx >= num_embeddings) ||
        (padding_idx < 0 && (num_embeddings < 0 || padding_idx < -num_embeddings)))
      return ct__error_null(CT_ERR_ARG, "Padding_idx must be within num_embeddings");
    if (padding_idx < 0) padding_idx += num_embeddings;
  }
  if (!shape_ok(num_embeddings, embedding_dim)) return NULL;
  if (padding_idx != CT_NO_PADDING_IDX && padding_idx >= num_embeddings)
    return ct__error_null(CT_ERR_INDEX, "index %lld is out of bounds for dimension 0 with size %lld",
                          (long long)padding_idx, (long long)num_embeddings);
  embedding_module *m = ct_module_new(sizeof *m, &embedding_vtable);
  if (!m) return NULL;
  m->num_embeddings = num_embeddings;
  m->embedding_dim = embedding_dim;
  m->padding_idx = padding_idx;
  m->weight = ct__module_new_parameter(&m->base, "weight", 2, (int64_t[]){num_embeddings, embedding_dim}, CT_FLOAT32);
  if (!m->weight ||
      ct_init_embedding_reset_(m->weight, padding_idx) != CT_OK) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

ct_tensor *ct_embedding_weight(ct_module *embedding) {
  return embedding && embedding->vtable == &embedding_vtable ? ((embedding_module *)embedding)->weight : NULL;
}

// ---- Dropout ----

typedef struct dropout_module {
  ct_module base;
  double p;
} dropout_module;

// F.dropout in training (ATen's _dropout_impl on the CPU): the input itself when p is 0,
// in eval mode or for an empty input; x * 0 when p is 1; else
// noise = empty(x.shape).bernoulli_(1-p) (row-major, whatever x's strides), noise /= 1-p,
// x * noise. The noise is a temporary: the product's node keeps what it needs.
ct_tensor *ct__dropout(ct_tensor *x, double p, bool training) {
  CT_CHECK_NULL(x);
  if (!training || p == 0 || ct_numel(x) == 0) return ct__register(ct_retain(x));
  if (p == 1) return ct_mul_scalar(x, 0.0);
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *noise = ct_bernoulli_(ct_new_empty(x, x->ndim, x->shape, x->dtype), 1 - p);
  ct_tensor *out = ct_keep(ct_mul(x, ct_div_scalar(noise, 1 - p)));
  ct_scope_close(s);
  return out;
}

static ct_tensor *dropout_forward(ct_module *self, ct_tensor *x) {
  return ct__dropout(x, ((dropout_module *)self)->p, self->training);
}

static void dropout_repr(const ct_module *self, char *buf, size_t cap) {
  char p[32];
  ct_format_float(((const dropout_module *)self)->p, p, sizeof p);
  snprintf(buf, cap, "p=%s, inplace=False", p);
}

static const ct_module_vtable dropout_vtable = {"Dropout", dropout_forward, dropout_repr, NULL};

ct_module *ct_dropout_new(double p) {
  if (!(p >= 0 && p <= 1)) {
    char text[32];
    ct_format_float(p, text, sizeof text);
    return ct__error_null(CT_ERR_ARG, "dropout probability has to be between 0 and 1, but got %s", text);
  }
  dropout_module *m = ct_module_new(sizeof *m, &dropout_vtable);
  if (m) m->p = p;
  return m ? &m->base : NULL;
}

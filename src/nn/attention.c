// nn.MultiheadAttention: PyTorch 1.13's module (parameters, draws, repr) and its forward,
// F.multi_head_attention_forward's steps in its order (checks, in-projection, masks,
// scaled scores, softmax, dropout, output projection), built from differentiable ops.
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/init.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/attention_internal.h"
#include "nn/module_impl.h"
#include "ops/attention_heads.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct mha_module {
  ct_module base;
  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  double dropout;
  bool batch_first, same_embed_dim;
  // borrowed from the registry; in_proj_weight or the three q/k/v weights, as PyTorch
  ct_tensor *in_proj_weight, *q_proj_weight, *k_proj_weight, *v_proj_weight, *in_proj_bias;
  ct_module *out_proj;
} mha_module;

static ct_tensor *mha_self_forward(ct_module *self, ct_tensor *x) {
  ct_multihead_attention_args a = ct_multihead_attention_forward_defaults();
  a.need_weights = false;
  return ct_multihead_attention_forward(self, x, x, x, &a, NULL);
}

static const ct_module_vtable mha_vtable = {"MultiheadAttention", mha_self_forward, NULL, NULL};

ct_multihead_attention_options ct_multihead_attention_defaults(void) {
  return (ct_multihead_attention_options){
      .dropout = 0, .bias = true, .batch_first = false, .kdim = 0, .vdim = 0};
}

ct_multihead_attention_args ct_multihead_attention_forward_defaults(void) {
  return (ct_multihead_attention_args){.need_weights = true, .average_attn_weights = true};
}

// MultiheadAttention._reset_parameters (after out_proj's own Linear draws).
static ct_status reset_parameters(mha_module *m) {
  ct_tensor *weights[3] = {m->q_proj_weight, m->k_proj_weight, m->v_proj_weight};
  if (m->same_embed_dim && !ct_init_xavier_uniform_(m->in_proj_weight, 1.0)) return ct_last_status();
  for (int i = 0; !m->same_embed_dim && i < 3; i++)
    if (!ct_init_xavier_uniform_(weights[i], 1.0)) return ct_last_status();
  if (m->in_proj_bias && (!ct_init_zeros_(m->in_proj_bias) || !ct_init_zeros_(ct_linear_bias(m->out_proj))))
    return ct_last_status();
  return CT_OK;
}

ct_module *ct_multihead_attention_new(int64_t embed_dim, int64_t num_heads,
                                      ct_multihead_attention_options o) {
  if (num_heads == 0) return ct__error_null(CT_ERR_ARG, "integer division or modulo by zero");
  if (num_heads < 0 || embed_dim < 0)
    return ct__error_null(CT_ERR_ARG,
                          "MultiheadAttention: embed_dim and num_heads must be positive, got %lld and %lld",
                          (long long)embed_dim, (long long)num_heads);
  if (embed_dim % num_heads) return ct__error_null(CT_ERR_ARG, "embed_dim must be divisible by num_heads");
  if (o.kdim < 0 || o.vdim < 0)
    return ct__error_null(CT_ERR_ARG, "MultiheadAttention: kdim and vdim must be positive, got %lld and %lld",
                          (long long)o.kdim, (long long)o.vdim);
  mha_module *m = ct_module_new(sizeof *m, &mha_vtable);
  if (!m) return NULL;
  m->embed_dim = embed_dim;
  m->num_heads = num_heads;
  m->head_dim = embed_dim / num_heads;
  m->kdim = o.kdim ? o.kdim : embed_dim;
  m->vdim = o.vdim ? o.vdim : embed_dim;
  m->same_embed_dim = m->kdim == embed_dim && m->vdim == embed_dim;
  m->dropout = o.dropout;
  m->batch_first = o.batch_first;
  ct_module *b = &m->base;
  bool ok;
  if (m->same_embed_dim) {
    ok = (m->in_proj_weight = ct__module_new_parameter(b, "in_proj_weight", 2,
                                                       (int64_t[]){3 * embed_dim, embed_dim}, CT_FLOAT32));
  } else {
    ok = (m->q_proj_weight = ct__module_new_parameter(b, "q_proj_weight", 2,
                                                      (int64_t[]){embed_dim, embed_dim}, CT_FLOAT32)) &&
         (m->k_proj_weight =
              ct__module_new_parameter(b, "k_proj_weight", 2, (int64_t[]){embed_dim, m->kdim}, CT_FLOAT32)) &&
         (m->v_proj_weight =
              ct__module_new_parameter(b, "v_proj_weight", 2, (int64_t[]){embed_dim, m->vdim}, CT_FLOAT32));
  }
  if (ok && o.bias)
    ok = (m->in_proj_bias =
              ct__module_new_parameter(b, "in_proj_bias", 1, (int64_t[]){3 * embed_dim}, CT_FLOAT32));
  if (ok)
    ok = (m->out_proj = ct_module_register_module(
              b, "out_proj", ct__nondynamically_quantizable_linear_new(embed_dim, embed_dim, o.bias)));
  if (!ok || reset_parameters(m) != CT_OK) {
    ct_module_free(b);
    return NULL;
  }
  return b;
}

// ---- forward ----

ct_status ct__check_key_padding_mask_dtype(const ct_tensor *key_padding_mask) {
  if (!key_padding_mask || key_padding_mask->dtype == CT_BOOL ||
      ct_dtype_is_floating(key_padding_mask->dtype))
    return CT_OK;
  return ct__error(CT_ERR_ARG, "only bool and floating types of key_padding_mask are supported");
}

// Python's repr of a tuple of ints: "(4, 4)", "(5,)".
static void tuple_str(int n, const int64_t *v, char *buf, size_t cap) {
  size_t len = (size_t)snprintf(buf, cap, "(");
  for (int i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? ", " : "", (long long)v[i]);
  if (len < cap) snprintf(buf + len, cap - len, n == 1 ? ",)" : ")");
}

static void size_str(const ct_tensor *t, char *buf, size_t cap) {
  char dims[160];
  ct__shape_to_str(t->ndim, t->shape, dims, sizeof dims);
  snprintf(buf, cap, "torch.Size(%s)", dims);
}

static bool has_shape(const ct_tensor *t, int n, const int64_t *shape) {
  return t->ndim == n && !memcmp(t->shape, shape, (size_t)n * sizeof *shape);
}

// _mha_shape_check: the ranks of query, key, value and the masks.
static ct_status check_ranks(const mha_module *m, const ct_tensor *q, const ct_tensor *k, const ct_tensor *v,
                             const ct_tensor *kpm, const ct_tensor *mask) {
  if (q->ndim != 2 && q->ndim != 3)
    return ct__error(CT_ERR_ARG,
                     "query should be unbatched 2D or batched 3D tensor but received %d-D query tensor",
                     q->ndim);
  const bool batched = q->ndim == 3;
  const char *kind = batched ? "batched (3-D)" : "unbatched (2-D)";
  if (k->ndim != q->ndim || v->ndim != q->ndim)
    return ct__error(
        CT_ERR_ARG,
        "For %s `query`, expected `key` and `value` to be %d-D but found %d-D and %d-D tensors respectively",
        kind, q->ndim, k->ndim, v->ndim);
  if (kpm && kpm->ndim != q->ndim - 1)
    return ct__error(
        CT_ERR_ARG,
        "For %s `query`, expected `key_padding_mask` to be `None` or %d-D but found %d-D tensor instead",
        kind, q->ndim - 1, kpm->ndim);
  if (mask && mask->ndim != 2 && mask->ndim != 3)
    return ct__error(
        CT_ERR_ARG,
        "For %s `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", kind,
        mask->ndim);
  const int64_t want[3] = {m->num_heads, q->shape[0], k->shape[0]};
  if (!batched && mask && mask->ndim == 3 && !has_shape(mask, 3, want)) {
    char w[100], got[200];
    tuple_str(3, want, w, sizeof w);
    size_str(mask, got, sizeof got);
    return ct__error(CT_ERR_ARG, "Expected `attn_mask` shape to be %s but got %s", w, got);
  }
  return CT_OK;
}

// The checks between the shape check and the projection: embed_dim, key against value.
static ct_status check_sizes(const mha_module *m, const ct_tensor *q, const ct_tensor *k,
                             const ct_tensor *v) {
  if (q->shape[2] != m->embed_dim)
    return ct__error(CT_ERR_ARG, "was expecting embedding dimension of %lld, but got %lld",
                     (long long)m->embed_dim, (long long)q->shape[2]);
  char ks[200], vs[200];
  if (!m->same_embed_dim) {
    if (k->shape[0] == v->shape[0] && k->shape[1] == v->shape[1]) return CT_OK;
    ct__shape_to_str(2, k->shape, ks, sizeof ks);
    ct__shape_to_str(2, v->shape, vs, sizeof vs);
    return ct__error(CT_ERR_ARG,
                     "key's sequence and batch dims torch.Size(%s) do not match value's torch.Size(%s)", ks,
                     vs);
  }
  if (has_shape(k, v->ndim, v->shape)) return CT_OK;
  size_str(k, ks, sizeof ks);
  size_str(v, vs, sizeof vs);
  return ct__error(CT_ERR_ARG, "key shape %s does not match value shape %s", ks, vs);
}

// The projected q, k, v: _in_projection_packed (one product for self attention, two
// when key is value) or _in_projection with separate weights, as sources of
// ct__attention_heads_in (the caller's `mask` and heads fields stay to fill).
static void in_projection(const mha_module *m, ct_tensor *q, ct_tensor *k, ct_tensor *v,
                          ct__attention_heads_in *in) {
  const int64_t E = m->embed_dim;
  ct_tensor *b = m->in_proj_bias;
  *in = (ct__attention_heads_in){.embed_dim = E, .num_heads = m->num_heads};
  if (!m->same_embed_dim) {
    ct_tensor *w[3] = {m->q_proj_weight, m->k_proj_weight, m->v_proj_weight}, *x[3] = {q, k, v};
    for (int i = 0; i < 3; i++) {
      in->sources[i] = ct_linear(x[i], w[i], b ? ct_narrow(b, 0, i * E, E) : NULL);
      in->source_of[i] = i;
    }
    in->n_sources = 3;
    return;
  }
  ct_tensor *w = m->in_proj_weight;
  if (k == v && q == k) {
    in->sources[0] = ct_linear(q, w, b);
    in->n_sources = 1;
    for (int i = 0; i < 3; i++)
      in->column_of[i] = i * E;
  } else if (k == v) {
    in->sources[0] = ct_linear(q, ct_narrow(w, 0, 0, E), b ? ct_narrow(b, 0, 0, E) : NULL);
    in->sources[1] = ct_linear(k, ct_narrow(w, 0, E, 2 * E), b ? ct_narrow(b, 0, E, 2 * E) : NULL);
    in->n_sources = 2;
    in->source_of[1] = in->source_of[2] = 1;
    in->column_of[2] = E;
  } else {
    ct_tensor *x[3] = {q, k, v};
    for (int i = 0; i < 3; i++) {
      in->sources[i] = ct_linear(x[i], ct_narrow(w, 0, i * E, E), b ? ct_narrow(b, 0, i * E, E) : NULL);
      in->source_of[i] = i;
    }
    in->n_sources = 3;
  }
}

// attn_mask's dtype and shape checks; a 2-D mask gains the batch dim. NULL on error.
static ct_tensor *checked_attn_mask(const mha_module *m, ct_tensor *mask, int64_t tgt, int64_t src,
                                    int64_t bsz) {
  if (mask->dtype != CT_BOOL && !ct_dtype_is_floating(mask->dtype))
    return ct__error_null(CT_ERR_ARG,
                          "Only float, byte, and bool types are supported for attn_mask, not torch.%s",
                          ct_dtype_name(mask->dtype));
  const int64_t want2[2] = {tgt, src}, want3[3] = {bsz * m->num_heads, tgt, src};
  const bool two = mask->ndim == 2;
  if (has_shape(mask, two ? 2 : 3, two ? want2 : want3)) return two ? ct_unsqueeze(mask, 0) : mask;
  char got[200], want[100];
  size_str(mask, got, sizeof got);
  tuple_str(two ? 2 : 3, two ? want2 : want3, want, sizeof want);
  return ct__error_null(CT_ERR_RUNTIME, "The shape of the %dD attn_mask is %s, but should be %s.",
                        two ? 2 : 3, got, want);
}

// key_padding_mask [bsz, src] as [bsz * heads, 1, src], merged into attn_mask (which may be
// NULL) as PyTorch merges them: or of bool masks, -inf fill of a float one.
static ct_tensor *merge_key_padding(const mha_module *m, ct_tensor *mask, ct_tensor *kpm, int64_t bsz,
                                    int64_t src) {
  if (kpm->shape[0] != bsz || kpm->shape[1] != src) {
    char got[200], want[100];
    size_str(kpm, got, sizeof got);
    tuple_str(2, (int64_t[]){bsz, src}, want, sizeof want);
    return ct__error_null(CT_ERR_ARG, "expecting key_padding_mask shape of %s, but got %s", want, got);
  }
  const int64_t H = m->num_heads;
  kpm = ct_reshape(ct_expand(ct_view(kpm, 4, (int64_t[]){bsz, 1, 1, src}), 4, (int64_t[]){bsz, H, 1, src}), 3,
                   (int64_t[]){bsz * H, 1, src});
  if (!mask) return kpm;
  if (mask->dtype == CT_BOOL) return ct_logical_or(mask, kpm);
  if (kpm->dtype == CT_BOOL) return ct_masked_fill(mask, kpm, -INFINITY);
  // PyTorch 1.13's masked_fill of a float mask by a float one: values other than 0 and 1
  // are refused; with only those, it leaves the mask as it is.
  bool binary = false;
  ct_tensor *bad = ct_sum(ct_logical_and(ct_ne_scalar(kpm, 0), ct_ne_scalar(kpm, 1)));
  double count = 1;
  if (bad && ct_item(bad, &count) == CT_OK) binary = count == 0;
  if (!bad) return NULL;
  return binary ? mask : ct__error_null(CT_ERR_RUNTIME, "Mask tensor can take 0 and 1 values only");
}

// [len, batch, E] -> [batch * heads, len, head_dim].
static ct_tensor *split_heads(const mha_module *m, ct_tensor *x, int64_t len, int64_t bsz) {
  return ct_transpose(ct_view(ct_contiguous(x), 3, (int64_t[]){len, bsz * m->num_heads, m->head_dim}), 0, 1);
}

// q, k and v, [len, batch, E] each: a projection of its own, or a chunk of a shared one
// (narrow has chunk's values and gradients). Like PyTorch, a projection of one role's
// width is used as it is: a narrow would make its gradient contiguous, and the bias
// gradient's sum follows the gradient's layout.
static void projected(const ct__attention_heads_in *in, ct_tensor **out) {
  for (int r = 0; r < 3; r++) {
    ct_tensor *source = in->sources[in->source_of[r]];
    out[r] =
        source->shape[2] == in->embed_dim ? source : ct_narrow(source, -1, in->column_of[r], in->embed_dim);
  }
}

// F.multi_head_attention_forward on [len, batch, E] inputs (batched view): the output
// [tgt, bsz, E]; *weights as PyTorch returns them when wanted. Without weights or dropout
// the heads' part runs as one op (ct__attention_heads) where it can.
static ct_tensor *attend(const mha_module *m, ct_tensor *q, ct_tensor *k, ct_tensor *v, ct_tensor *kpm,
                         ct_tensor *mask, const ct_multihead_attention_args *a, ct_tensor **weights) {
  const int64_t tgt = q->shape[0], bsz = q->shape[1], src = k->shape[0], E = m->embed_dim, H = m->num_heads;
  ct__attention_heads_in in;
  in_projection(m, q, k, v, &in);
  for (int i = 0; i < in.n_sources; i++)
    if (!in.sources[i]) return NULL;
  if (mask && !(mask = checked_attn_mask(m, mask, tgt, src, bsz))) return NULL;
  if (kpm && !(mask = merge_key_padding(m, mask, kpm, bsz, src))) return NULL;
  if (mask && mask->dtype == CT_BOOL) mask = ct__bool_mask_to_bias(mask, in.sources[0]->dtype);
  in.mask = mask;
  ct_tensor *out, *w = NULL;
  const bool plain = !(a->need_weights && weights) && !(m->dropout > 0 && m->base.training);
  if (plain && ct__attention_heads_fit(&in)) {
    out = ct__attention_heads(&in);
  } else {
    ct_tensor *proj[3];
    projected(&in, proj);
    ct_tensor *qh = split_heads(m, proj[0], tgt, bsz), *kh = split_heads(m, proj[1], src, bsz);
    ct_tensor *vh = split_heads(m, proj[2], src, bsz);
    ct_tensor *scores = ct_bmm(ct_div_scalar(qh, sqrt((double)m->head_dim)), ct_transpose(kh, -2, -1));
    if (mask) scores = ct_add(mask, scores); // baddbmm(mask, q, kᵀ)
    w = ct__dropout(ct_softmax(scores, -1), m->dropout, m->base.training);
    out = ct_contiguous(ct_transpose(ct_bmm(w, vh), 0, 1));
  }
  out = ct_linear(ct_view(out, 2, (int64_t[]){tgt * bsz, E}), ct_linear_weight(m->out_proj),
                  ct_linear_bias(m->out_proj));
  out = ct_view(out, 3, (int64_t[]){tgt, bsz, E});
  if (out && a->need_weights && weights) {
    w = ct_view(w, 4, (int64_t[]){bsz, H, tgt, src});
    *weights = a->average_attn_weights ? ct_div_scalar(ct_sum_dim(w, 1, false), (double)H) : w;
  }
  return out;
}

ct_tensor *ct_multihead_attention_forward(ct_module *mha, ct_tensor *query, ct_tensor *key, ct_tensor *value,
                                          const ct_multihead_attention_args *args, ct_tensor **attn_weights) {
  if (attn_weights) *attn_weights = NULL;
  if (!mha || mha->vtable != &mha_vtable)
    return ct__error_null(CT_ERR_ARG, "ct_multihead_attention_forward: expected a MultiheadAttention module");
  CT_CHECK_NULL(query);
  CT_CHECK_NULL(key);
  CT_CHECK_NULL(value);
  const mha_module *m = (const mha_module *)mha;
  const ct_multihead_attention_args a = args ? *args : ct_multihead_attention_forward_defaults();
  ct_tensor *kpm = a.key_padding_mask, *mask = a.attn_mask;
  if (ct__check_key_padding_mask_dtype(kpm) != CT_OK) return NULL;
  const bool batched = query->ndim == 3;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *q = query, *k = key, *v = value, *w = NULL, *out = NULL;
  if (m->batch_first && batched) { // transposed once per distinct tensor, so self attention stays recognised
    q = ct_transpose(query, 1, 0);
    k = key == query ? q : ct_transpose(key, 1, 0);
    v = value == key ? k : ct_transpose(value, 1, 0);
  }
  if (check_ranks(m, q, k, v, kpm, mask) == CT_OK) {
    if (!batched) { // three new tensors: PyTorch's unbatched path projects them apart
      q = ct_unsqueeze(q, 1), k = ct_unsqueeze(k, 1), v = ct_unsqueeze(v, 1);
      if (kpm) kpm = ct_unsqueeze(kpm, 0);
    }
    if (q && k && v && check_sizes(m, q, k, v) == CT_OK) out = attend(m, q, k, v, kpm, mask, &a, &w);
  }
  if (out && !batched) {
    out = ct_squeeze_dim(out, 1);
    if (w) w = ct_squeeze_dim(w, 0);
  } else if (out && m->batch_first) {
    out = ct_transpose(out, 1, 0);
  }
  out = ct_keep(out);
  if (out && attn_weights) *attn_weights = ct_keep(w);
  ct_scope_close(s);
  return out;
}

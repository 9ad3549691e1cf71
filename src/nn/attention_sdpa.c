// scaled_dot_product_attention with PyTorch 2's semantics (its math reference path), and
// the causal mask of nn.Transformer. Without dropout or an explicit mask it runs the fused
// attention core (ops/attention_heads.h, one head), which gives the bits of the composed
// ops the rest runs: matmul (the bmm GEMM path), the softmax kernels, their gradients.
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/attention.h"
#include "ctorch/creation.h"
#include "ctorch/device.h"
#include "ctorch/index.h"
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

// c10's names of dtypes, as ATen's messages print them ("float", "long").
static const char *aten_dtype_name(ct_dtype d) {
  switch (d) {
  case CT_FLOAT32: return "float";
  case CT_FLOAT64: return "double";
  case CT_INT64: return "long";
  case CT_INT32: return "int";
  case CT_BOOL: return "bool";
  default: return "?";
  }
}

// validate_sdpa_input's checks, in its order.
static ct_status check_inputs(const ct_tensor *q, const ct_tensor *k, const ct_tensor *v,
                              const ct_tensor *mask, bool is_causal) {
  if (q->dtype != k->dtype || q->dtype != v->dtype)
    return ct__error(
        CT_ERR_ARG,
        "Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: %s "
        "and value.dtype: %s instead.",
        aten_dtype_name(q->dtype), aten_dtype_name(k->dtype), aten_dtype_name(v->dtype));
  if (q->ndim < 2 || k->ndim < 2 || v->ndim < 2)
    return ct__error(
        CT_ERR_ARG,
        "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: %d "
        "key.dim: %d and value.dim: %d instead.",
        q->ndim, k->ndim, v->ndim);
  if (!ct_dtype_is_floating(q->dtype))
    return ct__error(CT_ERR_ARG, "scaled_dot_product_attention: expected a floating-point query, got %s",
                     aten_dtype_name(q->dtype));
  if (mask && mask->dtype != CT_BOOL && mask->dtype != q->dtype)
    return ct__error(
        CT_ERR_ARG,
        "Expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: %s and "
        " query.dtype: %s instead.",
        aten_dtype_name(mask->dtype), aten_dtype_name(q->dtype));
  if (mask && is_causal)
    return ct__error(
        CT_ERR_ARG,
        "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  return CT_OK;
}

ct_tensor *ct__bool_mask_to_bias(ct_tensor *masked, ct_dtype dtype) {
  CT_CHECK_NULL(masked);
  return ct_masked_fill(ct_new_zeros(masked, masked->ndim, masked->shape, dtype), masked, -INFINITY);
}

// The same leading (batch) dims.
static bool same_batch(const ct_tensor *a, const ct_tensor *b) {
  return a->ndim == b->ndim && !memcmp(a->shape, b->shape, (size_t)(a->ndim - 2) * sizeof *a->shape);
}

// Without dropout or an explicit mask, on batches of matrices with the same batch dims,
// the fused core (ct__attention_heads, one head, batch first) where it fits: the composed
// ops' bits. NULL (no error) when it does not apply.
static ct_tensor *attention_heads(ct_tensor *q, ct_tensor *k, ct_tensor *v, ct_tensor *mask, double dropout_p,
                                  bool is_causal) {
  if (dropout_p != 0 || mask || q->ndim < 3 || !same_batch(q, k) || !same_batch(q, v) ||
      k->shape[k->ndim - 1] != q->shape[q->ndim - 1] || v->shape[v->ndim - 2] != k->shape[k->ndim - 2])
    return NULL;
  const int n = q->ndim;
  const int64_t L = q->shape[n - 2], S = k->shape[n - 2], E = q->shape[n - 1], Ev = v->shape[n - 1];
  const int64_t N = ct_numel(q) / (L * E > 0 ? L * E : 1);
  const bool flat = n == 3; // batches of matrices already
  ct__attention_heads_in in = {.sources = {flat ? q : ct_reshape(q, 3, (int64_t[]){N, L, E}),
                                           flat ? k : ct_reshape(k, 3, (int64_t[]){N, S, E}),
                                           flat ? v : ct_reshape(v, 3, (int64_t[]){N, S, Ev})},
                               .n_sources = 3,
                               .source_of = {0, 1, 2},
                               .embed_dim = E,
                               .value_dim = Ev,
                               .num_heads = 1,
                               .batch_first = true,
                               .mask = is_causal ? ct_unsqueeze(ct__causal_bias(L, S, CT_FLOAT32), 0) : NULL,
                               .causal = is_causal};
  if (!in.sources[0] || !in.sources[1] || !in.sources[2] || (is_causal && !in.mask)) return NULL;
  if (!ct__attention_heads_fit(&in)) return NULL;
  ct_tensor *out = ct__attention_heads(&in);
  if (flat) return out;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, q->shape, (size_t)n * sizeof *shape);
  shape[n - 1] = Ev;
  return ct_reshape(out, n, shape);
}

ct_tensor *ct_scaled_dot_product_attention(ct_tensor *query, ct_tensor *key, ct_tensor *value,
                                           ct_tensor *attn_mask, double dropout_p, bool is_causal) {
  CT_CHECK_NULL(query);
  CT_CHECK_NULL(key);
  CT_CHECK_NULL(value);
  if (check_inputs(query, key, value, attn_mask, is_causal) != CT_OK) return NULL;
  if (!(dropout_p >= 0 && dropout_p <= 1)) {
    char text[64];
    snprintf(text, sizeof text, "%g", dropout_p);
    return ct__error_null(CT_ERR_ARG, "dropout probability has to be between 0 and 1, but got %s", text);
  }
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  const int64_t L = query->shape[query->ndim - 2], S = key->shape[key->ndim - 2];
  ct_tensor *fused = attention_heads(query, key, value, attn_mask, dropout_p, is_causal);
  if (fused) {
    fused = ct_keep(fused);
    ct_scope_close(s);
    return fused;
  }
  ct_tensor *bias = NULL;
  if (is_causal)
    bias = ct__causal_bias(L, S, query->dtype);
  else if (attn_mask && attn_mask->dtype == CT_BOOL)
    bias = ct__bool_mask_to_bias(ct_logical_not(attn_mask), query->dtype);
  else
    bias = attn_mask;
  ct_tensor *scaled = ct_div_scalar(query, sqrt((double)query->shape[query->ndim - 1]));
  ct_tensor *scores = ct_matmul(scaled, ct_transpose(key, -2, -1));
  if (bias) scores = ct_add(scores, bias);
  ct_tensor *weights = ct__dropout(ct_softmax(scores, -1), dropout_p, true);
  ct_tensor *out = ct_keep(ct_matmul(weights, value));
  ct_scope_close(s);
  return out;
}

ct_tensor *ct_generate_square_subsequent_mask(int64_t sz) {
  if (sz < 0)
    return ct__error_null(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: [%lld, %lld]",
                          (long long)sz, (long long)sz, (long long)sz);
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = ct_keep(ct__causal_bias(sz, sz, CT_FLOAT32));
  ct_scope_close(s);
  return out;
}

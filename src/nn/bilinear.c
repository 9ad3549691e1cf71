// F.bilinear and nn.Bilinear: out[n, o] = sum_ij x1[n, i] W[o, i, j] x2[n, j] + b[o].
// As PyTorch 1.13's at::bilinear: inputs flattened to (N, in) (ReshapeAliasBackward0), one
// TrilinearBackward0 node for the product, the result reshaped back, then + bias
// (AddBackward0). The product and its gradients are matrix products of public ops.
#include <math.h>
#include <stdio.h>
#include "autograd/node.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch.h"
#include "nn/scoped_result.h"
#include "nn/module_impl.h"
#include "ops/sum_to.h"

enum { X1, W, X2 };

// x1 (N, I) times W (O, I, J) as (N, O, J): x1 @ W.permute(1, 0, 2).reshape(I, O * J).
static ct_tensor *x1_times_weight(ct_tensor *x1, ct_tensor *w) {
  int64_t o = w->shape[0], i = w->shape[1], j = w->shape[2];
  ct_tensor *wp = ct_reshape(ct_permute(w, (int[]){1, 0, 2}), 2, (int64_t[]){i, o * j});
  return ct_reshape(ct_matmul(x1, wp), 3, (int64_t[]){x1->shape[0], o, j});
}

// g (N, O) times W (O, I, J) as (N, I, J).
static ct_tensor *grad_times_weight(ct_tensor *g, ct_tensor *w) {
  int64_t o = w->shape[0], i = w->shape[1], j = w->shape[2];
  return ct_reshape(ct_matmul(g, ct_reshape(w, 2, (int64_t[]){o, i * j})), 3, (int64_t[]){g->shape[0], i, j});
}

static ct_status trilinear_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *x1 = ct__saved(node, X1), *w = ct__saved(node, W), *x2 = ct__saved(node, X2);
  if (!x1 || !w || !x2) return ct_last_status();
  ct_tensor *gw_ij = node->next[X1] || node->next[X2] ? grad_times_weight(grad, w) : NULL;
  if (node->next[X1]) // sum_j (g W)[n, i, j] x2[n, j]
    grad_in[X1] = ct__grad_for_input(node, X1, ct_sum_dim(ct_mul(gw_ij, ct_unsqueeze(x2, 1)), 2, false));
  if (node->next[X2]) // sum_i (g W)[n, i, j] x1[n, i]
    grad_in[X2] = ct__grad_for_input(node, X2, ct_sum_dim(ct_mul(gw_ij, ct_unsqueeze(x1, 2)), 1, false));
  if (node->next[W]) { // g^T (N, O) @ (x1 outer x2) (N, I * J)
    int64_t n = x1->shape[0], i = w->shape[1], j = w->shape[2];
    ct_tensor *outer = ct_reshape(ct_mul(ct_unsqueeze(x1, 2), ct_unsqueeze(x2, 1)), 2, (int64_t[]){n, i * j});
    grad_in[W] = ct__grad_for_input(node, W, ct_reshape(ct_matmul(ct_t(grad), outer), 3, w->shape));
  }
  for (int k = 0; k < 3; k++)
    if (node->next[k] && !grad_in[k]) return ct_last_status();
  return CT_OK;
}

// _trilinear(x1 (N, I), W (O, I, J), x2 (N, J)) -> (N, O).
static ct_tensor *trilinear(ct_tensor *x1, ct_tensor *w, ct_tensor *x2) {
  bool prev = ct_no_grad_enter();
  ct_tensor *out = ct_sum_dim(ct_mul(x1_times_weight(x1, w), ct_unsqueeze(x2, 1)), 2, false);
  ct_grad_mode_restore(prev);
  if (!out) return NULL;
  ct_tensor *inputs[3] = {x1, w, x2};
  return ct__record(out, "TrilinearBackward0", trilinear_backward, 3, inputs, 3, inputs, NULL) == CT_OK ? out : NULL;
}

// at::bilinear's checks, in its order, with its messages.
static bool bilinear_args_ok(const ct_tensor *x1, const ct_tensor *x2, const ct_tensor *w, const ct_tensor *b) {
  if (x1->ndim != x2->ndim)
    return ct__error(CT_ERR_RUNTIME, "bilinear(): input dimensions do not match: got %d and %d", x1->ndim, x2->ndim),
           false;
  for (int d = 0; d + 1 < x1->ndim; d++)
    if (x1->shape[d] != x2->shape[d])
      return ct__error(CT_ERR_RUNTIME, "bilinear(): input batch dimensions do not match at dim %d: got %lld and %lld",
                       d, (long long)x1->shape[d], (long long)x2->shape[d]),
             false;
  if (w->ndim != 3) return ct__error(CT_ERR_RUNTIME, "bilinear(): weight must be 3-D, got %d-D", w->ndim), false;
  int64_t in1 = x1->ndim ? x1->shape[x1->ndim - 1] : 1, in2 = x2->ndim ? x2->shape[x2->ndim - 1] : 1;
  if (in1 != w->shape[1])
    return ct__error(CT_ERR_RUNTIME, "bilinear(): input1 size does not match weight size: got %lld but expected %lld",
                     (long long)in1, (long long)w->shape[1]),
           false;
  if (in2 != w->shape[2])
    return ct__error(CT_ERR_RUNTIME, "bilinear(): input2 size does not match weight size: got %lld but expected %lld",
                     (long long)in2, (long long)w->shape[2]),
           false;
  if (b && (b->ndim < 1 || b->shape[0] != w->shape[0]))
    return ct__error(CT_ERR_RUNTIME, "bilinear(): bias size does not match weight size: got %lld but expected %lld",
                     (long long)(b->ndim ? b->shape[0] : 1), (long long)w->shape[0]),
           false;
  const ct_tensor *others[3] = {w, x2, b};
  for (int k = 0; k < 3; k++)
    if (others[k] && others[k]->dtype != x1->dtype)
      return ct__error(CT_ERR_RUNTIME, "expected scalar type %s but found %s", ct__scalar_type_name(x1->dtype),
                       ct__scalar_type_name(others[k]->dtype)),
             false;
  return true;
}

static ct_tensor *bilinear(ct_tensor *x1, ct_tensor *x2, ct_tensor *w, ct_tensor *b) {
  if (!bilinear_args_ok(x1, x2, w, b)) return NULL;
  int nd = x1->ndim ? x1->ndim : 1;
  int64_t out_shape[CT_MAX_DIMS];
  for (int d = 0; d + 1 < nd; d++) out_shape[d] = x1->shape[d];
  out_shape[nd - 1] = w->shape[0];
  ct_tensor *x1f = ct_reshape(x1, 2, (int64_t[]){-1, w->shape[1]});
  ct_tensor *x2f = ct_reshape(x2, 2, (int64_t[]){-1, w->shape[2]});
  ct_tensor *out = x1f && x2f ? ct_reshape(trilinear(x1f, w, x2f), nd, out_shape) : NULL;
  return b && out ? ct_add(out, b) : out;
}

ct_tensor *ct_bilinear(ct_tensor *input1, ct_tensor *input2, ct_tensor *weight, ct_tensor *bias) {
  CT_CHECK_NULL(input1);
  CT_CHECK_NULL(input2);
  CT_CHECK_NULL(weight);
  ct_scope *s = ct_scope_open();
  return s ? ct__nn_keep_result(s, bilinear(input1, input2, weight, bias)) : NULL;
}

// ---- nn.Bilinear ----

typedef struct bilinear_module {
  ct_module base;
  int64_t in1, in2, out;
} bilinear_module;

// nn.Bilinear takes two inputs: ct_module_forward with one fails as Python's call does.
static ct_tensor *bilinear_one_input(ct_module *self, ct_tensor *x) {
  (void)self;
  (void)x;
  return ct__error_null(CT_ERR_ARG, "forward() missing 1 required positional argument: 'input2' (use ct_bilinear_forward)");
}

static void bilinear_repr(const ct_module *self, char *buf, size_t cap) {
  const bilinear_module *m = (const bilinear_module *)self;
  snprintf(buf, cap, "in1_features=%lld, in2_features=%lld, out_features=%lld, bias=%s", (long long)m->in1,
           (long long)m->in2, (long long)m->out, ct__module_entry((ct_module *)self, "bias") ? "True" : "False");
}

static const ct_module_vtable bilinear_vtable = {"Bilinear", bilinear_one_input, bilinear_repr, NULL};

ct_tensor *ct_bilinear_forward(ct_module *m, ct_tensor *input1, ct_tensor *input2) {
  if (!m || m->vtable != &bilinear_vtable) return ct__error_null(CT_ERR_ARG, "ct_bilinear_forward: not a Bilinear module");
  return ct_bilinear(input1, input2, ct_module_parameter(m, "weight"), ct_module_parameter(m, "bias"));
}

// weight (out, in1, in2) and bias (out) from U(-1/sqrt(in1), 1/sqrt(in1)), weight first:
// PyTorch's reset_parameters, so the same draws after the same seed.
ct_module *ct_bilinear_new(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias) {
  int64_t shape[3] = {out_features, in1_features, in2_features};
  for (int d = 0; d < 3; d++)
    if (shape[d] < 0)
      return ct__error_null(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: [%lld, %lld, %lld]",
                            (long long)shape[d], (long long)shape[0], (long long)shape[1], (long long)shape[2]);
  if (in1_features == 0) return ct__error_null(CT_ERR_ARG, "ZeroDivisionError: float division by zero");
  bilinear_module *m = ct_module_new(sizeof *m, &bilinear_vtable);
  if (!m) return NULL;
  m->in1 = in1_features;
  m->in2 = in2_features;
  m->out = out_features;
  ct_scope *s = ct_scope_open();
  double bound = 1 / sqrt((double)in1_features);
  bool ok = s && ct_module_register_parameter(&m->base, "weight", ct_zeros(3, shape, CT_FLOAT32)) &&
            (!bias || ct_module_register_parameter(&m->base, "bias", ct_zeros(1, &out_features, CT_FLOAT32)));
  ok = ok && ct_init_uniform_(ct_module_parameter(&m->base, "weight"), -bound, bound) &&
       (!bias || ct_init_uniform_(ct_module_parameter(&m->base, "bias"), -bound, bound));
  if (s) ct_scope_close(s);
  if (!ok) {
    ct_module_free(&m->base);
    return NULL;
  }
  return &m->base;
}

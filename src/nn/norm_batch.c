// batch_norm (NativeBatchNormBackward0): F.batch_norm's checks in PyTorch 1.13's order
// (its Python batch-size check, _batch_norm_impl_index's sizes, native_batch_norm's
// differentiability rule, then the CPU kernel's dtype rules), the input seen as
// (N, C, inner), the loops of the norm kernel family.
#include <stdio.h>
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/norm.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/norm_internal.h"

// Saved tensors: the input and weight, then the statistics backward normalises with (the
// batch's mean and invstd in training, the running mean and variance otherwise).
enum { SAVED_INPUT, SAVED_WEIGHT, SAVED_MEAN, SAVED_VAR };

typedef struct batch_norm_node_args {
  double eps;
  bool training;
} batch_norm_node_args;

typedef struct planes {
  int64_t n, c, inner;
} planes;

static planes planes_of(const ct_tensor *t) {
  planes p = {t->shape[0], t->shape[1], 1};
  for (int d = 2; d < t->ndim; d++) p.inner *= t->shape[d];
  return p;
}

// F.batch_norm's _verify_batch_size in training: "Expected more than 1 value per channel
// when training, got input size torch.Size([1, 3])".
static ct_status check_batch_size(const ct_tensor *input) {
  if (input->ndim == 0) return ct__error(CT_ERR_INDEX, "tuple index out of range");
  int64_t values = input->shape[0];
  for (int d = 2; d < input->ndim; d++) values *= input->shape[d];
  if (values != 1) return CT_OK;
  char shape[256];
  ct__shape_to_str(input->ndim, input->shape, shape, sizeof shape);
  return ct__error(CT_ERR_ARG, "Expected more than 1 value per channel when training, got input size torch.Size(%s)",
                   shape);
}

static ct_status check_features(const char *what, const ct_tensor *t, int64_t features) {
  if (!t || ct_numel(t) == features) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "%s should contain %lld elements not %lld", what, (long long)features,
                   (long long)ct_numel(t));
}

// _batch_norm_impl_index's checks (num_features is what input.sizes()[1] reads).
static ct_status check_sizes(const ct_tensor *input, const ct_tensor *rm, const ct_tensor *rv, const ct_tensor *w,
                             const ct_tensor *b, bool training) {
  const int64_t features = input->ndim >= 2 ? input->shape[1] : 0;
  if (!rm && !training) return ct__error(CT_ERR_RUNTIME, "running_mean must be defined in evaluation mode");
  if (check_features("running_mean", rm, features) != CT_OK) return CT_ERR_RUNTIME;
  if (!rv && !training) return ct__error(CT_ERR_RUNTIME, "running_var must be defined in evaluation mode");
  if (check_features("running_var", rv, features) != CT_OK) return CT_ERR_RUNTIME;
  if (check_features("weight", w, features) != CT_OK) return CT_ERR_RUNTIME;
  return check_features("bias", b, features);
}

static ct_status check_not_differentiable(const ct_tensor *t, const char *arg) {
  if (!t || !t->requires_grad || !ct_is_grad_enabled()) return CT_OK;
  return ct__error(CT_ERR_RUNTIME,
                   "The function 'native_batch_norm' is not differentiable with respect to argument '%s'. This "
                   "input cannot have requires_grad True.",
                   arg);
}

// batch_norm_cpu's dtype rules. Its parameters (weight, bias, running_mean, running_var)
// are "mixed" when the first given one's dtype differs from the input's: then all must be
// float32 and the input bfloat16 (which ctorch has not); otherwise each is read as the
// input's dtype, the running statistics through 1-D accessors.
static ct_status check_dtypes(const ct_tensor *input, const ct_tensor *const params[4]) {
  const ct_tensor *first = NULL;
  for (int i = 0; i < 4 && !first; i++) first = params[i];
  if (first && first->dtype != input->dtype) {
    for (int i = 0; i < 4; i++)
      if (params[i] && params[i]->dtype != CT_FLOAT32)
        return ct__error(CT_ERR_RUNTIME, "mixed dtype (CPU): expect parameter to have scalar type of Float");
    return ct__error(CT_ERR_RUNTIME, "mixed dtype (CPU): expect input to have scalar type of BFloat16");
  }
  for (int i = 2; i < 4; i++) { // running statistics: TensorAccessor<T, 1>
    const ct_tensor *t = params[i];
    if (t && t->ndim != 1)
      return ct__error(CT_ERR_RUNTIME, "TensorAccessor expected 1 dims but tensor has %d", t->ndim);
    if (ct__norm_check_dtype(t, input->dtype) != CT_OK) return CT_ERR_RUNTIME;
  }
  for (int i = 0; i < 2; i++)
    if (ct__norm_check_dtype(params[i], input->dtype) != CT_OK) return CT_ERR_RUNTIME;
  return CT_OK;
}

// _batch_norm_impl_index for an input without elements: input.clone() * weight[0] +
// bias[0], the running statistics untouched.
static ct_tensor *empty_input(ct_tensor *input, ct_tensor *weight, ct_tensor *bias) {
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = ct_clone(input);
  if (weight) out = ct_mul(out, ct_select(weight, 0, 0));
  if (bias) out = ct_add(out, ct_select(bias, 0, 0));
  ct_keep(out);
  ct_scope_close(s);
  return out;
}

// A running statistic as the kernel updates it: itself when contiguous, else a copy that
// write_back returns to it.
static void write_back(ct_tensor *running, ct_tensor *dense) {
  if (running && dense != running) ct__copy_into(running, dense);
}

// create_graph: over x seen as (N, C, inner), the statistics recomputed from the input
// (training) or the running ones (eval); dx = invstd (gw - mean(gw) - xhat mean(gw xhat))
// in training, gw invstd in eval (gw = grad * weight); dweight = sum(grad xhat), dbias =
// sum(grad) per channel; recorded.
CT_CREATE_GRAPH_PATH static ct_status batch_norm_backward_recorded(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *input = ct__saved(node, SAVED_INPUT), *w = NULL;
  if (!input || (node->saved[SAVED_WEIGHT] && !(w = ct__saved(node, SAVED_WEIGHT)))) return ct_last_status();
  const batch_norm_node_args *na = ct__node_args(node, batch_norm_node_args);
  const planes p = planes_of(input);
  const int64_t shape3[3] = {p.n, p.c, p.inner}, channel[3] = {1, p.c, 1};
  const int over[2] = {0, 2};
  ct_tensor *x = ct_reshape(input, 3, shape3), *g = ct_reshape(grad, 3, shape3), *mean, *invstd;
  if (na->training) {
    mean = ct_mean_dims(x, over, 2, true);
    ct_tensor *d = ct_sub(x, mean);
    invstd = ct_rsqrt(ct_add_scalar(ct_mean_dims(ct_mul(d, d), over, 2, true), na->eps));
  } else {
    ct_tensor *rm = ct__saved(node, SAVED_MEAN), *rv = rm ? ct__saved(node, SAVED_VAR) : NULL;
    if (!rv) return ct_last_status();
    mean = ct_reshape(rm, 3, channel);
    invstd = ct_rsqrt(ct_add_scalar(ct_reshape(rv, 3, channel), na->eps));
  }
  ct_tensor *xhat = ct_mul(ct_sub(x, mean), invstd);
  ct_tensor *gw = w ? ct_mul(g, ct_reshape(w, 3, channel)) : g;
  if (node->next[0]) {
    ct_tensor *dx = na->training ? ct_mul(invstd, ct_sub(ct_sub(gw, ct_mean_dims(gw, over, 2, true)),
                                                         ct_mul(xhat, ct_mean_dims(ct_mul(gw, xhat), over, 2, true))))
                                 : ct_mul(gw, invstd);
    if (!(grad_in[0] = ct_reshape(dx, input->ndim, input->shape))) return ct_last_status();
  }
  for (int i = 1; i < 3; i++) {
    if (!node->next[i]) continue;
    ct_tensor *s = ct_sum_dims(i == 1 ? ct_mul(g, xhat) : g, over, 2, false);
    if (!(grad_in[i] = ct_reshape(s, node->inputs[i].ndim, node->inputs[i].shape))) return ct_last_status();
  }
  return CT_OK;
}

static ct_status batch_norm_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return batch_norm_backward_recorded(node, grad, grad_in);
  ct_tensor *input = ct__saved(node, SAVED_INPUT);
  ct_tensor *mean = input ? ct__saved(node, SAVED_MEAN) : NULL;
  ct_tensor *var = mean ? ct__saved(node, SAVED_VAR) : NULL;
  if (!var) return ct_last_status();
  ct_tensor *weight = NULL;
  if (node->saved[SAVED_WEIGHT] && !(weight = ct__saved(node, SAVED_WEIGHT))) return ct_last_status();
  const batch_norm_node_args *na = ct__node_args(node, batch_norm_node_args);
  const planes p = planes_of(input);
  ct_tensor *x = ct__norm_dense(input), *dy = ct__norm_dense(grad), *w = ct__norm_dense(weight);
  ct_tensor *m = ct__norm_dense(mean), *v = ct__norm_dense(var);
  ct_tensor *dx = node->next[0] ? ct__alloc(input->dtype, input->ndim, input->shape) : NULL;
  ct_tensor *dw = ct__norm_vector(input->dtype, p.c), *db = ct__norm_vector(input->dtype, p.c);
  if (!x || !dy || (weight && !w) || !m || !v || (node->next[0] && !dx) || !dw || !db) return ct_last_status();
  const ct_batch_norm_grad_args a = {
      .x = ct__data(x), .dy = ct__data(dy), .n = p.n, .c = p.c, .inner = p.inner, .weight = w ? ct__data(w) : NULL,
      .mean = ct__data(m), .var_or_invstd = ct__data(v), .eps = na->eps, .training = na->training,
      .dx = dx ? ct__data(dx) : NULL, .dweight = ct__data(dw), .dbias = ct__data(db)};
  ct__norm_kernels(x)->batch_norm_backward[input->dtype](&a);
  grad_in[0] = dx;
  if (node->next[1]) grad_in[1] = ct_view(dw, node->inputs[1].ndim, node->inputs[1].shape);
  if (node->next[2]) grad_in[2] = ct_view(db, node->inputs[2].ndim, node->inputs[2].shape);
  if ((node->next[1] && !grad_in[1]) || (node->next[2] && !grad_in[2])) return ct_last_status();
  return CT_OK;
}

// The forward on checked operands, inside the caller's scope.
static ct_tensor *run(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                      ct_tensor *bias, bool training, double momentum, double eps) {
  const planes p = planes_of(input);
  ct_tensor *x = ct__norm_dense(input), *w = ct__norm_dense(weight), *b = ct__norm_dense(bias);
  ct_tensor *rm = ct__norm_dense(running_mean), *rv = ct__norm_dense(running_var);
  ct_tensor *out = ct__alloc(input->dtype, input->ndim, input->shape);
  ct_tensor *mean = ct__norm_vector(input->dtype, p.c), *invstd = ct__norm_vector(input->dtype, p.c);
  ct_tensor *scratch = ct__norm_vector(input->dtype, 2 * p.c);
  if (!x || (weight && !w) || (bias && !b) || (running_mean && !rm) || (running_var && !rv) || !out || !mean ||
      !invstd || !scratch)
    return NULL;
  const ct_batch_norm_args a = {
      .x = ct__data(x), .y = ct__data(out), .n = p.n, .c = p.c, .inner = p.inner,
      .weight = w ? ct__data(w) : NULL, .bias = b ? ct__data(b) : NULL,
      .running_mean = rm ? ct__data(rm) : NULL, .running_var = rv ? ct__data(rv) : NULL,
      .mean = ct__data(mean), .invstd = ct__data(invstd), .scratch = ct__data(scratch),
      .momentum = momentum, .eps = eps, .training = training};
  ct__norm_kernels(x)->batch_norm[input->dtype](&a);
  // PyTorch's kernel writes the running statistics in place without bumping their versions.
  if (training) {
    write_back(running_mean, rm);
    write_back(running_var, rv);
  }
  ct_tensor *saved[4] = {input, weight, training ? mean : running_mean, training ? invstd : running_var};
  ct_node *node;
  if (ct__record(out, "NativeBatchNormBackward0", batch_norm_backward, 3, (ct_tensor *[]){input, weight, bias}, 4,
                 saved, &node) != CT_OK)
    return NULL;
  if (node) *ct__node_args(node, batch_norm_node_args) = (batch_norm_node_args){.eps = eps, .training = training};
  return out;
}

ct_tensor *ct_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                         ct_tensor *bias, bool training, double momentum, double eps) {
  CT_CHECK_NULL(input);
  if (training && check_batch_size(input) != CT_OK) return NULL;
  if (ct_numel(input) == 0) return empty_input(input, weight, bias);
  if (check_sizes(input, running_mean, running_var, weight, bias, training) != CT_OK) return NULL;
  if (check_not_differentiable(running_mean, "running_mean") != CT_OK ||
      check_not_differentiable(running_var, "running_var") != CT_OK)
    return NULL;
  if (input->ndim < 2) { // input.size(1) in the kernel
    if (input->ndim == 0)
      return ct__error_null(CT_ERR_INDEX, "Dimension specified as 1 but tensor has no dimensions");
    return ct__error_null(CT_ERR_INDEX, "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  }
  if (ct__check_same_device_args(
          "wrapper__native_batch_norm", 5, (const ct_tensor *[]){input, weight, bias, running_mean, running_var},
          (const char *[]){"input", "weight", "bias", "running_mean", "running_var"}, 5) != CT_OK)
    return NULL;
  if (ct__norm_check_floating(input, "batch_norm") != CT_OK ||
      check_dtypes(input, (const ct_tensor *[]){weight, bias, running_mean, running_var}) != CT_OK)
    return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *out = ct_keep(run(input, running_mean, running_var, weight, bias, training, momentum, eps));
  ct_scope_close(s);
  return out;
}

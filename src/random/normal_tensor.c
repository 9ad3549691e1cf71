// torch.normal with a tensor mean and/or std: N(0, 1) (or N(0, std)) draws into a new
// tensor, then scaled and shifted with PyTorch's in-place ops, as its normal_out_impl
// computes them. Their gradients are zero (NormalBackward1/2/3).
#include <string.h>
#include "autograd/node.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/sampling.h"
#include "ctorch/scope.h"
#include "random/generator.h"
#include "random/inplace.h"
#include "ctorch/device.h"

// Zeros for every input that requires grad, as PyTorch defines these derivatives.
static ct_status zeros_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  for (int i = 0; i < node->num_next; i++) {
    if (!node->next[i]) continue;
    grad_in[i] = ct_new_zeros(grad, node->inputs[i].ndim, node->inputs[i].shape, grad->dtype);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

// PyTorch's CHECK_NORMAL_TENSOR_STD: every element of std >= 0 (NaN fails).
static ct_status check_std_tensor(ct_tensor *std) {
  if (ct_numel(std) == 0) return CT_OK;
  double min = 0;
  if (ct_item(ct_min(std), &min) != CT_OK) return ct_last_status();
  return min >= 0 ? CT_OK : ct__error(CT_ERR_ARG, "normal expects all elements of std >= 0.0");
}

// out (new, of `shape` and `dtype`) = N(0, 1) * std + mean, with std / mean NULL for the
// float forms (std_value / mean_value), in PyTorch's order of operations.
static ct_tensor *draw(ct_dtype dtype, int ndim, const int64_t *shape, ct_tensor *mean, double mean_value,
                       ct_tensor *std, double std_value, ct_generator *gen) {
  ct_tensor *out = ct__alloc(dtype, ndim, shape);
  if (!out) return NULL;
  ct_status st;
  if (!std) { // normal_(0, std) + mean
    st = ct__normal_fill(out, 0, std_value, gen);
    if (st == CT_OK && !ct_add_(out, mean)) st = ct_last_status();
  } else {    // normal_(0, 1) * std + mean
    st = ct__normal_fill(out, 0, 1, gen);
    if (st == CT_OK && !ct_mul_(out, std)) st = ct_last_status();
    ct_tensor *m = st == CT_OK ? (mean ? mean : ct_scalar(mean_value, dtype)) : NULL;
    if (st == CT_OK && !ct_add_(out, m)) st = ct_last_status();
  }
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// The three forms: checks, the draw in a scope of its own, the node.
static ct_tensor *normal_impl(ct_tensor *mean, double mean_value, ct_tensor *std, double std_value,
                              ct_generator *gen) {
  ct_tensor *like = mean ? mean : std;
  if (ct__check_device(like) != CT_OK) return NULL;
  if (!std && !(std_value >= 0.0))
    return ct__error_null(CT_ERR_ARG, "normal expects std >= 0.0, but found std %g", std_value);
  bool was = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  ct_tensor *out = NULL;
  int ndim = like->ndim;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, like->shape, sizeof shape);
  if (s && (!std || check_std_tensor(std) == CT_OK) &&
      (!mean || !std || ct__broadcast_shapes(mean->ndim, mean->shape, std->ndim, std->shape, &ndim, shape) == CT_OK))
    out = draw(like->dtype, ndim, shape, mean, mean_value, std, std_value, gen);
  ct_grad_mode_restore(was);
  if (!s || ct__close_keeping(s, &out, 1) != CT_OK || !out) return NULL;
  ct_tensor *inputs[2];
  int n = 0;
  if (mean) inputs[n++] = mean;
  if (std) inputs[n++] = std;
  const char *name = mean && std ? "NormalBackward3" : mean ? "NormalBackward1" : "NormalBackward2";
  if (ct__record(out, name, zeros_backward, n, inputs, 0, NULL, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_normal_tensor_gen(ct_tensor *mean, ct_tensor *std, ct_generator *gen) {
  CT_CHECK_NULL(mean);
  CT_CHECK_NULL(std);
  return normal_impl(mean, 0, std, 0, gen);
}
ct_tensor *ct_normal_tensor(ct_tensor *mean, ct_tensor *std) { return ct_normal_tensor_gen(mean, std, NULL); }

ct_tensor *ct_normal_mean_tensor_gen(ct_tensor *mean, double std, ct_generator *gen) {
  CT_CHECK_NULL(mean);
  return normal_impl(mean, 0, NULL, std, gen);
}
ct_tensor *ct_normal_mean_tensor(ct_tensor *mean, double std) { return ct_normal_mean_tensor_gen(mean, std, NULL); }

ct_tensor *ct_normal_std_tensor_gen(double mean, ct_tensor *std, ct_generator *gen) {
  CT_CHECK_NULL(std);
  return normal_impl(NULL, mean, std, 0, gen);
}
ct_tensor *ct_normal_std_tensor(double mean, ct_tensor *std) { return ct_normal_std_tensor_gen(mean, std, NULL); }

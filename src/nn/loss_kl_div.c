// F.kl_div: PyTorch 1.13's composite of public ops, so the grad_fn graph is PyTorch's:
//   log_target: exp(target) * (target - input)
//   otherwise:  xlogy(target, target) - target * input
// then mean / sum, and for 'batchmean' the sum divided by input.size(0).
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "autograd/node.h"
#include "ctorch.h"
#include "nn/scoped_result.h"
#include "nn/loss_internal.h"
#include "ops/sum_to.h"

// xlogy(t, t) = t == 0 ? 0 : t * log(t), recorded as PyTorch's XlogyBackward0 with both
// edges on t. Its gradients (PyTorch's formulas): self g * xlogy(t != 0, t), other
// g * t / t (NaN at t == 0, as in PyTorch).
static ct_status xlogy_self_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *t = ct__saved(node, 0);
  if (!t) return ct_last_status();
  ct_tensor *zero = ct_scalar(0, t->dtype);
  ct_tensor *dself = ct_mul(grad, ct_where(ct_ne_scalar(t, 0), ct_log(t), zero));
  ct_tensor *dother = ct_div(ct_mul(grad, t), t);
  grad_in[0] = dself ? ct__grad_for_input(node, 0, dself) : NULL;
  grad_in[1] = dother ? ct__grad_for_input(node, 1, dother) : NULL;
  return grad_in[0] && grad_in[1] ? CT_OK : ct_last_status();
}

static ct_tensor *xlogy_self(ct_tensor *t) {
  bool prev = ct_no_grad_enter();
  ct_tensor *out = ct_where(ct_eq_scalar(t, 0), ct_scalar(0, t->dtype), ct_mul(t, ct_log(t)));
  ct_grad_mode_restore(prev);
  if (!out) return NULL;
  ct_tensor *inputs[2] = {t, t};
  return ct__record(out, "XlogyBackward0", xlogy_self_backward, 2, inputs, 1, &t, NULL) == CT_OK ? out : NULL;
}

static ct_tensor *kl_div(ct_tensor *input, ct_tensor *target, ct_reduction reduction, bool log_target) {
  if (!ct_dtype_is_floating(input->dtype) || !ct_dtype_is_floating(target->dtype))
    return ct__error_null(CT_ERR_RUNTIME, "kl_div: Integral inputs not supported.");
  bool batchmean = reduction == CT_REDUCTION_BATCHMEAN;
  if (!batchmean && !ct__loss_reduction_ok(reduction)) return NULL;
  ct_tensor *loss = log_target ? ct_mul(ct_exp(target), ct_sub(target, input))
                               : ct_sub(xlogy_self(target), ct_mul(target, input));
  if (reduction == CT_REDUCTION_MEAN) return ct_mean(loss);
  if (reduction == CT_REDUCTION_NONE) return loss;
  loss = ct_sum(loss);
  if (!batchmean || input->ndim == 0) return loss;
  return ct_div(loss, ct_scalar((double)input->shape[0], CT_INT64)); // reduced / input.size()[0]
}

ct_tensor *ct_kl_div(ct_tensor *input, ct_tensor *target, ct_reduction reduction, bool log_target) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  ct_scope *s = ct_scope_open();
  return s ? ct__nn_keep_result(s, kl_div(input, target, reduction, log_target)) : NULL;
}

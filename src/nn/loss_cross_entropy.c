// F.cross_entropy with class-index targets: nll_loss(log_softmax(input, class dim)), the
// label-smoothed variant computed by the same fused nll pass (loss_nll.c).
#include "core/error_impl.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "nn/loss_internal.h"

ct_tensor *ct_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                            double label_smoothing, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (ct_dtype_is_floating(target->dtype))
    return ct__error_null(CT_ERR_ARG, "cross_entropy: class-probability targets are not supported; pass int64 "
                                      "class indices");
  if (label_smoothing > 1.0)
    return ct__error_null(CT_ERR_RUNTIME, "label_smoothing must be between 0.0 and 1.0. Got: %g", label_smoothing);
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *log_probs = ct_log_softmax(input, input->ndim == 1 ? 0 : 1);
  ct_tensor *out = ct_keep(ct__nll_loss(log_probs, target, weight, ignore_index, label_smoothing > 0 ? label_smoothing : 0,
                                        reduction));
  ct_scope_close(scope);
  return out;
}

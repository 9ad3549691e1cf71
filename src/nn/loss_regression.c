// Regression losses: F.mse_loss (PyTorch's fused kernel, bit-exact in float32) and
// F.l1_loss (composite sub/abs/mean in PyTorch 1.13; one fused node here).
// Input and target broadcast together, as F.mse_loss / F.l1_loss do after their warning.
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/scope.h"
#include "nn/loss_internal.h"

CT__POINTWISE_LOSS(mse, .node_name = {"MseLossBackward0", "MseLossBackward0", "MseLossBackward0"},
                   .kind = CT_LOSS_MSE)

CT__POINTWISE_LOSS(l1, .node_name = {"AbsBackward0", "MeanBackward0", "SumBackward0"},
                   .kind = CT_LOSS_L1)

// Broadcasts input with target; the loss is computed in the wider float dtype.
ct_tensor *ct__regression_loss(const ct_pointwise_loss *L, const char *kernel_name, ct_tensor *input,
                               ct_tensor *target, double param, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(input->ndim, input->shape, target->ndim, target->shape, &ndim, shape) != CT_OK)
    return NULL;
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){input, target}, false) != CT_OK) return NULL;
  ct_dtype dtype = input->dtype;
  if (ct_dtype_is_floating(target->dtype) && target->dtype > dtype) dtype = target->dtype;
  if (!ct_dtype_is_floating(dtype))
    return ct__error_null(CT_ERR_RUNTIME, "\"%s\" not implemented for '%s'", kernel_name,
                          ct__scalar_type_name(dtype));
  return ct__pointwise_loss_with(L, input, target, param, dtype, ndim, shape, reduction);
}

ct_tensor *ct_mse_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction) {
  return ct__regression_loss(&mse, "mse_cpu", input, target, 0, reduction);
}

// Integer l1_loss is PyTorch's composite (input - target).abs() reduced: 'none' and 'sum'
// stay integers, 'mean' fails as mean() of an integer tensor does.
static ct_tensor *integer_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction) {
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *loss = ct_abs(ct_sub(input, target));
  if (reduction == CT_REDUCTION_SUM) loss = ct_sum(loss);
  else if (reduction == CT_REDUCTION_MEAN) loss = ct_mean(loss);
  ct_keep(loss);
  ct_scope_close(s);
  return loss;
}

ct_tensor *ct_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct_dtype_is_floating(input->dtype) && !ct_dtype_is_floating(target->dtype)) {
    if (!ct__loss_reduction_ok(reduction)) return NULL;
    return integer_l1_loss(input, target, reduction);
  }
  return ct__regression_loss(&l1, "abs_cpu", input, target, 0, reduction);
}

// F.smooth_l1_loss and F.huber_loss: elementwise losses with a parameter (beta, delta),
// PyTorch's fused kernels (SmoothL1LossBackward0, HuberLossBackward0 for every reduction).
#include "core/error_impl.h"
#include "core/layout.h"
#include "core/tensor_impl.h"
#include "ctorch/view.h"
#include "ctorch/nn_extra.h"
#include "nn/loss_internal.h"
#include "nn/scoped_result.h"

CT__POINTWISE_LOSS(smooth_l1,
                   .node_name = {"SmoothL1LossBackward0", "SmoothL1LossBackward0", "SmoothL1LossBackward0"},
                   .kind = CT_LOSS_SMOOTH_L1)

CT__POINTWISE_LOSS(huber, .node_name = {"HuberLossBackward0", "HuberLossBackward0", "HuberLossBackward0"},
                   .kind = CT_LOSS_HUBER)

static bool has_shape(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (t->ndim != ndim) return false;
  for (int d = 0; d < ndim; d++)
    if (t->shape[d] != shape[d]) return false;
  return true;
}

// F.smooth_l1_loss / F.huber_loss broadcast input and target first (torch.broadcast_tensors:
// ExpandBackward0 on an operand whose shape changes), then run the kernel.
static ct_tensor *broadcast_loss(const ct_pointwise_loss *L, const char *kernel, ct_tensor *input,
                                 ct_tensor *target, double param, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(input->ndim, input->shape, target->ndim, target->shape, &ndim, shape) != CT_OK)
    return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *x = has_shape(input, ndim, shape) ? input : ct_expand(input, ndim, shape);
  ct_tensor *t = has_shape(target, ndim, shape) ? target : ct_expand(target, ndim, shape);
  return ct__nn_keep_result(s, x && t ? ct__regression_loss(L, kernel, x, t, param, reduction) : NULL);
}

ct_tensor *ct_smooth_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double beta) {
  if (input && target && !(beta >= 0))
    return ct__error_null(CT_ERR_RUNTIME, "smooth_l1_loss does not support negative values for beta.");
  return broadcast_loss(&smooth_l1, "smooth_l1_cpu", input, target, beta, reduction);
}

ct_tensor *ct_huber_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double delta) {
  if (input && target && !(delta > 0))
    return ct__error_null(CT_ERR_RUNTIME, "huber_loss does not support non-positive values for delta.");
  ct_tensor *out = broadcast_loss(&huber, "huber_cpu", input, target, delta, reduction);
  // PyTorch computes into empty_like(input): a float input keeps its dtype.
  if (out && ct_dtype_is_floating(input->dtype) && out->dtype != input->dtype) return ct_to_dtype(out, input->dtype);
  return out;
}

// F.binary_cross_entropy_with_logits: argument checks and dtype promotion; the loops
// (PyTorch 1.13's stable formula) are the loss kernel family's CT_LOSS_BCE_LOGITS.
#include <string.h>
#include "core/device.h"
#include "core/error_impl.h"
#include "nn/loss_internal.h"

CT__POINTWISE_LOSS(bce_logits,
                   .node_name = {"BinaryCrossEntropyWithLogitsBackward0",
                                 "BinaryCrossEntropyWithLogitsBackward0",
                                 "BinaryCrossEntropyWithLogitsBackward0"},
                   .kind = CT_LOSS_BCE_LOGITS)

ct_tensor *ct_binary_cross_entropy_with_logits(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                               ct_tensor *pos_weight, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  if (input->ndim != target->ndim || memcmp(input->shape, target->shape, (size_t)input->ndim * sizeof(int64_t))) {
    char a[256], b[256];
    ct__loss_size_str(target, a, sizeof a);
    ct__loss_size_str(input, b, sizeof b);
    return ct__error_null(CT_ERR_ARG, "Target size (%s) must be the same as input size (%s)", a, b);
  }
  // A composite of elementwise ops in PyTorch: TensorIterator's device rule.
  if (ct__check_same_device(NULL, 4, (const ct_tensor *[]){input, target, weight, pos_weight}, false) != CT_OK)
    return NULL;
  const char *op = "binary_cross_entropy_with_logits";
  if (ct__loss_check_floating(input, op) != CT_OK || ct__loss_check_floating(target, op) != CT_OK) return NULL;
  ct_dtype dtype = target->dtype > input->dtype ? target->dtype : input->dtype; // composite ops promote
  if (ct__loss_check_weight(weight, op, "weight", input->ndim, input->shape, false) != CT_OK ||
      ct__loss_check_weight(pos_weight, op, "pos_weight", input->ndim, input->shape, true) != CT_OK)
    return NULL;
  return ct__pointwise_loss(&bce_logits, input, target, weight, pos_weight, dtype, input->ndim,
                            input->shape, reduction);
}

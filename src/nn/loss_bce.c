// Binary cross entropy (F.binary_cross_entropy): argument checks in PyTorch's order; the
// loops (PyTorch 1.13's CPU kernel exactly: glibc log, each log clamped at -100, log(1-x)
// rather than log1p, every product rounded; parity sheet section 9) are the loss kernel
// family's CT_LOSS_BCE.
#include <string.h>
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "nn/loss_internal.h"

CT__POINTWISE_LOSS(bce,
                   .node_name = {"BinaryCrossEntropyBackward0", "BinaryCrossEntropyBackward0",
                                 "BinaryCrossEntropyBackward0"},
                   .kind = CT_LOSS_BCE)

ct_tensor *ct_binary_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                   ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  if (input->ndim != target->ndim || ct_numel(input) != ct_numel(target) ||
      memcmp(input->shape, target->shape, (size_t)input->ndim * sizeof(int64_t))) {
    char a[256], b[256];
    ct__loss_size_str(target, a, sizeof a);
    ct__loss_size_str(input, b, sizeof b);
    return ct__error_null(CT_ERR_ARG,
                          "Using a target size (%s) that is different to the input size (%s) is deprecated. "
                          "Please ensure they have the same size.",
                          a, b);
  }
  if (ct__check_same_device_args("wrapper__binary_cross_entropy", 3, (const ct_tensor *[]){input, target, weight},
                                 (const char *[]){"self", "target", "weight"}, 3) != CT_OK)
    return NULL;
  if (ct__loss_check_floating(input, "binary_cross_entropy") != CT_OK) return NULL;
  if (target->dtype != input->dtype)
    return ct__error_null(CT_ERR_RUNTIME, "Found dtype %s but expected %s",
                          ct__scalar_type_name(target->dtype), ct__scalar_type_name(input->dtype));
  if (ct__loss_check_weight(weight, "binary_cross_entropy", "weight", input->ndim, input->shape, false) != CT_OK)
    return NULL;
  return ct__pointwise_loss(&bce, input, target, weight, NULL, input->dtype, input->ndim, input->shape,
                            reduction);
}

// fill_ and zero_: in place, with PyTorch's leaf check; on a tensor that requires grad
// they record FillBackward2 / ZeroBackward0 (the old values get a zero gradient).
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ops/elementwise_internal.h"
#include "ops/view_internal.h"

static ct_status zero_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__zeros_for_input(node, 0, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *fill(ct_tensor *a, double value, const char *name) {
  CT_CHECK_NULL(a);
  ct__element checked;
  if (ct__ew_check_inplace(a, a->dtype) != CT_OK || ct__checked_element(value, a->dtype, &checked) != CT_OK)
    return NULL;
  if (ct__fill(a, value) != CT_OK) return NULL;
  ct__bump_version(a);
  if (ct__record(a, name, zero_backward, 1, &a, 0, NULL, NULL) != CT_OK) return NULL;
  return a;
}

ct_tensor *ct_fill_(ct_tensor *a, double value) { return fill(a, value, "FillBackward2"); }
ct_tensor *ct_zero_(ct_tensor *a) { return fill(a, 0, "ZeroBackward0"); }

// Helpers shared by backward functions.
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/reduce.h"
#include "ops/view_internal.h"

ct_tensor *ct__grad_for_input(const ct_node *node, int i, ct_tensor *grad) {
  CT_CHECK_NULL(grad);
  const ct_input_meta *m = &node->inputs[i];
  bool same = grad->ndim == m->ndim && !memcmp(grad->shape, m->shape, (size_t)m->ndim * sizeof(int64_t));
  if (same) return grad->dtype == m->dtype ? grad : ct__copy_as(grad, m->dtype);
  // Undo broadcasting as PyTorch's sum_to does: one sum over the leading dims and the
  // dims where the input had size 1 (so float32 sums use the same cascade order).
  int lead = grad->ndim - m->ndim;
  if (lead < 0) return ct__error_null(CT_ERR_RUNTIME, "internal: gradient has fewer dims than its input");
  int dims[CT_MAX_DIMS], n = 0;
  for (int d = 0; d < grad->ndim; d++)
    if (d < lead || (m->shape[d - lead] == 1 && grad->shape[d] != 1)) dims[n++] = d;
  ct_tensor *summed = n ? ct_sum_dims(grad, dims, n, true) : grad;
  ct_tensor *out = summed ? ct__reshape_nograd(summed, m->ndim, m->shape) : NULL;
  if (!out) return NULL;
  return out->dtype == m->dtype ? out : ct__copy_as(out, m->dtype);
}

// Helpers shared by backward functions.
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/error_impl.h"

ct_tensor *ct__grad_for_input(const ct_node *node, int i, ct_tensor *grad) {
  CT_CHECK_NULL(grad);
  const ct_input_meta *m = &node->inputs[i];
  bool same = grad->ndim == m->ndim && !memcmp(grad->shape, m->shape, (size_t)m->ndim * sizeof(int64_t));
  if (same) return grad->dtype == m->dtype ? grad : ct__copy_as(grad, m->dtype);
  // Undo broadcasting: sum over leading dims and over dims where the input had size 1,
  // by accumulating grad into a stride-0 view of a zero tensor of the input's shape.
  ct_tensor *out = ct__alloc(grad->dtype, m->ndim, m->shape);
  if (!out) return NULL;
  ct__fill(out, 0.0);
  int64_t strides[CT_MAX_DIMS];
  int lead = grad->ndim - m->ndim;
  if (lead < 0) {
    ct__drop(out);
    return ct__error_null(CT_ERR_RUNTIME, "internal: gradient has fewer dims than its input");
  }
  for (int d = 0; d < grad->ndim; d++) {
    int md = d - lead;
    strides[d] = (md >= 0 && m->shape[md] != 1) ? out->strides[md] : 0;
  }
  ct_tensor *spread = ct__make_view(out, grad->ndim, grad->shape, strides, 0);
  if (!spread || ct__accumulate_into(spread, grad) != CT_OK) {
    ct__drop(spread);
    ct__drop(out);
    return NULL;
  }
  ct__drop(spread);
  return out->dtype == m->dtype ? out : ct__copy_as(out, m->dtype);
}

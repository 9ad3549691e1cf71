// PyTorch's sum_to for gradients of broadcast inputs (see sum_to.h).
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

ct_tensor *ct__sum_to_shape(ct_tensor *grad, int ndim, const int64_t *shape) {
  const int lead = grad->ndim - ndim;
  if (lead < 0) return ct__error_null(CT_ERR_RUNTIME, "internal: gradient has fewer dims than its input");
  int dims[CT_MAX_DIMS], n = 0;
  for (int d = 0; d < grad->ndim; d++)
    if (d < lead || (shape[d - lead] == 1 && grad->shape[d] != 1)) dims[n++] = d;
  if (n == 0) return grad;
  if (n == lead) return ct_sum_dims(grad, dims, n, false); // leading dims only: already the shape
  ct_tensor *sum = ct_sum_dims(grad, dims, n, true);
  ct_tensor *out = !sum ? NULL : ct__create_graph() ? ct_reshape(sum, ndim, shape) : ct__reshape_nograd(sum, ndim, shape);
  ct__drop(sum); // the reshape is a view of it (sum is contiguous)
  return out;
}

ct_tensor *ct__grad_for_input(const ct_node *node, int i, ct_tensor *grad) {
  CT_CHECK_NULL(grad);
  const ct_input_meta *m = &node->inputs[i];
  bool same = grad->ndim == m->ndim && !memcmp(grad->shape, m->shape, (size_t)m->ndim * sizeof(int64_t));
  ct_tensor *out = same ? grad : ct__sum_to_shape(grad, m->ndim, m->shape);
  if (!out) return NULL;
  if (out->dtype == m->dtype) return out;
  return ct__create_graph() ? ct_to_dtype(out, m->dtype) : ct__copy_as(out, m->dtype);
}

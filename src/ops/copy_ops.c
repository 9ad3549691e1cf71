// Copies with autograd: contiguous, clone, dtype conversion, copy_.
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/view.h"
#include "kernels/iter.h"
#include "ops/view_internal.h"

// CloneBackward0 and ToCopyBackward0: the gradient passes through (converted back to
// the input's dtype by ct__grad_for_input).
static ct_status pass_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__grad_for_input(node, 0, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *copy_recorded(ct_tensor *t, ct_dtype dtype, const char *name) {
  ct_tensor *out = ct__copy_as(t, dtype);
  if (!out) return NULL;
  if (ct_dtype_is_floating(dtype) && ct__record(out, name, pass_back, 1, &t, 0, NULL, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_clone(ct_tensor *t) {
  CT_CHECK_NULL(t);
  return copy_recorded(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct_contiguous(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (ct_is_contiguous(t)) return ct__register(ct_retain(t));
  return ct_clone(t);
}

ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype) {
  CT_CHECK_NULL(t);
  if ((unsigned)dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid dtype %d", (int)dtype);
  if (t->dtype == dtype) return ct__register(ct_retain(t));
  return copy_recorded(t, dtype, "ToCopyBackward0");
}

ct_status ct_copy_(ct_tensor *dst, const ct_tensor *src) {
  if (!dst || !src) return ct__error(CT_ERR_ARG, "copy_: tensor is NULL");
  if (dst->requires_grad && !dst->grad_fn && ct_is_grad_enabled())
    return ct__error(CT_ERR_RUNTIME, "a leaf Variable that requires grad is being used in an in-place operation.");
  int nd;
  int64_t shape[CT_MAX_DIMS];
  ct_status st = ct__broadcast_shapes(dst->ndim, dst->shape, src->ndim, src->shape, &nd, shape);
  if (st != CT_OK) return st;
  if (nd != dst->ndim || ct__numel_of(nd, shape) != ct_numel(dst)) {
    char a[256], b[256];
    ct__shape_to_str(src->ndim, src->shape, a, sizeof a);
    ct__shape_to_str(dst->ndim, dst->shape, b, sizeof b);
    return ct__error(CT_ERR_ARG, "output with shape %s doesn't match the broadcast shape %s", b, a);
  }
  return ct__copy_into(dst, src);
}

// Argument checks and small helpers shared by the losses.
#include <stdio.h>
#include <string.h>
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "kernels/iter.h"
#include "nn/loss_internal.h"

bool ct__loss_reduction_ok(ct_reduction reduction) {
  if (reduction == CT_REDUCTION_NONE || reduction == CT_REDUCTION_MEAN || reduction == CT_REDUCTION_SUM)
    return true;
  ct__error(CT_ERR_ARG, "%d is not a valid value for reduction", (int)reduction);
  return false;
}

ct_status ct__loss_check_floating(const ct_tensor *t, const char *op) {
  if (ct_dtype_is_floating(t->dtype)) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "\"%s\" not implemented for '%s'", op, ct__scalar_type_name(t->dtype));
}

void ct__loss_size_str(const ct_tensor *t, char *buf, size_t cap) {
  char dims[200];
  ct__shape_to_str(t->ndim, t->shape, dims, sizeof dims);
  snprintf(buf, cap, "torch.Size(%s)", dims);
}

static bool same_shape(const ct_tensor *t, int ndim, const int64_t *shape) {
  return t->ndim == ndim && !memcmp(t->shape, shape, (size_t)ndim * sizeof *shape);
}

ct_tensor *ct__loss_dense(ct_tensor *t, ct_dtype dtype, int ndim, const int64_t *shape) {
  if (t->dtype == dtype && same_shape(t, ndim, shape) && ct_is_contiguous(t)) return ct__register(ct_retain(t));
  // A stride-0 view spreads t over shape (the caller checked that t broadcasts to it).
  int64_t strides[CT_MAX_DIMS];
  int lead = ndim - t->ndim;
  for (int d = 0; d < ndim; d++) {
    int td = d - lead;
    strides[d] = (td >= 0 && t->shape[td] != 1) ? t->strides[td] : 0;
  }
  ct_tensor *spread = ct__make_view(t, ndim, shape, strides, t->offset);
  if (!spread) return NULL;
  ct_tensor *dense = ct__copy_as(spread, dtype);
  ct__drop(spread);
  return dense;
}

ct_status ct__loss_check_weight(const ct_tensor *w, const char *op, const char *arg, int ndim,
                                const int64_t *shape, bool w_first) {
  if (!w) return CT_OK;
  if (w->requires_grad && ct_is_grad_enabled())
    return ct__error(CT_ERR_RUNTIME,
                     "The function '%s' is not differentiable with respect to argument '%s'. This input "
                     "cannot have requires_grad True.",
                     op, arg);
  int nd;
  int64_t out[CT_MAX_DIMS];
  ct_status st = w_first ? ct__broadcast_shapes(w->ndim, w->shape, ndim, shape, &nd, out)
                         : ct__broadcast_shapes(ndim, shape, w->ndim, w->shape, &nd, out);
  if (st != CT_OK) return st;
  if (nd != ndim || memcmp(out, shape, (size_t)nd * sizeof *out)) {
    char a[256], b[256];
    ct__shape_to_str(ndim, shape, a, sizeof a);
    ct__shape_to_str(nd, out, b, sizeof b);
    return ct__error(CT_ERR_RUNTIME, "output with shape %s doesn't match the broadcast shape %s", a, b);
  }
  return CT_OK;
}

// F.cosine_similarity with PyTorch 1.13's formula, from public ops (so its grad_fn graph
// is PyTorch's): both inputs expanded to their broadcast shape, each divided by its norm
// sqrt(max(sum(x^2, dim), eps^2)) (the clamp in place without grad), then
// sum(x1n * x2n, dim).
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch.h"
#include "core/dtype_impl.h"
#include "core/layout.h"
#include "nn/scoped_result.h"
#include "ops/promotion.h"
#include <math.h>

static ct_tensor *normalized(ct_tensor *x, int dim, double eps) {
  ct_tensor *squared = ct_sum_dim(ct_pow_scalar(x, 2), dim, true);
  if (!squared) return NULL;
  bool prev = ct_no_grad_enter();
  ct_tensor *clamped = ct_clamp_(squared, eps * eps, NAN);
  ct_grad_mode_restore(prev);
  return clamped ? ct_div(x, ct_sqrt(squared)) : NULL;
}

static ct_tensor *cosine_similarity(ct_tensor *x1, ct_tensor *x2, int dim, double eps) {
  ct__promotion p = CT__PROMOTION_INIT;
  ct__promotion_add_tensor(&p, x1);
  ct__promotion_add_tensor(&p, x2);
  ct_dtype common = ct__promotion_result(&p);
  if (!ct_dtype_is_floating(common))
    return ct__error_null(CT_ERR_RUNTIME, "expected common dtype to be floating point, yet common dtype is %s",
                          ct__scalar_type_name(common));
  // Both in the common dtype first (ToCopyBackward0 for a float input converted).
  if (x1->dtype != common) x1 = ct_to_dtype(x1, common);
  if (x2->dtype != common) x2 = ct_to_dtype(x2, common);
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(x1->ndim, x1->shape, x2->ndim, x2->shape, &ndim, shape) != CT_OK) return NULL;
  x1 = ct_expand(x1, ndim, shape);
  x2 = ct_expand(x2, ndim, shape);
  if (!x1 || !x2) return NULL;
  return ct_sum_dim(ct_mul(normalized(x1, dim, eps), normalized(x2, dim, eps)), dim, false);
}

ct_tensor *ct_cosine_similarity(ct_tensor *x1, ct_tensor *x2, int dim, double eps) {
  CT_CHECK_NULL(x1);
  CT_CHECK_NULL(x2);
  ct_scope *s = ct_scope_open();
  return s ? ct__nn_keep_result(s, cosine_similarity(x1, x2, dim, eps)) : NULL;
}

// Type promotion: PyTorch's result_type over dimensioned tensors, 0-d tensors and
// wrapped scalars (c10's combine_categories), plus can_cast.
#include <math.h>
#include "ops/promotion.h"
#include "ctorch/ops.h"

static int promote_skip_undefined(int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return a > b ? a : b;
}

// `higher` wins unless `lower` is of a higher category (or higher is bool / undefined).
static int combine_categories(int higher, int lower) {
  if (higher >= 0 && ct_dtype_is_floating((ct_dtype)higher)) return higher;
  if (higher == CT_BOOL || (lower >= 0 && ct_dtype_is_floating((ct_dtype)lower)))
    return promote_skip_undefined(higher, lower);
  return higher >= 0 ? higher : lower;
}

void ct__promotion_add_tensor(ct__promotion *p, const ct_tensor *t) {
  if (t->ndim == 0) p->zero = promote_skip_undefined(p->zero, t->dtype);
  else p->dim = promote_skip_undefined(p->dim, t->dtype);
}

void ct__promotion_add_scalar(ct__promotion *p, double s, bool python_float) {
  p->wrapped = promote_skip_undefined(p->wrapped, ct__scalar_dtype(s, python_float));
}

ct_dtype ct__promotion_result(const ct__promotion *p) {
  int r = combine_categories(p->dim, combine_categories(p->zero, p->wrapped));
  return r < 0 ? CT_FLOAT32 : (ct_dtype)r;
}

bool ct__scalar_is_integral(double s) {
  return isfinite(s) && s == floor(s) && fabs(s) < 9223372036854775808.0;
}

ct_dtype ct__scalar_dtype(double s, bool python_float) {
  return !python_float && ct__scalar_is_integral(s) ? CT_INT64 : CT_FLOAT32;
}

ct_dtype ct__result_type_tt(const ct_tensor *a, const ct_tensor *b) {
  ct__promotion p = CT__PROMOTION_INIT;
  ct__promotion_add_tensor(&p, a);
  ct__promotion_add_tensor(&p, b);
  return ct__promotion_result(&p);
}

ct_dtype ct__result_type_ts(const ct_tensor *a, double s, bool python_float) {
  ct__promotion p = CT__PROMOTION_INIT;
  ct__promotion_add_tensor(&p, a);
  ct__promotion_add_scalar(&p, s, python_float);
  return ct__promotion_result(&p);
}

bool ct__can_cast(ct_dtype from, ct_dtype to) {
  if (ct_dtype_is_floating(from) && !ct_dtype_is_floating(to)) return false;
  if (from != CT_BOOL && to == CT_BOOL) return false;
  return true;
}

ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return a ? a->dtype : (b ? b->dtype : CT_FLOAT32);
  return ct__result_type_tt(a, b);
}

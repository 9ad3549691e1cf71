// Comparisons (bool results, compared in the promoted dtype), logical and/or/not on
// truthiness, and where(cond, a, b) with WhereBackward0.
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ops/elementwise_internal.h"
#include "ops/sum_to.h"

static ct_tensor *compare(ct_ew_compare_op op, ct_tensor *a, ct__ew_arg b) {
  CT_CHECK_NULL(a);
  ct_dtype dt = b.t ? ct__result_type_tt(a, b.t) : ct__result_type_ts(a, b.s, b.python_float);
  return ct__ew_apply(ct__ew_kernels(a)->compare[op][dt], 2, (ct__ew_arg[]){CT__EW_T(a), b}, dt, CT_BOOL, NULL,
                      NULL);
}

#define COMPARE_API(NAME, OP)                                                                   \
  ct_tensor *ct_##NAME(ct_tensor *a, ct_tensor *b) {                                            \
    CT_CHECK_NULL(b);                                                                           \
    return compare(OP, a, CT__EW_T(b));                                                         \
  }                                                                                             \
  ct_tensor *ct_##NAME##_scalar(ct_tensor *a, double s) { return compare(OP, a, CT__EW_F(s)); }
COMPARE_API(eq, CT_EW_EQ)
COMPARE_API(ne, CT_EW_NE)
COMPARE_API(lt, CT_EW_LT)
COMPARE_API(le, CT_EW_LE)
COMPARE_API(gt, CT_EW_GT)
COMPARE_API(ge, CT_EW_GE)

ct_tensor *ct_logical_and(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(b);
  return compare(CT_EW_LOGICAL_AND, a, CT__EW_T(b));
}
ct_tensor *ct_logical_or(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(b);
  return compare(CT_EW_LOGICAL_OR, a, CT__EW_T(b));
}
ct_tensor *ct_logical_not(ct_tensor *a) {
  CT_CHECK_NULL(a);
  return ct__ew_apply(ct__ew_kernels(a)->logical_not[a->dtype], 1, (ct__ew_arg[]){CT__EW_T(a)}, a->dtype, CT_BOOL,
                      NULL, NULL);
}

// WhereBackward0: saved[0] = cond; self gets grad where cond, other where !cond.
static ct_status where_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *cond = ct__saved(node, 0);
  if (!cond) return ct_last_status();
  if (ct__create_graph()) { // where(cond, grad, 0), where(cond, 0, grad), recorded
    ct_tensor *zero = ct_scalar(0, grad->dtype);
    for (int i = 0; i < 2; i++)
      if (node->next[i] &&
          !(grad_in[i] = ct__grad_for_input(node, i, i == 0 ? ct_where(cond, grad, zero) : ct_where(cond, zero, grad))))
        return ct_last_status();
    return CT_OK;
  }
  const ct_loop_fn *loop = ct__ew_kernels(grad)->where;
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    ct__ew_arg args[3] = {CT__EW_MASK(cond), CT__EW_T(grad), CT__EW_S(0)};
    if (i == 1) {
      args[1] = CT__EW_S(0);
      args[2] = CT__EW_T(grad);
    }
    grad_in[i] = ct__ew_grad_for(node, i, loop, 3, args, 0, 0);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(cond);
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (cond->dtype != CT_BOOL)
    return ct__error_null(CT_ERR_RUNTIME, "where expected condition to be a boolean tensor, but got a tensor with dtype %s",
                          ct__scalar_type_name(cond->dtype));
  ct_dtype dt = ct__result_type_tt(a, b);
  ct__ew_grad g = {"WhereBackward0", where_backward, 2, {a, b, NULL}, 1, {cond, NULL, NULL}, -1};
  return ct__ew_compute(ct__ew_kernels(cond)->where[dt], 3, (ct__ew_arg[]){CT__EW_MASK(cond), CT__EW_T(a), CT__EW_T(b)}, dt,
                        dt, NULL, NULL, &g);
}

// all and any, over the whole tensor or one dim: PyTorch 1.13's results (bool; all of no
// elements is true, any false; NaN is not zero), composed of public ops: the elements
// that decide (zeros for all, non-zeros for any) counted by sum.
#include "core/device.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/sort.h"

static ct_tensor *logical_reduce(ct_tensor *t, int dim, bool keepdim, bool whole, bool is_all) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  ct_scope *s = ct_scope_open(); // temporaries die with it
  if (!s) return NULL;
  bool grad_mode = ct_no_grad_enter();
  ct_tensor *deciding = is_all ? ct_eq_scalar(t, 0) : ct_ne_scalar(t, 0);
  ct_tensor *count = whole ? ct_sum(deciding) : ct_sum_dim(deciding, dim, keepdim);
  ct_tensor *out = is_all ? ct_eq_scalar(count, 0) : ct_gt_scalar(count, 0);
  ct_grad_mode_restore(grad_mode);
  return ct__close_keeping(s, &out, 1) == CT_OK ? out : NULL;
}

ct_tensor *ct_all(ct_tensor *t) { return logical_reduce(t, 0, false, true, true); }
ct_tensor *ct_all_dim(ct_tensor *t, int dim, bool keepdim) { return logical_reduce(t, dim, keepdim, false, true); }
ct_tensor *ct_any(ct_tensor *t) { return logical_reduce(t, 0, false, true, false); }
ct_tensor *ct_any_dim(ct_tensor *t, int dim, bool keepdim) { return logical_reduce(t, dim, keepdim, false, false); }

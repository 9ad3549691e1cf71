// masked_fill (out of place): x's values, or `value` where the broadcast mask is true.
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "core/layout.h"
#include "autograd/linear_backward.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "ops/index_internal.h"
#include "ops/sum_to.h"

// PyTorch's C++ type names, as its mask-dtype message prints them.
static const char *cpp_type_name(ct_dtype dtype) {
  switch (dtype) {
  case CT_INT32: return "int";
  case CT_INT64: return "long int";
  case CT_FLOAT32: return "float";
  case CT_FLOAT64: return "double";
  default: return "bool";
  }
}

// out = mask ? value : x over out's shape (x and mask broadcast to it).
static void fill_into(ct_tensor *out, const ct_tensor *x, const ct_tensor *mask, const ct__element *value) {
  ct_iter it;
  ct_operand ops[3];
  ct__operand_set(&ops[0], out), ct__operand_set(&ops[1], x), ct__operand_set(&ops[2], mask);
  ct__iter_build(&it, 3, ops);
  ct__iter_run(&it, ct__index_kernels(x)->masked_fill[out->dtype], (void *)value, true);
}

// MaskedFillBackward0: saved[0] = mask. Filled positions get no gradient.
static ct_tensor *masked_fill_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *mask = ct__saved(node, 0);
  return mask ? ct_masked_fill(v, mask, 0.0) : NULL;
}

static ct_status masked_fill_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, masked_fill_jvp);
  ct_tensor *mask = ct__saved(node, 0);
  if (!mask) return ct_last_status();
  ct_tensor *g = ct__alloc(grad->dtype, grad->ndim, grad->shape);
  ct__element zero = {0};
  if (!g) return ct_last_status();
  fill_into(g, grad, mask, &zero);
  grad_in[0] = ct__grad_for_input(node, 0, g); // sums over dims the mask broadcast x to
  return grad_in[0] ? CT_OK : ct_last_status();
}

ct_tensor *ct_masked_fill(ct_tensor *x, ct_tensor *mask, double value) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(mask);
  if (ct__check_mask_device(x, mask) != CT_OK) return NULL;
  if (mask->dtype != CT_BOOL)
    return ct__error_null(CT_ERR_ARG, "masked_fill_ only supports boolean masks, but got mask with dtype %s",
                          cpp_type_name(mask->dtype));
  ct__element bits;
  if (ct__checked_element(value, x->dtype, &bits) != CT_OK) return NULL;
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(mask->ndim, mask->shape, x->ndim, x->shape, &nd, shape) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(x->dtype, nd, shape);
  if (!out) return NULL;
  fill_into(out, x, mask, &bits);
  if (ct__record(out, "MaskedFillBackward0", masked_fill_back, 1, &x, 1, &mask, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

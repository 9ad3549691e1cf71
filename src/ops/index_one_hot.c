// F.one_hot: zeros of shape indices.shape + [num_classes] with a 1 scattered per index.
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/index.h"
#include "ops/index_internal.h"

ct_tensor *ct_one_hot(ct_tensor *indices, int64_t num_classes) {
  CT_CHECK_NULL(indices);
  if (ct__check_device(indices) != CT_OK) return NULL;
  if (indices->dtype != CT_INT64) return ct__error_null(CT_ERR_ARG, "one_hot is only applicable to index tensor.");
  int nd = indices->ndim + 1;
  if (nd > CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  int64_t shape[CT_MAX_DIMS], idx_strides[CT_MAX_DIMS], zero[CT_MAX_DIMS] = {0};
  for (int d = 0; d < indices->ndim; d++) {
    shape[d] = indices->shape[d];
    idx_strides[d] = indices->strides[d];
  }
  if (ct_numel(indices) == 0) {
    if (num_classes <= 0)
      return ct__error_null(CT_ERR_ARG, "Can not infer total number of classes from empty tensor.");
    shape[nd - 1] = num_classes;
    return ct_zeros(nd, shape, CT_INT64);
  }
  ct_index_scan scan;
  ct__index_scan(indices, INT64_MIN, INT64_MAX, &scan); // only min and max are wanted
  if (scan.min < 0) return ct__error_null(CT_ERR_ARG, "Class values must be non-negative.");
  if (num_classes == -1) {
    if (!ct__add_ok(scan.max, 1, &num_classes))
      return ct__error_null(CT_ERR_MEMORY,
                            "one_hot: the number of classes (the largest class value %lld plus 1) is too large",
                            (long long)scan.max);
  } else if (num_classes <= scan.max)
    return ct__error_null(CT_ERR_ARG, "Class values must be smaller than num_classes.");
  shape[nd - 1] = num_classes;
  ct_tensor *out = ct_zeros(nd, shape, CT_INT64);
  ct_tensor *one = ct_scalar(1, CT_INT64);
  ct_status st = out && one ? CT_OK : ct_last_status();
  if (st == CT_OK) {
    // out.scatter_(-1, indices.unsqueeze(-1), 1): index and the broadcast 1 get a size-1 last dim.
    shape[nd - 1] = 1;
    idx_strides[nd - 1] = 0;
    const ct_operand out_op = ct__operand(out), index_op = ct__operand_as(indices, nd, shape, idx_strides),
                     one_op = ct__operand_as(one, nd, shape, zero);
    ct__scatter_add_operands(&out_op, nd - 1, &index_op, &one_op);
  }
  ct__drop(one);
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

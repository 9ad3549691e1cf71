// x[index] (int64 indices and bool masks) and index_select: rows taken along one dim.
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "autograd/linear_backward.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "ops/index_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// x's shape with its first k dims flattened into one (k = 0 inserts a size-1 dim).
static int flat_shape(int ndim, const int64_t *shape, int k, int64_t *out) {
  int64_t lead = 1;
  for (int d = 0; d < k; d++) lead *= shape[d];
  out[0] = lead;
  for (int d = k; d < ndim; d++) out[1 + d - k] = shape[d];
  return ndim - k + 1;
}

// IndexBackward0 arguments.
typedef struct index_args {
  int flat_dims; // leading dims of the input the positions run along, flattened into one
} index_args;

// IndexBackward0: saved[0] = positions (int64) along the input's first flat_dims dims,
// flattened; the gradient rows are added back at those positions.
static ct_tensor *take_flat(ct_tensor *x, int k, ct_tensor *pos);

static ct_tensor *index_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *pos = ct__saved(node, 0);
  return pos ? take_flat(v, ct__node_args(node, index_args)->flat_dims, pos) : NULL;
}

static ct_status index_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, index_jvp);
  const ct_input_meta *m = &node->inputs[0];
  ct_tensor *pos = ct__saved(node, 0);
  if (!pos) return ct_last_status();
  int64_t flat[CT_MAX_DIMS + 1], strides[CT_MAX_DIMS];
  int nd = flat_shape(m->ndim, m->shape, ct__node_args(node, index_args)->flat_dims, flat);
  const ct_operand pos_op = ct__operand(pos);
  ct_tensor *g = ct__take_backward(grad, nd, flat, 0, &pos_op, -1);
  if (!g) return ct_last_status();
  ct__contiguous_strides(m->ndim, m->shape, strides);
  grad_in[0] = ct__make_view(g, m->ndim, m->shape, strides, 0);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Takes pos (int64, in range) along dim 0 of x viewed with its first k dims flattened,
// and records IndexBackward0. Consumes nothing: the caller drops its temporaries.
static ct_tensor *take_flat(ct_tensor *x, int k, ct_tensor *pos) {
  int64_t flat[CT_MAX_DIMS + 1], strides[CT_MAX_DIMS];
  int nd = flat_shape(x->ndim, x->shape, k, flat);
  if (nd > CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  ct_tensor *copy = NULL; // only when x's leading dims cannot be flattened as a view
  ct_operand src;
  if (k == 1) {
    src = ct__operand(x);
  } else if (ct__view_strides(x->ndim, x->shape, x->strides, nd, flat, strides)) {
    src = ct__operand_as(x, nd, flat, strides);
  } else {
    copy = ct__copy_as(x, x->dtype);
    if (!copy) return NULL;
    ct__contiguous_strides(nd, flat, strides);
    src = ct__operand_as(copy, nd, flat, strides);
  }
  const ct_operand pos_op = ct__operand(pos);
  ct_tensor *out = ct__take(&src, 0, &pos_op);
  ct__drop(copy);
  ct_node *node;
  out = ct__index_record(out, "IndexBackward0", index_back, x, pos, &node);
  if (node) *ct__node_args(node, index_args) = (index_args){.flat_dims = k};
  return out;
}

static ct_tensor *index_by_mask(ct_tensor *x, ct_tensor *mask) {
  int k = mask->ndim;
  if (k > x->ndim) return ct__error_null(CT_ERR_INDEX, "too many indices for tensor of dimension %d", x->ndim);
  for (int d = 0; d < k; d++)
    if (mask->shape[d] != x->shape[d]) {
      char a[256], b[256];
      CT_SHAPE_STR(mask, a);
      CT_SHAPE_STR(x, b);
      return ct__error_null(CT_ERR_INDEX,
                            "The shape of the mask %s at index %d does not match the shape of the indexed tensor %s at index %d",
                            a, d, b, d);
    }
  ct_tensor *dense = ct_is_contiguous(mask) ? mask : ct__copy_as(mask, CT_BOOL);
  if (!dense) return NULL;
  const ct_index_kernels *kern = ct__index_kernels(mask);
  int64_t n = ct_numel(mask);
  const bool *bits = (const bool *)ct__data(dense);
  ct_tensor *pos = ct__alloc(CT_INT64, 1, (const int64_t[]){kern->mask_positions(bits, n, NULL)});
  ct_tensor *out = NULL;
  if (pos) {
    kern->mask_positions(bits, n, (int64_t *)ct__data(pos));
    out = take_flat(x, k, pos);
  }
  ct__drop(pos);
  if (dense != mask) ct__drop(dense);
  return out;
}

ct_tensor *ct_index(ct_tensor *x, ct_tensor *index) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(index);
  if (index->dtype != CT_BOOL && index->dtype != CT_INT64)
    return ct__error_null(CT_ERR_INDEX, "tensors used as indices must be long, byte or bool tensors");
  if (ct__check_index_device(x, index) != CT_OK) return NULL;
  if (index->dtype == CT_BOOL) return index_by_mask(x, index);
  if (x->ndim == 0) return ct__error_null(CT_ERR_INDEX, "too many indices for tensor of dimension 0");
  int64_t size = x->shape[0], count = ct_numel(index);
  if (size == 0 && count > 0)
    return ct__error_null(CT_ERR_INDEX, "index is out of bounds for dimension with size 0");
  ct_index_scan scan = {.min = 0};
  // PyTorch checks values only when the result has elements (x has, since size > 0).
  if (count > 0 && ct_numel(x) > 0 && !ct__index_scan(index, -size, size, &scan))
    return ct__error_null(CT_ERR_INDEX, "index %lld is out of bounds for dimension 0 with size %lld",
                          (long long)scan.bad, (long long)size);
  ct_tensor *pos = scan.min < 0 ? ct__index_wrapped(index, size) : index;
  if (!pos) return NULL;
  ct_tensor *out = NULL;
  if (pos->ndim + x->ndim - 1 > CT_MAX_DIMS) {
    ct__error(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  } else {
    // An int64 index is a take along dim 0, i.e. "the first 1 dim flattened".
    out = take_flat(x, 1, pos);
  }
  if (pos != index) ct__drop(pos);
  return out;
}

// IndexSelectBackward0 arguments.
typedef struct index_select_args {
  int dim; // wrapped
} index_select_args;

// IndexSelectBackward0: saved[0] = the int64 index (0-d means one value).
static ct_tensor *index_select_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *idx = ct__saved(node, 0);
  return idx ? ct_index_select(v, ct__node_args(node, index_select_args)->dim, idx) : NULL;
}

static ct_status index_select_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, index_select_jvp);
  const ct_input_meta *m = &node->inputs[0];
  ct_tensor *idx = ct__saved(node, 0);
  if (!idx) return ct_last_status();
  if (m->ndim == 0) { // a 0-d input was copied whole
    grad_in[0] = ct__grad_for_input(node, 0, grad);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  const ct_operand idx_1d = ct__vector_operand(idx);
  const int dim = ct__node_args(node, index_select_args)->dim;
  grad_in[0] = ct__take_backward(grad, m->ndim, m->shape, dim, &idx_1d, -1);
  return grad_in[0] ? CT_OK : ct_last_status();
}

void *ct__index_select_range_error(const ct_tensor *x, int dim, int64_t bad) {
  // PyTorch's code paths word it differently: its dim-1 fast path and its check for inputs
  // without elements print the value.
  if (x->ndim > 1 && (dim == 1 || ct_numel(x) == 0))
    return ct__error_null(CT_ERR_INDEX, "INDICES element is out of DATA bounds, id=%lld axis_dim=%lld", (long long)bad,
                          (long long)x->shape[dim]);
  return ct__error_null(CT_ERR_INDEX, "index out of range in self");
}

ct_tensor *ct_index_select(ct_tensor *x, int dim, ct_tensor *index) {
  CT_CHECK_NULL(x);
  CT_CHECK_NULL(index);
  if (ct__check_same_device_args("wrapper__index_select", 2, (const ct_tensor *[]){x, index},
                                 (const char *[]){"self", "index"}, 2) != CT_OK)
    return NULL;
  int d = ct__wrap_dim(dim, x->ndim, false);
  if (d < 0) return NULL;
  if (index->ndim > 1) return ct__error_null(CT_ERR_INDEX, "index_select(): Index is supposed to be a vector");
  if (index->dtype != CT_INT64 && index->dtype != CT_INT32)
    return ct__error_null(CT_ERR_ARG, "index_select(): Expected dtype int32 or int64 for index");
  int64_t count = ct_numel(index);
  if (x->ndim == 0 && count != 1)
    return ct__error_null(CT_ERR_INDEX, "index_select(): Index to scalar can have only 1 value, got %lld value(s)",
                          (long long)count);
  int64_t size = x->ndim ? x->shape[d] : 1;
  if (x->ndim > 1 && size == 0 && count > 0)
    return ct__error_null(CT_ERR_INDEX, "index_select(): self indexing axis dim should be positive");
  ct_tensor *idx = index->dtype == CT_INT64 ? index : ct__copy_as(index, CT_INT64);
  if (!idx) return NULL;
  ct_tensor *out = NULL;
  ct_index_scan scan;
  if (!ct__index_scan(idx, 0, size, &scan)) {
    ct__index_select_range_error(x, d, scan.bad);
  } else if (x->ndim == 0) {
    out = ct__copy_as(x, x->dtype);
  } else {
    const ct_operand src = ct__operand(x), idx_1d = ct__vector_operand(idx);
    out = ct__take(&src, d, &idx_1d);
  }
  ct_node *node;
  out = ct__index_record(out, "IndexSelectBackward0", index_select_back, x, idx, &node);
  if (node) *ct__node_args(node, index_select_args) = (index_select_args){.dim = d};
  if (idx != index) ct__drop(idx);
  return out;
}

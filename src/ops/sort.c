// sort, argsort, topk and kthvalue: PyTorch 1.13's argument checks and errors, the sort
// kernel family on the contiguous input viewed as [outer, n, inner], and the backward
// of the values (the gradient scattered back to the selected positions, with public
// ops, so a backward run with grad mode on records its own graph).
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/sort.h"
#include "ctorch/view.h"
#include "kernels/dispatch.h"
#include "kernels/sort.h"
#include "ops/sort_internal.h"
#include "ctorch/device.h"

ct_rows_shape ct__rows_shape(const ct_tensor *t, int d) {
  ct_rows_shape s = {1, 1, 1};
  for (int i = 0; i < t->ndim; i++) {
    if (i < d) s.outer *= t->shape[i];
    else if (i == d) s.n = t->shape[i];
    else s.inner *= t->shape[i];
  }
  return s;
}

const ct_sort_kernels *ct__sort_kernels_of(const ct_tensor *t) { return ct__kernels(t->storage->device)->sort; }

// SortBackward0 / TopkBackward0 / KthvalueBackward0 arguments.
typedef struct select_args {
  int dim;      // wrapped
  bool keepdim; // false: the values lack dim (kthvalue without keepdim)
} select_args;

// PyTorch's value_selecting_reduction_backward: zeros of the input's shape with grad
// scattered to the saved indices along dim. Saved: indices.
static ct_status select_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *indices = ct__saved(node, 0);
  if (!indices) return ct_last_status();
  const select_args *a = ct__node_args(node, select_args);
  const ct_input_meta *in = &node->inputs[0];
  if (in->ndim == 0) { // one element: the gradient passes through
    grad_in[0] = grad;
    return CT_OK;
  }
  if (!a->keepdim) {
    grad = ct_unsqueeze(grad, a->dim);
    indices = ct_unsqueeze(indices, a->dim);
  }
  grad_in[0] = ct_scatter_add(ct_new_zeros(indices, in->ndim, in->shape, grad ? grad->dtype : in->dtype), a->dim, indices, grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// Records `name` on values (indices saved), then hands indices to *indices_out or drops
// them. st: how computing them went; on failure both are dropped.
static ct_tensor *select_finish(ct_status st, ct_tensor *t, ct_tensor *values, ct_tensor *indices, const char *name,
                                select_args args, ct_tensor **indices_out) {
  ct_node *node = NULL;
  if (st == CT_OK) st = ct__record(values, name, select_backward, 1, &t, 1, &indices, &node);
  if (st != CT_OK) {
    ct__drop(values);
    ct__drop(indices);
    return NULL;
  }
  if (node) *ct__node_args(node, select_args) = args;
  if (indices_out) *indices_out = indices;
  else ct__drop(indices);
  return values;
}

// Runs `fn` over t (dim d, m results per row) into new values/indices tensors of t's
// shape with dim d of size m (dropped without keepdim), recording `name` on the values.
static ct_tensor *select_run(ct_tensor *t, int d, int64_t m, ct_sort_fn fn, ct_sort_args args, const char *name,
                             bool keepdim, ct_tensor **indices_out) {
  int64_t shape[CT_MAX_DIMS];
  int ndim = 0;
  for (int i = 0; i < t->ndim; i++)
    if (i != d || keepdim) shape[ndim++] = i == d ? m : t->shape[i];
  args.s = ct__rows_shape(t, d);
  ct_tensor *x = ct_is_contiguous(t) ? t : ct__copy_as(t, t->dtype);
  ct_tensor *values = ct__alloc(t->dtype, ndim, shape), *indices = ct__alloc(CT_INT64, ndim, shape);
  ct_status st = x && values && indices ? CT_OK : ct_last_status();
  if (st == CT_OK && !fn(ct__data(values), (int64_t *)ct__data(indices), ct__data(x), &args))
    st = ct__error(CT_ERR_MEMORY, "out of memory (%s scratch rows)", name);
  if (x && x != t) ct__drop(x);
  return select_finish(st, t, values, indices, name, (select_args){.dim = d, .keepdim = keepdim}, indices_out);
}

// A 0-d input's answer to sort/topk/kthvalue: a copy and index 0.
static ct_tensor *select_scalar(ct_tensor *t, const char *name, ct_tensor **indices_out) {
  ct_tensor *values = ct__copy_as(t, t->dtype), *indices = ct_zeros(0, NULL, CT_INT64);
  ct_status st = values && indices ? CT_OK : ct_last_status();
  return select_finish(st, t, values, indices, name, (select_args){.dim = 0, .keepdim = true}, indices_out);
}

// Entry checks shared by the four ops: NULL, device, dim. Returns the wrapped dim or -1.
static int select_entry(ct_tensor *t, int dim, ct_tensor **indices_out) {
  if (indices_out) *indices_out = NULL;
  if (!t || ct__check_device(t) != CT_OK) return -1;
  return ct__wrap_dim(dim, t->ndim, false);
}

ct_tensor *ct_sort(ct_tensor *t, int dim, bool descending, bool stable, ct_tensor **indices) {
  int d = select_entry(t, dim, indices);
  if (d < 0) return NULL;
  // torch.sort(t, stable=True) is the sort.stable overload, whose node is SortBackward1
  const char *name = stable ? "SortBackward1" : "SortBackward0";
  if (t->ndim == 0) return select_scalar(t, name, indices);
  ct_sort_args args = {.descending = descending, .stable = stable};
  return select_run(t, d, t->shape[d], ct__sort_kernels_of(t)->sort[t->dtype], args, name, true, indices);
}

ct_tensor *ct_argsort(ct_tensor *t, int dim, bool descending, bool stable) {
  ct_tensor *indices = NULL;
  bool grad_mode = ct_no_grad_enter(); // only the indices are wanted
  ct_tensor *values = ct_sort(t, dim, descending, stable, &indices);
  ct_grad_mode_restore(grad_mode);
  if (!values) return NULL;
  ct__drop(values);
  return indices;
}

ct_tensor *ct_topk(ct_tensor *t, int64_t k, int dim, bool largest, bool sorted, ct_tensor **indices) {
  int d = select_entry(t, dim, indices);
  if (d < 0) return NULL;
  if (k < 0 || k > (t->ndim ? t->shape[d] : 1)) return ct__error_null(CT_ERR_ARG, "selected index k out of range");
  if (t->ndim == 0) return select_scalar(t, "TopkBackward0", indices);
  ct_sort_fn fn = ct__sort_kernels_of(t)->topk[t->dtype];
  if (!fn) return ct__error_null(CT_ERR_ARG, "\"topk_cpu\" not implemented for '%s'", ct__scalar_type_name(t->dtype));
  ct_sort_args args = {.k = k, .descending = largest, .stable = sorted};
  return select_run(t, d, k, fn, args, "TopkBackward0", true, indices);
}

ct_tensor *ct_kthvalue(ct_tensor *t, int64_t k, int dim, bool keepdim, ct_tensor **indices) {
  int d = select_entry(t, dim, indices);
  if (d < 0) return NULL;
  int64_t n = t->ndim ? t->shape[d] : 1;
  if (ct_numel(t) == 0 && n == 0)
    return ct__error_null(CT_ERR_INDEX, "kthvalue(): Expected reduction dim %d to have non-zero size.", d);
  if (k < 1 || k > n)
    return ct__error_null(CT_ERR_ARG, "kthvalue(): selected number k out of range for dimension %d", d);
  if (t->ndim == 0) return select_scalar(t, "KthvalueBackward0", indices);
  ct_sort_fn fn = ct__sort_kernels_of(t)->kthvalue[t->dtype];
  if (!fn)
    return ct__error_null(CT_ERR_ARG, "\"kthvalue_cpu\" not implemented for '%s'", ct__scalar_type_name(t->dtype));
  ct_sort_args args = {.k = k};
  return select_run(t, d, 1, fn, args, "KthvalueBackward0", keepdim, indices);
}

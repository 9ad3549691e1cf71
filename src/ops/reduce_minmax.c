// max/min (all, or values+indices along a dim), argmax/argmin, amax/amin, with autograd.
#include "autograd/linear_backward.h"
#include "core/copy.h"
#include "ctorch/index.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "ops/reduce_plan.h"
#include "ops/view_internal.h"

// Gradient of a value-selecting reduction over the node's ct__reduce_args (mask, keepdim):
// every element equal to the result shares grad equally (PyTorch's evenly-distributed
// gradient for max(), and grad / count * mask for amax/amin). Saved: input, result.
// create_graph: the gradient shared evenly by the elements equal to the result (|x| for
// the inf-norm, times sign(x)), recorded.
CT_CREATE_GRAPH_PATH static ct_tensor *select_backward_recorded(ct_tensor *grad, ct_tensor *x, ct_tensor *v, uint32_t mask, bool keepdim,
                                           int flags) {
  const bool abs = flags & CT_RED_SEL_ABS;
  ct_tensor *vx = ct__reduce_expand(v, x->ndim, x->shape, mask, keepdim);
  ct_tensor *hit = ct_to_dtype(ct_eq(abs ? ct_abs(x) : x, vx), x->dtype);
  int dims[CT_MAX_DIMS], n = 0;
  for (int d = 0; d < x->ndim; d++)
    if (mask & (1u << d)) dims[n++] = d;
  ct_tensor *count = hit ? ct_expand(ct_sum_dims(hit, dims, n, true), x->ndim, x->shape) : NULL;
  ct_tensor *share = ct_div(ct_mul(ct__reduce_expand(grad, x->ndim, x->shape, mask, keepdim), hit), count);
  return abs ? ct_mul(share, ct_sign(x)) : share;
}

ct_status ct__reduce_select_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in, int flags) {
  ct_tensor *x = ct__saved(node, 0), *v = ct__saved(node, 1);
  if (!x || !v) return ct_last_status();
  const ct_reduce_kernels *k = ct__reduce_kernels_of(x);
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  const uint32_t mask = a->mask;
  const bool keepdim = a->keepdim;
  if (ct__create_graph()) {
    grad_in[0] = select_backward_recorded(grad, x, v, mask, keepdim, flags);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, x, mask, keepdim);
  ct_tensor *q = ct__reduce_alloc(&p, x->dtype);
  if (!q) return ct_last_status();
  ct_reduce_ctx ctx = p.ctx;
  ctx.flags = flags;
  ct__reduce_launch(&p, k->select_count[x->dtype], 4, (ct_tensor *[]){q, x, v, grad},
                    (const bool[]){false, true, false, false}, &ctx);
  ct_tensor *vx = ct__reduce_expand(v, x->ndim, x->shape, mask, keepdim);
  ct_tensor *qx = ct__reduce_expand(q, x->ndim, x->shape, mask, keepdim);
  ct_tensor *gin = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!vx || !qx || !gin) return ct_last_status();
  ct__reduce_elementwise(k->select_grad[x->dtype], 4, (ct_tensor *[]){gin, x, vx, qx}, &ctx);
  grad_in[0] = gin;
  return CT_OK;
}

static ct_status max_all_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  return ct__reduce_select_backward(node, grad, grad_in, CT_RED_SEL_FILL | CT_RED_SEL_NANVAL);
}
static ct_status amax_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  return ct__reduce_select_backward(node, grad, grad_in, 0);
}

// Values-only reduction (max()/min()/amax/amin) over mask, recorded as `name`.
static ct_tensor *extreme_values(ct_tensor *t, uint32_t mask, bool keepdim, bool is_max, bool dims_given,
                                 const char *name, ct_backward_fn backward) {
  const ct_reduce_kernels *k = ct__reduce_kernels_of(t);
  ct_tensor *out = ct__reduce_simple(t, mask, keepdim, t->dtype, (is_max ? k->max : k->min)[t->dtype], 0, 0);
  if (!out) return NULL;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, t, mask, keepdim);
  if (ct__reduce_record(out, name, backward, t, &p, dims_given, 2, (ct_tensor *[]){t, out}, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

static ct_tensor *extreme_all(ct_tensor *t, bool is_max) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  const char *op = is_max ? "max" : "min";
  if (ct_numel(t) == 0)
    return ct__error_null(CT_ERR_ARG,
                          "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                          "reduction dim with the 'dim' argument.",
                          op);
  return extreme_values(t, ct__reduce_mask_all(t), false, is_max, false, is_max ? "MaxBackward1" : "MinBackward1",
                        max_all_backward);
}

ct_tensor *ct_max(ct_tensor *t) { return extreme_all(t, true); }
ct_tensor *ct_min(ct_tensor *t) { return extreme_all(t, false); }

static ct_tensor *extreme_dims(ct_tensor *t, const int *dims, int ndims, bool keepdim, bool is_max) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  const char *op = is_max ? "amax" : "amin";
  uint32_t mask = 0; // dim_mask sets it; the initialiser quiets -Wmaybe-uninitialized
  if (ct__reduce_mask(t, dims, ndims, &mask) != CT_OK) return NULL;
  if (ct_numel(t) == 0) {
    if (!dims || ndims <= 0)
      return ct__error_null(CT_ERR_ARG,
                            "%s(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                            "reduction dim with the 'dim' argument.",
                            op);
    for (int i = 0; i < ndims; i++)
      if (t->shape[ct__wrap_dim(dims[i], t->ndim, false)] == 0)
        return ct__error_null(CT_ERR_INDEX, "%s(): Expected reduction dim %d to have non-zero size.", op, dims[i]);
  }
  return extreme_values(t, mask, keepdim, is_max, true, is_max ? "AmaxBackward0" : "AminBackward0", amax_backward);
}

ct_tensor *ct_amax(ct_tensor *t, const int *dims, int ndims, bool keepdim) {
  return extreme_dims(t, dims, ndims, keepdim, true);
}
ct_tensor *ct_amin(ct_tensor *t, const int *dims, int ndims, bool keepdim) {
  return extreme_dims(t, dims, ndims, keepdim, false);
}

// MaxBackward0 / MinBackward0: grad goes to the saved index along the dim.
// The values at the saved indices along the reduced dim.
static ct_tensor *index_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *indices = ct__saved(node, 0);
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  if (!indices || !a->mask) return indices ? ct_clone(v) : NULL; // a 0-d input
  const int d = __builtin_ctz(a->mask);
  ct_tensor *picked = ct_gather(v, d, a->keepdim ? indices : ct_unsqueeze(indices, d));
  return a->keepdim ? picked : ct_squeeze_dim(picked, d);
}

static ct_status index_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, index_jvp);
  ct_tensor *indices = ct__saved(node, 0);
  if (!indices) return ct_last_status();
  ct_tensor *gin = ct__zeros_for_input(node, 0, grad);
  if (!gin) return ct_last_status();
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  uint32_t mask = a->mask;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, gin, mask, a->keepdim);
  ct_reduce_ctx ctx = p.ctx;
  ctx.stride2 = mask ? gin->strides[__builtin_ctz(mask)] * (int64_t)ct_dtype_size(gin->dtype) : 0;
  grad_in[0] = gin;
  ct__reduce_launch(&p, ct__reduce_kernels_of(gin)->scatter_index[gin->dtype], 3, (ct_tensor *[]){gin, grad, indices},
                    (const bool[]){true, false, false}, &ctx);
  return CT_OK;
}

// Values and first indices of the extreme over mask, which must give one run in
// row-major order (one dim, or all dims of a contiguous tensor).
static ct_status arg_reduce(ct_tensor *t, uint32_t mask, bool keepdim, bool is_max, ct_tensor **values,
                            ct_tensor **indices, ct__reduce_plan *p) {
  ct__reduce_plan_init(p, t, mask, keepdim);
  *values = ct__reduce_alloc(p, t->dtype);
  *indices = ct__reduce_alloc(p, CT_INT64);
  const ct_reduce_kernels *k = ct__reduce_kernels_of(t);
  ct_status st = *values && *indices ? CT_OK : ct_last_status();
  if (st == CT_OK)
    ct__reduce_launch(p, (is_max ? k->argmax : k->argmin)[t->dtype], 3, (ct_tensor *[]){*indices, *values, t},
                      (const bool[]){false, false, true}, &p->ctx);
  if (st != CT_OK) {
    ct__drop(*values);
    ct__drop(*indices);
    *values = *indices = NULL;
  }
  return st;
}

// The mask of one dim for max/min/argmax/argmin(dim), with PyTorch's errors.
static ct_status dim_mask(const ct_tensor *t, int dim, const char *op, uint32_t *mask) {
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0) return ct_last_status();
  if (t->ndim && t->shape[d] == 0)
    return ct__error(CT_ERR_INDEX, "%s(): Expected reduction dim %d to have non-zero size.", op, d);
  *mask = t->ndim ? 1u << d : 0;
  return CT_OK;
}

static ct_tensor *extreme_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices_out, bool is_max) {
  if (indices_out) *indices_out = NULL;
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  ct_tensor *values, *indices;
  ct__reduce_plan p;
  uint32_t mask = 0; // dim_mask sets it; the initialiser quiets -Wmaybe-uninitialized
  if (dim_mask(t, dim, is_max ? "max" : "min", &mask) != CT_OK ||
      arg_reduce(t, mask, keepdim, is_max, &values, &indices, &p) != CT_OK)
    return NULL;
  if (ct__reduce_record(values, is_max ? "MaxBackward0" : "MinBackward0", index_backward, t, &p, true, 1, &indices,
                        NULL) != CT_OK) {
    ct__drop(values);
    ct__drop(indices);
    return NULL;
  }
  if (indices_out) *indices_out = indices;
  else ct__drop(indices);
  return values;
}

ct_tensor *ct_max_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices) {
  return extreme_dim(t, dim, keepdim, indices, true);
}
ct_tensor *ct_min_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices) {
  return extreme_dim(t, dim, keepdim, indices, false);
}

// argmax/argmin: the flattened tensor (row-major order; non-contiguous input is copied
// so the reduced elements form one run) when `all`, else along dim.
static ct_tensor *arg_extreme(ct_tensor *t, int dim, bool keepdim, bool all, bool is_max) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  const char *op = is_max ? "argmax" : "argmin";
  uint32_t mask = ct__reduce_mask_all(t);
  if (all && ct_numel(t) == 0)
    return ct__error_null(CT_ERR_INDEX, "%s(): Expected reduction dim to be specified for input.numel() == 0.", op);
  if (!all && dim_mask(t, dim, op, &mask) != CT_OK) return NULL;
  // PyTorch skips the kernel (and its dtype check) when the reduced dim has size 1.
  bool trivial = !all && mask && t->shape[__builtin_ctz(mask)] == 1;
  if (t->dtype == CT_BOOL && !trivial) return ct__error_null(CT_ERR_ARG, "\"%s_cpu\" not implemented for 'Bool'", op);
  ct_tensor *src = all && !ct_is_contiguous(t) ? ct__copy_as(t, t->dtype) : t;
  if (!src) return NULL;
  ct_tensor *values, *indices;
  ct__reduce_plan p;
  ct_status st = arg_reduce(src, mask, keepdim, is_max, &values, &indices, &p);
  if (src != t) ct__drop(src);
  if (st != CT_OK) return NULL;
  ct__drop(values);
  return indices;
}

ct_tensor *ct_argmax(ct_tensor *t) { return arg_extreme(t, 0, false, true, true); }
ct_tensor *ct_argmax_dim(ct_tensor *t, int dim, bool keepdim) { return arg_extreme(t, dim, keepdim, false, true); }
ct_tensor *ct_argmin(ct_tensor *t) { return arg_extreme(t, 0, false, true, false); }
ct_tensor *ct_argmin_dim(ct_tensor *t, int dim, bool keepdim) { return arg_extreme(t, dim, keepdim, false, false); }

// sum, mean and prod, with autograd.
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ops/elementwise_internal.h"
#include "ops/reduce_plan.h"
#include "ops/view_internal.h"

// Sums and products of bool and integer tensors are int64 (PyTorch's rule).
static ct_dtype accumulate_dtype(ct_dtype dtype) { return ct_dtype_is_floating(dtype) ? dtype : CT_INT64; }

// SumBackward: the gradient expanded (stride 0) over the reduced dims.
static ct_status sum_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const ct_input_meta *m = &node->inputs[0];
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  grad_in[0] = ct__reduce_expand(grad, m->ndim, m->shape, a->mask, a->keepdim);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// MeanBackward: grad / count, expanded (dividing before expanding gives the same values).
static ct_status mean_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) {
    ct_tensor *q = ct_div_scalar(grad, (double)ct__node_args(node, ct__reduce_args)->red_numel);
    return q ? sum_backward(node, q, grad_in) : ct_last_status();
  }
  ct_tensor *q = ct__alloc(grad->dtype, grad->ndim, grad->shape);
  if (!q) return ct_last_status();
  ct_reduce_ctx ctx = ct__reduce_ctx_run(0, 0, (double)ct__node_args(node, ct__reduce_args)->red_numel, 0);
  ct__reduce_elementwise(ct__reduce_kernels_of(grad)->div_scalar[grad->dtype], 2, (ct_tensor *[]){q, grad}, &ctx);
  return sum_backward(node, q, grad_in);
}

// sum over mask into a new tensor, then / count for the mean (PyTorch's mean on CPU).
static ct_tensor *sum_kernel(ct_tensor *t, const ct__reduce_plan *p, bool mean) {
  const ct_reduce_kernels *k = ct__reduce_kernels_of(t);
  ct_tensor *out = ct__reduce_alloc(p, accumulate_dtype(t->dtype));
  if (!out) return NULL;
  ct__reduce_launch(p, k->sum[t->dtype], 2, (ct_tensor *[]){out, t}, (const bool[]){false, true}, &p->ctx);
  if (mean) {
    ct_reduce_ctx ctx = ct__reduce_ctx_run(0, 0, (double)p->red_numel, 0); // sum / (float)count
    ct__reduce_elementwise(k->div_scalar[out->dtype], 2, (ct_tensor *[]){out, out}, &ctx);
  }
  return out;
}

ct_tensor *ct__mean_mask(ct_tensor *t, uint32_t mask, bool keepdim) {
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, t, mask, keepdim);
  return sum_kernel(t, &p, true);
}

static ct_tensor *sum_or_mean(ct_tensor *t, const int *dims, int ndims, bool keepdim, bool all, bool mean) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  if (mean && !ct_dtype_is_floating(t->dtype))
    return ct__error_null(CT_ERR_ARG,
                          "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                          "complex dtype. Got: %s",
                          ct__scalar_type_name(t->dtype));
  uint32_t mask;
  if (ct__reduce_mask(t, all ? NULL : dims, all ? 0 : ndims, &mask) != CT_OK) return NULL;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, t, mask, keepdim);
  ct_tensor *out = sum_kernel(t, &p, mean);
  if (!out) return NULL;
  const char *name = mean ? (all ? "MeanBackward0" : "MeanBackward1") : (all ? "SumBackward0" : "SumBackward1");
  if (ct__reduce_record(out, name, mean ? mean_backward : sum_backward, t, &p, !all, 0, NULL, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_sum(ct_tensor *t) { return sum_or_mean(t, NULL, 0, false, true, false); }
ct_tensor *ct_sum_dim(ct_tensor *t, int dim, bool keepdim) { return sum_or_mean(t, &dim, 1, keepdim, false, false); }
ct_tensor *ct_sum_dims(ct_tensor *t, const int *dims, int ndims, bool keepdim) {
  return sum_or_mean(t, dims, ndims, keepdim, false, false);
}
ct_tensor *ct_mean(ct_tensor *t) { return sum_or_mean(t, NULL, 0, false, true, true); }
ct_tensor *ct_mean_dim(ct_tensor *t, int dim, bool keepdim) { return sum_or_mean(t, &dim, 1, keepdim, false, true); }
ct_tensor *ct_mean_dims(ct_tensor *t, const int *dims, int ndims, bool keepdim) {
  return sum_or_mean(t, dims, ndims, keepdim, false, true);
}

// ProdBackward: saved input and result. prod() works on the flattened input; prod(dim)
// along dim. The kernel writes every element of grad_in.
static ct_status prod_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *x = ct__saved(node, 0), *r = ct__saved(node, 1);
  if (!x || !r) return ct_last_status();
  if (x->ndim == 0) {
    grad_in[0] = grad;
    return CT_OK;
  }
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  bool all = !a->dims_given;
  if (ct__create_graph()) { // grad * result / x, recorded (inputs without zeros)
    if (ct__ew_any_zero(x))
      return ct__error(CT_ERR_RUNTIME, "double backward of prod is not supported for inputs holding zeros");
    const uint32_t mask = all ? ct__reduce_mask_all(x) : a->mask;
    const bool keepdim = all ? false : a->keepdim;
    ct_tensor *gx = ct__reduce_expand(grad, x->ndim, x->shape, mask, keepdim);
    ct_tensor *rx = ct__reduce_expand(r, x->ndim, x->shape, mask, keepdim);
    grad_in[0] = ct_div(ct_mul(gx, rx), x);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  int64_t numel = ct_numel(x);
  ct_tensor *src = all ? ct__reshape_nograd(x, 1, &numel) : x; // prod() works on the flat input
  if (!src) return ct_last_status();
  uint32_t mask = all ? 1u : a->mask;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, src, mask, all ? false : a->keepdim);
  ct_tensor *gin = ct__alloc(x->dtype, src->ndim, src->shape);
  if (!gin) return ct_last_status();
  ct_reduce_ctx ctx = p.ctx;
  ctx.stride2 = gin->strides[__builtin_ctz(mask)] * (int64_t)ct_dtype_size(gin->dtype);
  ct__reduce_launch(&p, ct__reduce_kernels_of(x)->prod_backward[x->dtype], 4, (ct_tensor *[]){gin, src, grad, r},
                    (const bool[]){true, true, false, false}, &ctx);
  grad_in[0] = all ? ct__reshape_nograd(gin, x->ndim, x->shape) : gin;
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *prod_impl(ct_tensor *t, int dim, bool keepdim, bool all) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  uint32_t mask;
  if (ct__reduce_mask(t, all ? NULL : &dim, all ? 0 : 1, &mask) != CT_OK) return NULL;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, t, mask, keepdim);
  ct_tensor *out = ct__reduce_simple(t, mask, keepdim, accumulate_dtype(t->dtype),
                                     ct__reduce_kernels_of(t)->prod[t->dtype], 0, 0);
  if (!out) return NULL;
  if (ct__reduce_record(out, all ? "ProdBackward0" : "ProdBackward1", prod_backward, t, &p, !all, 2,
                        (ct_tensor *[]){t, out}, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_prod(ct_tensor *t) { return prod_impl(t, 0, false, true); }
ct_tensor *ct_prod_dim(ct_tensor *t, int dim, bool keepdim) { return prod_impl(t, dim, keepdim, false); }

// std/var, logsumexp and norm, with autograd.
#include <math.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ops/reduce_plan.h"

// ---- std / var ----

// StdBackward0 / VarBackward0 arguments.
typedef struct var_args {
  ct__reduce_args reduce;
  double correction;
  bool take_sqrt; // std
} var_args;

// PyTorch 1.13's var_backward (std first divides grad by 2*std, 0 where std is 0):
// (2 / dof) * grad * (x - mean), dof = N - correction; without dims and dof == 0 it is
// grad * inf.
// The dims of mask, into dims; returns their count.
static int mask_dims(uint32_t mask, int ndim, int *dims) {
  int n = 0;
  for (int d = 0; d < ndim; d++)
    if (mask & (1u << d)) dims[n++] = d;
  return n;
}

// create_graph: grad * (x - mean) * 2 / dof (var), or grad * (x - mean) / (dof * std) (std),
// recorded.
CT_CREATE_GRAPH_PATH static ct_tensor *var_backward_recorded(ct_tensor *grad, ct_tensor *x, ct_tensor *r, uint32_t mask, bool keepdim,
                                        double dof, bool take_sqrt) {
  int dims[CT_MAX_DIMS];
  ct_tensor *diff = ct_sub(x, ct_mean_dims(x, dims, mask_dims(mask, x->ndim, dims), true));
  ct_tensor *gx = ct__reduce_expand(grad, x->ndim, x->shape, mask, keepdim);
  if (!take_sqrt) return ct_mul(ct_mul(gx, diff), ct_scalar(2 / dof, x->dtype));
  ct_tensor *rx = ct__reduce_expand(r, x->ndim, x->shape, mask, keepdim);
  return ct_div(ct_mul(gx, diff), ct_mul_scalar(rx, dof));
}

static ct_status var_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *x = ct__saved(node, 0), *r = ct__saved(node, 1);
  if (!x || !r) return ct_last_status();
  const ct_reduce_kernels *k = ct__reduce_kernels_of(x);
  const var_args *a = ct__node_args(node, var_args);
  uint32_t mask = a->reduce.mask;
  bool keepdim = a->reduce.keepdim, all = !a->reduce.dims_given || x->ndim == 0;
  double dof = (all ? (double)ct_numel(x) : (double)a->reduce.red_numel) - a->correction;
  bool degenerate = all && dof == 0;
  if (ct__create_graph()) {
    if (all) mask = ct__reduce_mask_all(x);
    grad_in[0] = var_backward_recorded(grad, x, r, mask, all ? false : keepdim, dof, a->take_sqrt);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_reduce_ctx ctx = ct__reduce_ctx_run(0, 0, degenerate ? INFINITY : 2.0 / dof, a->take_sqrt ? CT_RED_SQRT : 0);
  ct_tensor *c = ct__alloc(grad->dtype, grad->ndim, grad->shape);
  if (!c) return ct_last_status();
  ct__reduce_elementwise(k->var_coef[x->dtype], 3, (ct_tensor *[]){c, grad, r}, &ctx);
  ct_tensor *cx = ct__reduce_expand(c, x->ndim, x->shape, mask, keepdim);
  if (!cx) return ct_last_status();
  if (degenerate) {
    grad_in[0] = cx;
    return CT_OK;
  }
  ct_tensor *mean = ct__mean_mask(x, all ? ct__reduce_mask_all(x) : mask, !all);
  ct_tensor *gin = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!mean || !gin) return ct_last_status();
  grad_in[0] = gin;
  ct__reduce_elementwise(k->sub_mul[x->dtype], 4, (ct_tensor *[]){gin, x, mean, cx}, NULL);
  return CT_OK;
}

// One output: PyTorch's all-reduce path, float mean then a double sum of squared
// deviations, divided by max(0, n - correction).
static ct_status var_all(ct_tensor *t, const ct__reduce_plan *p, int64_t correction, bool take_sqrt,
                         ct_tensor *out) {
  ct_tensor *mean = ct__mean_mask(t, p->mask, p->keepdim);
  ct_tensor *mean64 = mean ? ct__copy_as(mean, CT_FLOAT64) : NULL;
  ct_tensor *sq = ct__reduce_alloc(p, CT_FLOAT64);
  ct_status st = mean64 && sq ? CT_OK : ct_last_status();
  if (st == CT_OK)
    ct__reduce_launch(p, ct__reduce_kernels_of(t)->sq_dev_sum[t->dtype], 3, (ct_tensor *[]){sq, t, mean64},
                      (const bool[]){false, true, false}, &p->ctx);
  double s = 0;
  if (st == CT_OK) st = ct_item(sq, &s);
  if (st == CT_OK) {
    double dof = (double)p->red_numel - (double)correction;
    double var = s / (dof > 0 ? dof : 0.0);
    st = ct__fill(out, take_sqrt ? sqrt(var) : var);
  }
  ct__drop(sq);
  ct__drop(mean64);
  ct__drop(mean);
  return st;
}

static ct_tensor *var_impl(ct_tensor *t, const int *dims, int ndims, int64_t correction, bool keepdim,
                           bool take_sqrt, bool dims_given) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__error_null(CT_ERR_ARG, "std and var only support floating point and complex dtypes");
  uint32_t mask;
  if (ct__reduce_mask(t, dims, ndims, &mask) != CT_OK) return NULL;
  ct__reduce_plan p;
  ct__reduce_plan_init(&p, t, mask, keepdim);
  ct_tensor *out = ct__reduce_alloc(&p, t->dtype);
  if (!out) return NULL;
  ct_status st = CT_OK;
  if (ct_numel(t) == 0) {
    st = ct__fill(out, NAN);
  } else if (p.out_numel == 1) {
    st = var_all(t, &p, correction, take_sqrt, out);
  } else {
    ct_reduce_ctx ctx = p.ctx;
    ctx.param = (double)correction;
    ctx.flags = take_sqrt ? CT_RED_SQRT : 0;
    ct__reduce_launch(&p, ct__reduce_kernels_of(t)->var[t->dtype], 2, (ct_tensor *[]){out, t},
                      (const bool[]){false, true}, &ctx);
  }
  ct_node *node = NULL;
  if (st == CT_OK)
    st = ct__reduce_record(out, take_sqrt ? "StdBackward0" : "VarBackward0", var_backward, t, &p, dims_given, 2,
                           (ct_tensor *[]){t, out}, &node);
  if (node) {
    var_args *a = ct__node_args(node, var_args);
    a->correction = (double)correction;
    a->take_sqrt = take_sqrt;
  }
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_std(ct_tensor *t) { return var_impl(t, NULL, 0, 1, false, true, false); }
ct_tensor *ct_std_dim(ct_tensor *t, int dim, bool keepdim) { return var_impl(t, &dim, 1, 1, keepdim, true, true); }
ct_tensor *ct_std_ex(ct_tensor *t, const int *dims, int ndims, int64_t correction, bool keepdim) {
  return var_impl(t, dims, ndims, correction, keepdim, true, dims && ndims > 0);
}
ct_tensor *ct_var(ct_tensor *t) { return var_impl(t, NULL, 0, 1, false, false, false); }
ct_tensor *ct_var_dim(ct_tensor *t, int dim, bool keepdim) { return var_impl(t, &dim, 1, 1, keepdim, false, true); }
ct_tensor *ct_var_ex(ct_tensor *t, const int *dims, int ndims, int64_t correction, bool keepdim) {
  return var_impl(t, dims, ndims, correction, keepdim, false, dims && ndims > 0);
}

// ---- logsumexp ----

// LogsumexpBackward0: grad * exp(x - result).
static ct_status logsumexp_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  ct_tensor *x = ct__saved(node, 0), *r = ct__saved(node, 1);
  if (!x || !r) return ct_last_status();
  const ct__reduce_args *a = ct__node_args(node, ct__reduce_args);
  ct_tensor *gx = ct__reduce_expand(grad, x->ndim, x->shape, a->mask, a->keepdim);
  ct_tensor *rx = ct__reduce_expand(r, x->ndim, x->shape, a->mask, a->keepdim);
  if (ct__create_graph()) { // grad * exp(x - result), recorded
    grad_in[0] = ct_mul(gx, ct_exp(ct_sub(x, rx)));
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_tensor *gin = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!gx || !rx || !gin) return ct_last_status();
  grad_in[0] = gin;
  ct__reduce_elementwise(ct__reduce_kernels_of(x)->exp_grad[x->dtype], 4, (ct_tensor *[]){gin, x, gx, rx}, NULL);
  return CT_OK;
}

// PyTorch's logsumexp: m = amax (keepdim), 0 where infinite; sum(exp(x - m)) through the
// cascade sum; log(sum) + m.
static ct_status logsumexp_into(ct_tensor *t, uint32_t mask, bool keepdim, ct_tensor **out) {
  const ct_reduce_kernels *k = ct__reduce_kernels_of(t);
  ct__reduce_plan keep, plan;
  ct__reduce_plan_init(&keep, t, mask, true);
  ct__reduce_plan_init(&plan, t, mask, keepdim);
  if (ct_numel(t) == 0) {
    *out = ct__reduce_alloc(&plan, t->dtype);
    return *out ? ct__fill(*out, -INFINITY) : ct_last_status();
  }
  ct_tensor *m = ct__reduce_simple(t, mask, true, t->dtype, k->max[t->dtype], 0, 0);
  ct_tensor *e = ct__alloc(t->dtype, t->ndim, t->shape);
  ct_status st = m && e ? CT_OK : ct_last_status();
  if (st == CT_OK) ct__reduce_elementwise(k->exp_sub[t->dtype], 3, (ct_tensor *[]){e, t, m}, NULL);
  ct_tensor *s = st == CT_OK ? ct__reduce_simple(e, mask, keepdim, t->dtype, k->sum[t->dtype], 0, 0) : NULL;
  ct_tensor *m_out = NULL;
  if (s) { // m with the output's shape
    ct__reduce_plan squeeze;
    ct__reduce_plan_init(&squeeze, m, mask, keepdim);
    m_out = ct__reduce_kept_view(&squeeze, m);
  }
  if (m_out) ct__reduce_elementwise(k->log_add[t->dtype], 3, (ct_tensor *[]){s, s, m_out}, NULL);
  st = m_out ? CT_OK : ct_last_status();
  ct__drop(m_out);
  ct__drop(e);
  ct__drop(m);
  if (st != CT_OK) {
    ct__drop(s);
    return st;
  }
  *out = s;
  return CT_OK;
}

ct_tensor *ct_logsumexp(ct_tensor *t, const int *dims, int ndims, bool keepdim) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  uint32_t mask;
  if (ct__reduce_mask(t, dims, ndims, &mask) != CT_OK) return NULL;
  ct_tensor *src = ct_dtype_is_floating(t->dtype) ? t : ct__copy_as(t, CT_FLOAT32);
  if (!src) return NULL;
  ct_tensor *out = NULL;
  ct_status st = logsumexp_into(src, mask, keepdim, &out);
  if (st == CT_OK) {
    ct__reduce_plan p;
    ct__reduce_plan_init(&p, src, mask, keepdim);
    st = ct__reduce_record(out, "LogsumexpBackward0", logsumexp_backward, src, &p, true, 2, (ct_tensor *[]){src, out},
                           NULL);
  }
  if (src != t) ct__drop(src);
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// ---- norm ----

// NormBackward1 arguments.
typedef struct norm_args {
  ct__reduce_args reduce;
  double p;
} norm_args;

// NormBackward1: PyTorch's norm_backward; p = 0 has no gradient (zeros here).
static ct_status norm_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const norm_args *a = ct__node_args(node, norm_args);
  double p = a->p;
  if (isinf(p)) return ct__reduce_select_backward(node, grad, grad_in, CT_RED_SEL_ABS);
  ct_tensor *x = ct__saved(node, 0), *n = ct__saved(node, 1);
  if (!x || !n) return ct_last_status();
  if (ct__create_graph() && p != 0) { // grad * x |x|^(p-2) / norm^(p-1), recorded (p = 1, 2: sign(x), x / norm)
    ct_tensor *gx = ct__reduce_expand(grad, x->ndim, x->shape, a->reduce.mask, a->reduce.keepdim);
    ct_tensor *nx = ct__reduce_expand(n, x->ndim, x->shape, a->reduce.mask, a->reduce.keepdim);
    ct_tensor *d = p == 1   ? ct_sign(x)
                   : p == 2 ? ct_div(x, nx)
                            : ct_div(ct_mul(x, ct_pow_scalar(ct_abs(x), p - 2)), ct_pow_scalar(nx, p - 1));
    grad_in[0] = ct_mul(gx, d);
    return grad_in[0] ? CT_OK : ct_last_status();
  }
  ct_tensor *gin = ct__alloc(x->dtype, x->ndim, x->shape);
  if (!gin) return ct_last_status();
  grad_in[0] = gin;
  if (p == 0) return ct__fill(gin, 0.0);
  ct_tensor *gx = ct__reduce_expand(grad, x->ndim, x->shape, a->reduce.mask, a->reduce.keepdim);
  ct_tensor *nx = ct__reduce_expand(n, x->ndim, x->shape, a->reduce.mask, a->reduce.keepdim);
  if (!gx || !nx) return ct_last_status();
  ct_reduce_ctx ctx = ct__reduce_ctx_run(0, 0, p, 0);
  ct__reduce_elementwise(ct__reduce_kernels_of(x)->norm_grad[x->dtype], 4, (ct_tensor *[]){gin, x, gx, nx}, &ctx);
  return CT_OK;
}

ct_tensor *ct_norm_dims(ct_tensor *t, double p, const int *dims, int ndims, bool keepdim) {
  CT_CHECK_NULL(t);
  if (ct__check_device(t) != CT_OK) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__error_null(CT_ERR_ARG, "norm(): input dtype should be either floating point or complex. Got %s instead.",
                          ct__scalar_type_name(t->dtype));
  uint32_t mask;
  if (ct__reduce_mask(t, dims, ndims, &mask) != CT_OK) return NULL;
  ct_tensor *out = ct__reduce_simple(t, mask, keepdim, t->dtype, ct__reduce_kernels_of(t)->norm[t->dtype], p, 0);
  if (!out) return NULL;
  ct__reduce_plan plan;
  ct__reduce_plan_init(&plan, t, mask, keepdim);
  ct_node *node = NULL;
  if (ct__reduce_record(out, "NormBackward1", norm_backward, t, &plan, true, 2, (ct_tensor *[]){t, out}, &node) !=
      CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) ct__node_args(node, norm_args)->p = p;
  return out;
}

ct_tensor *ct_norm(ct_tensor *t, double p) { return ct_norm_dims(t, p, NULL, 0, false); }

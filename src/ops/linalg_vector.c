// Products with vectors: mv and dot, with PyTorch's checks, messages and backward.
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "ops/linalg_internal.h"

// ---- mv ----

// MvBackward0: d(mat) = grad ⊗ vec (ger), d(vec) = mat^T @ grad.
static ct_status mv_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0]) {
    ct_tensor *vec = ct__saved(node, 1);
    grad_in[0] = !vec ? NULL : ct__create_graph() ? ct_outer(grad, vec) : ct__outer_nograd(grad, vec);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) {
    ct_tensor *mat = ct__saved(node, 0);
    ct_tensor *mt = !mat ? NULL : ct__create_graph() ? ct_t(mat) : ct__mT_view(mat);
    grad_in[1] = mt ? ct_mv(mt, grad) : NULL;
    ct__drop(mt);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

ct_tensor *ct_mv(ct_tensor *mat, ct_tensor *vec) {
  CT_CHECK_NULL(mat);
  CT_CHECK_NULL(vec);
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){mat, vec}, false) != CT_OK) return NULL;
  // PyTorch's mv is addmv into a fresh 1-D result; its messages count that result as "1".
  if (mat->ndim != 2 || vec->ndim != 1)
    return ct__error_null(CT_ERR_ARG, "vector + matrix @ vector expected, got 1, %d, %d", mat->ndim,
                          vec->ndim);
  const int64_t m = mat->shape[0], n = mat->shape[1];
  if (n != vec->shape[0])
    return ct__error_null(CT_ERR_ARG, "size mismatch, got %lld, %lldx%lld,%lld", (long long)m, (long long)m,
                          (long long)n, (long long)vec->shape[0]);
  const ct_blas_kernels *k = ct__blas_of(mat);
  const bool work = m && n; // an empty matrix gives zeros without dispatching
  if (work && ct__check_product_dtypes(k->gemv[mat->dtype] != NULL, "addmv_impl_cpu", mat->dtype,
                                       vec->dtype) != CT_OK)
    return NULL;
  ct_tensor *out = ct__alloc(vec->dtype, 1, &m);
  if (!out) return NULL;
  if (!work) {
    ct__fill(out, 0.0);
  } else {
    ct_gemv_args g = {.m = m,
                      .n = n,
                      .a = ct__data(mat),
                      .a_rs = mat->strides[0],
                      .a_cs = mat->strides[1],
                      .x = ct__data(vec),
                      .incx = vec->strides[0],
                      .y = ct__data(out),
                      .incy = 1,
                      .alpha = 1.0,
                      .beta = 0.0};
    k->gemv[mat->dtype](&g);
  }
  ct_tensor *inputs[2] = {mat, vec};
  ct_tensor *saved[2] = {vec->requires_grad ? mat : NULL, mat->requires_grad ? vec : NULL};
  if (ct__record(out, "MvBackward0", mv_back, 2, inputs, 2, saved, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// ---- dot ----

// grad (0-D) * v, as the k == 1 product v ⊗ [grad] viewed as 1-D: exact products.
static ct_tensor *scale_by_grad(ct_tensor *v, ct_tensor *grad) {
  ct_tensor *g1 = ct__make_view(grad, 1, (int64_t[]){1}, (int64_t[]){1}, grad->offset);
  ct_tensor *col = g1 ? ct__outer_nograd(v, g1) : NULL;
  ct_tensor *out = col ? ct__make_view(col, 1, v->shape, (int64_t[]){col->strides[0]}, col->offset) : NULL;
  ct__drop(g1);
  ct__drop(col);
  return out;
}

// DotBackward0: d(a) = grad * b, d(b) = grad * a.
static ct_status dot_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    ct_tensor *other = ct__saved(node, 1 - i);
    grad_in[i] = !other ? NULL : ct__create_graph() ? ct_mul(other, grad) : scale_by_grad(other, grad);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){a, b}, false) != CT_OK) return NULL;
  if (a->ndim != 1 || b->ndim != 1)
    return ct__error_null(CT_ERR_ARG, "1D tensors expected, but got %dD and %dD tensors", a->ndim, b->ndim);
  if (a->dtype != b->dtype)
    return ct__error_null(CT_ERR_ARG, "dot : expected both vectors to have same dtype, but found %s and %s",
                          ct__scalar_type_name(a->dtype), ct__scalar_type_name(b->dtype));
  const long long na = (long long)a->shape[0], nb = (long long)b->shape[0];
  if (na != nb)
    return ct__error_null(
        CT_ERR_ARG,
        "inconsistent tensor size, expected tensor [%lld] and src [%lld] to have the same number "
        "of elements, but got %lld and %lld elements respectively",
        na, nb, na, nb);
  const ct_blas_kernels *k = ct__blas_of(a);
  if (ct__check_product_dtypes(k->dot[a->dtype] != NULL, "dot", a->dtype, b->dtype) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(a->dtype, 0, NULL);
  if (!out) return NULL;
  k->dot[a->dtype](a->shape[0], ct__data(a), a->strides[0], ct__data(b), b->strides[0], ct__data(out));
  ct_tensor *inputs[2] = {a, b};
  ct_tensor *saved[2] = {b->requires_grad ? a : NULL, a->requires_grad ? b : NULL};
  if (ct__record(out, "DotBackward0", dot_back, 2, inputs, 2, saved, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

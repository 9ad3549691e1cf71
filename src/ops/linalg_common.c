// Helpers shared by the matrix-product ops: kernel calls on tensors, PyTorch's dtype
// errors, views without autograd, and in-place reshapes of fresh results.
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ops/linalg_internal.h"
#include "ops/view_internal.h"
#include <string.h>

const ct_blas_kernels *ct__blas_of(const ct_tensor *t) { return ct__kernels(t->storage->device)->blas; }

ct_status ct__check_product_dtypes(bool supported, const char *kernel, ct_dtype expected, ct_dtype other) {
  if (!supported)
    return ct__error(CT_ERR_ARG, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(expected));
  if (other != expected)
    return ct__error(CT_ERR_ARG, "expected scalar type %s but found %s", ct__scalar_type_name(expected),
                     ct__scalar_type_name(other));
  return CT_OK;
}

void ct__gemm_run(void (*fn)(const ct_gemm_args *), ct_tensor *c, const ct_tensor *a, const ct_tensor *b,
                  double alpha, double beta) {
  const int o = a->ndim - 2; // 1 when dim 0 is a batch dim
  ct_gemm_args g = {
      .batch = o ? a->shape[0] : 1,
      .m = a->shape[o],
      .k = a->shape[o + 1],
      .n = b->shape[o + 1],
      .a = ct__data(a),
      .a_bs = o ? a->strides[0] : 0,
      .a_rs = a->strides[o],
      .a_cs = a->strides[o + 1],
      .b = ct__data(b),
      .b_bs = o ? b->strides[0] : 0,
      .b_rs = b->strides[o],
      .b_cs = b->strides[o + 1],
      .c = ct__data(c),
      .c_bs = o ? c->strides[0] : 0,
      .c_rs = c->strides[o],
      .c_cs = c->strides[o + 1],
      .alpha = alpha,
      .beta = beta,
  };
  fn(&g);
}

ct_tensor *ct__mm_alpha(const ct_tensor *a, const ct_tensor *b, double alpha) {
  ct_tensor *out = ct__alloc(a->dtype, 2, (int64_t[]){a->shape[0], b->shape[1]});
  if (out) ct__gemm_run(ct__blas_of(a)->gemm[a->dtype], out, a, b, alpha, 0.0);
  return out;
}

ct_tensor ct__mT_standin(const ct_tensor *t) {
  ct_tensor s = *t;
  const int r = t->ndim - 2, c = t->ndim - 1;
  s.shape[r] = t->shape[c], s.shape[c] = t->shape[r];
  s.strides[r] = t->strides[c], s.strides[c] = t->strides[r];
  return s;
}

ct_tensor *ct__mT_view(const ct_tensor *t) {
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  memcpy(shape, t->shape, sizeof shape);
  memcpy(strides, t->strides, sizeof strides);
  const int r = t->ndim - 2, c = t->ndim - 1;
  shape[r] = t->shape[c], shape[c] = t->shape[r];
  strides[r] = t->strides[c], strides[c] = t->strides[r];
  return ct__make_view(t, t->ndim, shape, strides, t->offset);
}

ct_tensor *ct__outer_nograd(const ct_tensor *x, const ct_tensor *y) {
  // A k == 1 product: each element is alpha * (x[i] * y[j] + 0) with alpha 1, i.e. the
  // rounded product, exactly what PyTorch's elementwise ger computes.
  const int64_t n = x->shape[0], m = y->shape[0];
  ct_tensor *out = ct__alloc(x->dtype, 2, (int64_t[]){n, m});
  if (!out) return NULL;
  ct_gemm_args g = {.batch = 1,
                    .m = n,
                    .n = m,
                    .k = 1,
                    .a = ct__data(x),
                    .a_rs = x->strides[0],
                    .a_cs = 1,
                    .b = ct__data(y),
                    .b_rs = 1,
                    .b_cs = y->strides[0],
                    .c = ct__data(out),
                    .c_rs = out->strides[0],
                    .c_cs = out->strides[1],
                    .alpha = 1.0,
                    .beta = 0.0};
  ct__blas_of(x)->gemm[x->dtype](&g);
  return out;
}

// Backward of the fresh reshapes: the gradient takes the input's shape again.
static ct_status reshape_fresh_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__reshape_nograd(grad, node->inputs[0].ndim, node->inputs[0].shape);
  return grad_in[0] ? CT_OK : ct_last_status();
}

ct_tensor *ct__reshape_fresh(ct_tensor *t, int ndim, const int64_t *shape, const char *name) {
  CT_CHECK_NULL(t);
  if (ct__record(t, name, reshape_fresh_back, 1, &t, 0, NULL, NULL) != CT_OK) {
    ct__drop(t);
    return NULL;
  }
  t->ndim = ndim;
  memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
  ct__contiguous_strides(ndim, shape, t->strides);
  return t;
}

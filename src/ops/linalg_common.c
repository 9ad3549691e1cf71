// Helpers shared by the matrix-product ops: kernel calls on operand descriptors, PyTorch's
// dtype errors, views without autograd, and in-place reshapes of fresh results.
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ops/linalg_internal.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"
#include <assert.h>
#include <string.h>

static const ct_blas_kernels *blas_kernels(ct_device device) {
  const ct_kernel_table *k = ct__kernels(device);
  assert(k); // ops check their tensors' devices first (core/device.h)
  return k->blas;
}

const ct_blas_kernels *ct__blas_of(const ct_tensor *t) { return blas_kernels(t->storage->device); }

ct_status ct__check_product_dtypes(bool supported, const char *kernel, ct_dtype expected, ct_dtype other) {
  if (!supported)
    return ct__error(CT_ERR_ARG, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(expected));
  if (other != expected)
    return ct__error(CT_ERR_ARG, "expected scalar type %s but found %s", ct__scalar_type_name(expected),
                     ct__scalar_type_name(other));
  return CT_OK;
}

// Stride of dim d of op in elements.
static int64_t elems(const ct_operand *op, int d) { return op->strides[d] >> ct_elem_shift(op->dtype); }

void ct__gemm_run(void (*fn)(const ct_gemm_args *), const ct_operand *c, const ct_operand *a, const ct_operand *b,
                  double alpha, double beta) {
  const int o = a->ndim - 2; // 1 when dim 0 is a batch dim
  ct_gemm_args g = {
      .batch = o ? a->shape[0] : 1,
      .m = a->shape[o],
      .k = a->shape[o + 1],
      .n = b->shape[o + 1],
      .a = a->data,
      .a_bs = o ? elems(a, 0) : 0,
      .a_rs = elems(a, o),
      .a_cs = elems(a, o + 1),
      .b = b->data,
      .b_bs = o ? elems(b, 0) : 0,
      .b_rs = elems(b, o),
      .b_cs = elems(b, o + 1),
      .c = c->data,
      .c_bs = o ? elems(c, 0) : 0,
      .c_rs = elems(c, o),
      .c_cs = elems(c, o + 1),
      .alpha = alpha,
      .beta = beta,
  };
  fn(&g);
}

ct_tensor *ct__mm_alpha(const ct_operand *a, const ct_operand *b, double alpha) {
  ct_tensor *out = ct__alloc(a->dtype, 2, (int64_t[]){a->shape[0], b->shape[1]});
  if (!out) return NULL;
  ct_operand c;
  ct__operand_set(&c, out);
  ct__gemm_run(blas_kernels(a->device)->gemm[a->dtype], &c, a, b, alpha, 0.0);
  return out;
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
  const ct_input_meta *m = &node->inputs[0];
  grad_in[0] = ct__create_graph() ? ct_reshape(grad, m->ndim, m->shape) : ct__reshape_nograd(grad, m->ndim, m->shape);
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

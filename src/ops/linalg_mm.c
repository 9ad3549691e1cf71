// Matrix-matrix products: mm, addmm, bmm, with PyTorch's checks, error wording and
// backward formulas (mm_mat1_backward / mm_mat2_backward, BmmBackward0).
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "ops/linalg_internal.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"
#include <math.h>
#include <string.h>

// ---- backward ----

// Arguments of MmBackward0 / AddmmBackward0: the forward strides of mat1 and mat2 (a
// column-major operand gets a column-major gradient) and the product's factors.
typedef struct product_args {
  int64_t strides[2][2]; // [0]: mat1's, [1]: mat2's
  double alpha, beta;    // beta: AddmmBackward0's input factor
} product_args;

// Gradient of one operand of a = x @ y: grad @ y^T for x (other = y, grad_left), or
// x^T @ grad for y (other = x). When that operand was column-major PyTorch computes the
// transposed product and returns its transpose, a gradient laid out like the input: here
// that product is written straight into a column-major result. Transposes are operand
// descriptors over the tensors' data (the products only read them).
static ct_tensor *matrix_grad(ct_tensor *grad, ct_tensor *other, bool grad_left, bool column_major,
                              double alpha) {
  if (column_major) { // (y @ grad^T)^T or (grad^T @ x)^T
    ct_operand gt, o;
    ct__operand_set(&gt, grad), ct__operand_set(&o, other);
    ct_operand_swap_dims(&gt, 0, 1);
    const ct_operand *x = grad_left ? &o : &gt, *y = grad_left ? &gt : &o;
    const int64_t m = x->shape[0], n = y->shape[1];
    ct_tensor *result = ct__alloc_strided(x->dtype, 2, (const int64_t[]){n, m}, (const int64_t[]){1, n});
    if (!result) return NULL;
    ct_operand product; // the m×n row-major product, in result's memory
    ct__operand_set(&product, result);
    ct_operand_swap_dims(&product, 0, 1);
    ct__gemm_run(ct__blas_of(grad)->gemm[x->dtype], &product, x, y, alpha, 0.0);
    return result;
  }
  ct_operand g, ot;
  ct__operand_set(&g, grad), ct__operand_set(&ot, other);
  ct_operand_swap_dims(&ot, 0, 1);
  return grad_left ? ct__mm_alpha(&g, &ot, alpha) : ct__mm_alpha(&ot, &g, alpha);
}

// create_graph: grad @ mat2^T and mat1^T @ grad, times alpha, for the inputs at first and
// first+1 (recorded).
CT_CREATE_GRAPH_PATH static ct_status matrices_back_recorded(ct_node *node, int first, ct_tensor *grad, ct_tensor **grad_in) {
  const double alpha = ct__node_args(node, product_args)->alpha;
  for (int k = 0; k < 2; k++) {
    const int i = first + k;
    if (!node->next[i]) continue;
    ct_tensor *other = ct__saved(node, 1 - k);
    ct_tensor *product = !other ? NULL : k == 0 ? ct_mm(grad, ct_t(other)) : ct_mm(ct_t(other), grad);
    grad_in[i] = alpha == 1 || !product ? product : ct_mul_scalar(product, alpha);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

// Gradients of the two matrix inputs at positions first and first+1 of the node.
static ct_status matrices_back(ct_node *node, int first, ct_tensor *grad, ct_tensor **grad_in) {
  for (int k = 0; k < 2; k++) { // k = 0: mat1 (other = saved mat2), k = 1: mat2 (other = saved mat1)
    const int i = first + k;
    if (!node->next[i]) continue;
    ct_tensor *other = ct__saved(node, 1 - k);
    if (!other) return ct_last_status();
    const product_args *a = ct__node_args(node, product_args);
    const int64_t *strides = a->strides[k]; // the input's forward strides
    const bool column_major = strides[0] == 1 && strides[1] == node->inputs[i].shape[0];
    grad_in[i] = matrix_grad(grad, other, k == 0, column_major, a->alpha);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

static ct_status mm_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return matrices_back_recorded(node, 0, grad, grad_in);
  return matrices_back(node, 0, grad, grad_in);
}

static ct_status addmm_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0]) {
    const double beta = ct__node_args(node, product_args)->beta;
    ct_tensor *scaled = beta == 1 ? grad : ct_mul_scalar(grad, beta); // maybe_multiply
    grad_in[0] = scaled ? ct__sum_to_shape(scaled, node->inputs[0].ndim, node->inputs[0].shape) : NULL;
    if (!grad_in[0]) return ct_last_status();
  }
  return ct__create_graph() ? matrices_back_recorded(node, 1, grad, grad_in) : matrices_back(node, 1, grad, grad_in);
}

// Records a product node: inputs[first], inputs[first+1] are the matrices x, y.
static ct_status record_product(ct_tensor *out, const char *name, ct_backward_fn fn, int n_inputs,
                                ct_tensor *const *inputs, int first, double alpha, double beta) {
  ct_tensor *x = inputs[first], *y = inputs[first + 1];
  if (!ct__needs_grad(n_inputs, inputs)) return CT_OK;
  // x is needed for y's gradient and y for x's.
  ct_tensor *saved[2] = {y->requires_grad ? x : NULL, x->requires_grad ? y : NULL};
  ct_node *node;
  ct_status st = ct__record(out, name, fn, n_inputs, inputs, 2, saved, &node);
  if (st != CT_OK || !node) return st;
  *ct__node_args(node, product_args) = (product_args){
      .strides = {{x->strides[0], x->strides[1]}, {y->strides[0], y->strides[1]}}, .alpha = alpha, .beta = beta};
  return CT_OK;
}

// ---- mm / addmm ----

static ct_tensor *shapes_error(const ct_tensor *a, const ct_tensor *b) {
  return ct__error_null(CT_ERR_ARG, "mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
                        (long long)a->shape[0], (long long)a->shape[1], (long long)b->shape[0],
                        (long long)b->shape[1]);
}

ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (ct__check_same_device_args("wrapper_mm", 2, (const ct_tensor *[]){a, b}, (const char *[]){"self", "mat2"}, 2) !=
      CT_OK)
    return NULL;
  if (a->ndim != 2) return ct__error_null(CT_ERR_ARG, "self must be a matrix");
  if (b->ndim != 2) return ct__error_null(CT_ERR_ARG, "mat2 must be a matrix");
  if (a->shape[1] != b->shape[0]) return shapes_error(a, b);
  const ct_blas_kernels *k = ct__blas_of(a);
  // PyTorch dispatches on dtype only when there is something to multiply.
  const bool work = a->shape[0] && b->shape[1] && a->shape[1];
  if (work &&
      ct__check_product_dtypes(k->gemm[a->dtype] != NULL, "addmm_impl_cpu_", a->dtype, b->dtype) != CT_OK)
    return NULL;
  ct_tensor *out = ct__alloc(a->dtype, 2, (int64_t[]){a->shape[0], b->shape[1]});
  if (!out) return NULL;
  if (!work) {
    ct__fill(out, 0.0);
  } else {
    ct_operand ops[3];
    ct__operand_set(&ops[0], out), ct__operand_set(&ops[1], a), ct__operand_set(&ops[2], b);
    ct__gemm_run(k->gemm[a->dtype], &ops[0], &ops[1], &ops[2], 1.0, 0.0);
  }
  ct_tensor *inputs[2] = {a, b};
  if (record_product(out, "MmBackward0", mm_back, 2, inputs, 0, 1.0, 1.0) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

static const char *legacy_tensor_type(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {[CT_BOOL] = "BoolTensor",
                                                   [CT_INT32] = "IntTensor",
                                                   [CT_INT64] = "LongTensor",
                                                   [CT_FLOAT32] = "FloatTensor",
                                                   [CT_FLOAT64] = "DoubleTensor"};
  return names[dtype];
}

// addmm's expand_size(self, {m, n}) check, with at::expand's messages.
static ct_status check_expandable(const ct_tensor *self, int64_t m, int64_t n) {
  const int64_t target[2] = {m, n};
  int bad_dim = -1;
  for (int d = 0; d < self->ndim && self->ndim <= 2 && bad_dim < 0; d++)
    if (self->shape[d] != 1 && self->shape[d] != target[d + 2 - self->ndim]) bad_dim = d + 2 - self->ndim;
  if (self->ndim <= 2 && bad_dim < 0) return CT_OK;
  char have[256];
  ct__shape_to_str(self->ndim, self->shape, have, sizeof have);
  if (self->ndim > 2)
    return ct__error(
        CT_ERR_ARG,
        "expand(torch.%s{%s}, size=[%lld, %lld]): the number of sizes provided (2) must be greater "
        "or equal to the number of dimensions in the tensor (%d)",
        legacy_tensor_type(self->dtype), have, (long long)m, (long long)n, self->ndim);
  return ct__error(
      CT_ERR_ARG,
      "The expanded size of the tensor (%lld) must match the existing size (%lld) at non-singleton "
      "dimension %d.  Target sizes: [%lld, %lld].  Tensor sizes: %s",
      (long long)target[bad_dim], (long long)self->shape[bad_dim - 2 + self->ndim], bad_dim, (long long)m,
      (long long)n, have);
}

// PyTorch's result.mul_(beta) on an empty product: an in-place multiply that errors when
// the scalar's type cannot be stored in the tensor's dtype.
static ct_status check_beta_storable(ct_dtype dtype, double beta) {
  const bool integral_beta = beta == nearbyint(beta);
  if (ct_dtype_is_floating(dtype) || (dtype != CT_BOOL && integral_beta)) return CT_OK;
  return ct__error(CT_ERR_ARG, "result type %s can't be cast to the desired output type %s",
                   integral_beta ? "Long" : "Float", ct__scalar_type_name(dtype));
}

// out (fresh, contiguous m×n) = bias broadcast: a Linear's contiguous bias row is copied
// into each row directly; other shapes and layouts go through the broadcasting copy.
static ct_status copy_bias_rows(ct_tensor *out, const ct_tensor *bias) {
  const int64_t m = out->shape[0], n = out->shape[1];
  if (bias->ndim != 1 || bias->shape[0] != n || bias->strides[0] != 1 || bias->dtype != out->dtype)
    return ct__copy_into(out, bias);
  const size_t row = (size_t)n * ct_dtype_size(out->dtype);
  char *dst = ct__data(out);
  const char *src = ct__data(bias);
  for (int64_t i = 0; i < m; i++) memcpy(dst + (size_t)i * row, src, row);
  return CT_OK;
}

ct_tensor *ct_addmm(ct_tensor *bias, ct_tensor *a, ct_tensor *b, double beta, double alpha) {
  CT_CHECK_NULL(bias);
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (ct__check_same_device_args("wrapper_addmm", 3, (const ct_tensor *[]){bias, a, b},
                                 (const char *[]){"self", "mat1", "mat2"}, 3) != CT_OK)
    return NULL;
  if (bias->dtype != b->dtype) return ct__error_null(CT_ERR_ARG, "self and mat2 must have the same dtype");
  if (a->dtype != b->dtype) return ct__error_null(CT_ERR_ARG, "mat1 and mat2 must have the same dtype");
  if (a->ndim != 2) return ct__error_null(CT_ERR_ARG, "mat1 must be a matrix, got %d-D tensor", a->ndim);
  if (b->ndim != 2) return ct__error_null(CT_ERR_ARG, "mat2 must be a matrix, got %d-D tensor", b->ndim);
  if (a->shape[1] != b->shape[0]) return shapes_error(a, b);
  const int64_t m = a->shape[0], n = b->shape[1];
  if (check_expandable(bias, m, n) != CT_OK) return NULL;
  const ct_blas_kernels *k = ct__blas_of(a);
  const bool any = m && n, work = any && a->shape[1];
  if (work &&
      ct__check_product_dtypes(k->gemm[a->dtype] != NULL, "addmm_impl_cpu_", a->dtype, a->dtype) != CT_OK)
    return NULL;
  if (any && !work && beta != 0 && check_beta_storable(a->dtype, beta) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(a->dtype, 2, (int64_t[]){m, n});
  if (!out) return NULL;
  if (any) {
    // beta * bias enters through the kernel's C (never read when beta is 0).
    if (beta != 0 && copy_bias_rows(out, bias) != CT_OK) {
      ct__drop(out);
      return NULL;
    }
    if (work || beta != 0) { // k == 0: beta * C
      ct_operand ops[3];
      ct__operand_set(&ops[0], out), ct__operand_set(&ops[1], a), ct__operand_set(&ops[2], b);
      ct__gemm_run(k->gemm[a->dtype], &ops[0], &ops[1], &ops[2], alpha, beta);
    } else {
      ct__fill(out, 0.0);
    }
  }
  ct_tensor *inputs[3] = {bias, a, b};
  if (record_product(out, "AddmmBackward0", addmm_back, 3, inputs, 1, alpha, beta) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

// ---- bmm ----

static ct_status bmm_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (node->next[0]) { // grad @ mat2^T
    ct_tensor *y = ct__saved(node, 1);
    ct_tensor *yt = !y ? NULL : ct__create_graph() ? ct_transpose(y, -2, -1) : ct__mT_view(y);
    grad_in[0] = yt ? ct_bmm(grad, yt) : NULL;
    ct__drop(yt);
    if (!grad_in[0]) return ct_last_status();
  }
  if (node->next[1]) { // self^T @ grad
    ct_tensor *x = ct__saved(node, 0);
    ct_tensor *xt = !x ? NULL : ct__create_graph() ? ct_transpose(x, -2, -1) : ct__mT_view(x);
    grad_in[1] = xt ? ct_bmm(xt, grad) : NULL;
    ct__drop(xt);
    if (!grad_in[1]) return ct_last_status();
  }
  return CT_OK;
}

ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b) {
  CT_CHECK_NULL(a);
  CT_CHECK_NULL(b);
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){a, b}, false) != CT_OK) return NULL;
  if (a->ndim != 3) return ct__error_null(CT_ERR_ARG, "batch1 must be a 3D tensor");
  if (b->ndim != 3) return ct__error_null(CT_ERR_ARG, "batch2 must be a 3D tensor");
  const int64_t batch = a->shape[0], m = a->shape[1], inner = a->shape[2], n = b->shape[2];
  if (b->shape[0] != batch || b->shape[1] != inner)
    return ct__error_null(
        CT_ERR_ARG,
        "Expected size for first two dimensions of batch2 tensor to be: [%lld, %lld] but got: "
        "[%lld, %lld].",
        (long long)batch, (long long)inner, (long long)b->shape[0], (long long)b->shape[1]);
  const ct_blas_kernels *k = ct__blas_of(a);
  const bool work = batch && m && n && inner;
  if (work) {
    // Small products run PyTorch's loop (dispatched on batch1's dtype), others one addmm
    // per batch item (dispatched on the result's, which is batch2's).
    ct_status st =
        m * n * inner < CT_BMM_PLAIN_LOOP_LIMIT
            ? ct__check_product_dtypes(k->bmm[a->dtype] != NULL, "bmm", a->dtype, b->dtype)
            : ct__check_product_dtypes(k->bmm[b->dtype] != NULL, "addmm_impl_cpu_", b->dtype, a->dtype);
    if (st != CT_OK) return NULL;
  }
  ct_tensor *out = ct__alloc(b->dtype, 3, (int64_t[]){batch, m, n});
  if (!out) return NULL;
  if (!work) {
    ct__fill(out, 0.0);
  } else {
    ct_operand ops[3];
    ct__operand_set(&ops[0], out), ct__operand_set(&ops[1], a), ct__operand_set(&ops[2], b);
    ct__gemm_run(k->bmm[a->dtype], &ops[0], &ops[1], &ops[2], 1.0, 0.0);
  }
  ct_tensor *inputs[2] = {a, b};
  ct_tensor *saved[2] = {a, b};
  if (ct__record(out, "BmmBackward0", bmm_back, 2, inputs, 2, saved, NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

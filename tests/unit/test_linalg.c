// Matrix products: PyTorch's error messages (texts taken from torch 1.13; the live
// comparison of every message is in tests/oracle/oracle_linalg.py), NULL propagation,
// ownership with and without scopes, graph structure, and exact small-integer math.
#include "unit.h"
#include <string.h>

// A tensor of the given shape holding 0, 1, 2, ... (row-major; exact in every dtype).
static ct_tensor *iota(ct_dtype dtype, int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int d = 0; d < ndim; d++)
    n *= shape[d];
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_keep(ct_reshape(ct_arange(0, (double)n, 1, dtype), ndim, shape));
  ct_scope_close(s); // the result belongs to the enclosing scope (the root scope when none is open)
  return t;
}

static void test_mm_errors(void **state) {
  (void)state;
  ct_tensor *a43 = iota(CT_FLOAT32, CT_SHAPE(4, 3)), *b22 = iota(CT_FLOAT32, CT_SHAPE(2, 2));
  ct_tensor *v3 = iota(CT_FLOAT32, CT_SHAPE(3)), *c221 = iota(CT_FLOAT32, CT_SHAPE(2, 2, 1));
  ct_tensor *d22 = iota(CT_FLOAT64, CT_SHAPE(2, 2)), *i22 = iota(CT_INT32, CT_SHAPE(2, 2));
  ct_tensor *l22 = iota(CT_INT64, CT_SHAPE(2, 2)), *b = ct_ones(CT_SHAPE(2, 2), CT_BOOL);
  EXPECT_ERROR(ct_mm(a43, b22), "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x2)");
  EXPECT_ERROR(ct_matmul(a43, b22), "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x2)");
  EXPECT_ERROR(ct_mm(v3, b22), "self must be a matrix");
  EXPECT_ERROR(ct_mm(b22, c221), "mat2 must be a matrix");
  EXPECT_ERROR(ct_mm(b22, d22), "expected scalar type Float but found Double");
  EXPECT_ERROR(ct_mm(i22, l22), "expected scalar type Int but found Long");
  EXPECT_ERROR(ct_mm(b, b), "\"addmm_impl_cpu_\" not implemented for 'Bool'");
}

static void test_matmul_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *m23 = iota(CT_FLOAT32, CT_SHAPE(2, 3));
  EXPECT_ERROR(ct_matmul(ct_scalar(1, CT_FLOAT32), m23),
               "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  EXPECT_ERROR(ct_matmul(iota(CT_FLOAT32, CT_SHAPE(5, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(4))),
               "size mismatch, got 10, 10x3,4");
  EXPECT_ERROR(ct_matmul(iota(CT_FLOAT32, CT_SHAPE(5, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(4, 3, 2))),
               "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
  EXPECT_ERROR(ct_matmul(iota(CT_FLOAT32, CT_SHAPE(5, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(5, 4, 2))),
               "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4].");
  EXPECT_ERROR(
      ct_matmul(iota(CT_FLOAT32, CT_SHAPE(3)), iota(CT_FLOAT32, CT_SHAPE(4))),
      "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, "
      "but got 3 and 4 elements respectively");
  EXPECT_ERROR(ct_matmul(iota(CT_FLOAT32, CT_SHAPE(4, 2, 3)), iota(CT_FLOAT64, CT_SHAPE(3, 2))),
               "expected scalar type Float but found Double");
  // 2-D @ 3-D folds into mm(b^T, a^T), so the dtypes are named the other way round
  EXPECT_ERROR(ct_matmul(m23, iota(CT_FLOAT64, CT_SHAPE(5, 3, 4))),
               "expected scalar type Double but found Float");
  ct_scope_close(s);
}

static void test_vector_and_batch_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *m23 = iota(CT_FLOAT32, CT_SHAPE(2, 3)), *v3 = iota(CT_FLOAT32, CT_SHAPE(3));
  EXPECT_ERROR(ct_mv(m23, iota(CT_FLOAT32, CT_SHAPE(4))), "size mismatch, got 2, 2x3,4");
  EXPECT_ERROR(ct_mv(v3, v3), "vector + matrix @ vector expected, got 1, 1, 1");
  EXPECT_ERROR(ct_mv(ct_ones(CT_SHAPE(2, 3), CT_BOOL), ct_ones(CT_SHAPE(3), CT_BOOL)),
               "\"addmv_impl_cpu\" not implemented for 'Bool'");
  EXPECT_ERROR(ct_dot(v3, iota(CT_FLOAT64, CT_SHAPE(3))),
               "dot : expected both vectors to have same dtype, but found Float and Double");
  EXPECT_ERROR(ct_dot(m23, v3), "1D tensors expected, but got 2D and 1D tensors");
  EXPECT_ERROR(ct_dot(ct_ones(CT_SHAPE(3), CT_BOOL), ct_ones(CT_SHAPE(3), CT_BOOL)),
               "\"dot\" not implemented for 'Bool'");
  EXPECT_ERROR(ct_outer(m23, v3), "outer: Expected 1-D argument self, but got 2-D");
  EXPECT_ERROR(ct_outer(v3, ct_scalar(2, CT_FLOAT32)), "outer: Expected 1-D argument vec2, but got 0-D");
  EXPECT_ERROR(ct_bmm(m23, iota(CT_FLOAT32, CT_SHAPE(3, 3, 5))), "batch1 must be a 3D tensor");
  EXPECT_ERROR(ct_bmm(iota(CT_FLOAT32, CT_SHAPE(2, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(2, 4, 5))),
               "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].");
  // small products run PyTorch's plain loop ("bmm"), larger ones one addmm per batch item
  EXPECT_ERROR(ct_bmm(ct_ones(CT_SHAPE(2, 2, 3), CT_BOOL), ct_ones(CT_SHAPE(2, 3, 2), CT_BOOL)),
               "\"bmm\" not implemented for 'Bool'");
  EXPECT_ERROR(ct_bmm(ct_ones(CT_SHAPE(2, 20, 30), CT_BOOL), ct_ones(CT_SHAPE(2, 30, 20), CT_BOOL)),
               "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  ct_scope_close(s);
}

static void test_addmm_and_linear_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *m23 = iota(CT_FLOAT32, CT_SHAPE(2, 3)), *m32 = iota(CT_FLOAT32, CT_SHAPE(3, 2));
  EXPECT_ERROR(ct_addmm(iota(CT_FLOAT64, CT_SHAPE(2)), m23, m32, 1, 1),
               "self and mat2 must have the same dtype");
  EXPECT_ERROR(
      ct_addmm(iota(CT_FLOAT32, CT_SHAPE(3)), m23, m32, 1, 1),
      "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1.  "
      "Target sizes: [2, 2].  Tensor sizes: [3]");
  EXPECT_ERROR(ct_addmm(iota(CT_FLOAT32, CT_SHAPE(2, 2, 2)), m23, m32, 1, 1),
               "expand(torch.FloatTensor{[2, 2, 2]}, size=[2, 2]): the number of sizes provided (2) must be "
               "greater or equal to the number of dimensions in the tensor (3)");
  EXPECT_ERROR(ct_addmm(iota(CT_FLOAT32, CT_SHAPE(2)), iota(CT_FLOAT32, CT_SHAPE(3)), m32, 1, 1),
               "mat1 must be a matrix, got 1-D tensor");
  EXPECT_ERROR(ct_linear(m23, iota(CT_FLOAT32, CT_SHAPE(4, 5)), NULL),
               "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)");
  EXPECT_ERROR(
      ct_linear(iota(CT_FLOAT32, CT_SHAPE(2, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(4, 3)),
                iota(CT_FLOAT32, CT_SHAPE(5))),
      "The expanded size of the tensor (4) must match the existing size (5) at non-singleton dimension 1.  "
      "Target sizes: [4, 4].  Tensor sizes: [5]");
  EXPECT_ERROR(ct_linear(iota(CT_FLOAT32, CT_SHAPE(3)), iota(CT_FLOAT32, CT_SHAPE(4, 3)),
                         iota(CT_FLOAT32, CT_SHAPE(2, 4))),
               "output with shape [4] doesn't match the broadcast shape [2, 4]");
  ct_scope_close(s);
}

// Failing calls with no scope open must free everything they created: releasing the
// inputs from the root scope gives back every block.
static void test_errors_without_scope_leak_nothing(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *a = iota(CT_FLOAT32, CT_SHAPE(6, 1, 2, 3)), *b = iota(CT_FLOAT32, CT_SHAPE(1, 5, 4, 2));
  ct_set_requires_grad(a, true);
  EXPECT_ERROR(ct_matmul(a, b),
               "Expected size for first two dimensions of batch2 tensor to be: [30, 3] but got: "
               "[30, 4].");
  ct_tensor *w = iota(CT_FLOAT32, CT_SHAPE(4, 3)), *bias = iota(CT_FLOAT32, CT_SHAPE(2, 4));
  ct_tensor *x = iota(CT_FLOAT32, CT_SHAPE(3));
  assert_null(ct_linear(x, w, bias)); // fails after the matmul, in the bias add
  ct_tensor *base = iota(CT_FLOAT32, CT_SHAPE(2, 3, 5));
  ct_tensor *x3 = ct_transpose(base, 1, 2); // non-contiguous 3-D: matmul, then add_
  EXPECT_ERROR(ct_linear(x3, w, bias),
               "The size of tensor a (5) must match the size of tensor b (2) at non-singleton dimension 1");
  tu_release_inputs((ct_tensor *[]){x3, base, a, b, w, bias, x}, 7);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

static void test_null_propagates_without_new_message(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *m = iota(CT_FLOAT32, CT_SHAPE(2, 2)), *v = iota(CT_FLOAT32, CT_SHAPE(2));
  assert_null(ct_view(m, CT_SHAPE(5)));
  const char *first = "shape '[5]' is invalid for input of size 4";
  assert_string_equal(ct_last_error(), first);
  assert_null(ct_matmul(NULL, m));
  assert_null(ct_mm(m, NULL));
  assert_null(ct_bmm(NULL, NULL));
  assert_null(ct_mv(NULL, v));
  assert_null(ct_dot(v, NULL));
  assert_null(ct_outer(NULL, v));
  assert_null(ct_addmm(NULL, m, m, 1, 1));
  assert_null(ct_addmm(v, m, NULL, 1, 1));
  assert_null(ct_linear(NULL, m, NULL));
  assert_null(ct_linear(m, NULL, v));
  assert_string_equal(ct_last_error(), first);
  ct_scope_close(s);
}

// Exact math on small integers: values, shapes and dtypes of each product.
static void test_products_exact(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = iota(CT_FLOAT32, CT_SHAPE(2, 3)), *b = iota(CT_FLOAT32, CT_SHAPE(3, 2));
  double ab[] = {10, 13, 28, 40}; // [[0,1,2],[3,4,5]] @ [[0,1],[2,3],[4,5]]
  assert_true(tu_allclose(ct_mm(a, b), ab, 4, 0, 0));
  assert_true(tu_allclose(ct_matmul(a, b), ab, 4, 0, 0));
  ct_tensor *v = iota(CT_FLOAT32, CT_SHAPE(3));
  assert_true(tu_allclose(ct_mv(a, v), (double[]){5, 14}, 2, 0, 0));
  assert_true(tu_allclose(ct_matmul(a, v), (double[]){5, 14}, 2, 0, 0));
  assert_true(tu_allclose(ct_matmul(ct_view(v, CT_SHAPE(3)), b), (double[]){10, 13}, 2, 0, 0));
  ct_tensor *d = ct_dot(v, v);
  assert_int_equal(ct_dim(d), 0);
  assert_true(tu_allclose(d, (double[]){5}, 1, 0, 0));
  assert_true(tu_allclose(ct_outer(iota(CT_FLOAT32, CT_SHAPE(2)), v), (double[]){0, 0, 0, 0, 1, 2}, 6, 0, 0));
  // addmm: beta * bias + alpha * a @ b, bias broadcast over rows
  ct_tensor *bias = ct_full(CT_SHAPE(2), 1.0, CT_FLOAT32);
  assert_true(tu_allclose(ct_addmm(bias, a, b, 3, 2), (double[]){23, 29, 59, 83}, 4, 0, 0));
  // batched, broadcast: (2, 1, 2, 3) @ (3, 3, 2) -> (2, 3, 2, 2)
  ct_tensor *p = ct_matmul(iota(CT_FLOAT32, CT_SHAPE(2, 1, 2, 3)), iota(CT_FLOAT32, CT_SHAPE(3, 3, 2)));
  char shape[64];
  ct_shape_str(p, shape, sizeof shape);
  assert_string_equal(shape, "torch.Size([2, 3, 2, 2])");
  double first[] = {10, 13, 28, 40};
  ct_tensor *p00 = ct_select(ct_select(p, 0, 0), 0, 0);
  assert_true(tu_allclose(p00, first, 4, 0, 0));
  // integer products stay integer
  ct_tensor *li = ct_mm(iota(CT_INT64, CT_SHAPE(2, 3)), iota(CT_INT64, CT_SHAPE(3, 2)));
  assert_int_equal(ct_get_dtype(li), CT_INT64);
  assert_true(tu_allclose(li, ab, 4, 0, 0));
  // empty inner dimension: zeros
  ct_tensor *z = ct_mm(ct_ones(CT_SHAPE(2, 0), CT_FLOAT32), ct_ones(CT_SHAPE(0, 3), CT_FLOAT32));
  assert_true(tu_allclose(z, (double[]){0, 0, 0, 0, 0, 0}, 6, 0, 0));
  ct_scope_close(s);
}

static const char *name_of(const ct_node *n) { return n ? ct_node_name(n) : "None"; }

// The graph PyTorch records (parity sheet section 8), and its gradients.
static void test_linear_graphs_and_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(2, 3)), true);
  ct_tensor *bias = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *x = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(4, 3)), true);
  ct_tensor *y = ct_linear(x, w, bias);
  ct_node *fn = ct_grad_fn(y);
  assert_string_equal(name_of(fn), "AddmmBackward0");
  assert_int_equal(ct_node_num_next(fn), 3);
  assert_string_equal(name_of(ct_node_next(fn, 0)), "AccumulateGrad");
  assert_string_equal(name_of(ct_node_next(fn, 2)), "TBackward0");
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(4, 2), CT_FLOAT32)), CT_OK);
  // d bias = column sums of ones(4, 2); d w = ones(2, 4) @ x; d x = ones(4, 2) @ w
  assert_true(tu_allclose(ct_grad(bias), (double[]){4, 4}, 2, 0, 0));
  assert_true(tu_allclose(ct_grad(w), (double[]){18, 22, 26, 18, 22, 26}, 6, 0, 0));
  assert_true(tu_allclose(ct_grad(x), (double[]){3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7}, 12, 0, 0));

  // contiguous 3-D input: ViewBackward0 <- AddmmBackward0 <- ViewBackward0
  ct_tensor *x3 = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(2, 2, 3)), true);
  ct_node *f3 = ct_grad_fn(ct_linear(x3, w, bias));
  assert_string_equal(name_of(f3), "ViewBackward0");
  assert_string_equal(name_of(ct_node_next(f3, 0)), "AddmmBackward0");
  assert_string_equal(name_of(ct_node_next(ct_node_next(f3, 0), 1)), "ViewBackward0");
  // 1-D input: AddBackward0 <- SqueezeBackward3 <- MmBackward0 <- UnsqueezeBackward0
  ct_tensor *x1 = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(3)), true);
  ct_node *f1 = ct_grad_fn(ct_linear(x1, w, bias));
  assert_string_equal(name_of(f1), "AddBackward0");
  ct_node *sq = ct_node_next(f1, 0);
  assert_string_equal(name_of(sq), "SqueezeBackward3");
  assert_string_equal(name_of(ct_node_next(sq, 0)), "MmBackward0");
  assert_string_equal(name_of(ct_node_next(ct_node_next(sq, 0), 0)), "UnsqueezeBackward0");
  // no bias, 2-D: MmBackward0
  assert_string_equal(name_of(ct_grad_fn(ct_linear(x, w, NULL))), "MmBackward0");
  ct_scope_close(s);
}

static void test_matmul_graphs(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a3 = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(5, 2, 3)), true);
  ct_tensor *b2 = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(3, 4)), true);
  ct_tensor *b3 = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(5, 3, 4)), true);
  ct_tensor *v = ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(3)), true);
  assert_string_equal(name_of(ct_grad_fn(ct_matmul(v, v))), "DotBackward0");
  assert_string_equal(name_of(ct_grad_fn(ct_matmul(ct_select(a3, 0, 0), v))), "MvBackward0");
  ct_node *folded = ct_grad_fn(ct_matmul(a3, b2)); // UnsafeView <- Mm <- ReshapeAlias
  assert_string_equal(name_of(folded), "UnsafeViewBackward0");
  assert_string_equal(name_of(ct_node_next(folded, 0)), "MmBackward0");
  assert_string_equal(name_of(ct_node_next(ct_node_next(folded, 0), 0)), "ReshapeAliasBackward0");
  ct_node *batched = ct_grad_fn(ct_matmul(a3, b3)); // UnsafeView <- Bmm
  assert_string_equal(name_of(ct_node_next(batched, 0)), "BmmBackward0");
  // a 3-D operand with transposed last dims is not folded (bmm reads it in place)
  ct_tensor *at = ct_transpose(ct_requires_grad_(iota(CT_FLOAT32, CT_SHAPE(5, 3, 2)), true), 1, 2);
  assert_string_equal(name_of(ct_node_next(ct_grad_fn(ct_matmul(at, b2)), 0)), "BmmBackward0");
  // only the result stays in the scope: intermediates are released as soon as they are used
  ct_scope *inner = ct_scope_open();
  ct_matmul(a3, b3);
  ct_matmul(ct_select(b2, 1, 0), b3);
  assert_int_equal(ct_scope_size(inner), 3); // two results and the select view
  ct_scope_close(inner);
  ct_scope_close(s);
}

static void test_backward_through_matmul(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_requires_grad_(iota(CT_FLOAT64, CT_SHAPE(2, 1, 1, 2)), true); // broadcast over b's 3
  ct_tensor *b = ct_requires_grad_(iota(CT_FLOAT64, CT_SHAPE(3, 2, 2)), true);
  ct_tensor *y = ct_matmul(a, b); // batch dims (2, 1) and (3) broadcast to (2, 3)
  char shape[64];
  ct_shape_str(y, shape, sizeof shape);
  assert_string_equal(shape, "torch.Size([2, 3, 1, 2])");
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(2, 3, 1, 2), CT_FLOAT64)), CT_OK);
  // d a[i] = sum over batches j of ones(1,2) @ b[j]^T; row sums of b[j] summed over j
  // b rows: [0,1],[2,3] | [4,5],[6,7] | [8,9],[10,11] -> sums (1+9+17, 5+13+21) = (27, 39)
  assert_true(tu_allclose(ct_grad(a), (double[]){27, 39, 27, 39}, 4, 0, 0));
  // d b[j] = sum over i of a[i]^T @ ones(1,2): a[0] = [0,1], a[1] = [2,3] -> column [2, 4]
  assert_true(tu_allclose(ct_grad(b), (double[]){2, 2, 4, 4, 2, 2, 4, 4, 2, 2, 4, 4}, 12, 0, 0));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mm_errors),
      cmocka_unit_test(test_matmul_errors),
      cmocka_unit_test(test_vector_and_batch_errors),
      cmocka_unit_test(test_addmm_and_linear_errors),
      cmocka_unit_test(test_errors_without_scope_leak_nothing),
      cmocka_unit_test(test_null_propagates_without_new_message),
      cmocka_unit_test(test_products_exact),
      cmocka_unit_test(test_linear_graphs_and_gradients),
      cmocka_unit_test(test_matmul_graphs),
      cmocka_unit_test(test_backward_through_matmul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

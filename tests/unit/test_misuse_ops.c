// The misuse catalogue (tests/util/misuse.h): elementwise ops, linalg, reductions, indexing, autograd,
// ordering/scans/searches.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "misuse.h"

// ---- elementwise ops ----

static void test_ops(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *f = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *g = ct_ones(CT_SHAPE(2, 2), CT_FLOAT32);
  ct_tensor *row3 = ct_ones(CT_SHAPE(3), CT_FLOAT32), *i = ct_ones(CT_SHAPE(3), CT_INT64);
  ct_tensor *i32 = ct_ones(CT_SHAPE(3), CT_INT32), *b = ct_ones(CT_SHAPE(3), CT_BOOL);
  ct_tensor *zero = ct_zeros(CT_SHAPE(3), CT_INT64), *minus_one = ct_scalar(-1, CT_INT64);
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *expanded = ct_expand(ct_ones(CT_SHAPE(3, 1), CT_FLOAT32), CT_SHAPE(3, 2));
  const char *mismatch =
      "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1";
  const char *cast = "result type Float can't be cast to the desired output type Long";
  const char *leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation.";
  MISUSE(ct_add(f, g), mismatch);
  MISUSE(ct_mul(f, g), mismatch);
  MISUSE(ct_div(f, g), mismatch);
  MISUSE(ct_maximum(f, g), mismatch);
  MISUSE(ct_eq(f, g), mismatch);
  MISUSE(ct_logical_and(f, g), mismatch);
  MISUSE(ct_where(ct_ones(CT_SHAPE(2, 3), CT_BOOL), f, g), mismatch);
  const char *bool_sub =
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
      "`logical_xor()` operator instead.";
  MISUSE(ct_sub(b, b), bool_sub);
  MISUSE(ct_rsub(b, b), bool_sub);
  MISUSE(ct_neg(b),
         "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
         "mask, use the `~` or `logical_not()` operator instead.");
  MISUSE(ct_add_alpha(i, i, 0.5),
         "For integral input tensors, argument alpha must not be a floating point number.");
  MISUSE(ct_sub_alpha(i32, i32, 1.5),
         "For integral input tensors, argument alpha must not be a floating point number.");
  MISUSE(ct_floor_divide(i, zero), "ZeroDivisionError");
  MISUSE(ct_remainder(i, zero), "ZeroDivisionError");
  // A 0-d int64 exponent is a Python int (ops.h): x ** -1 refuses, as in PyTorch.
  MISUSE(ct_pow(i, minus_one), "Integers to negative integer powers are not allowed.");
  MISUSE(ct_where(f, f, f),
         "where expected condition to be a boolean tensor, but got a tensor with dtype Float");
  MISUSE(ct_leaky_relu(i, 0.1), "\"leaky_relu_cpu\" not implemented for 'Long'");
  MISUSE(ct_gelu(i), "\"GeluKernelImpl\" not implemented for 'Long'");
  MISUSE(ct_softplus(i, 1, 20), "\"softplus_cpu\" not implemented for 'Long'");
  MISUSE(ct_relu(b), "Boolean inputs not supported for relu");
  MISUSE(ct_add_(i, row3), cast);
  MISUSE(ct_div_(i, i), cast);
  MISUSE(ct_mul_scalar_(i, 0.5), cast);
  MISUSE(ct_add_scalar_(i, 0.5), cast);
  MISUSE(ct_clamp_(i, 0.5, 1.5), "result type Float can't be cast to the desired output type long int");
  MISUSE(ct_add_(row3, f), "output with shape [3] doesn't match the broadcast shape [2, 3]");
  MISUSE(ct_mul_(row3, g),
         "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  MISUSE(ct_add_(leaf, row3), leaf_msg);
  MISUSE(ct_sub_(leaf, row3), leaf_msg);
  MISUSE(ct_mul_scalar_(leaf, 2), leaf_msg);
  MISUSE(ct_relu_(leaf), leaf_msg);
  MISUSE(ct_clamp_(leaf, 0, 1), leaf_msg);
  MISUSE(ct_fill_(leaf, 0), leaf_msg);
  MISUSE(ct_zero_(leaf), leaf_msg);
  MISUSE(ct_add_(expanded, ct_ones(CT_SHAPE(3, 2), CT_FLOAT32)),
         "unsupported operation: more than one element of the written-to tensor refers to a single memory "
         "location.");
  MISUSE(ct_fill_(i, NAN), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_fill_(i32, 1e10), "value cannot be converted to type int without overflow");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_add(bad, f));
  NULL_PASSES(ct_add(f, bad));
  NULL_PASSES(ct_sub_alpha(bad, f, 2));
  NULL_PASSES(ct_pow(f, bad));
  NULL_PASSES(ct_mul_scalar(bad, 2));
  NULL_PASSES(ct_rpow_scalar(2, bad));
  NULL_PASSES(ct_eq_scalar(bad, 0));
  NULL_PASSES(ct_logical_not(bad));
  NULL_PASSES(ct_where(bad, f, f));
  NULL_PASSES(ct_where(ct_ones(CT_SHAPE(2, 3), CT_BOOL), f, bad));
  NULL_PASSES(ct_exp(bad));
  NULL_PASSES(ct_clamp(bad, 0, 1));
  NULL_PASSES(ct_softplus(bad, 1, 20));
  NULL_PASSES(ct_add_(bad, f));
  NULL_PASSES(ct_add_(f, bad));
  NULL_PASSES(ct_fill_(bad, 1));
  NULL_PASSES(ct_zero_(bad));
  area_done(s);
}

// ---- linalg ----

static void test_linalg(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *v3 = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *v2 = ct_ones(CT_SHAPE(2), CT_FLOAT32), *d3 = ct_ones(CT_SHAPE(3), CT_FLOAT64);
  ct_tensor *a64 = ct_ones(CT_SHAPE(3, 2), CT_FLOAT64), *bools = ct_ones(CT_SHAPE(2, 2), CT_BOOL);
  ct_tensor *batch = ct_ones(CT_SHAPE(2, 2, 3), CT_FLOAT32), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *w = ct_ones(CT_SHAPE(2, 4), CT_FLOAT32);
  MISUSE(ct_mm(a, a), "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)");
  MISUSE(ct_mm(v3, a), "self must be a matrix");
  MISUSE(ct_mm(a, v3), "mat2 must be a matrix");
  MISUSE(ct_mm(a, a64), "expected scalar type Float but found Double");
  MISUSE(ct_mm(bools, bools), "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  MISUSE(ct_bmm(a, a), "batch1 must be a 3D tensor");
  MISUSE(ct_bmm(batch, ct_ones(CT_SHAPE(3, 3, 2), CT_FLOAT32)),
         "Expected size for first two dimensions of batch2 "
         "tensor to be: [2, 3] but got: [3, 3].");
  MISUSE(ct_mv(v3, v3), "vector + matrix @ vector expected, got 1, 1, 1");
  MISUSE(ct_mv(a, v2), "size mismatch, got 2, 2x3,2");
  MISUSE(ct_dot(a, a), "1D tensors expected, but got 2D and 2D tensors");
  MISUSE(ct_dot(v3, v2),
         "inconsistent tensor size, expected tensor [3] and src [2] to have the same number of "
         "elements, but got 3 and 2 elements respectively");
  MISUSE(ct_dot(v3, d3), "dot : expected both vectors to have same dtype, but found Float and Double");
  MISUSE(ct_matmul(scalar, a), "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  MISUSE(ct_matmul(v3, v2),
         "inconsistent tensor size, expected tensor [3] and src [2] to have the same number of "
         "elements, but got 3 and 2 elements respectively");
  MISUSE(ct_matmul(a, v2), "size mismatch, got 2, 2x3,2");
  MISUSE(ct_matmul(batch, ct_ones(CT_SHAPE(3, 3, 4), CT_FLOAT32)),
         "The size of tensor a (2) must match the size of "
         "tensor b (3) at non-singleton dimension 0");
  MISUSE(ct_matmul(batch, ct_ones(CT_SHAPE(2, 4, 5), CT_FLOAT32)),
         "Expected size for first two dimensions of batch2 "
         "tensor to be: [2, 3] but got: [2, 4].");
  MISUSE(ct_outer(a, v3), "outer: Expected 1-D argument self, but got 2-D");
  MISUSE(ct_addmm(ct_ones(CT_SHAPE(4), CT_FLOAT32), a, ct_ones(CT_SHAPE(3, 3), CT_FLOAT32), 1, 1),
         "The expanded size of the tensor (3) must match the existing size (4) at non-singleton dimension 1. "
         " Target "
         "sizes: [2, 3].  Tensor sizes: [4]");
  MISUSE(ct_addmm(v2, a, a, 1, 1), "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)");
  MISUSE(ct_linear(a, w, NULL), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)");
  MISUSE(ct_linear(a, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), v3),
         "The expanded size of the tensor (2) must match the "
         "existing size (3) at non-singleton dimension 1.");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_matmul(bad, a));
  NULL_PASSES(ct_matmul(a, bad));
  NULL_PASSES(ct_mm(bad, a));
  NULL_PASSES(ct_bmm(batch, bad));
  NULL_PASSES(ct_mv(bad, v3));
  NULL_PASSES(ct_dot(v3, bad));
  NULL_PASSES(ct_outer(bad, v3));
  NULL_PASSES(ct_addmm(v2, bad, a, 1, 1));
  NULL_PASSES(ct_linear(bad, w, NULL));
  NULL_PASSES(ct_linear(a, bad, NULL));
  area_done(s);
}

// ---- reductions and softmax ----

static void test_reductions(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *i = ct_ones(CT_SHAPE(2, 3), CT_INT64);
  ct_tensor *empty = ct_zeros(CT_SHAPE(0, 3), CT_FLOAT32);
  const char *dim_2 = "Dimension out of range (expected to be in range of [-2, 1], but got 2)";
  const char *mean_int =
      "mean(): could not infer output dtype. Input dtype must be either a floating point or "
      "complex dtype. Got: Long";
  MISUSE(ct_sum_dims(x, (int[]){0}, -1, false), "number of dims is negative");
  MISUSE(ct_sum_dims(x, NULL, 1, false), "dims is NULL");
  MISUSE(ct_sum_dims(x, (int[]){2}, 1, false), dim_2);
  MISUSE(ct_sum_dims(x, (int[]){0, -2}, 2, false), "dim 0 appears multiple times in the list of dims");
  MISUSE(ct_sum_dim(x, -3, false), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_mean_dims(x, (int[]){0}, -3, false), "number of dims is negative");
  MISUSE(ct_mean_dim(x, 2, true), dim_2);
  MISUSE(ct_mean_dim(i, 0, false), mean_int);
  MISUSE(ct_mean_dims(i, NULL, 0, false), mean_int);
  MISUSE(ct_std(i), "std and var only support floating point and complex dtypes");
  MISUSE(ct_var_dim(i, 0, false), "std and var only support floating point and complex dtypes");
  MISUSE(ct_std_dim(x, 2, false), dim_2);
  MISUSE(ct_var_ex(x, (int[]){1, 1}, 2, 1, false), "dim 1 appears multiple times in the list of dims");
  MISUSE(ct_std_ex(x, (int[]){0}, -1, 1, false), "number of dims is negative");
  MISUSE(ct_prod_dim(x, 2, false), dim_2);
  MISUSE(ct_max(empty),
         "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
         "dim with the 'dim' argument.");
  MISUSE(ct_min(empty), "min(): Expected reduction dim to be specified for input.numel() == 0.");
  MISUSE(ct_max_dim(empty, 0, false, NULL), "max(): Expected reduction dim 0 to have non-zero size.");
  MISUSE(ct_min_dim(x, 2, false, NULL), dim_2);
  MISUSE(ct_argmax(empty), "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  MISUSE(ct_argmin_dim(x, -3, false),
         "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_argmax_dim(empty, 0, false), "argmax(): Expected reduction dim 0 to have non-zero size.");
  MISUSE(ct_amax(empty, (int[]){0}, 1, false), "amax(): Expected reduction dim 0 to have non-zero size.");
  MISUSE(ct_amin(x, (int[]){0, 0}, 2, false), "dim 0 appears multiple times in the list of dims");
  MISUSE(ct_logsumexp(x, (int[]){2}, 1, false), dim_2);
  MISUSE(ct_norm(i, 2), "norm(): input dtype should be either floating point or complex. Got Long instead.");
  MISUSE(ct_norm_dims(x, 2, (int[]){2}, 1, false), dim_2);
  MISUSE(ct_softmax(i, 0), "\"softmax_kernel_impl\" not implemented for 'Long'");
  MISUSE(ct_softmax(i, 1), "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  MISUSE(ct_log_softmax(i, 1), "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  MISUSE(ct_softmax(x, 2), dim_2);
  MISUSE(ct_log_softmax(x, -3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  ct_tensor *bad = NULL, *indices = NULL;
  NULL_PASSES(ct_sum(bad));
  NULL_PASSES(ct_sum_dims(bad, NULL, 0, false));
  NULL_PASSES(ct_mean(bad));
  NULL_PASSES(ct_std(bad));
  NULL_PASSES(ct_var_ex(bad, NULL, 0, 1, false));
  NULL_PASSES(ct_prod(bad));
  NULL_PASSES(ct_max(bad));
  NULL_PASSES(ct_max_dim(bad, 0, false, &indices));
  NULL_PASSES(ct_argmax(bad));
  NULL_PASSES(ct_amax(bad, NULL, 0, false));
  NULL_PASSES(ct_logsumexp(bad, NULL, 0, false));
  NULL_PASSES(ct_norm(bad, 2));
  NULL_PASSES(ct_softmax(bad, 0));
  NULL_PASSES(ct_log_softmax(bad, 0));
  area_done(s);
}

// ---- indexing and gathering ----

static void test_indexing(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *v3 = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *idx5 = ct_tensor_parse("[5]"), *idx_neg = ct_tensor_parse("[-4]"),
            *fidx = ct_tensor_parse("[0.0]");
  ct_tensor *mask2 = ct_ones(CT_SHAPE(2), CT_BOOL), *mask23 = ct_ones(CT_SHAPE(2, 3), CT_BOOL);
  ct_tensor *idx2d = ct_zeros(CT_SHAPE(2, 1), CT_INT64), *idx1 = ct_zeros(CT_SHAPE(1), CT_INT64);
  ct_tensor *weight = ct_ones(CT_SHAPE(3, 2), CT_FLOAT32);
  MISUSE(ct_index(v3, idx5), "index 5 is out of bounds for dimension 0 with size 3");
  MISUSE(ct_index(v3, idx_neg), "index -4 is out of bounds for dimension 0 with size 3");
  MISUSE(ct_index(v3, fidx), "tensors used as indices must be long, byte or bool tensors");
  MISUSE(ct_index(v3, mask2),
         "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor "
         "[3] at index 0");
  MISUSE(ct_index(v3, mask23), "too many indices for tensor of dimension 1");
  MISUSE(ct_index_select(x, 0, idx2d), "index_select(): Index is supposed to be a vector");
  MISUSE(ct_index_select(x, 0, fidx), "index_select(): Expected dtype int32 or int64 for index");
  MISUSE(ct_index_select(x, 1, idx5), "INDICES element is out of DATA bounds, id=5 axis_dim=3");
  MISUSE(ct_index_select(x, 2, idx1),
         "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE(ct_gather(x, 0, idx1), "Index tensor must have the same number of dimensions as input tensor");
  MISUSE(ct_gather(x, 1, ct_tensor_parse("[[5]]")), "index 5 is out of bounds for dimension 1 with size 3");
  MISUSE(ct_gather(x, 1, ct_zeros(CT_SHAPE(2, 1), CT_FLOAT32)), "gather(): Expected dtype int64 for index");
  MISUSE(ct_gather(x, 1, ct_zeros(CT_SHAPE(3, 1), CT_INT64)),
         "Size does not match at dimension 0 expected index "
         "[3, 1] to be smaller than self [2, 3] apart from "
         "dimension 1");
  MISUSE(ct_gather(x, 2, idx2d), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE(ct_scatter_add(x, 1, idx2d, ct_ones(CT_SHAPE(2, 1), CT_FLOAT64)),
         "scatter(): Expected self.dtype to be equal to src.dtype");
  MISUSE(ct_scatter_add(x, 1, ct_tensor_parse("[[5]]"), ct_ones(CT_SHAPE(1, 1), CT_FLOAT32)),
         "index 5 is out of bounds for dimension 1 with size 3");
  MISUSE(ct_scatter_add(x, 1, ct_zeros(CT_SHAPE(2, 3), CT_INT64), ct_ones(CT_SHAPE(1, 3), CT_FLOAT32)),
         "Expected index [2, 3] to be smaller than self [2, 3] apart from dimension 1 and to be smaller size "
         "than src "
         "[1, 3]");
  MISUSE(ct_scatter_add(x, 1, ct_zeros(CT_SHAPE(2, 1), CT_FLOAT32), ct_ones(CT_SHAPE(2, 1), CT_FLOAT32)),
         "scatter(): Expected dtype int64 for index");
  MISUSE(ct_masked_fill(x, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), 0),
         "masked_fill_ only supports boolean masks, but "
         "got mask with dtype float");
  MISUSE(ct_masked_fill(ct_ones(CT_SHAPE(2), CT_INT32), mask2, 1e10),
         "value cannot be converted to type int without "
         "overflow");
  MISUSE(ct_masked_fill(x, ct_ones(CT_SHAPE(2, 2), CT_BOOL), 0),
         "The size of tensor a (2) must match the size of "
         "tensor b (3) at non-singleton dimension 1");
  MISUSE(ct_embedding(weight, idx5, CT_NO_PADDING_IDX), "index out of range in self");
  MISUSE(ct_embedding(weight, fidx, CT_NO_PADDING_IDX),
         "Expected tensor for argument #1 'indices' to have one of the "
         "following scalar types: Long, Int; but got torch.FloatTensor "
         "instead (while checking arguments for embedding)");
  MISUSE(ct_embedding(v3, idx1, CT_NO_PADDING_IDX), "'weight' must be 2-D");
  MISUSE(ct_embedding(weight, idx1, 5), "Padding_idx must be within num_embeddings");
  MISUSE(ct_one_hot(ct_tensor_parse("[-1, 0]"), 3), "Class values must be non-negative.");
  MISUSE(ct_one_hot(ct_tensor_parse("[0, 3]"), 3), "Class values must be smaller than num_classes.");
  MISUSE(ct_one_hot(fidx, 3), "one_hot is only applicable to index tensor.");
  MISUSE(ct_one_hot(ct_zeros(CT_SHAPE(0), CT_INT64), -1),
         "Can not infer total number of classes from empty tensor.");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_index(bad, idx1));
  NULL_PASSES(ct_index(v3, bad));
  NULL_PASSES(ct_index_select(bad, 0, idx1));
  NULL_PASSES(ct_index_select(x, 0, bad));
  NULL_PASSES(ct_gather(x, 1, bad));
  NULL_PASSES(ct_scatter_add(x, 1, idx2d, bad));
  NULL_PASSES(ct_masked_fill(x, bad, 0));
  NULL_PASSES(ct_masked_fill(bad, mask23, 0));
  NULL_PASSES(ct_embedding(bad, idx1, CT_NO_PADDING_IDX));
  NULL_PASSES(ct_embedding(weight, bad, CT_NO_PADDING_IDX));
  NULL_PASSES(ct_one_hot(bad, 3));
  area_done(s);
}

// ---- autograd ----

static void test_autograd(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *y = ct_mul_scalar(x, 2), *plain = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *i = ct_ones(CT_SHAPE(3), CT_INT64);
  const char *twice =
      "Trying to backward through the graph a second time (or directly access saved tensors after "
      "they have already been freed). Saved intermediate values of the graph are freed when you call "
      ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
      "graph a second time or if you need to access saved tensors after calling backward.";
  ct_tensor *loss = ct_sum(ct_mul(y, y));
  assert_int_equal(ct_backward(loss, NULL), CT_OK);
  MISUSE_STATUS(ct_backward(loss, NULL), twice);
  MISUSE_STATUS(ct_backward(y, NULL), "grad can be implicitly created only for scalar outputs");
  MISUSE_STATUS(ct_backward(plain, ct_ones(CT_SHAPE(3), CT_FLOAT32)),
                "element 0 of tensors does not require grad and does not have a grad_fn");
  MISUSE_STATUS(ct_backward(ct_sum(plain), NULL),
                "element 0 of tensors does not require grad and does not have a "
                "grad_fn");
  MISUSE_STATUS(
      ct_backward(y, ct_ones(CT_SHAPE(2), CT_FLOAT32)),
      "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of "
      "torch.Size([3]).");
  MISUSE_STATUS(
      ct_backward_ex(y, ct_ones(CT_SHAPE(3, 1), CT_FLOAT32), true),
      "Mismatch in shape: grad_output[0] has a shape of torch.Size([3, 1]) and output[0] has a shape of "
      "torch.Size([3]).");
  MISUSE_STATUS(ct_backward(ct_sum(ct_floor_divide(x, ct_ones(CT_SHAPE(3), CT_FLOAT32))), NULL),
                "derivative for aten::floor_divide is not implemented");
  // A tensor saved for backward, changed in place before backward runs.
  ct_tensor *a = ct_mul_scalar(x, 3), *sq = ct_mul(a, a);
  assert_non_null(ct_add_scalar_(a, 1));
  MISUSE_STATUS(ct_backward(ct_sum(sq), NULL),
                "one of the variables needed for gradient computation has been "
                "modified by an inplace operation: [torch.FloatTensor [3]], which is "
                "output 0 of AddBackward0, is at version 1; expected version 0 instead.");
  MISUSE(ct_add_scalar_(x, 1), "a leaf Variable that requires grad is being used in an in-place operation.");
  MISUSE(ct_fill_(ct_select(x, 0, 0), 1),
         "a view of a leaf Variable that requires grad is being used in an in-place "
         "operation.");
  MISUSE(ct_uniform_(x, 0, 1), "a leaf Variable that requires grad is being used in an in-place operation.");
  MISUSE_STATUS(ct_set_requires_grad(y, true), "you can only change requires_grad flags of leaf variables.");
  MISUSE_STATUS(ct_set_requires_grad(y, false),
                "you can only change requires_grad flags of leaf variables. If you "
                "want to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach().");
  MISUSE(ct_requires_grad_(y, false), "you can only change requires_grad flags of leaf variables.");
  MISUSE_STATUS(ct_set_requires_grad(i, true), "only Tensors of floating point and complex dtype can require "
                                               "gradients");
  MISUSE(ct_parameter(y), "ct_parameter: expected a leaf tensor");
  MISUSE(ct_parameter(i), "floating point");
  MISUSE_STATUS(ct_set_grad(x, ct_ones(CT_SHAPE(2), CT_FLOAT32)),
                "assigned grad has data of a different size");
  MISUSE_STATUS(ct_set_grad(x, ct_ones(CT_SHAPE(3), CT_FLOAT64)),
                "assigned grad has data of a different type");
  MISUSE_STATUS(ct_set_grad(x, ct_ones(CT_SHAPE(3, 1), CT_FLOAT32)),
                "assigned grad has data of a different size");
  // Not errors: y.grad of a non-leaf is None (PyTorch warns), zero_grad without a grad is a no-op.
  assert_null(ct_grad(y));
  ct_zero_grad(plain);
  assert_int_equal(ct_last_status(), CT_OK);
  ct_tensor *bad = NULL;
  NULL_STATUS(ct_backward(bad, NULL), "backward");
  NULL_STATUS(ct_backward_ex(bad, NULL, true), "backward");
  NULL_STATUS(ct_set_grad(bad, x), "set_grad");
  NULL_STATUS(ct_set_requires_grad(bad, true), "requires_grad_");
  NULL_PASSES(ct_requires_grad_(bad, true));
  NULL_PASSES(ct_parameter(bad));
  NULL_PASSES(ct_detach(bad));
  area_done(s);
}

// ---- ordering, scans and searches ----

static void test_sorting(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *i = ct_ones(CT_SHAPE(2, 3), CT_INT64);
  ct_tensor *flags = ct_ones(CT_SHAPE(3), CT_BOOL), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *g = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  const char *dim_2 = "Dimension out of range (expected to be in range of [-2, 1], but got 2)";
  ct_tensor *indices = NULL;
  MISUSE(ct_sort(x, 2, false, false, &indices), dim_2);
  assert_null(indices); // reset on failure
  MISUSE(ct_argsort(x, -3, false, true), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_sort(scalar, 1, false, false, NULL), "Dimension out of range (expected to be in range of [-1, 0]");
  MISUSE(ct_topk(x, 4, 1, true, true, &indices), "selected index k out of range");
  MISUSE(ct_topk(x, -1, 1, true, true, NULL), "selected index k out of range");
  MISUSE(ct_topk(scalar, 2, 0, true, true, NULL), "selected index k out of range");
  MISUSE(ct_topk(x, 1, 2, true, true, NULL), dim_2);
  MISUSE(ct_topk(flags, 1, 0, true, true, NULL), "\"topk_cpu\" not implemented for 'Bool'");
  MISUSE(ct_kthvalue(x, 0, 1, false, NULL), "kthvalue(): selected number k out of range for dimension 1");
  MISUSE(ct_kthvalue(x, 4, -1, false, NULL), "kthvalue(): selected number k out of range for dimension 1");
  MISUSE(ct_kthvalue(ct_zeros(CT_SHAPE(2, 0), CT_FLOAT32), 1, 1, false, NULL),
         "kthvalue(): Expected reduction dim 1 to have non-zero size.");
  MISUSE(ct_kthvalue(flags, 1, 0, false, NULL), "\"kthvalue_cpu\" not implemented for 'Bool'");
  MISUSE(ct_cumsum(x, 2), dim_2);
  MISUSE(ct_cumprod(x, -3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_cumsum_dtype(flags, 0, CT_BOOL), "\"cumsum_out_cpu\" not implemented for 'Bool'");
  MISUSE(ct_cumprod_dtype(x, 0, CT_BOOL), "\"cumprod_out_cpu\" not implemented for 'Bool'");
  MISUSE(ct_cumsum_dtype(x, 0, (ct_dtype)99), "invalid dtype 99");
  MISUSE(ct_cumsum_dtype(g, 0, CT_INT64), "only Tensors of floating point dtype can require gradients");
  MISUSE(ct_logcumsumexp(i, 0), "\"logcumsumexp_out_cpu\" not implemented for 'Long'");
  MISUSE(ct_logcumsumexp(flags, 0), "\"logcumsumexp_out_cpu\" not implemented for 'Bool'");
  MISUSE(ct_logcumsumexp(x, 2), dim_2);
  MISUSE(ct_all_dim(x, 2, false), dim_2);
  MISUSE(ct_any_dim(i, -3, true), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE_IF(ct_nonzero_tuple(x, NULL) == -1, "nonzero_tuple: out must not be NULL");
  ct_tensor *bad = NULL, *cols[CT_MAX_DIMS];
  NULL_PASSES(ct_sort(bad, 0, false, false, &indices));
  NULL_PASSES(ct_argsort(bad, 0, false, false));
  NULL_PASSES(ct_topk(bad, 1, 0, true, true, &indices));
  NULL_PASSES(ct_kthvalue(bad, 1, 0, false, &indices));
  NULL_PASSES(ct_cumsum(bad, 0));
  NULL_PASSES(ct_cumprod_dtype(bad, 0, CT_FLOAT64));
  NULL_PASSES(ct_logcumsumexp(bad, 0));
  NULL_PASSES(ct_all(bad));
  NULL_PASSES(ct_any_dim(bad, 0, false));
  NULL_PASSES(ct_nonzero(bad));
  NULL_PASSES(ct_nonzero_tuple(bad, cols) == -1 ? NULL : bad);
  NULL_PASSES(ct_unique(bad, &indices, NULL));
  NULL_PASSES(ct_unique_consecutive(bad, NULL, &indices));
  area_done(s);
}

// ---- shape ops, scatter / index_put, einsum, sampling (shape_ops.h, scatter.h, sampling.h) ----

static void test_shape_ops(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *f = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *v = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *zero_d = ct_scalar(1, CT_FLOAT32), *pieces[4];
  MISUSE(ct_repeat(f, 1, (int64_t[]){2}),
         "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  MISUSE(ct_repeat(f, 2, (int64_t[]){-1, 2}), "Trying to create tensor with negative dimension -2: [-2, 6]");
  MISUSE(ct_repeat_interleave(f, -1, 0), "repeats can not be negative");
  MISUSE(ct_repeat_interleave_tensor(f, ct_ones(CT_SHAPE(3), CT_INT64), 0),
         "repeats must have the same size as input along dim");
  MISUSE(ct_repeat_interleave_counts(ct_ones(CT_SHAPE(2), CT_FLOAT32)), "repeats has to be Long or Int tensor");
  MISUSE(ct_repeat_interleave_counts(ct_full(CT_SHAPE(2), -1, CT_INT64)), "repeats can not be negative");
  MISUSE_IF(ct_split(f, -1, 1, pieces, 4) < 0, "split expects split_size be non-negative, but got split_size=-1");
  MISUSE_IF(ct_split(f, 0, 1, pieces, 4) < 0,
            "split_size can only be 0 if dimension size is 0, but got dimension size of 3");
  MISUSE_IF(ct_split(f, 1, 1, pieces, 2) < 0, "split: out has room for 2 tensors, the result has 3");
  MISUSE_IF(ct_split(zero_d, 1, 0, pieces, 4) < 0, "split expects at least a 1-dimensional tensor");
  MISUSE_IF(ct_split_with_sizes(f, 2, (int64_t[]){1, 1}, 1, pieces, 4) < 0,
            "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 1), but "
            "got split_sizes=[1, 1]");
  MISUSE_IF(ct_split_with_sizes(f, 2, (int64_t[]){4, -1}, 1, pieces, 4) < 0,
            "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[4, -1]");
  MISUSE_IF(ct_chunk(f, 0, 0, pieces, 4) < 0, "chunk expects `chunks` to be greater than 0, got: 0");
  MISUSE_IF(ct_unbind(f, 2, pieces, 4) < 0, "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE_IF(ct_unbind(zero_d, 0, pieces, 4) < 0, "Dimension specified as 0 but tensor has no dimensions");
  MISUSE(ct_flip(f, 2, (int[]){0, -2}), "dim 0 appears multiple times in the list of dims");
  MISUSE(ct_roll(f, 1, (int64_t[]){1}, 2, (int[]){0, 1}), "shifts and dimensions must align. shifts: 1, dims:2");
  MISUSE(ct_roll(f, 0, NULL, 0, NULL), "`shifts` required");
  MISUSE(ct_tril(v, 0), "Dimension out of range (expected to be in range of [-1, 0], but got -2)");
  MISUSE(ct_einsum("ij,jk", 1, &f), "einsum(): fewer operands were provided than specified in the equation");
  MISUSE(ct_einsum("ij", 2, (ct_tensor *[]){f, f}), "einsum(): more operands were provided than specified in the equation");
  MISUSE(ct_einsum("i", 1, &f),
         "einsum(): the number of subscripts in the equation (1) does not match the number of dimensions (2) for "
         "operand 0 and no ellipsis was given");
  MISUSE(ct_einsum("i1", 1, &v), "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]");
  MISUSE(ct_einsum("ij->k", 1, &f), "einsum(): output subscript k does not appear in the equation for any input operand");
  MISUSE(ct_einsum("ij,ij->ij", 2, (ct_tensor *[]){f, ct_ones(CT_SHAPE(2, 4), CT_FLOAT32)}),
         "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_repeat(bad, 1, (int64_t[]){2}));
  NULL_PASSES(ct_tile(bad, 1, (int64_t[]){2}));
  NULL_PASSES(ct_repeat_interleave(bad, 2, 0));
  NULL_PASSES(ct_flip(bad, 0, NULL));
  NULL_PASSES(ct_roll(bad, 1, (int64_t[]){1}, 0, NULL));
  NULL_PASSES(ct_tril(bad, 0));
  NULL_PASSES(ct_triu(bad, 0));
  NULL_PASSES(ct_einsum("ij", 1, &bad));
  area_done(s);
}

static void test_scatter_sampling(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *f = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *d = ct_ones(CT_SHAPE(2, 3), CT_FLOAT64);
  ct_tensor *idx = ct_zeros(CT_SHAPE(2, 1), CT_INT64), *big = ct_full(CT_SHAPE(2, 1), 5, CT_INT64);
  ct_tensor *i1 = ct_tensor_from_i64((int64_t[]){0, 1}, CT_SHAPE(2)), *i3 = ct_zeros(CT_SHAPE(3), CT_INT64);
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), true);
  MISUSE(ct_scatter(f, 1, idx, d, CT_SCATTER_ASSIGN), "scatter(): Expected self.dtype to be equal to src.dtype");
  MISUSE(ct_scatter(f, 1, ct_zeros(CT_SHAPE(2, 1), CT_INT32), f, CT_SCATTER_ASSIGN),
         "scatter(): Expected dtype int64 for index");
  MISUSE(ct_scatter_value(f, 1, big, 1.0, CT_SCATTER_ASSIGN), "index 5 is out of bounds for dimension 1 with size 3");
  MISUSE(ct_scatter_value(f, 1, ct_zeros(CT_SHAPE(2), CT_INT64), 1.0, CT_SCATTER_ASSIGN),
         "Index tensor must have the same number of dimensions as self tensor");
  MISUSE(ct_scatter(f, 1, idx, f, (ct_scatter_reduce)7), "reduce argument must be either add or multiply.");
  MISUSE(ct_scatter_(leaf, 1, idx, f, CT_SCATTER_ASSIGN), "a leaf Variable that requires grad is being used in an in-place operation.");
  MISUSE(ct_scatter_value_(ct_expand(ct_ones(CT_SHAPE(2, 1), CT_FLOAT32), CT_SHAPE(2, 3)), 1, idx, 2.0,
                           CT_SCATTER_ASSIGN),
         "unsupported operation: more than one element of the written-to tensor refers to a single memory location.");
  MISUSE(ct_index_tensors(f, 3, (ct_tensor *[]){i1, i1, i1}), "too many indices for tensor of dimension 2 (got 3)");
  MISUSE(ct_index_tensors(f, 2, (ct_tensor *[]){i1, i3}),
         "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]");
  MISUSE(ct_index_tensors(f, 2, (ct_tensor *[]){NULL, ct_full(CT_SHAPE(1), 3, CT_INT64)}),
         "index 3 is out of bounds for dimension 0 with size 3");
  MISUSE(ct_index_tensors(f, 1, (ct_tensor *[]){ct_ones(CT_SHAPE(2), CT_FLOAT32)}),
         "tensors used as indices must be long, byte or bool tensors");
  MISUSE(ct_index_tensors(f, 1, (ct_tensor *[]){ct_ones(CT_SHAPE(1, 3), CT_BOOL)}),
         "The shape of the mask [1, 3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0");
  MISUSE(ct_index_put_(f, 1, (ct_tensor *[]){i1}, ct_ones(CT_SHAPE(2), CT_FLOAT32), false),
         "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [2, 3]");
  MISUSE(ct_index_put_(f, 1, (ct_tensor *[]){i1}, ct_ones(CT_SHAPE(3), CT_FLOAT64), false),
         "Index put requires the source and destination dtypes match, got Float for the destination and Double for "
         "the source.");
  MISUSE(ct_index_put_scalar_(leaf, 1, (ct_tensor *[]){i1}, 0.0),
         "a leaf Variable that requires grad is being used in an in-place operation.");
  MISUSE(ct_masked_scatter(f, ct_ones(CT_SHAPE(2, 3), CT_BOOL), ct_ones(CT_SHAPE(2), CT_FLOAT32)),
         "Number of elements of source < number of ones in mask");
  MISUSE(ct_masked_scatter(f, ct_ones(CT_SHAPE(2, 3), CT_BOOL), d),
         "masked_scatter: expected self and source to have same dtypes but gotFloat and Double");
  MISUSE(ct_masked_scatter_(f, ct_ones(CT_SHAPE(2, 2), CT_BOOL), f),
         "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 1.");
  MISUSE(ct_multinomial(ct_ones(CT_SHAPE(2, 2, 2), CT_FLOAT32), 1, true), "prob_dist must be 1 or 2 dim");
  MISUSE(ct_multinomial(i1, 1, true), "multinomial only supports floating-point dtypes for input, got: Long");
  MISUSE(ct_multinomial(f, 0, true), "cannot sample n_sample <= 0 samples");
  MISUSE(ct_multinomial(f, 4, false), "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  MISUSE(ct_multinomial(ct_zeros(CT_SHAPE(3), CT_FLOAT32), 2, true),
         "invalid multinomial distribution (sum of probabilities <= 0)");
  MISUSE(ct_multinomial(ct_full(CT_SHAPE(3), -1, CT_FLOAT32), 2, false),
         "probability tensor contains either `inf`, `nan` or element < 0");
  MISUSE(ct_normal_mean_tensor(f, -1.0), "normal expects std >= 0.0, but found std -1");
  MISUSE(ct_normal_tensor(f, ct_full(CT_SHAPE(3), -1, CT_FLOAT32)), "normal expects all elements of std >= 0.0");
  MISUSE(ct_normal_std_tensor(0.0, i1), "\"normal_kernel_cpu\" not implemented for 'Long'");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_scatter(bad, 0, idx, f, CT_SCATTER_ASSIGN));
  NULL_PASSES(ct_scatter_value_(bad, 0, idx, 1.0, CT_SCATTER_ASSIGN));
  NULL_PASSES(ct_index_tensors(bad, 1, &i1));
  NULL_PASSES(ct_index_put(f, 1, &i1, bad, false));
  NULL_PASSES(ct_masked_scatter(f, bad, f));
  NULL_PASSES(ct_multinomial(bad, 1, true));
  NULL_PASSES(ct_normal_tensor(bad, f));
  NULL_PASSES(ct_normal_std_tensor(0.0, bad));
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(304);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ops),
      cmocka_unit_test(test_linalg),
      cmocka_unit_test(test_reductions),
      cmocka_unit_test(test_indexing),
      cmocka_unit_test(test_autograd),
      cmocka_unit_test(test_sorting),
      cmocka_unit_test(test_shape_ops),
      cmocka_unit_test(test_scatter_sampling),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

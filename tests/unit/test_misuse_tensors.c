// The misuse catalogue (tests/util/misuse.h): dtypes, creation, tensors, views.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "misuse.h"

// ---- dtype: values outside ct_dtype, and dtypes an op does not take ----

static void test_dtypes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const ct_dtype bad = (ct_dtype)42, negative = (ct_dtype)-1;
  float buf[2] = {0};
  ct_tensor *x = ct_ones(CT_SHAPE(2), CT_FLOAT32), *i = ct_ones(CT_SHAPE(2), CT_INT64);
  MISUSE(ct_zeros(CT_SHAPE(2), bad), "invalid dtype 42");
  MISUSE(ct_ones(CT_SHAPE(2), negative), "invalid dtype -1");
  MISUSE(ct_full(CT_SHAPE(2), 1.0, CT_NUM_DTYPES), "invalid dtype 5");
  MISUSE(ct_empty(CT_SHAPE(2), bad), "invalid dtype 42");
  MISUSE(ct_arange(0, 3, 1, bad), "invalid dtype 42");
  MISUSE(ct_linspace(0, 1, 3, bad), "invalid dtype 42");
  MISUSE(ct_eye(2, 2, bad), "invalid dtype 42");
  MISUSE(ct_scalar(1.0, bad), "invalid dtype 42");
  MISUSE(ct_tensor_from_data(buf, bad, CT_FLOAT32, CT_SHAPE(2)), "invalid source dtype");
  MISUSE(ct_tensor_from_data(buf, CT_FLOAT32, bad, CT_SHAPE(2)), "invalid dtype 42");
  MISUSE(ct_from_blob(buf, bad, CT_SHAPE(2), NULL, NULL, NULL), "invalid dtype 42");
  MISUSE(ct_to_dtype(x, bad), "invalid dtype 42");
  MISUSE(ct_randint_gen(0, 5, CT_SHAPE(2), bad, NULL), "invalid dtype 42");
  MISUSE(ct_rand(CT_SHAPE(2), CT_INT64), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_randn(CT_SHAPE(2), CT_INT32), "\"normal_kernel_cpu\" not implemented for 'Int'");
  MISUSE_STATUS(ct_set_requires_grad(i, true),
                "only Tensors of floating point and complex dtype can require gradients");
  MISUSE(ct_requires_grad_(i, true), "only Tensors of floating point dtype can require gradients");
  MISUSE(ct_mean(i),
         "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
         "dtype. Got: Long");
  area_done(s);
}

// ---- creation ----

static void test_creation(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  MISUSE(ct_zeros(CT_SHAPE(2, -1), CT_FLOAT32),
         "Trying to create tensor with negative dimension -1: [2, -1]");
  MISUSE(ct_zeros(9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, CT_FLOAT32), "at most 8 dimensions");
  MISUSE(ct_zeros(-1, (int64_t[]){1}, CT_FLOAT32), "the number of dimensions is negative (-1)");
  MISUSE(ct_zeros(CT_SHAPE(1 << 20, 1 << 20, 1 << 20, 1 << 20), CT_FLOAT32), "too large");
  MISUSE(ct_zeros(CT_SHAPE(INT64_C(1) << 62, 2), CT_FLOAT64), "too large");
  MISUSE(ct_empty(2, NULL, CT_FLOAT32), "shape is NULL");
  MISUSE(ct_ones(CT_SHAPE(-3), CT_INT64), "Trying to create tensor with negative dimension -3: [-3]");
  MISUSE(ct_full(CT_SHAPE(2), NAN, CT_INT64), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_full(CT_SHAPE(2), 1e30, CT_INT64), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_full(CT_SHAPE(2), 3e9, CT_INT32), "value cannot be converted to type int without overflow");
  MISUSE(ct_full(CT_SHAPE(2), 1e39, CT_FLOAT32), "value cannot be converted to type float without overflow");
  MISUSE(ct_full(CT_SHAPE(-2), NAN, CT_INT64), "negative dimension"); // shape first, as torch.full
  MISUSE(ct_scalar(INFINITY, CT_INT32), "value cannot be converted to type int without overflow");
  MISUSE(ct_arange(0, 5, 0, CT_FLOAT32), "step must be nonzero");
  MISUSE(ct_arange(0, 5, -1, CT_INT64), "upper bound and larger bound inconsistent with step sign");
  MISUSE(ct_arange(NAN, 5, 1, CT_FLOAT32), "unsupported range: nan -> 5");
  MISUSE(ct_arange(0, INFINITY, 1, CT_FLOAT64), "unsupported range: 0 -> inf");
  MISUSE(ct_arange(0, 1e30, 1e-10, CT_FLOAT64), "too many elements");
  MISUSE(ct_linspace(0, 1, -1, CT_FLOAT32), "number of steps must be non-negative");
  MISUSE(ct_eye(-1, -1, CT_FLOAT32), "n must be greater or equal to 0, got -1");
  float buf[4] = {0};
  MISUSE(ct_tensor_from_data(NULL, CT_FLOAT32, CT_FLOAT32, CT_SHAPE(2)), "data is NULL");
  MISUSE(ct_tensor_from_f32(NULL, CT_SHAPE(2)), "data is NULL");
  MISUSE(ct_tensor_from_i64((int64_t[]){1}, CT_SHAPE(-3)), "negative dimension -3");
  MISUSE(ct_tensor_from_f64((double[]){1}, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}),
         "at most 8 dimensions");
  MISUSE(ct_tensor_from_bool((bool[]){true}, 1, NULL), "shape is NULL");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(2, 2), (int64_t[]){INT64_MAX / 2, 1}, NULL, NULL),
         "too large");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(2), (int64_t[]){-1}, NULL, NULL), "negative strides");
  MISUSE(ct_from_blob(NULL, CT_FLOAT32, CT_SHAPE(2), NULL, NULL, NULL), "data is NULL");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(-2), NULL, NULL, NULL), "negative dimension -2");
  MISUSE(ct_tensor_parse(NULL), "literal is NULL");
  MISUSE(ct_tensor_parse(""), "tensor literal|at offset 0|end of the input");
  MISUSE(ct_tensor_parse("[1, 2"), "tensor literal|at offset 5|end of the input");
  MISUSE(ct_tensor_parse("[1, x]"), "tensor literal|at offset 4|found 'x'");
  MISUSE(ct_tensor_parse("[[1], 2]"), "tensor literal|at offset 6");
  MISUSE(ct_tensor_parse("[1] ]"), "tensor literal|at offset 4|after the value");
  MISUSE(ct_tensor_parse("[[1, 2], [3]]"), "expected sequence of length 2 at dim 1 (got 1)");
  MISUSE(ct_Tensor_parse("[1, 2,, 3]"), "tensor literal|at offset 6");
  ct_tensor *i = ct_zeros(CT_SHAPE(2), CT_INT64), *i32 = ct_zeros(CT_SHAPE(2), CT_INT32);
  MISUSE(ct_full_like(i, NAN), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_full_like(i32, 1e10), "value cannot be converted to type int without overflow");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_empty_like(bad));
  NULL_PASSES(ct_zeros_like(bad));
  NULL_PASSES(ct_ones_like(bad));
  NULL_PASSES(ct_full_like(bad, 1.0));
  MISUSE(ct_tensor_from_data((double[]){1, NAN}, CT_FLOAT64, CT_INT64, CT_SHAPE(2)),
         "value cannot be converted to type int64 without overflow");
  MISUSE(ct_tensor_from_data((float[]){3e9f}, CT_FLOAT32, CT_INT32, CT_SHAPE(1)),
         "value cannot be converted to type int32 without overflow");
  MISUSE(ct_tensor_from_data((double[]){1e39}, CT_FLOAT64, CT_INT64, CT_SHAPE(1)),
         "value cannot be converted to type int64 without overflow");
  MISUSE(ct_linspace(0, 1e30, 3, CT_INT64), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_linspace(NAN, 1, 1, CT_INT64), "value cannot be converted to type int64_t without overflow");
  area_done(s);
}

// ---- tensor: sizes, elements, conversions ----

static void test_tensor(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *empty = ct_zeros(CT_SHAPE(0), CT_FLOAT32);
  ct_tensor *i64 = ct_zeros(CT_SHAPE(2), CT_INT64), *i32 = ct_zeros(CT_SHAPE(2), CT_INT32);
  ct_tensor *f32 = ct_tensor_parse("[1.5]");
  ct_tensor *nan = ct_full(CT_SHAPE(1), NAN, CT_FLOAT64);
  ct_tensor *inf = ct_full(CT_SHAPE(1), -INFINITY, CT_FLOAT32);
  ct_tensor *big = ct_full(CT_SHAPE(1), 1e19, CT_FLOAT64);
  int64_t iv, i64s[6];
  double dv, ds[6];
  char text[8];
  MISUSE_IF(ct_size(x, 2) == -1, "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE_IF(ct_size(x, -3) == -1, "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE_IF(ct_size(scalar, 0) == -1, "Dimension specified as 0 but tensor has no dimensions");
  MISUSE_IF(ct_size(scalar, -1) == -1, "Dimension specified as -1 but tensor has no dimensions");
  MISUSE_STATUS(ct_get(x, (int64_t[]){0, 3}, &dv), "index 3 is out of bounds for dimension 1 with size 3");
  MISUSE_STATUS(ct_get(x, (int64_t[]){-3, 0}, &dv), "index -3 is out of bounds for dimension 0 with size 2");
  MISUSE_STATUS(ct_get(x, NULL, &dv), "ct_get: NULL argument");
  MISUSE_STATUS(ct_get(x, (int64_t[]){0, 0}, NULL), "ct_get: NULL argument");
  MISUSE_STATUS(ct_set(i64, (int64_t[]){0}, NAN),
                "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_set(i32, (int64_t[]){0}, 3e9), "value cannot be converted to type int without overflow");
  MISUSE_STATUS(ct_set(i64, (int64_t[]){5}, 1), "index 5 is out of bounds for dimension 0 with size 2");
  MISUSE_STATUS(ct_set(i64, NULL, 1), "index is NULL");
  MISUSE_STATUS(ct_item_int(nan, &iv), "cannot convert float NaN to integer");
  MISUSE_STATUS(ct_item_int(inf, &iv), "cannot convert float infinity to integer");
  MISUSE_STATUS(ct_item_int(big, &iv), "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_item(f32, NULL), "out is NULL");
  MISUSE_STATUS(ct_item_int(f32, NULL), "out is NULL");
  MISUSE_STATUS(ct_item(i64, &dv), "a Tensor with 2 elements cannot be converted to Scalar");
  MISUSE_STATUS(ct_item(empty, &dv), "a Tensor with 0 elements cannot be converted to Scalar");
  MISUSE_STATUS(ct_item_int(x, &iv), "a Tensor with 6 elements cannot be converted to Scalar");
  MISUSE_STATUS(ct_to_f64_array(x, NULL), "ct_to_f64_array: NULL argument");
  MISUSE_STATUS(ct_to_i64_array(x, NULL), "ct_to_i64_array: NULL argument");
  MISUSE_STATUS(ct_shape_str(x, text, sizeof text), "ct_shape_str: buffer of 8 bytes is too small");
  MISUSE_STATUS(ct_shape_str(x, NULL, 64), "ct_shape_str: NULL argument");
  ct_tensor *leaf = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  ct_set_requires_grad(leaf, true);
  MISUSE_STATUS(ct_set(leaf, (int64_t[]){0}, 1),
                "a view of a leaf Variable that requires grad is being used in an "
                "in-place operation.");
  ct_tensor *bad = NULL;
  NULL_STATUS(ct_item(bad, &dv), "item");
  NULL_STATUS(ct_item_int(bad, &iv), "item");
  NULL_STATUS(ct_get(bad, (int64_t[]){0}, &dv), "ct_get");
  NULL_STATUS(ct_set(bad, (int64_t[]){0}, 1.0), "ct_set");
  NULL_STATUS(ct_to_f64_array(bad, ds), "ct_to_f64_array");
  NULL_STATUS(ct_to_i64_array(bad, i64s), "ct_to_i64_array");
  NULL_STATUS(ct_shape_str(bad, text, sizeof text), "ct_shape_str");
  area_done(s);
}

// ---- views, joins, copies ----

static void test_views(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *xt = ct_t(x), *cube = ct_ones(CT_SHAPE(2, 3, 4), CT_FLOAT32),
            *vec4 = ct_ones(CT_SHAPE(4), CT_FLOAT32);
  ct_tensor *wide = ct_ones(CT_SHAPE(2, 4), CT_FLOAT32), *x32 = ct_ones(CT_SHAPE(3, 2), CT_FLOAT32);
  ct_tensor *eight = ct_ones(CT_SHAPE(1, 1, 1, 1, 1, 1, 1, 1), CT_FLOAT32);
  ct_tensor *row3 = ct_ones(CT_SHAPE(3), CT_FLOAT32), *col = ct_ones(CT_SHAPE(3, 1), CT_FLOAT32);
  const char *dim_2 = "Dimension out of range (expected to be in range of [-2, 1], but got 2)";
  MISUSE(ct_view(x, CT_SHAPE(-1, -1)), "only one dimension can be inferred");
  MISUSE(ct_view(x, CT_SHAPE(-2, 3)), "invalid shape dimension -2");
  MISUSE(ct_view(x, CT_SHAPE(7)), "shape '[7]' is invalid for input of size 6");
  MISUSE(ct_view(xt, CT_SHAPE(6)),
         "view size is not compatible with input tensor's size and stride (at least one "
         "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  MISUSE(ct_view(x, 2, NULL), "shape is NULL");
  MISUSE(ct_reshape(x, CT_SHAPE(4, -1)), "shape '[4, -1]' is invalid for input of size 6");
  MISUSE(ct_reshape(x, 9, (int64_t[9]){6, 1, 1, 1, 1, 1, 1, 1, 1}),
         "shapes have at most 8 dimensions, got 9");
  MISUSE(ct_transpose(x, 0, 2), dim_2);
  MISUSE(ct_transpose(x, -3, 0), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_t(cube), "t() expects a tensor with <= 2 dimensions, but self is 3D");
  MISUSE(ct_permute(x, (int[]){1, 1}), "permute(): duplicate dims are not allowed.");
  MISUSE(ct_permute(x, (int[]){0, 2}), dim_2);
  MISUSE(ct_permute(x, NULL), "permute: dims is NULL");
  MISUSE(ct_squeeze_dim(x, 2), dim_2);
  MISUSE(ct_unsqueeze(x, 3), "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  MISUSE(ct_unsqueeze(x, -4), "Dimension out of range (expected to be in range of [-3, 2], but got -4)");
  MISUSE(ct_unsqueeze(eight, 0), "tensors have at most 8 dimensions");
  MISUSE(ct_expand(x, CT_SHAPE(3)),
         "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) "
         "must be greater or equal to the number of dimensions in the tensor (2)");
  MISUSE(ct_expand(x, CT_SHAPE(3, 4)),
         "The expanded size of the tensor (4) must match the existing size (3) at "
         "non-singleton dimension 1.  Target sizes: [3, 4].  Tensor sizes: [2, 3]");
  MISUSE(ct_expand(x, CT_SHAPE(-1, 2, 3)), "The expanded size of the tensor (-1) isn't allowed in a leading, "
                                           "non-existing dimension 0");
  MISUSE(ct_expand(x, 2, NULL), "expand: 2 sizes given (at most 8, and a non-NULL array)");
  MISUSE(ct_flatten(cube, 2, 1), "flatten() has invalid args: start_dim cannot come after end_dim");
  MISUSE(ct_flatten(x, 0, 2), dim_2);
  MISUSE(ct_flatten(scalar, 0, 1), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  MISUSE(ct_narrow(scalar, 0, 0, 1), "narrow() cannot be applied to a 0-dim tensor.");
  MISUSE(ct_narrow(x, 1, 2, 2), "start (2) + length (2) exceeds dimension size (3).");
  MISUSE(ct_narrow(x, 1, 0, -1), "start (0) + length (-1) exceeds dimension size (3).");
  MISUSE(ct_narrow(x, 1, 5, 0), "Dimension out of range (expected to be in range of [-3, 2], but got 5)");
  MISUSE(ct_narrow(x, 2, 0, 1), dim_2);
  MISUSE(ct_select(scalar, 0, 0), "select() cannot be applied to a 0-dim tensor.");
  MISUSE(ct_select(x, 0, 3), "select(): index 3 out of range for tensor of size [2, 3] at dimension 0");
  MISUSE(ct_select(x, 1, -4), "select(): index -4 out of range for tensor of size [2, 3] at dimension 1");
  MISUSE(ct_select(x, -3, 0), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  MISUSE(ct_slice(x, 1, 0, 2, 0), "slice step must be positive");
  MISUSE(ct_slice(x, 1, 0, 2, -1), "slice step must be positive");
  MISUSE(ct_slice(scalar, 0, 0, 1, 1), "slice() cannot be applied to a 0-dim tensor.");
  MISUSE(ct_slice(x, 2, 0, 1, 1), dim_2);
  MISUSE(ct_unfold(vec4, 0, 5, 1), "maximum size for tensor at dimension 0 is 4 but size is 5");
  MISUSE(ct_unfold(vec4, 0, 2, 0), "step is 0 but must be > 0");
  MISUSE(ct_unfold(vec4, 0, 2, -1), "step is -1 but must be > 0");
  MISUSE(ct_unfold(x, 2, 1, 1), dim_2);
  MISUSE(ct_cat((ct_tensor *[]){x, wide}, 2, 0),
         "Sizes of tensors must match except in dimension 0. Expected size "
         "3 but got size 4 for tensor number 1 in the list.");
  MISUSE(ct_cat((ct_tensor *[]){x, cube}, 2, 0), "Tensors must have same number of dimensions: got 2 and 3");
  MISUSE(ct_cat((ct_tensor *[]){x}, 0, 0), "torch.cat(): expected a non-empty list of Tensors");
  MISUSE(ct_cat(NULL, 0, 0), "torch.cat(): expected a non-empty list of Tensors");
  MISUSE(ct_cat(NULL, 2, 0), "tensors is NULL");
  MISUSE(ct_cat((ct_tensor *[]){x, scalar}, 2, 0),
         "zero-dimensional tensor (at position 1) cannot be concatenated");
  MISUSE(ct_cat((ct_tensor *[]){x, x}, 2, 2), dim_2);
  MISUSE(ct_stack((ct_tensor *[]){x, x32}, 2, 0),
         "stack expects each tensor to be equal size, but got [2, 3] at "
         "entry 0 and [3, 2] at entry 1");
  MISUSE(ct_stack((ct_tensor *[]){x}, 0, 0), "stack expects a non-empty TensorList");
  MISUSE(ct_stack((ct_tensor *[]){x, x}, 2, 3),
         "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  MISUSE(ct_stack((ct_tensor *[]){eight, eight}, 2, 0), "tensors have at most 8 dimensions");
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *expanded = ct_expand(col, CT_SHAPE(3, 2));
  ct_tensor *head = ct_narrow(vec4, 0, 0, 3), *tail = ct_narrow(vec4, 0, 1, 3);
  MISUSE_STATUS(ct_copy_(row3, x), "output with shape [3] doesn't match the broadcast shape [2, 3]");
  MISUSE_STATUS(ct_copy_(x, wide),
                "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                "dimension 1");
  MISUSE_STATUS(ct_copy_(leaf, row3),
                "a leaf Variable that requires grad is being used in an in-place operation.");
  MISUSE_STATUS(
      ct_copy_(expanded, ct_ones(CT_SHAPE(3, 2), CT_FLOAT32)),
      "unsupported operation: more than one element of the written-to tensor refers to a single memory "
      "location. Please clone() the tensor before performing the operation.");
  MISUSE_STATUS(ct_copy_(head, tail),
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation.");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_view(bad, CT_SHAPE(6)));
  NULL_PASSES(ct_reshape(bad, CT_SHAPE(6)));
  NULL_PASSES(ct_transpose(bad, 0, 1));
  NULL_PASSES(ct_t(bad));
  NULL_PASSES(ct_T(bad));
  NULL_PASSES(ct_permute(bad, (int[]){1, 0}));
  NULL_PASSES(ct_squeeze(bad));
  NULL_PASSES(ct_squeeze_dim(bad, 0));
  NULL_PASSES(ct_unsqueeze(bad, 0));
  NULL_PASSES(ct_expand(bad, CT_SHAPE(2, 3)));
  NULL_PASSES(ct_flatten(bad, 0, -1));
  NULL_PASSES(ct_contiguous(bad));
  NULL_PASSES(ct_clone(bad));
  NULL_PASSES(ct_narrow(bad, 0, 0, 1));
  NULL_PASSES(ct_select(bad, 0, 0));
  NULL_PASSES(ct_slice(bad, 0, 0, CT_END, 1));
  NULL_PASSES(ct_unfold(bad, 0, 2, 1));
  NULL_PASSES(ct_cat((ct_tensor *[]){x, bad}, 2, 0));
  NULL_PASSES(ct_stack((ct_tensor *[]){bad, x}, 2, 0));
  NULL_PASSES(ct_to_dtype(bad, CT_FLOAT64));
  NULL_STATUS(ct_copy_(bad, x), "copy_");
  NULL_STATUS(ct_copy_(x, bad), "copy_");
  MISUSE(ct_cat((ct_tensor *[]){NULL}, -1, 0), "the number of tensors is negative (-1)");
  MISUSE(ct_stack(NULL, -2, 0), "the number of tensors is negative (-2)");
  MISUSE(ct_stack(NULL, 2, 0), "stack: tensors is NULL");
  MISUSE(ct_reshape(ct_ones(CT_SHAPE(2), CT_FLOAT32), -1, (int64_t[]){2}), "the number of dimensions is negative (-1)");
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(181);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dtypes),
      cmocka_unit_test(test_creation),
      cmocka_unit_test(test_tensor),
      cmocka_unit_test(test_views),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

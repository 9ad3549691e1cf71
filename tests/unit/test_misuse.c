// The misuse catalogue: calls a new user gets wrong, each checked for failing with the
// message that names the cause (key words, or PyTorch's exact text where ctorch mirrors
// it), leaking nothing (LeakSanitizer under make sanitize) and leaving the library usable.
// One test per public area; every case runs inside the test's scope. A case that does not
// fail as expected is reported and the area's test fails once all its cases have run.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include "ctorch.h"
#include "unit.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// Each macro is one case of the catalogue.
// A call returning a pointer fails (NULL) with a message containing each of the
// '|'-separated key phrases.
#define MISUSE(call, keys) (cases_run++, expect_failure((call) == NULL, #call, keys))
// A call returning a ct_status fails with a message containing each key phrase.
#define MISUSE_STATUS(call, keys) (cases_run++, expect_failure((call) != CT_OK, #call, keys))
// A call of another return type fails when `failed` holds (ct_size(x, 5) == -1 ...).
#define MISUSE_IF(failed, keys) (cases_run++, expect_failure((failed), #failed, keys))

// The NULL rule (error.h): a NULL tensor is the failure of an earlier call, whose message
// is the first cause of the chain. A tensor-returning call given one returns NULL without
// a new message; a status-returning call returns the pending error's status, keeping its
// message, and with no error pending reports "<fn>: tensor is NULL".
#define NULL_PASSES(call) (cases_run++, set_first_cause(), expect_cause_kept((call) == NULL, true, #call))
#define NULL_STATUS(call, fn)                                                                                \
  (cases_run++, set_first_cause(), expect_status_kept((call), #call),                                        \
   expect_failure((call) == CT_ERR_ARG, #call, fn ": tensor is NULL"))

static int cases_run;       // every case of every area
static int area_mismatches; // cases of the running area that did not fail as expected

static void expect_failure(bool failed, const char *call, const char *keys) {
  const char *message = ct_last_error();
  if (!failed) {
    print_error("%s: did not fail (expected a message with \"%s\")\n", call, keys);
    area_mismatches++;
  }
  for (const char *k = keys; failed && *k;) {
    const char *bar = strchr(k, '|');
    size_t len = bar ? (size_t)(bar - k) : strlen(k);
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)len, k);
    if (!strstr(message, key)) {
      print_error("%s: message \"%s\" lacks \"%s\"\n", call, message, key);
      area_mismatches++;
    }
    k += len + (bar != NULL);
  }
  ct_clear_error();
}

// The first cause: a failed creation (no tensor is made, so nothing needs freeing).
static const char first_cause[] = "Trying to create tensor with negative dimension -1: [-1]";

static void set_first_cause(void) {
  ct_clear_error();
  assert_null(ct_zeros(CT_SHAPE(-1), CT_FLOAT32));
  assert_string_equal(ct_last_error(), first_cause);
}

// After the call: it failed, returning the pending status (`same_status`), and the first
// cause's message is untouched.
static void expect_cause_kept(bool failed, bool same_status, const char *call) {
  if (!failed || !same_status || strcmp(ct_last_error(), first_cause) != 0) {
    print_error("%s: %s; the message is now \"%s\"\n", call,
                !failed        ? "did not fail"
                : !same_status ? "returned another status"
                               : "replaced the first cause",
                ct_last_error());
    area_mismatches++;
  }
  ct_clear_error();
}

static void expect_status_kept(ct_status status, const char *call) {
  expect_cause_kept(status != CT_OK, status == ct_last_status(), call);
}

// Ends an area: fails the test when any of its cases did not fail as expected.
static void area_done(ct_scope *s) {
  ct_scope_close(s);
  int n = area_mismatches;
  area_mismatches = 0;
  if (n) fail_msg("%d mismatch(es) above: misuse cases that did not fail as expected", n);
}

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

// ---- nn: modules, layers, state dicts ----

static ct_tensor *bare_forward(ct_module *self, ct_tensor *input) {
  (void)self;
  return ct_clone(input);
}
static const ct_module_vtable bare_vtable = {"Bare", bare_forward, NULL, NULL};
static const ct_module_vtable no_forward_vtable = {"NoForward", NULL, NULL, NULL};
static const ct_module_vtable nameless_vtable = {NULL, bare_forward, NULL, NULL};

static void test_modules(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32), *bad = NULL;
  MISUSE(ct_module_new(sizeof(ct_module) - 1, &bare_vtable), "module size|is smaller than ct_module");
  MISUSE(ct_module_new(sizeof(ct_module), &nameless_vtable), "module vtable needs a name");
  MISUSE(ct_module_new(sizeof(ct_module), NULL), "module vtable needs a name");
  ct_module *no_forward = ct_module_new(sizeof(ct_module), &no_forward_vtable);
  MISUSE(ct_module_forward(no_forward, x), "Module [NoForward] is missing the required \"forward\" function");
  ct_module_free(no_forward);
  MISUSE(ct_module_forward(NULL, x), "forward: module is NULL");
  ct_module *m = ct_module_new(sizeof(ct_module), &bare_vtable);
  assert_non_null(ct_module_register_parameter(m, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)));
  NULL_PASSES(ct_module_forward(m, bad));
  MISUSE(ct_module_register_parameter(m, "", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name can't be empty string \"\"");
  MISUSE(ct_module_register_parameter(m, "a.b", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name can't contain \".\"");
  MISUSE(ct_module_register_parameter(m, NULL, ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name should be a string. Got NoneType");
  MISUSE(ct_module_register_parameter(m, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "attribute 'w' already exists");
  MISUSE(ct_module_register_parameter(m, "i", ct_zeros(CT_SHAPE(2), CT_INT64)),
         "Only Tensors of floating point and complex dtype can require gradients");
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  MISUSE(ct_module_register_parameter(m, "v", ct_mul_scalar(leaf, 2)),
         "Cannot assign non-leaf Tensor to parameter "
         "'v'. Model parameters must be created "
         "explicitly.");
  MISUSE(ct_module_register_parameter(NULL, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "register_parameter: module is "
         "NULL");
  NULL_PASSES(ct_module_register_parameter(m, "z", bad));
  ct_module *child = ct_module_register_module(m, "c", ct_relu_new());
  assert_non_null(child);
  MISUSE(ct_module_register_module(m, "a.b", ct_relu_new()), "module name can't contain \".\", got: a.b");
  MISUSE(ct_module_register_module(m, "", ct_relu_new()), "module name can't be empty string \"\"");
  MISUSE(ct_module_register_module(m, NULL, ct_relu_new()), "module name should be a string. Got NoneType");
  MISUSE(ct_module_register_module(m, "c", ct_relu_new()), "attribute 'c' already exists");
  MISUSE(ct_module_register_module(m, "d", child), "already registered in another module");
  MISUSE(ct_module_register_module(m, "self", m), "a module can't be registered inside itself");
  MISUSE(ct_module_register_module(NULL, "c", ct_relu_new()), "register_module: module is NULL");
  ct_module_free(child);
  MISUSE_IF(ct_last_status() != CT_OK, "registered in a parent module, which owns and frees it");
  MISUSE(ct_module_named_parameters(NULL), "module is NULL");
  MISUSE(ct_module_named_children(NULL), "named_children: module is NULL");
  MISUSE(ct_module_state_dict(NULL), "module is NULL");
  int count = 0;
  MISUSE(ct_module_parameters(NULL, &count), "module is NULL");
  char text[8];
  MISUSE_STATUS(ct_module_repr(m, text, sizeof text), "module repr needs");
  MISUSE_STATUS(ct_module_repr(m, NULL, 64), "module repr: NULL argument");
  MISUSE_STATUS(ct_module_repr(NULL, text, sizeof text), "module repr: NULL argument");
  ct_module_free(m);
  area_done(s);
}

static void test_layers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32);
  MISUSE(ct_linear_new(-1, 2, true), "Trying to create tensor with negative dimension -1: [2, -1]");
  MISUSE(ct_linear_new(3, -2, false), "Trying to create tensor with negative dimension -2: [-2, 3]");
  MISUSE(ct_embedding_new(3, 2, 3), "Padding_idx must be within num_embeddings");
  MISUSE(ct_embedding_new(3, 2, -4), "Padding_idx must be within num_embeddings");
  MISUSE(ct_embedding_new(-3, 2, CT_NO_PADDING_IDX),
         "Trying to create tensor with negative dimension -3: [-3, 2]");
  MISUSE(ct_dropout_new(1.5), "dropout probability has to be between 0 and 1, but got 1.5");
  MISUSE(ct_dropout_new(-0.1), "dropout probability has to be between 0 and 1, but got -0.1");
  MISUSE(ct_sequential_new(-1, NULL), "Sequential: bad module list (n=-1)");
  MISUSE(ct_sequential_new(2, NULL), "Sequential: bad module list (n=2)");
  MISUSE(ct_sequential_new(2, (ct_module *[]){ct_relu_new(), NULL}), "Sequential: a module argument is NULL");
  ct_module *linear = ct_linear_new(2, 2, true), *softmax = ct_softmax_new(2),
            *flatten = ct_flatten_new(3, 1);
  ct_module *emb = ct_embedding_new(3, 2, CT_NO_PADDING_IDX),
            *seq = ct_sequential_new(2, (ct_module *[]){ct_relu_new(), ct_linear_new(4, 1, true)});
  MISUSE(ct_module_forward(linear, x), "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x2)");
  MISUSE(ct_module_forward(softmax, x),
         "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE(ct_module_forward(flatten, ct_ones(CT_SHAPE(1, 2, 3, 4), CT_FLOAT32)),
         "flatten() has invalid args: start_dim cannot come after end_dim");
  MISUSE(ct_module_forward(emb, x),
         "Expected tensor for argument #1 'indices' to have one of the following scalar "
         "types: Long, Int; but got torch.FloatTensor instead (while checking arguments "
         "for embedding)");
  MISUSE(ct_module_forward(emb, ct_tensor_parse("[3]")), "index out of range in self");
  MISUSE(ct_module_forward(seq, x), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x1)");
  MISUSE(ct_module_forward(ct_module_child(seq, 0), ct_ones(CT_SHAPE(2), CT_BOOL)),
         "Boolean inputs not supported for "
         "relu");
  MISUSE(ct_module_forward(softmax, ct_ones(CT_SHAPE(1, 1, 2), CT_INT64)), "not implemented for 'Long'");
  ct_module_free(linear);
  ct_module_free(softmax);
  ct_module_free(flatten);
  ct_module_free(emb);
  ct_module_free(seq);
  area_done(s);
}

static void test_state_dicts(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *lin = ct_linear_new(2, 2, true);
  assert_non_null(lin);
  ct_tensor *w22 = ct_zeros(CT_SHAPE(2, 2), CT_FLOAT32), *w32 = ct_zeros(CT_SHAPE(3, 2), CT_FLOAT32);
  ct_tensor *b2 = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  ct_named_tensor only_weight[] = {{"weight", w22}};
  ct_named_tensor extra[] = {{"weight", w22}, {"bias", b2}, {"extra", b2}};
  ct_named_tensor resized[] = {{"weight", w32}, {"bias", b2}};
  ct_named_tensor null_value[] = {{"weight", NULL}, {"bias", b2}};
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){1, only_weight}, true),
                "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: \"bias\". ");
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){3, extra}, true),
                "Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: \"extra\". ");
  MISUSE_STATUS(
      ct_module_load_state_dict(lin, &(ct_named_list){2, resized}, true),
      "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
      "torch.Size([3, 2]) from checkpoint, the shape in current model is torch.Size([2, 2]).");
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){2, resized}, false),
                "size mismatch for weight");
  MISUSE_STATUS(
      ct_module_load_state_dict(lin, &(ct_named_list){2, null_value}, true),
      "While copying the parameter named \"weight\", expected torch.Tensor or Tensor-like object from "
      "checkpoint but received <class 'NoneType'>");
  ct_named_list bad = {.count = -1};
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "count is negative");
  bad.count = 2;
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "items are NULL");
  MISUSE_STATUS(ct_module_load_state_dict(lin, NULL, true), "state dict is NULL");
  MISUSE_STATUS(ct_module_load_state_dict(NULL, &bad, true), "module is NULL");
  ct_module_free(lin);
  area_done(s);
}

// ---- nn.init ----

static void test_init(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *v = ct_zeros(CT_SHAPE(3), CT_FLOAT32), *w = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  ct_tensor *i = ct_zeros(CT_SHAPE(2, 3), CT_INT64), *bad = NULL;
  const char *fan = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions";
  int64_t fan_in, fan_out;
  MISUSE_IF(isnan(ct_init_calculate_gain("softmax", NAN)), "Unsupported nonlinearity softmax");
  MISUSE_STATUS(ct_init_calculate_fan_in_and_fan_out(v, &fan_in, &fan_out), fan);
  MISUSE(ct_init_xavier_uniform_(v, 1), fan);
  MISUSE(ct_init_xavier_normal_(v, 1), fan);
  MISUSE(ct_init_kaiming_uniform_(v, 0, NULL, NULL), fan);
  MISUSE(ct_init_kaiming_uniform_(w, 0, "fan_avg", NULL), "Mode fan_avg not supported, please use one of "
                                                          "['fan_in', 'fan_out']");
  MISUSE(ct_init_kaiming_normal_(w, 0, NULL, "swish"), "Unsupported nonlinearity swish");
  MISUSE(ct_init_uniform_(i, 0, 1), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_init_uniform_(w, 1, 0), "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  MISUSE(ct_init_normal_(w, 0, -1), "normal expects std >= 0.0, but found std -1");
  MISUSE(ct_init_constant_(i, NAN), "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_init_linear_reset_(v, NULL), fan);
  MISUSE_STATUS(ct_init_embedding_reset_(w, 5), "Padding_idx must be within num_embeddings");
  NULL_STATUS(ct_init_calculate_fan_in_and_fan_out(bad, &fan_in, &fan_out), "calculate_fan_in_and_fan_out");
  NULL_STATUS(ct_init_linear_reset_(bad, NULL), "linear reset");
  NULL_STATUS(ct_init_embedding_reset_(bad, CT_NO_PADDING_IDX), "embedding reset");
  NULL_PASSES(ct_init_uniform_(bad, 0, 1));
  NULL_PASSES(ct_init_normal_(bad, 0, 1));
  NULL_PASSES(ct_init_constant_(bad, 1));
  NULL_PASSES(ct_init_zeros_(bad));
  NULL_PASSES(ct_init_ones_(bad));
  NULL_PASSES(ct_init_xavier_uniform_(bad, 1));
  NULL_PASSES(ct_init_kaiming_normal_(bad, 0, NULL, NULL));
  area_done(s);
}

// ---- losses ----

static void test_losses(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *p2 = ct_full(CT_SHAPE(2), 0.5, CT_FLOAT32), *p3 = ct_full(CT_SHAPE(3), 0.5, CT_FLOAT32);
  ct_tensor *over = ct_tensor_parse("[0.5, 1.5]"), *i2 = ct_ones(CT_SHAPE(2), CT_INT64);
  ct_tensor *logits = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32), *target = ct_tensor_parse("[0, 2]");
  const ct_reduction mean = CT_REDUCTION_MEAN;
  const int64_t ignore = CT_IGNORE_INDEX_DEFAULT;
  MISUSE(ct_binary_cross_entropy(p2, p3, NULL, mean),
         "Using a target size (torch.Size([3])) that is different to "
         "the input size (torch.Size([2])) is deprecated. Please ensure "
         "they have the same size.");
  MISUSE(ct_binary_cross_entropy(over, p2, NULL, mean), "all elements of input should be between 0 and 1");
  MISUSE(ct_binary_cross_entropy(p2, p2, p3, mean),
         "The size of tensor a (2) must match the size of tensor b (3) at "
         "non-singleton dimension 0");
  MISUSE(ct_binary_cross_entropy(i2, i2, NULL, mean), "\"binary_cross_entropy\" not implemented for 'Long'");
  MISUSE(ct_binary_cross_entropy_with_logits(p2, p3, NULL, NULL, mean),
         "Target size (torch.Size([3])) must be the "
         "same as input size (torch.Size([2]))");
  MISUSE(ct_binary_cross_entropy_with_logits(p2, p2, NULL, p3, mean),
         "The size of tensor a (3) must match the size "
         "of tensor b (2) at non-singleton dimension 0");
  MISUSE(ct_mse_loss(p2, p3, mean),
         "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
         "dimension 0");
  MISUSE(ct_mse_loss(i2, i2, mean), "\"mse_cpu\" not implemented for 'Long'");
  MISUSE(ct_l1_loss(i2, i2, mean), "mean(): could not infer output dtype. Input dtype must be either a floating point "
                                   "or complex dtype. Got: Long");
  MISUSE(ct_l1_loss(p2, p3, CT_REDUCTION_SUM),
         "The size of tensor a (2) must match the size of tensor b (3) at "
         "non-singleton dimension 0");
  MISUSE(ct_nll_loss(logits, ct_zeros(CT_SHAPE(2), CT_FLOAT32), NULL, ignore, mean),
         "expected scalar type Long but "
         "found Float");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, 5]"), NULL, ignore, mean), "Target 5 is out of bounds.");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, -1]"), NULL, ignore, mean), "Target -1 is out of bounds.");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, 1, 2]"), NULL, ignore, mean),
         "Expected input batch_size (2) to "
         "match target batch_size (3).");
  MISUSE(ct_nll_loss(logits, target, p2, ignore, mean),
         "weight tensor should be defined either for all 3 classes or "
         "no classes but got weight tensor of shape: [2]");
  MISUSE(ct_nll_loss(ct_zeros(CT_SHAPE(2, 3, 2, 2, 2), CT_FLOAT32), target, NULL, ignore, mean),
         "Expected target size [2, 2, 2, 2], got [2]");
  MISUSE(ct_nll_loss(logits, target, NULL, ignore, (ct_reduction)7), "7 is not a valid value for reduction");
  MISUSE(ct_mse_loss(p2, p2, (ct_reduction)-1), "-1 is not a valid value for reduction");
  MISUSE(ct_cross_entropy(logits, target, NULL, ignore, 1.5, mean),
         "label_smoothing must be between 0.0 and 1.0. "
         "Got: 1.5");
  MISUSE(ct_cross_entropy(ct_zeros(CT_SHAPE(2, 3), CT_INT64), target, NULL, ignore, 0, mean),
         "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  MISUSE(ct_cross_entropy(logits, ct_tensor_parse("[0, 3]"), NULL, ignore, 0, mean),
         "Target 3 is out of bounds.");
  MISUSE(ct_cross_entropy(logits, ct_tensor_parse("[0]"), NULL, ignore, 0, mean),
         "Expected input batch_size (2) to "
         "match target batch_size (1).");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_binary_cross_entropy(bad, p2, NULL, mean));
  NULL_PASSES(ct_binary_cross_entropy(p2, bad, NULL, mean));
  NULL_PASSES(ct_binary_cross_entropy_with_logits(bad, p2, NULL, NULL, mean));
  NULL_PASSES(ct_mse_loss(p2, bad, mean));
  NULL_PASSES(ct_l1_loss(bad, p2, mean));
  NULL_PASSES(ct_nll_loss(bad, target, NULL, ignore, mean));
  NULL_PASSES(ct_nll_loss(logits, bad, NULL, ignore, mean));
  NULL_PASSES(ct_cross_entropy(bad, target, NULL, ignore, 0, mean));
  NULL_PASSES(ct_cross_entropy(logits, bad, NULL, ignore, 0, mean));
  area_done(s);
}

// ---- optimizers ----

static ct_sgd_options sgd_with(double lr, double momentum, double dampening, double weight_decay,
                               bool nesterov) {
  ct_sgd_options o = ct_sgd_defaults(lr);
  o.momentum = momentum;
  o.dampening = dampening;
  o.weight_decay = weight_decay;
  o.nesterov = nesterov;
  return o;
}

static ct_adam_options adam_with(double lr, double beta1, double beta2, double eps, double weight_decay) {
  return (ct_adam_options){
      .lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps, .weight_decay = weight_decay};
}

static void test_optimizers(void **state) {
  (void)state;
  ct_optim_state *st0 = ct_optim_state_new();
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *params[] = {w}, *non_leaf[] = {ct_mul_scalar(w, 2)}, *with_null[] = {w, NULL};
  MISUSE(ct_sgd_new(params, 1, ct_sgd_defaults(-0.1)), "Invalid learning rate: -0.1");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, -0.5, 0, 0, false)), "Invalid momentum value: -0.5");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0, 0, -1, false)), "Invalid weight_decay value: -1");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0, 0, 0, true)),
         "Nesterov momentum requires a momentum and zero "
         "dampening");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0.9, 0.1, 0, true)),
         "Nesterov momentum requires a momentum and zero "
         "dampening");
  MISUSE(ct_sgd_new(params, 0, ct_sgd_defaults(0.1)), "optimizer got an empty parameter list");
  MISUSE(ct_sgd_new(params, -1, ct_sgd_defaults(0.1)), "optimizer got an empty parameter list");
  MISUSE(ct_sgd_new(NULL, 1, ct_sgd_defaults(0.1)), "optimizer params is NULL");
  MISUSE(ct_sgd_new(with_null, 2, ct_sgd_defaults(0.1)),
         "optimizer can only optimize Tensors, but one of the params "
         "is NoneType");
  MISUSE(ct_sgd_new(non_leaf, 1, ct_sgd_defaults(0.1)), "can't optimize a non-leaf Tensor");
  NULL_PASSES(ct_sgd_new(with_null, 2, ct_sgd_defaults(0.1))); // a NULL made by a failed call keeps its cause
  NULL_STATUS(ct_optim_state_add(st0, 0, "momentum_buffer", NULL), "optim_state_add");
  MISUSE(ct_adam_new(params, 1, adam_with(-1, 0.9, 0.999, 1e-8, 0)), "Invalid learning rate: -1.0");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 1.5, 0.999, 1e-8, 0)),
         "Invalid beta parameter at index 0: 1.5");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, -0.1, 0.999, 1e-8, 0)),
         "Invalid beta parameter at index 0: -0.1");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 1.0, 1e-8, 0)),
         "Invalid beta parameter at index 1: 1.0");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 0.999, -1e-8, 0)), "Invalid epsilon value: -1e-08");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 0.999, 1e-8, -0.1)), "Invalid weight_decay value: -0.1");
  MISUSE(ct_adam_new(non_leaf, 1, ct_adam_defaults()), "can't optimize a non-leaf Tensor");
  MISUSE(ct_adamw_new(params, 1, adam_with(1e-3, 0.9, 2, 1e-8, 0.01)),
         "Invalid beta parameter at index 1: 2.0");
  MISUSE(ct_adamw_new(params, 1, adam_with(-1e-3, 0.9, 0.999, 1e-8, 0.01)), "Invalid learning rate: -0.001");
  MISUSE(ct_adamw_new(params, 0, ct_adamw_defaults()), "optimizer got an empty parameter list");
  ct_optimizer *sgd = ct_sgd_new(params, 1, sgd_with(0.1, 0.9, 0, 0, false));
  assert_non_null(sgd);
  MISUSE_STATUS(ct_optimizer_set_lr(sgd, -1), "Invalid learning rate: -1.0");
  MISUSE_STATUS(ct_optimizer_set_lr(sgd, NAN), "Invalid learning rate: nan");
  MISUSE_STATUS(ct_optimizer_set_lr(NULL, 0.1), "optimizer is NULL");
  MISUSE_STATUS(ct_optimizer_step(NULL), "optimizer is NULL");
  MISUSE_STATUS(ct_optimizer_zero_grad(NULL, true), "optimizer is NULL");
  MISUSE(ct_optimizer_state_dict(NULL), "optimizer is NULL");
  ct_optim_state_free(st0);
  ct_optim_state *st = ct_optim_state_new();
  MISUSE_STATUS(ct_optim_state_add(st, -1, "momentum_buffer", w), "negative parameter index -1");
  MISUSE_STATUS(ct_optim_state_add(st, 0, NULL, w), "key is NULL");
  MISUSE_STATUS(ct_optim_state_add(NULL, 0, "momentum_buffer", w), "state is NULL");
  int index;
  const char *key;
  ct_tensor *value;
  MISUSE_STATUS(ct_optim_state_entry(st, 3, &index, &key, &value), "optimizer state entry 3 out of range (0 "
                                                                   "entries)");
  assert_int_equal(ct_optim_state_add(st, 5, "momentum_buffer", w), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st), "loaded state dict has state for parameter 5, but the "
                                                       "optimizer has 1");
  ct_optim_state_free(st);
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "exp_avg", w), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st),
                "loaded state dict has key 'exp_avg', which SGD does not use");
  ct_optim_state_free(st);
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "momentum_buffer", ct_ones(CT_SHAPE(3), CT_FLOAT32)), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st),
                "loaded state 'momentum_buffer' of parameter 0 has shape [3], "
                "the parameter has [2]");
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, NULL), "load_state_dict: NULL argument");
  MISUSE_STATUS(ct_optimizer_load_state_dict(NULL, st), "load_state_dict: NULL argument");
  ct_optim_state_free(st);
  ct_optimizer *adam = ct_adam_new(params, 1, ct_adam_defaults());
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "step", ct_ones(CT_SHAPE(2), CT_FLOAT32)), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(adam, st), "loaded state 'step' of parameter 0 is not a scalar");
  ct_optim_state_free(st);
  ct_optimizer_free(adam);
  ct_optimizer_free(sgd);
  area_done(s);
}

// ---- data: datasets, loader, collate, pad_sequence, vocabulary ----

static int64_t ten_samples(void *ctx) {
  (void)ctx;
  return 10;
}

static int64_t negative_length(void *ctx) {
  (void)ctx;
  return -1;
}

static ct_status scalar_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_scalar((double)index, CT_INT64);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

// Sample i has i + 1 elements: the default collate cannot stack two of them.
static ct_status growing_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_zeros(CT_SHAPE(index + 1), CT_FLOAT32);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

// A dataset whose item fails with its own message, or silently.
static ct_status failing_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)index;
  (void)sample;
  if (ctx) return ct_zeros(CT_SHAPE(-7), CT_FLOAT32) ? CT_OK : ct_last_status();
  return CT_ERR_RUNTIME;
}

static void test_data(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *two = ct_ones(CT_SHAPE(2), CT_FLOAT32), *three = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *scalar = ct_scalar(1, CT_FLOAT32), *bad = NULL;
  ct_batch batch = {0};
  ct_batch samples[2] = {{.count = CT_BATCH_MAX_FIELDS + 1}, {.count = 1}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|9 fields");
  samples[0].count = -1;
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|-1 fields");
  samples[0] = (ct_batch){.count = 1, .fields = {two}};
  samples[1] = (ct_batch){.count = 2, .fields = {two, two}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate: samples have different field counts");
  samples[1] = (ct_batch){.count = 1, .fields = {three}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch),
                "stack expects each tensor to be equal size, but got "
                "[2] at entry 0 and [3] at entry 1");
  MISUSE_STATUS(ct_default_collate(NULL, samples, 0, &batch), "collate: empty batch");
  MISUSE_STATUS(ct_default_collate(NULL, NULL, 2, &batch), "collate: samples is NULL");
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, NULL), "collate: batch is NULL");
  samples[1] = (ct_batch){.count = 1, .fields = {NULL}};
  NULL_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate");
  MISUSE(ct_tensor_dataset_new(0, (ct_tensor *[]){two}), "TensorDataset takes 1 to 8 tensors, got 0");
  MISUSE(ct_tensor_dataset_new(9, (ct_tensor *[9]){two}), "TensorDataset takes 1 to 8 tensors, got 9");
  MISUSE(ct_tensor_dataset_new(1, NULL), "TensorDataset: tensors is NULL but 1 were announced");
  MISUSE(ct_tensor_dataset_new(2, (ct_tensor *[]){two, three}), "Size mismatch between tensors");
  MISUSE(ct_tensor_dataset_new(1, (ct_tensor *[]){scalar}), "TensorDataset: tensors need a first dimension");
  NULL_PASSES(ct_tensor_dataset_new(2, (ct_tensor *[]){two, bad}));
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  MISUSE(ct_dataloader_new(NULL, (ct_dataloader_options){0}), "DataLoader: dataset is NULL");
  MISUSE(ct_dataloader_new(&(ct_dataset){.length = ten_samples}, (ct_dataloader_options){0}),
         "DataLoader: dataset needs length and get_item callbacks");
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = -1}),
         "batch_size should be a positive integer "
         "value, but got batch_size=-1");
  MISUSE_STATUS(ct_dataloader_start_epoch(NULL), "DataLoader is NULL");
  MISUSE_IF(ct_dataloader_next(NULL, &batch) == CT_BATCH_ERROR, "DataLoader next: NULL argument");
  MISUSE_IF(ct_dataloader_len(NULL) < 0, "DataLoader is NULL");
  ct_dataset negative = {.length = negative_length, .get_item = scalar_sample};
  ct_dataloader *loader = ct_dataloader_new(&negative, (ct_dataloader_options){0});
  MISUSE_STATUS(ct_dataloader_start_epoch(loader), "dataset length is negative (-1)");
  ct_dataloader_free(loader);
  ct_dataset growing = {.length = ten_samples, .get_item = growing_sample};
  loader = ct_dataloader_new(&growing, (ct_dataloader_options){.batch_size = 2});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR,
            "stack expects each tensor to be equal size, but got [1] at entry 0 "
            "and [2] at entry 1");
  MISUSE_IF(ct_dataloader_next(loader, NULL) == CT_BATCH_ERROR, "DataLoader next: NULL argument");
  ct_dataloader_free(loader);
  int with_message = 1;
  ct_dataset failing = {.ctx = &with_message, .length = ten_samples, .get_item = failing_sample};
  loader = ct_dataloader_new(&failing, (ct_dataloader_options){0});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR, "Trying to create tensor with negative dimension -7: [-7]");
  ct_dataloader_free(loader);
  failing.ctx = NULL;
  loader = ct_dataloader_new(&failing, (ct_dataloader_options){0});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR, "DataLoader: a dataset or collate callback failed");
  ct_dataloader_free(loader);
  // Not an error: PyTorch answers 1 batch for a batch size beyond the dataset.
  loader = ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = INT64_MAX});
  assert_non_null(loader);
  assert_int_equal(ct_dataloader_len(loader), 1);
  ct_dataloader_free(loader);
  MISUSE(ct_pad_sequence(NULL, 2, true, 0), "sequences is NULL");
  MISUSE(ct_pad_sequence(NULL, -1, true, 0), "number of sequences is negative");
  MISUSE(ct_pad_sequence(&three, 0, true, 0), "received an empty list of sequences");
  MISUSE(ct_pad_sequence((ct_tensor *[]){two, scalar}, 2, true, 0),
         "pad_sequence: sequences must have a first "
         "dimension");
  MISUSE(ct_pad_sequence((ct_tensor *[]){two, ct_ones(CT_SHAPE(2, 2), CT_FLOAT32)}, 2, false, 0),
         "pad_sequence: sequences must have the same number of dimensions");
  MISUSE(ct_pad_sequence(
             (ct_tensor *[]){ct_ones(CT_SHAPE(3, 2), CT_FLOAT32), ct_ones(CT_SHAPE(2, 3), CT_FLOAT32)}, 2,
             true, 0),
         "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1");
  NULL_PASSES(ct_pad_sequence((ct_tensor *[]){two, bad}, 2, true, 0));
  const char *words[] = {"a"}, *specials[] = {"<unk>"}, *null_word[] = {NULL};
  MISUSE(ct_vocab_new(words, INT64_MAX, specials, 1, "<unk>"), "too many");
  MISUSE(ct_vocab_new(words, -1, specials, 1, "<unk>"), "number of words is negative");
  MISUSE(ct_vocab_new(words, 1, specials, -1, "<unk>"), "number of specials is negative");
  MISUSE(ct_vocab_new(NULL, 1, specials, 1, "<unk>"), "words is NULL");
  MISUSE(ct_vocab_new(words, 1, NULL, 1, "<unk>"), "specials is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, NULL), "unk_token is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, "<oov>"), "'<oov>' is not in the vocabulary");
  MISUSE(ct_vocab_new(null_word, 1, specials, 1, "<unk>"), "vocab: word 0 is NULL");
  MISUSE(ct_vocab_new(words, 1, null_word, 1, "a"), "vocab: special 0 is NULL");
  area_done(s);
}

// ---- files: .npy and module directories ----

// The files of test_npy and test_module_files live in a directory made for this run.
static char temp_dir[] = "/tmp/ctorch_misuse_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state) {
  (void)state;
  return rmdir(temp_dir);
}

static const char *temp_path(const char *name) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

static void write_file(const char *path, const void *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, size, f), size);
  assert_int_equal(fclose(f), 0);
}

// A .npy file: the magic, version 1.0, and `header` padded to a multiple of 64 with '\n'.
static size_t npy_bytes(unsigned char *out, const char *header, const void *data, size_t data_len) {
  size_t len = strlen(header), total = 10 + len + 1;
  size_t padded = (total + 63) / 64 * 64;
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (unsigned char)((padded - 10) & 0xff);
  out[9] = (unsigned char)((padded - 10) >> 8);
  memcpy(out + 10, header, len);
  memset(out + 10 + len, ' ', padded - total);
  out[padded - 1] = '\n';
  memcpy(out + padded, data, data_len);
  return padded + data_len;
}

static void test_npy(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  unsigned char file[256];
  const float two[2] = {1, 2};
  // A 13-byte .npy that announces a 60000-byte header: truncated, as NumPy reports it.
  const unsigned char truncated[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x60, 0xea, 'a', 'b', 'c'};
  MISUSE(ct_load_npy_buffer(truncated, sizeof truncated),
         "EOF: reading array header, expected 60000 bytes got 3");
  MISUSE(ct_load_npy_buffer(truncated, 5), "EOF|magic");
  MISUSE(ct_load_npy_buffer("PK\x03\x04zipfile!", 14),
         "the magic string is not correct; expected b'\\x93NUMPY', "
         "got b'PK\\x03\\x04zi'");
  MISUSE(ct_load_npy_buffer(NULL, 10), "load_npy_buffer: data is NULL");
  size_t n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two, sizeof two);
  file[6] = 4;
  MISUSE(ct_load_npy_buffer(file, n), "we only support format version (1,0), (2,0), and (3,0), not (4, 0)");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "EOF: reading array data, expected 16 bytes got 8");
  n = npy_bytes(file, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "'<f2'");
  n = npy_bytes(file, "{'descr': '<f4', 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "Header does not contain the correct keys");
  n = npy_bytes(file, "[1, 2]", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "Header is not a dictionary: [1, 2]");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "shape is not valid");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': 2, 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "fortran_order is not a valid bool");
  write_file(temp_path("short.npy"), file, 9);
  MISUSE(ct_load_npy(temp_path("short.npy")), "short.npy|EOF");
  MISUSE(ct_load_npy(temp_path("missing.npy")), "missing.npy|No such file or directory");
  MISUSE(ct_load_npy(temp_dir), "Is a directory");
  MISUSE(ct_load_npy(NULL), "load_npy: path is NULL");
  ct_tensor *x = ct_ones(CT_SHAPE(2), CT_FLOAT32), *bad = NULL;
  void *data = NULL;
  size_t size = 0;
  MISUSE_STATUS(ct_save_npy(temp_path("no/such/dir.npy"), x),
                "cannot save .npy file|No such file or directory");
  MISUSE_STATUS(ct_save_npy(temp_dir, x), "cannot save .npy file|Is a directory");
  MISUSE_STATUS(ct_save_npy(NULL, x), "save_npy: path is NULL");
  MISUSE_STATUS(ct_save_npy_buffer(x, NULL, &size), "save_npy_buffer: data or size is NULL");
  MISUSE_STATUS(ct_save_npy_buffer(x, &data, NULL), "save_npy_buffer: data or size is NULL");
  NULL_STATUS(ct_save_npy(temp_path("null.npy"), bad), "save_npy");
  NULL_STATUS(ct_save_npy_buffer(bad, &data, &size), "save_npy");
  remove(temp_path("short.npy"));
  area_done(s);
}

static void test_module_files(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *lin = ct_linear_new(2, 1, true);
  assert_int_equal(ct_module_save(lin, temp_path("lin")), CT_OK);
  MISUSE_STATUS(ct_module_save(lin, temp_path("lin/weight.npy")), "cannot create directory|Not a directory");
  MISUSE_STATUS(ct_module_save(lin, temp_path("no/such")),
                "cannot create directory|No such file or directory");
  MISUSE_STATUS(ct_module_save(lin, NULL), "module save: NULL argument");
  MISUSE_STATUS(ct_module_save(NULL, temp_path("lin")), "module save: NULL argument");
  MISUSE_STATUS(ct_module_load(lin, temp_path("absent")), "cannot open directory|No such file or directory");
  MISUSE_STATUS(ct_module_load(lin, NULL), "module load: NULL argument");
  ct_module *wider = ct_linear_new(3, 1, true);
  MISUSE_STATUS(ct_module_load(wider, temp_path("lin")),
                "Error(s) in loading state_dict for Linear:|size mismatch "
                "for weight: copying a param with shape torch.Size([1, 2]) "
                "from checkpoint, the shape in current model is "
                "torch.Size([1, 3]).");
  ct_module_free(wider);
  remove(temp_path("lin/bias.npy"));
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "Missing key(s) in state_dict: \"bias\".");
  write_file(temp_path("lin/bias.npy"), "\x93NUMPY\x01", 7);
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "bias.npy|EOF");
  write_file(temp_path("lin/bias.npy"), "not a numpy file", 16);
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "bias.npy|the magic string is not correct");
  remove(temp_path("lin/bias.npy"));
  remove(temp_path("lin/weight.npy"));
  rmdir(temp_path("lin"));
  ct_module_free(lin);
  area_done(s);
}

// ---- printing and formatting ----

static void test_printing(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *bad = NULL;
  char text[8];
  MISUSE_STATUS(ct_repr(x, text, sizeof text), "ct_repr: buffer of 8 bytes is too small");
  MISUSE_STATUS(ct_repr(x, NULL, 64), "ct_repr: buffer is NULL or empty");
  MISUSE_STATUS(ct_repr(x, text, 0), "ct_repr: buffer is NULL or empty");
  MISUSE_STATUS(ct_fprint(NULL, x), "ct_fprint: stream is NULL");
  FILE *read_only = fopen("/dev/null", "r");
  assert_non_null(read_only);
  MISUSE_STATUS(ct_fprint(read_only, x), "writing to the stream failed");
  fclose(read_only);
  MISUSE_STATUS(ct_format_float(0.1, text, 3), "format_float: buffer too small");
  MISUSE_STATUS(ct_format_float(0.1, NULL, 16), "format_float: no buffer");
  NULL_STATUS(ct_repr(bad, text, sizeof text), "ct_repr");
  NULL_STATUS(ct_print(bad), "ct_print");
  NULL_STATUS(ct_fprint(stdout, bad), "ct_fprint");
  NULL_STATUS(ct_print_shape(bad), "ct_print_shape");
  NULL_PASSES(ct_repr_alloc(bad));
  area_done(s);
}

// ---- random numbers and generators ----

static void test_random(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_zeros(CT_SHAPE(3), CT_FLOAT32), *i = ct_zeros(CT_SHAPE(3), CT_INT64);
  ct_tensor *i32 = ct_zeros(CT_SHAPE(3), CT_INT32), *bad = NULL;
  ct_tensor *leaf = ct_requires_grad_(ct_zeros(CT_SHAPE(3), CT_FLOAT32), true);
  const char *leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation.";
  MISUSE(ct_rand(CT_SHAPE(2), CT_INT64), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_randn(CT_SHAPE(2), CT_BOOL), "\"normal_kernel_cpu\" not implemented for 'Bool'");
  MISUSE(ct_rand(CT_SHAPE(-2), CT_FLOAT32), "Trying to create tensor with negative dimension -2: [-2]");
  MISUSE(ct_randn_gen(CT_SHAPE(2, -1), CT_FLOAT64, NULL), "negative dimension -1");
  MISUSE(ct_randint(5, 5, CT_SHAPE(2)),
         "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  MISUSE(ct_randint(5, 1, CT_SHAPE(2)),
         "random_ expects 'from' to be less than 'to', but got from=5 >= to=1");
  MISUSE(ct_randint_gen(0, INT64_C(1) << 40, CT_SHAPE(2), CT_INT32, NULL), "to - 1 is out of bounds for int");
  MISUSE(ct_randint_gen(-5, 2, CT_SHAPE(2), CT_BOOL, NULL), "from is out of bounds for bool");
  MISUSE(ct_randperm(-1), "Trying to create tensor with negative dimension -1: [-1]");
  MISUSE(ct_bernoulli(x, 1.5), "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  MISUSE(ct_bernoulli(x, NAN), "bernoulli_ expects p to be in [0, 1], but got p=nan");
  MISUSE(ct_bernoulli_(x, -0.5), "bernoulli_ expects p to be in [0, 1], but got p=-0.5");
  MISUSE(ct_uniform_(x, 2, 1), "uniform_ expects to return a [from, to) range, but found from=2 > to=1");
  MISUSE(ct_uniform_(i, 0, 1), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_uniform_(x, -3e38, 3e38),
         "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found "
         "to=3e+38 and from=-3e+38 which result in to-from to exceed the limit");
  MISUSE(ct_normal_(x, 0, -1), "normal expects std >= 0.0, but found std -1");
  MISUSE(ct_normal_(i, 0, 1), "\"normal_kernel_cpu\" not implemented for 'Long'");
  MISUSE(ct_random_(x, 3, 3), "random_ expects 'from' to be less than 'to', but got from=3 >= to=3");
  MISUSE(ct_random_(i32, 0, INT64_C(1) << 40), "to - 1 is out of bounds for int");
  MISUSE(ct_uniform_(leaf, 0, 1), leaf_msg);
  MISUSE(ct_normal_(leaf, 0, 1), leaf_msg);
  MISUSE(ct_bernoulli_(leaf, 0.5), leaf_msg);
  MISUSE(ct_random_(leaf, 0, 5), leaf_msg);
  unsigned char blob[CT_GENERATOR_STATE_SIZE];
  assert_int_equal(ct_get_rng_state(blob, sizeof blob), CT_OK);
  MISUSE_STATUS(ct_set_rng_state(blob, 10),
                "Expected either a CPUGeneratorImplStateLegacy of size 5048 or a "
                "CPUGeneratorImplState of size 5056 but found the input RNG state size to "
                "be 10");
  MISUSE_STATUS(ct_set_rng_state(NULL, sizeof blob), "set_state: state is NULL");
  MISUSE_STATUS(ct_get_rng_state(blob, 100),
                "get_state: buffer of 100 bytes is smaller than the 5056-byte state");
  MISUSE_STATUS(ct_get_rng_state(NULL, sizeof blob), "get_state: buffer is NULL");
  ct_generator *gen = ct_generator_new();
  unsigned char broken[CT_GENERATOR_STATE_SIZE];
  assert_int_equal(ct_generator_get_state(gen, broken, sizeof broken), CT_OK);
  memset(broken + 8, 0xff, 4); // left = -1
  MISUSE_STATUS(ct_generator_set_state(gen, broken, sizeof broken), "Invalid mt19937 state");
  MISUSE_STATUS(ct_generator_set_state(gen, blob, 5000), "found the input RNG state size to be 5000");
  ct_generator_free(gen);
  NULL_PASSES(ct_rand_like(bad));
  NULL_PASSES(ct_randn_like_gen(bad, NULL));
  NULL_PASSES(ct_bernoulli(bad, 0.5));
  NULL_PASSES(ct_uniform_(bad, 0, 1));
  NULL_PASSES(ct_normal_(bad, 0, 1));
  NULL_PASSES(ct_bernoulli_(bad, 0.5));
  NULL_PASSES(ct_random_(bad, 0, 5));
  area_done(s);
}

// ---- sizes: counts, sizes, strides and offsets that overflow (core/checked.h) ----

static int64_t huge_length(void *ctx) { // 2^61 samples: their order would take 2^64 bytes
  (void)ctx;
  return INT64_C(1) << 61;
}

static void test_sizes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t big = INT64_C(1) << 40, huge = INT64_C(1) << 62;
  float buf[4] = {0};
  ct_tensor *one = ct_ones(CT_SHAPE(1), CT_FLOAT32), *empty = ct_zeros(CT_SHAPE(0), CT_FLOAT32);
  ct_tensor *vec4 = ct_ones(CT_SHAPE(4), CT_FLOAT32), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *long_row = ct_expand(one, CT_SHAPE(huge)); // 2^62 elements, all the same one
  assert_non_null(long_row);
  // Creation: the sizes (a 0 counted as 1) and the bytes are bounded.
  MISUSE(ct_zeros(CT_SHAPE(0, huge, huge), CT_FLOAT32), "tensor is too large|product of its sizes");
  MISUSE(ct_zeros(CT_SHAPE(huge + 1), CT_BOOL), "tensor is too large|size in bytes exceeds 2^62");
  MISUSE(ct_full(CT_SHAPE(big, big), 1, CT_INT32), "tensor is too large");
  MISUSE(ct_linspace(0, 1, huge, CT_FLOAT32), "tensor is too large");
  MISUSE(ct_eye(big, -1, CT_FLOAT64), "tensor is too large");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(1), (int64_t[]){INT64_MAX}, NULL, NULL),
         "from_blob: the view is too large|exceeds 2^62 bytes");
  MISUSE(ct_from_blob(buf, CT_BOOL, CT_SHAPE(2), (int64_t[]){huge}, NULL, NULL),
         "from_blob: the view is too large|spans more than 2^62 bytes");
  MISUSE(ct_randperm(huge), "tensor is too large");
  MISUSE(ct_randint(0, 10, CT_SHAPE(huge, 4)), "tensor is too large");
  // Views whose sizes multiply past int64, and joins whose sizes add up past it.
  MISUSE(ct_expand(one, CT_SHAPE(big, big)),
         "expand: the expanded size [1099511627776, 1099511627776] is too large");
  MISUSE(ct_expand(scalar, CT_SHAPE(big, big)), "expand|is too large");
  MISUSE(ct_view(empty, CT_SHAPE(0, huge, huge)),
         "shape '[0, 4611686018427387904, 4611686018427387904]' is too large");
  MISUSE(ct_reshape(empty, CT_SHAPE(huge, 0, huge)),
         "shape '[4611686018427387904, 0, 4611686018427387904]' is too large");
  MISUSE(ct_unfold(ct_expand(one, CT_SHAPE(big)), 0, big / 2, 1), "unfold: the result is too large");
  MISUSE(ct_unfold(vec4, 0, INT64_MIN, 1),
         "unfold: size -9223372036854775808 is too large a negative number");
  MISUSE(ct_cat((ct_tensor *[]){long_row, long_row}, 2, 0), "torch.cat(): the result is too large");
  MISUSE(ct_stack((ct_tensor *[]){long_row, long_row}, 2, 0), "stack: the result is too large");
  MISUSE(ct_stack((ct_tensor *[]){long_row, long_row}, 2, 1), "tensor is too large");
  MISUSE(ct_contiguous(long_row), "tensor is too large|size in bytes");
  MISUSE(ct_pad_sequence((ct_tensor *[]){long_row, vec4}, 2, true, 0), "tensor is too large");
  // Counts derived from values.
  MISUSE(ct_one_hot(ct_tensor_from_i64((int64_t[]){INT64_MAX}, CT_SHAPE(1)), -1),
         "one_hot: the number of classes (the largest class value 9223372036854775807 plus 1) is too large");
  MISUSE(ct_one_hot(ct_zeros(CT_SHAPE(2), CT_INT64), huge), "tensor is too large");
  MISUSE(ct_embedding_new(INT64_MIN, 2, -1), "Padding_idx must be within num_embeddings");
  MISUSE(ct_linear_new(big, big, false), "tensor is too large");
  ct_dataloader *loader = ct_dataloader_new(&(ct_dataset){.length = huge_length, .get_item = scalar_sample},
                                            (ct_dataloader_options){0});
  MISUSE_STATUS(ct_dataloader_start_epoch(loader), "the dataset length 2305843009213693952 is too large");
  MISUSE_IF(ct_dataloader_next(loader, &(ct_batch){0}) == CT_BATCH_ERROR, "is too large");
  ct_dataloader_free(loader);
  // .npy headers: NumPy's rule, the item size times the sizes (zeros skipped) fits int64.
  unsigned char file[256];
  const char *too_big[] = {
      "{'descr': '|b1', 'fortran_order': False, 'shape': (4611686018427387904, 2), }",
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2305843009213693952, 0, 4), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 99999999999999999999), }",
  };
  for (int i = 0; i < 3; i++) MISUSE(ct_load_npy_buffer(file, npy_bytes(file, too_big[i], "", 0)), "array is too big");
  area_done(s);
}

// ---- scopes ----

static void test_scopes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  NULL_PASSES(ct_keep(NULL));
  MISUSE_STATUS(ct_scope_close(NULL), "scope is NULL");
  ct_scope *closed = ct_scope_open();
  assert_int_equal(ct_scope_close(closed), CT_OK);
  MISUSE_STATUS(ct_scope_close(closed), "not open on this thread");
  ct_scope *outer = ct_scope_open(), *inner = ct_scope_open();
  assert_non_null(inner);
  MISUSE_STATUS(ct_scope_close(outer), "opened inside this one");
  MISUSE_STATUS(ct_scope_close(inner), "not open on this thread"); // closed with its outer scope
  ct_tensor *retained = ct_retain(ct_ones(CT_SHAPE(2), CT_FLOAT32));
  ct_tensor *owned = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_scope_release(owned); // gives up the scope's reference: now nobody owns it
  ct_release(retained);    // balances the retain; the scope keeps its reference
  ct_tensor *scope_owned = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_clear_error();
  ct_release(scope_owned); // not retained: refused, nothing freed
  tu_assert_contains(ct_last_error(), "owned by a scope");
  cases_run++;
  assert_non_null(ct_add(scope_owned, scope_owned)); // still alive
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  // Keeps the catalogue from shrinking unnoticed (each test above counts its cases).
  assert_true(cases_run >= 300);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dtypes),     cmocka_unit_test(test_creation),
      cmocka_unit_test(test_tensor),     cmocka_unit_test(test_views),
      cmocka_unit_test(test_ops),        cmocka_unit_test(test_linalg),
      cmocka_unit_test(test_reductions), cmocka_unit_test(test_indexing),
      cmocka_unit_test(test_autograd),   cmocka_unit_test(test_modules),
      cmocka_unit_test(test_layers),     cmocka_unit_test(test_state_dicts),
      cmocka_unit_test(test_init),       cmocka_unit_test(test_losses),
      cmocka_unit_test(test_optimizers), cmocka_unit_test(test_data),
      cmocka_unit_test(test_npy),        cmocka_unit_test(test_module_files),
      cmocka_unit_test(test_printing),   cmocka_unit_test(test_random),
      cmocka_unit_test(test_sizes),      cmocka_unit_test(test_scopes),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}

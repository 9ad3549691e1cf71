// Pooling: error cases (NULL + PyTorch's message and status, nothing leaked, with and
// without a scope), NULL propagation, exact small-case math, grad_fn names, the saved
// tensors' version checks, results that do not depend on threads, and the modules'
// reprs. Values against PyTorch itself on generated cases are oracle_pool's job.
#include "unit.h"
#include <math.h>
#include <stdlib.h>

// Declared in src/core/device.h (internal; the tests link the static library).
void ct__test_set_device(ct_tensor *t, ct_device device);
const char *ct__device_unusable(ct_device device);

static const int64_t K2[2] = {2, 2};

static ct_pool_options with(int64_t stride, int64_t padding, int64_t dilation, bool ceil_mode) {
  ct_pool_options o = ct_pool_defaults();
  o.stride[0] = o.stride[1] = stride;
  o.padding[0] = o.padding[1] = padding;
  o.dilation[0] = o.dilation[1] = dilation;
  o.ceil_mode = ceil_mode;
  return o;
}

// Every element of t, row-major (at most 64).
static void values_of(const ct_tensor *t, double *out) { assert_int_equal(ct_to_f64_array(t, out), CT_OK); }

typedef struct inputs {
  ct_tensor *x4, *x3, *x2, *x1, *x5, *ints, *flags, *empty_c, *empty_n, *cuda;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .x4 = ct_ones(CT_SHAPE(2, 3, 5, 5), CT_FLOAT32),
      .x3 = ct_ones(CT_SHAPE(3, 5, 5), CT_FLOAT64),
      .x2 = ct_ones(CT_SHAPE(5, 5), CT_FLOAT32),
      .x1 = ct_ones(CT_SHAPE(5), CT_FLOAT32),
      .x5 = ct_ones(CT_SHAPE(1, 2, 3, 5, 5), CT_FLOAT32),
      .ints = ct_ones(CT_SHAPE(1, 1, 4, 4), CT_INT32),
      .flags = ct_ones(CT_SHAPE(2, 3, 4), CT_BOOL),
      .empty_c = ct_ones(CT_SHAPE(2, 0, 4, 4), CT_FLOAT32),
      .empty_n = ct_ones(CT_SHAPE(0, 3, 4, 4), CT_FLOAT32),
      .cuda = ct_ones(CT_SHAPE(1, 1, 4, 4), CT_FLOAT32),
  };
  ct__test_set_device(in.cuda, CT_CUDA);
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

// Each message checked against torch 1.13 (F.max_pool2d ... on the same arguments).
static void error_cases(bool scoped) {
  inputs in = make_inputs();
  const ct_pool_options d = ct_pool_defaults();
  ct_tensor *idx = (ct_tensor *)1; // reset to NULL on failure
  // max_pool2d
  EXPECT_ERROR(ct_max_pool2d(in.x2, K2, d), "non-empty 3D or 4D (batch mode) tensor expected for input");
  EXPECT_ERROR(ct_max_pool2d(in.x5, K2, d), "non-empty 3D or 4D (batch mode) tensor expected for input");
  EXPECT_ERROR(ct_max_pool2d(in.x4, K2, with(-1, 0, 1, false)),
               "stride should be greater than zero, but got dH: -1 dW: -1");
  EXPECT_ERROR(ct_max_pool2d(in.x4, ((int64_t[]){0, 2}), d), "stride should not be zero");
  EXPECT_ERROR(ct_max_pool2d(in.x4, ((int64_t[]){-1, 2}), d),
               "kernel size should be greater than zero, but got kH: -1 kW: 2");
  EXPECT_ERROR(ct_max_pool2d(in.x4, K2, with(1, -1, 1, false)), "pad must be non-negative, but got pad: -1");
  EXPECT_ERROR(ct_max_pool2d(in.x4, K2, with(1, 2, 1, false)),
               "pad should be at most half of kernel size, but got pad=2 and kernel_size=2");
  EXPECT_ERROR(ct_max_pool2d(in.x4, K2, with(1, 0, 0, false)),
               "dilation should be greater than zero, but got dilationH: 0 dilationW: 0");
  EXPECT_ERROR(ct_max_pool2d(in.x4, ((int64_t[]){6, 6}), d),
               "Given input size: (3x5x5). Calculated output size: (3x0x0). Output size is too small");
  EXPECT_ERROR(ct_max_pool2d(in.x4, ((int64_t[]){3, 3}), with(0, 0, 3, false)),
               "Given input size: (3x5x5). Calculated output size: (3x0x0). Output size is too small");
  EXPECT_ERROR(
      ct_max_pool2d(in.empty_c, K2, d),
      "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[2, 0, 4, 4]");
  EXPECT_ERROR(ct_max_pool2d(in.ints, K2, d), "\"max_pool2d\" not implemented for 'Int'");
  EXPECT_ERROR(ct_max_pool2d(in.x4, ((int64_t[]){(int64_t)1 << 31, 2}), d), "integer out of range");
  if (ct__device_unusable(CT_CUDA)) // why CUDA cannot run here (test_device.c); NULL with a GPU
  EXPECT_ERROR(ct_max_pool2d(in.cuda, K2, d), ct__device_unusable(CT_CUDA));
  EXPECT_ERROR(ct_max_pool2d(in.x4, NULL, d), "max_pool2d: kernel_size is NULL");
  EXPECT_ERROR(ct_max_pool2d_with_indices(in.x2, K2, d, &idx),
               "non-empty 3D or 4D (batch mode) tensor expected for input");
  assert_null(idx);
  EXPECT_ERROR(ct_max_pool2d_with_indices(in.x4, K2, d, NULL), "max_pool2d_with_indices: indices is NULL");
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  // max_pool1d: its own checks without grad, max_pool2d's (on the unsqueezed input) with indices
  EXPECT_ERROR(ct_max_pool1d(in.x1, 2, d), "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional "
                                           "0 dim batch size for input, but got:[5]");
  EXPECT_ERROR(ct_max_pool1d(in.x3, 0, d), "max_pool1d() kernel_size must be greater than zero, but got 0");
  EXPECT_ERROR(ct_max_pool1d(in.x3, 2, with(-1, 0, 1, false)),
               "max_pool1d() stride must be greater than zero, but got -1");
  EXPECT_ERROR(ct_max_pool1d(in.x3, 2, with(1, -1, 1, false)),
               "max_pool1d() padding must be non-negative, but got -1");
  EXPECT_ERROR(
      ct_max_pool1d(in.x3, 2, with(1, 2, 1, false)),
      "max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2");
  EXPECT_ERROR(ct_max_pool1d(in.x3, 2, with(1, 0, 0, false)),
               "max_pool1d() dilation must be greater than zero, but got 0");
  EXPECT_ERROR(ct_max_pool1d(in.x3, 3, with(1, 0, 4, false)),
               "max_pool1d() Invalid computed output size: -3");
  EXPECT_ERROR(ct_max_pool1d(in.flags, 2, d), "\"max_pool1d_impl\" not implemented for 'Bool'");
  EXPECT_ERROR(
      ct_max_pool1d_with_indices(in.x1, 2, d, &idx),
      "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking "
      "arguments for max_pool1d)");
  EXPECT_ERROR(ct_max_pool1d_with_indices(in.x3, 6, d, &idx),
               "Given input size: (5x1x5). Calculated output size: (5x1x0). Output size is too small");
  assert_null(idx);
  // avg_pool2d: the plane count is read first
  EXPECT_ERROR(ct_avg_pool2d(in.x2, K2, d),
               "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  assert_int_equal(ct_last_status(), CT_ERR_INDEX);
  EXPECT_ERROR(ct_avg_pool2d(in.x1, K2, d),
               "Dimension out of range (expected to be in range of [-1, 0], but got -3)");
  EXPECT_ERROR(ct_avg_pool2d(in.x5, K2, d),
               "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
               "for input, but got:[1, 2, 3, 5, 5]");
  EXPECT_ERROR(ct_avg_pool2d(in.x4, K2, with(1, 2, 1, false)),
               "pad should be at most half of kernel size, but got pad=2 and kernel_size=2");
  EXPECT_ERROR(ct_avg_pool2d(in.ints, K2, d), "\"avg_pool2d\" not implemented for 'Int'");
  assert_int_equal(ct_last_status(), CT_ERR_RUNTIME);
  // adaptive_avg_pool2d
  EXPECT_ERROR(ct_adaptive_avg_pool2d(in.x2, K2), "Input dimension should be at least 3");
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  EXPECT_ERROR(
      ct_adaptive_avg_pool2d(in.x4, ((int64_t[]){-1, 2})),
      "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, 2}");
  EXPECT_ERROR(ct_adaptive_avg_pool2d(in.x5, K2), "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                                                  "[1, 2, 3, 5, 5]");
  EXPECT_ERROR(ct_adaptive_avg_pool2d(in.ints, K2), "\"adaptive_avg_pool2d\" not implemented for 'Int'");
  EXPECT_ERROR(
      ct_adaptive_avg_pool2d(in.ints, ((int64_t[]){1, 1})),
      "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
      "Got: Int");
  EXPECT_ERROR(ct_adaptive_avg_pool2d(in.x4, NULL), "adaptive_avg_pool2d: output_size is NULL");
  // accepted: an empty batch
  ct_scope *ok = ct_scope_open();
  ct_tensor *empty_out = ct_max_pool2d(in.empty_n, K2, d);
  assert_non_null(empty_out);
  assert_int_equal(ct_numel(empty_out), 0);
  assert_int_equal(ct_scope_close(ok), CT_OK);
  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

TU_ERROR_TESTS(error_cases, NUM_INPUTS)

static void test_null_propagates(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const ct_pool_options d = ct_pool_defaults();
  ct_tensor *idx = (ct_tensor *)1;
  ct_clear_error();
  assert_null(ct_max_pool1d(NULL, 2, d));
  assert_null(ct_max_pool2d(NULL, K2, d));
  assert_null(ct_max_pool2d_with_indices(NULL, K2, d, &idx));
  assert_null(idx);
  idx = (ct_tensor *)1;
  assert_null(ct_max_pool1d_with_indices(NULL, 2, d, &idx));
  assert_null(idx);
  assert_null(ct_avg_pool2d(NULL, K2, d));
  assert_null(ct_adaptive_avg_pool2d(NULL, K2));
  assert_int_equal(ct_last_status(), CT_OK);
  assert_string_equal(ct_last_error(), "");
  ct_scope_close(s);
}

// 4x4 plane 0..15: 2x2 max pooling takes each block's bottom-right element; the
// gradient goes there.
static void test_max_pool2d_values_indices_gradient(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_reshape(ct_arange(0, 16, 1, CT_FLOAT32), CT_SHAPE(1, 1, 4, 4)), true);
  ct_tensor *idx = NULL;
  ct_tensor *y = ct_max_pool2d_with_indices(x, K2, ct_pool_defaults(), &idx);
  assert_non_null(y);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "MaxPool2DWithIndicesBackward0");
  double v[16];
  values_of(y, v);
  assert_true(v[0] == 5 && v[1] == 7 && v[2] == 13 && v[3] == 15);
  values_of(idx, v);
  assert_true(v[0] == 5 && v[1] == 7 && v[2] == 13 && v[3] == 15);
  assert_int_equal(ct_get_dtype(idx), CT_INT64);
  assert_false(ct_requires_grad(idx));
  assert_int_equal(ct_backward(ct_sum(y), NULL), CT_OK);
  values_of(ct_grad(x), v);
  for (int i = 0; i < 16; i++)
    assert_true(v[i] == (i == 5 || i == 7 || i == 13 || i == 15));
  ct_scope_close(s);
}

// The first maximum wins ties (so +0.0 before -0.0 stays +0.0), NaN wins over anything
// and the last NaN of a window is the one indexed.
static void test_max_pool_ties_and_nan(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const double vals[8] = {0.0, -0.0, 1.0, 1.0, NAN, 5.0, 2.0, NAN};
  ct_tensor *x = ct_tensor_from_f64(vals, 3, (int64_t[]){1, 1, 8});
  ct_tensor *idx = NULL;
  ct_tensor *y = ct_max_pool1d_with_indices(x, 2, ct_pool_defaults(), &idx);
  double v[4], at[4];
  values_of(y, v);
  values_of(idx, at);
  assert_true(v[0] == 0.0 && !signbit(v[0]) && at[0] == 0);
  assert_true(v[1] == 1.0 && at[1] == 2);
  assert_true(isnan(v[2]) && at[2] == 4);
  assert_true(isnan(v[3]) && at[3] == 7);
  values_of(ct_max_pool1d(x, 2, ct_pool_defaults()), v); // the values-only path agrees
  assert_true(v[0] == 0.0 && !signbit(v[0]) && v[1] == 1.0 && isnan(v[2]) && isnan(v[3]));
  ct_scope_close(s);
}

// Output sizes: ceil mode adds the partial window, unless it would start in the right
// padding (PyTorch's rule); count_include_pad counts the padding up to the padded edge.
static void test_ceil_mode_and_padding(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 5, 5), CT_FLOAT64);
  ct_tensor *y = ct_max_pool2d(x, K2, with(2, 0, 1, true));
  assert_int_equal(ct_shape(y)[1], 3);
  y = ct_max_pool2d(x, K2, with(2, 1, 1, true)); // (5 + 2 - 2 + 1) / 2 + 1 = 4 windows, but the
  assert_int_equal(ct_shape(y)[1], 3);           // 4th would start at 6 = H + pad: dropped
  y = ct_max_pool2d(ct_ones(CT_SHAPE(1, 6, 6), CT_FLOAT64), ((int64_t[]){3, 3}), with(2, 1, 1, true));
  assert_int_equal(ct_shape(y)[1], 4); // (6 + 2 - 3 + 1) / 2 + 1, the 4th starting at 6 < 7
  ct_pool_options o = with(2, 1, 1, false);
  y = ct_avg_pool2d(x, K2, o); // corner windows hold 1 element of 4 (count_include_pad)
  double v[9];
  values_of(y, v);
  assert_true(v[0] == 0.25 && v[1] == 0.5 && v[4] == 1.0);
  o.count_include_pad = false;
  values_of(ct_avg_pool2d(x, K2, o), v);
  for (int i = 0; i < 9; i++)
    assert_true(v[i] == 1.0);
  ct_scope_close(s);
}

static void test_avg_and_adaptive_grad_fns(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3, 4, 4), CT_FLOAT32), true);
  assert_string_equal(ct_node_name(ct_grad_fn(ct_avg_pool2d(x, K2, ct_pool_defaults()))),
                      "AvgPool2DBackward0");
  assert_string_equal(ct_node_name(ct_grad_fn(ct_adaptive_avg_pool2d(x, ((int64_t[]){3, 2})))),
                      "AdaptiveAvgPool2DBackward0");
  assert_string_equal(ct_node_name(ct_grad_fn(ct_adaptive_avg_pool2d(x, ((int64_t[]){1, 1})))),
                      "MeanBackward1");
  ct_tensor *y = ct_max_pool1d(ct_select(x, 0, 0), 2, ct_pool_defaults());
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "SqueezeBackward1");
  assert_string_equal(ct_node_name(ct_node_next(ct_grad_fn(y), 0)), "MaxPool2DWithIndicesBackward0");
  // int64 averages divide as C does (truncating): -5 / 4 is -1
  double v[1];
  values_of(ct_avg_pool2d(ct_tensor_parse("[[[1, 2], [-7, -1]]]"), K2, ct_pool_defaults()), v);
  assert_true(v[0] == -1);
  ct_scope_close(s);
}

// Writing a saved tensor in place makes backward fail with PyTorch's message; a second
// backward without retain_graph too.
static void test_saved_tensor_checks(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(1, 1, 4, 4), CT_FLOAT32), true);
  ct_tensor *y = ct_mul_scalar(x, 1);
  ct_tensor *out = ct_max_pool2d(y, K2, ct_pool_defaults());
  assert_non_null(ct_add_scalar_(y, 1));
  EXPECT_STATUS(
      ct_backward(ct_sum(out), NULL), CT_ERR_RUNTIME,
      "one of the variables needed for gradient computation has been modified by an inplace operation: "
      "[torch.FloatTensor [1, 1, 4, 4]], which is output 0 of AddBackward0, is at version 1; expected "
      "version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its "
      "gradient, with torch.autograd.set_detect_anomaly(True).");
  ct_tensor *idx = NULL;
  out = ct_max_pool2d_with_indices(x, K2, ct_pool_defaults(), &idx);
  assert_non_null(ct_zero_(idx));
  EXPECT_STATUS(
      ct_backward(ct_sum(out), NULL), CT_ERR_RUNTIME,
      "one of the variables needed for gradient computation has been modified by an inplace operation: "
      "[torch.LongTensor [1, 1, 2, 2]] is at version 1; expected version 0 instead. Hint: enable anomaly "
      "detection to find the operation that failed to compute its gradient, with "
      "torch.autograd.set_detect_anomaly(True).");
  out = ct_sum(ct_avg_pool2d(x, K2, ct_pool_defaults()));
  assert_int_equal(ct_backward(out, NULL), CT_OK);
  ct_clear_error();
  assert_int_equal(ct_backward(out, NULL), CT_ERR_RUNTIME);
  tu_assert_contains(ct_last_error(), "Trying to backward through the graph a second time");
  ct_scope_close(s);
}

// The result of op k (max, avg, adaptive avg pooling) on x.
static ct_tensor *pool_op(int k, ct_tensor *x) {
  const int64_t k3[2] = {3, 3}, out_size[2] = {5, 7};
  const ct_pool_options o = with(1, 1, 1, false);
  return k == 0   ? ct_max_pool2d(x, k3, o)
         : k == 1 ? ct_avg_pool2d(x, k3, o)
                  : ct_adaptive_avg_pool2d(x, out_size);
}

// True when a and b hold the same values.
static bool same_values(ct_tensor *a, ct_tensor *b) {
  double all = 0;
  assert_int_equal(ct_item(ct_min(ct_to_dtype(ct_eq(a, b), CT_FLOAT64)), &all), CT_OK);
  return all == 1.0;
}

// Large inputs split their planes across threads; a batch entry alone (below the
// threshold: one thread) gives the same bits, forward and backward.
static void test_threads_do_not_change_results(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(3);
  ct_tensor *x = ct_randn(CT_SHAPE(32, 16, 32, 32), CT_FLOAT32);
  for (int k = 0; k < 3; k++) {
    ct_tensor *whole = ct_requires_grad_(ct_clone(x), true),
              *part = ct_requires_grad_(ct_clone(ct_select(x, 0, 5)), true);
    ct_tensor *y = pool_op(k, whole), *yb = pool_op(k, part);
    assert_true(same_values(yb, ct_select(y, 0, 5)));
    assert_int_equal(ct_backward(ct_sum(y), NULL), CT_OK);
    assert_int_equal(ct_backward(ct_sum(yb), NULL), CT_OK);
    assert_true(same_values(ct_grad(part), ct_select(ct_grad(whole), 0, 5)));
  }
  ct_scope_close(s);
}

static void expect_repr(ct_module *m, const char *want) {
  assert_non_null(m);
  char buf[256];
  assert_int_equal(ct_module_repr(m, buf, sizeof buf), CT_OK);
  assert_string_equal(buf, want);
  ct_module_free(m);
}

// Checked against repr(nn.MaxPool2d(2)) ... in torch 1.13.
static void test_module_reprs_and_forward(void **state) {
  (void)state;
  ct_pool_options d = ct_pool_defaults();
  expect_repr(ct_max_pool2d_new(K2, d),
              "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  ct_pool_options o = d;
  o.stride[0] = 1, o.stride[1] = 2, o.padding[0] = 1, o.dilation[0] = 2, o.dilation[1] = 1;
  expect_repr(ct_max_pool2d_new(K2, o),
              "MaxPool2d(kernel_size=2, stride=(1, 2), padding=(1, 0), dilation=(2, 1), ceil_mode=False)");
  expect_repr(ct_max_pool2d_new(((int64_t[]){2, 3}), d),
              "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False)");
  o = with(2, 1, 2, true);
  expect_repr(ct_max_pool1d_new(3, o),
              "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)");
  expect_repr(ct_avg_pool2d_new(K2, d), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  expect_repr(ct_avg_pool2d_new(((int64_t[]){2, 3}), with(1, 1, 1, false)),
              "AvgPool2d(kernel_size=(2, 3), stride=1, padding=1)");
  expect_repr(ct_adaptive_avg_pool2d_new(((int64_t[]){2, 3})), "AdaptiveAvgPool2d(output_size=(2, 3))");
  expect_repr(ct_adaptive_avg_pool2d_new(K2), "AdaptiveAvgPool2d(output_size=2)");
  EXPECT_ERROR(ct_max_pool2d_new(NULL, d), "MaxPool2d: kernel_size is NULL");
  // forward is the functional op
  ct_scope *s = ct_scope_open();
  ct_module *m = ct_max_pool2d_new(K2, d);
  ct_tensor *x = ct_reshape(ct_arange(0, 16, 1, CT_FLOAT64), CT_SHAPE(1, 4, 4));
  double v[4];
  values_of(ct_module_forward(m, x), v);
  assert_true(v[0] == 5 && v[3] == 15);
  ct_module_free(m);
  // AdaptiveAvgPool2d(2) passes PyTorch's int: no Python rank check, the op's own message
  m = ct_adaptive_avg_pool2d_new(K2);
  EXPECT_ERROR(ct_module_forward(m, ct_ones(CT_SHAPE(5, 5), CT_FLOAT32)),
               "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 5]");
  ct_module_free(m);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),
      cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_null_propagates),
      cmocka_unit_test(test_max_pool2d_values_indices_gradient),
      cmocka_unit_test(test_max_pool_ties_and_nan),
      cmocka_unit_test(test_ceil_mode_and_padding),
      cmocka_unit_test(test_avg_and_adaptive_grad_fns),
      cmocka_unit_test(test_saved_tensor_checks),
      cmocka_unit_test(test_threads_do_not_change_results),
      cmocka_unit_test(test_module_reprs_and_forward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

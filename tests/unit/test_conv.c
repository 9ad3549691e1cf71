// Convolutions: PyTorch's error texts for bad arguments (without leaking, in a scope and
// in the root scope), NULL propagation, devices, the layers' checks and reprs, and exact
// small-case math. (Parity with torch.nn.functional on generated cases, gradients and
// initial parameters are oracle_conv's job.)
#include "unit.h"
#include <math.h>

// Declared in src/core/device.h (internal; the tests link the static library).
void ct__test_set_device(ct_tensor *t, ct_device device);
const char *ct__device_unusable(ct_device device);

static ct_conv_options with(int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  ct_conv_options o = ct_conv_defaults();
  o.stride[0] = o.stride[1] = stride;
  o.padding[0] = o.padding[1] = padding;
  o.dilation[0] = o.dilation[1] = dilation;
  o.groups = groups;
  return o;
}

typedef struct inputs {
  ct_tensor *x, *x5, *x_unbatched, *x4ch, *x_small, *x1d, *w, *w1, *w6, *w_big, *w1d, *wt, *b7, *xb, *wb, *gx, *gw;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

static ct_tensor *on_cuda(ct_tensor *t) {
  assert_non_null(t);
  ct__test_set_device(t, CT_CUDA);
  return t;
}

static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .x = ct_ones(CT_SHAPE(2, 3, 8, 8), CT_FLOAT32),
      .x5 = ct_ones(CT_SHAPE(1, 2, 3, 8, 8), CT_FLOAT32),
      .x_unbatched = ct_ones(CT_SHAPE(3, 8, 8), CT_FLOAT32),
      .x4ch = ct_ones(CT_SHAPE(2, 4, 8, 8), CT_FLOAT32),
      .x_small = ct_ones(CT_SHAPE(2, 3, 4, 4), CT_FLOAT32),
      .x1d = ct_ones(CT_SHAPE(2, 3, 8), CT_FLOAT32),
      .w = ct_ones(CT_SHAPE(8, 3, 3, 3), CT_FLOAT32),
      .w1 = ct_ones(CT_SHAPE(8, 1, 3, 3), CT_FLOAT32),
      .w6 = ct_ones(CT_SHAPE(6, 1, 3, 3), CT_FLOAT32),
      .w_big = ct_ones(CT_SHAPE(8, 3, 5, 5), CT_FLOAT32),
      .w1d = ct_ones(CT_SHAPE(4, 3, 3), CT_FLOAT32),
      .wt = ct_ones(CT_SHAPE(4, 2, 3, 3), CT_FLOAT32),
      .b7 = ct_ones(CT_SHAPE(7), CT_FLOAT32),
      .xb = ct_ones(CT_SHAPE(2, 3, 8, 8), CT_BOOL),
      .wb = ct_ones(CT_SHAPE(8, 3, 3, 3), CT_BOOL),
      .gx = on_cuda(ct_ones(CT_SHAPE(2, 3, 8, 8), CT_FLOAT32)),
      .gw = on_cuda(ct_ones(CT_SHAPE(8, 3, 3, 3), CT_FLOAT32)),
  };
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

static void error_cases(bool scoped) {
  inputs in = make_inputs();
  const ct_conv_options d = ct_conv_defaults();
  EXPECT_ERROR(ct_conv2d(in.x5, in.w, NULL, d),
               "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [1, 2, 3, 8, 8]");
  EXPECT_ERROR(ct_conv1d(in.x, in.w1d, NULL, d),
               "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 8, 8]");
  EXPECT_ERROR(ct_conv2d(in.x, in.w1, NULL, d), "Given groups=1, weight of size [8, 1, 3, 3], expected "
                                                "input[2, 3, 8, 8] to have 1 channels, but got 3 channels instead");
  EXPECT_ERROR(ct_conv2d(in.x_unbatched, in.w1, NULL, d),
               "Given groups=1, weight of size [8, 1, 3, 3], expected input[1, 3, 8, 8] to have 1 channels, but got "
               "3 channels instead");
  EXPECT_ERROR(ct_conv2d(in.x_small, in.w_big, NULL, d),
               "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be "
               "greater than actual input size");
  EXPECT_ERROR(ct_conv2d(in.x, in.w1, NULL, with(1, 0, 1, 2)),
               "Given groups=2, weight of size [8, 1, 3, 3], expected input[2, 3, 8, 8] to have 2 channels, but got "
               "3 channels instead");
  EXPECT_ERROR(ct_conv2d(in.x4ch, in.w6, NULL, with(1, 0, 1, 4)),
               "Given groups=4, expected weight to be divisible by 4 at dimension 0, but got weight of size "
               "[[6, 1, 3, 3]] instead");
  EXPECT_ERROR(ct_conv2d(in.x, in.w, NULL, with(0, 0, 1, 1)), "non-positive stride is not supported");
  EXPECT_ERROR(ct_conv2d(in.x, in.w, NULL, with(-1, 0, 1, 1)), "non-positive stride is not supported");
  EXPECT_ERROR(ct_conv2d(in.x, in.w, NULL, with(1, -1, 1, 1)), "negative padding is not supported");
  EXPECT_ERROR(ct_conv2d(in.x, in.w, NULL, with(1, 0, 1, 0)), "non-positive groups is not supported");
  ct_conv_options same = with(2, 0, 1, 1);
  same.padding_mode = CT_PADDING_SAME;
  EXPECT_ERROR(ct_conv2d(in.x, in.w, NULL, same), "padding='same' is not supported for strided convolutions");
  EXPECT_ERROR(ct_conv2d(in.x, in.w, in.b7, d), "Given weight of size [8, 3, 3, 3], expected bias to be "
                                                "1-dimensional with 8 elements, but got bias of size [7] instead");
  EXPECT_ERROR(ct_conv2d(in.x, in.w1d, NULL, d), "expected stride to be a single integer value or a list of 1 "
                                                 "values to match the convolution dimensions, but got stride=[1, 1]");
  EXPECT_ERROR(ct_conv2d(in.xb, in.wb, NULL, d), "\"slow_conv2d_cpu\" not implemented for 'Bool'");
  ct_conv_options op = ct_conv_defaults();
  op.output_padding[0] = op.output_padding[1] = 1;
  EXPECT_ERROR(ct_conv_transpose2d(in.x4ch, in.wt, NULL, op),
               "output padding must be smaller than either stride or dilation, but got output_padding_height: 1 "
               "output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1");
  EXPECT_ERROR(ct_conv_transpose2d(in.x, in.wt, NULL, d),
               "Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 8, 8] to have 4 channels, but "
               "got 3 channels instead");
  // Devices: the tensors' types as check_input_same_type_as_parameters names them, then
  // the missing backend.
  EXPECT_ERROR(ct_conv2d(in.gx, in.w, NULL, d),
               "Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same");
  EXPECT_ERROR(ct_conv2d(in.x, in.gw, NULL, d),
               "Input type (torch.FloatTensor) and weight type (torch.cuda.FloatTensor) should be the same");
  if (ct__device_unusable(CT_CUDA)) // why CUDA cannot run here (test_device.c); NULL with a GPU
  EXPECT_ERROR(ct_conv2d(in.gx, in.gw, NULL, d), ct__device_unusable(CT_CUDA));
  // Layers: _ConvNd's checks, and torch.empty's for a negative size.
  const int64_t k3[2] = {3, 3};
  EXPECT_ERROR(ct_conv2d_new(1, 8, k3, with(1, 0, 1, 0)), "groups must be a positive integer");
  EXPECT_ERROR(ct_conv2d_new(3, 8, k3, with(1, 0, 1, 2)), "in_channels must be divisible by groups");
  EXPECT_ERROR(ct_conv2d_new(4, 6, k3, with(1, 0, 1, 4)), "out_channels must be divisible by groups");
  EXPECT_ERROR(ct_conv2d_new(1, 8, k3, same), "padding='same' is not supported for strided convolutions");
  EXPECT_ERROR(ct_conv2d_new(-1, 8, k3, d), "Trying to create tensor with negative dimension -1: [8, -1, 3, 3]");
  EXPECT_ERROR(ct_conv_transpose2d_new(4, 2, k3, same),
               "conv_transpose2d(): argument 'padding' must be tuple of ints, not str");
  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

TU_ERROR_TESTS(error_cases, NUM_INPUTS)

static void test_null_inputs_propagate_silently(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 1, 3, 3), CT_FLOAT32);
  ct_clear_error();
  assert_null(ct_conv2d(NULL, x, NULL, ct_conv_defaults()));
  assert_null(ct_conv1d(x, NULL, NULL, ct_conv_defaults()));
  assert_null(ct_conv_transpose2d(NULL, NULL, x, ct_conv_defaults()));
  assert_int_equal(ct_last_status(), CT_OK);
  ct_scope_close(s);
}

// ones(1, 1, 3, 3) ⋆ ones(1, 1, 2, 2) + 0.5: every output is 4.5; the input's gradient
// counts the windows covering each element.
static void test_exact_small_case(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(1, 1, 3, 3), CT_FLOAT64), true);
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(1, 1, 2, 2), CT_FLOAT64), true);
  ct_tensor *b = ct_requires_grad_(ct_full(CT_SHAPE(1), 0.5, CT_FLOAT64), true);
  ct_tensor *y = ct_conv2d(x, w, b, ct_conv_defaults());
  assert_true(tu_allclose(y, (double[]){4.5, 4.5, 4.5, 4.5}, 4, 0, 0));
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "ConvolutionBackward0");
  assert_int_equal(ct_backward(ct_sum(y), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 2, 1, 2, 4, 2, 1, 2, 1}, 9, 0, 0));
  assert_true(tu_allclose(ct_grad(w), (double[]){4, 4, 4, 4}, 4, 0, 0));
  assert_true(tu_allclose(ct_grad(b), (double[]){4}, 1, 0, 0));
  // The transposed convolution spreads each input element over a window.
  ct_tensor *t = ct_conv_transpose2d(ct_ones(CT_SHAPE(1, 1, 2, 2), CT_FLOAT64), ct_ones(CT_SHAPE(1, 1, 2, 2),
                                     CT_FLOAT64), NULL, ct_conv_defaults());
  assert_true(tu_allclose(t, (double[]){1, 2, 1, 2, 4, 2, 1, 2, 1}, 9, 0, 0));
  ct_scope_close(s);
}

// A layer's forward is the functional op on its parameters; reprs are PyTorch's.
static void test_layers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(0);
  ct_conv_options o = ct_conv_defaults();
  o.padding[0] = o.padding[1] = 1;
  ct_module *conv = ct_conv2d_new(1, 8, (const int64_t[]){3, 3}, o);
  char repr[256];
  assert_int_equal(ct_module_repr(conv, repr, sizeof repr), CT_OK);
  assert_string_equal(repr, "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  ct_named_list *params = ct_module_named_parameters(conv);
  assert_int_equal(params->count, 2);
  assert_string_equal(params->items[0].name, "weight");
  ct_tensor *x = ct_randn(CT_SHAPE(2, 1, 5, 5), CT_FLOAT32);
  ct_tensor *direct = ct_conv2d(x, params->items[0].tensor, params->items[1].tensor, o);
  ct_tensor *through = ct_module_forward(conv, x);
  double expected[2 * 8 * 5 * 5];
  assert_int_equal(ct_to_f64_array(direct, expected), CT_OK);
  assert_true(tu_allclose(through, expected, 2 * 8 * 5 * 5, 0, 0));
  ct_named_list_free(params);
  ct_module_free(conv);

  ct_conv_options t = ct_conv_defaults();
  t.stride[0] = t.stride[1] = 2;
  t.output_padding[0] = t.output_padding[1] = 1;
  t.bias = false;
  ct_module *up = ct_conv_transpose2d_new(4, 2, (const int64_t[]){3, 3}, t);
  assert_int_equal(ct_module_repr(up, repr, sizeof repr), CT_OK);
  assert_string_equal(repr, "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), "
                            "bias=False)");
  ct_module_free(up);
  ct_conv_options one = ct_conv_defaults();
  one.padding_mode = CT_PADDING_SAME;
  one.dilation[0] = 2;
  ct_module *c1 = ct_conv1d_new(2, 4, 3, one);
  assert_int_equal(ct_module_repr(c1, repr, sizeof repr), CT_OK);
  assert_string_equal(repr, "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,))");
  ct_tensor *y = ct_module_forward(c1, ct_ones(CT_SHAPE(3, 2, 7), CT_FLOAT32));
  assert_int_equal(ct_size(y, 2), 7);
  ct_module_free(c1);
  ct_scope_close(s);
}

// With no scope open, a forward and backward leave nothing once the results are released.
static void test_no_leaks_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_conv_options o = ct_conv_defaults();
  o.padding_mode = CT_PADDING_SAME;
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 5, 6), CT_FLOAT32), true);
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(3, 2, 4, 2), CT_FLOAT32), true);
  ct_tensor *y = ct_conv2d(x, w, NULL, o); // unbatched, padded: Unsqueeze, ConstantPadNd, Squeeze
  assert_non_null(y);
  ct_tensor *g = ct_ones(CT_SHAPE(3, 5, 6), CT_FLOAT32);
  assert_int_equal(ct_backward(y, g), CT_OK);
  tu_release_inputs((ct_tensor *[]){g, y, w, x}, 4);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),         cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_null_inputs_propagate_silently), cmocka_unit_test(test_exact_small_case),
      cmocka_unit_test(test_layers),                  cmocka_unit_test(test_no_leaks_without_scope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

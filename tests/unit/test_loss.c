// Losses: error texts, NULL propagation, no leaks on error paths (with and without a
// scope), grad_fn names, result shapes, and exact small-case math. (Parity with
// torch.nn.functional on generated cases is oracle_loss's job.)
#include "unit.h"
#include <math.h>
#include <string.h>

static ct_tensor *f32(const float *v, int ndim, const int64_t *shape) { return ct_tensor_from_f32(v, ndim, shape); }

static double item(const ct_tensor *t) {
  double v = NAN;
  assert_int_equal(ct_item(t, &v), CT_OK);
  return v;
}

static void test_null_inputs_propagate_silently(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_clear_error();
  assert_null(ct_mse_loss(NULL, x, CT_REDUCTION_MEAN));
  assert_null(ct_l1_loss(x, NULL, CT_REDUCTION_MEAN));
  assert_null(ct_binary_cross_entropy(NULL, x, NULL, CT_REDUCTION_MEAN));
  assert_null(ct_binary_cross_entropy_with_logits(x, NULL, NULL, NULL, CT_REDUCTION_MEAN));
  assert_null(ct_nll_loss(NULL, x, NULL, CT_IGNORE_INDEX_DEFAULT, CT_REDUCTION_MEAN));
  assert_null(ct_cross_entropy(NULL, x, NULL, CT_IGNORE_INDEX_DEFAULT, 0, CT_REDUCTION_MEAN));
  assert_int_equal(ct_last_status(), CT_OK);
  assert_string_equal(ct_last_error(), "");
  ct_scope_close(s);
}

// Each failing call leaves nothing behind in the scope; with no scope open, releasing the
// inputs from the root scope gives back every block.
static void check_errors(bool in_root_scope) {
  int64_t blocks = ct__pool_live_blocks();
  float xv[] = {0.5f, 1.5f}, tv[] = {0, 1};
  ct_tensor *x = f32(xv, 1, (int64_t[]){2}), *t = f32(tv, 1, (int64_t[]){2});
  ct_tensor *col = f32(xv, 2, (int64_t[]){2, 1});
  ct_scope *probe = ct_scope_open();
  EXPECT_ERROR(ct_binary_cross_entropy(x, t, NULL, CT_REDUCTION_MEAN),
               "all elements of input should be between 0 and 1");
  assert_int_equal(ct_scope_size(probe), 0);
  EXPECT_ERROR(ct_binary_cross_entropy(col, t, NULL, CT_REDUCTION_MEAN),
               "Using a target size (torch.Size([2])) that is different to the input size "
               "(torch.Size([2, 1])) is deprecated. Please ensure they have the same size.");
  EXPECT_ERROR(ct_binary_cross_entropy_with_logits(col, t, NULL, NULL, CT_REDUCTION_MEAN),
               "Target size (torch.Size([2])) must be the same as input size (torch.Size([2, 1]))");
  EXPECT_ERROR(ct_mse_loss(x, t, (ct_reduction)7), "7 is not a valid value for reduction");
  int64_t bad[] = {0, 5};
  ct_tensor *target = ct_tensor_from_i64(bad, 1, (int64_t[]){2});
  ct_tensor *logp = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  assert_int_equal(ct_scope_size(probe), 2);
  EXPECT_ERROR(ct_nll_loss(logp, target, NULL, CT_IGNORE_INDEX_DEFAULT, CT_REDUCTION_MEAN),
               "Target 5 is out of bounds.");
  assert_int_equal(ct_last_status(), CT_ERR_INDEX);
  EXPECT_ERROR(
      ct_nll_loss(logp, ct_to_dtype(target, CT_INT32), NULL, CT_IGNORE_INDEX_DEFAULT, CT_REDUCTION_SUM),
      "expected scalar type Long but found Int");
  EXPECT_ERROR(ct_nll_loss(logp, target, ct_ones(CT_SHAPE(4), CT_FLOAT32), -100, CT_REDUCTION_SUM),
               "weight tensor should be defined either for all 3 classes or no classes but "
               "got weight tensor of shape: [4]");
  assert_int_equal(ct_scope_close(probe), CT_OK);
  if (in_root_scope) {
    tu_release_inputs((ct_tensor *[]){col, x, t}, 3);
    assert_int_equal(ct__pool_live_blocks(), blocks);
  }
}

static void test_errors_without_and_with_scope(void **state) {
  (void)state;
  check_errors(true); // no scope open: the root scope owns the inputs
  ct_scope *s = ct_scope_open();
  check_errors(false);
  ct_scope_close(s);
}

static void test_weight_requiring_grad_is_rejected(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_full(CT_SHAPE(3), 0.25, CT_FLOAT32), *w = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  EXPECT_ERROR(ct_binary_cross_entropy(x, x, w, CT_REDUCTION_MEAN),
               "The function 'binary_cross_entropy' is not differentiable with respect to "
               "argument 'weight'. This input cannot have requires_grad True.");
  bool prev = ct_no_grad_enter(); // under no_grad it is just a weight
  assert_non_null(ct_binary_cross_entropy(x, x, w, CT_REDUCTION_MEAN));
  ct_grad_mode_restore(prev);
  ct_scope_close(s);
}

// BCE at known points: x=0,t=1 clamps to 100; x=1,t=1 is -0.0; x=0.5 gives log(2).
static void test_bce_values_and_gradient(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(f32((float[]){0, 1, 0.5f}, 1, (int64_t[]){3}), true);
  ct_tensor *t = f32((float[]){1, 1, 1}, 1, (int64_t[]){3});
  ct_tensor *none = ct_binary_cross_entropy(x, t, NULL, CT_REDUCTION_NONE);
  double v[3];
  ct_to_f64_array(none, v);
  assert_true(v[0] == 100.0f && v[1] == 0 && signbit(v[1]) && v[2] == (double)-logf(0.5f));
  assert_string_equal(ct_node_name(ct_grad_fn(none)), "BinaryCrossEntropyBackward0");
  ct_tensor *mean = ct_binary_cross_entropy(x, t, NULL, CT_REDUCTION_MEAN);
  assert_int_equal(ct_dim(mean), 0);
  assert_true(item(mean) == (double)((100.0f + -logf(0.5f)) / 3.0f));
  assert_int_equal(ct_backward(mean, NULL), CT_OK);
  double g[3];
  ct_to_f64_array(ct_grad(x), g);
  // (x - t) / max((1-x)x, 1e-12) / 3
  assert_true(g[0] == (double)((-1.0f / 1e-12f) / 3.0f));
  assert_true(g[1] == 0.0);
  assert_true(g[2] == (double)((-0.5f / 0.25f) / 3.0f));
  ct_scope_close(s);
}

static void test_mse_l1_exact_math(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(f32((float[]){1, 2, 3, 4}, 2, (int64_t[]){2, 2}), true);
  ct_tensor *t = f32((float[]){1, 0, 5, 4.5f}, 2, (int64_t[]){2, 2});
  ct_tensor *mse = ct_mse_loss(x, t, CT_REDUCTION_MEAN);
  assert_true(item(mse) == (0 + 4 + 4 + 0.25) / 4);
  assert_string_equal(ct_node_name(ct_grad_fn(mse)), "MseLossBackward0");
  ct_backward(mse, NULL);
  assert_true(tu_allclose(ct_grad(x), (double[]){0, 1, -1, -0.25}, 4, 0, 0));
  ct_set_grad(x, NULL);
  ct_tensor *l1 = ct_l1_loss(x, t, CT_REDUCTION_SUM);
  assert_true(item(l1) == 0 + 2 + 2 + 0.5);
  assert_string_equal(ct_node_name(ct_grad_fn(l1)), "SumBackward0");
  assert_string_equal(ct_node_name(ct_grad_fn(ct_l1_loss(x, t, CT_REDUCTION_NONE))), "AbsBackward0");
  assert_string_equal(ct_node_name(ct_grad_fn(ct_l1_loss(x, t, CT_REDUCTION_MEAN))), "MeanBackward0");
  ct_backward(l1, NULL);
  assert_true(tu_allclose(ct_grad(x), (double[]){0, 1, -1, -1}, 4, 0, 0)); // sign(0) = 0
  // Broadcasting: the target row is spread over both rows; its gradient sums them.
  ct_tensor *row = ct_requires_grad_(f32((float[]){0, 1}, 1, (int64_t[]){2}), true);
  ct_tensor *b = ct_mse_loss(x, row, CT_REDUCTION_SUM);
  assert_true(item(b) == 1 + 1 + 9 + 9);
  ct_backward(b, NULL);
  assert_true(tu_allclose(ct_grad(row), (double[]){-2 * (1 + 3), -2 * (1 + 3)}, 2, 0, 0));
  ct_scope_close(s);
}

static void test_nll_shapes_names_and_ignore_index(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  float lp[] = {-1, -2, -3, -4, -5, -6};
  ct_tensor *x = ct_requires_grad_(f32(lp, 2, (int64_t[]){2, 3}), true);
  ct_tensor *t = ct_tensor_from_i64((int64_t[]){2, -100}, 1, (int64_t[]){2});
  ct_tensor *mean = ct_nll_loss(x, t, NULL, CT_IGNORE_INDEX_DEFAULT, CT_REDUCTION_MEAN);
  assert_true(item(mean) == 3.0); // the ignored row counts for nothing
  assert_string_equal(ct_node_name(ct_grad_fn(mean)), "NllLossBackward0");
  ct_backward(mean, NULL);
  assert_true(tu_allclose(ct_grad(x), (double[]){0, 0, -1, 0, 0, 0}, 6, 0, 0));
  ct_tensor *w = f32((float[]){1, 2, 4}, 1, (int64_t[]){3});
  ct_tensor *t2 = ct_tensor_from_i64((int64_t[]){2, 1}, 1, (int64_t[]){2});
  assert_true(item(ct_nll_loss(x, t2, w, -100, CT_REDUCTION_MEAN)) == (double)((3.0f * 4 + 5.0f * 2) / 6.0f));
  ct_tensor *none = ct_nll_loss(x, t2, w, -100, CT_REDUCTION_NONE);
  assert_int_equal(ct_dim(none), 1);
  assert_true(tu_allclose(none, (double[]){12, 10}, 2, 0, 0));
  // (N, C, d1) input: NllLoss2DBackward0, and a view of it for 'none'.
  ct_tensor *x3 = ct_requires_grad_(ct_zeros(CT_SHAPE(2, 3, 4), CT_FLOAT32), true);
  ct_tensor *t3 = ct_zeros(CT_SHAPE(2, 4), CT_INT64);
  assert_string_equal(ct_node_name(ct_grad_fn(ct_nll_loss(x3, t3, NULL, -100, CT_REDUCTION_SUM))),
                      "NllLoss2DBackward0");
  ct_tensor *n3 = ct_nll_loss(x3, t3, NULL, -100, CT_REDUCTION_NONE);
  assert_string_equal(ct_node_name(ct_grad_fn(n3)), "ViewBackward0");
  assert_true(ct_dim(n3) == 2 && ct_size(n3, 0) == 2 && ct_size(n3, 1) == 4);
  // 1-D input with a 0-d target gives a 0-d result even for 'none', as PyTorch.
  ct_tensor *one = ct_nll_loss(f32(lp, 1, (int64_t[]){3}), ct_tensor_from_i64((int64_t[]){1}, 0, NULL), NULL, -100,
                               CT_REDUCTION_NONE);
  assert_int_equal(ct_dim(one), 0);
  assert_true(item(one) == 2.0);
  ct_scope_close(s);
}

// At logit 0 every term is log 2; pos_weight scales the positive term.
static void test_bce_with_logits_exact_points(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_zeros(CT_SHAPE(2, 2), CT_FLOAT64), true);
  ct_tensor *t = ct_tensor_from_f64((double[]){1, 0, 1, 0}, 2, (int64_t[]){2, 2});
  ct_tensor *pw = ct_tensor_from_f64((double[]){3, 5}, 1, (int64_t[]){2});
  ct_tensor *none = ct_binary_cross_entropy_with_logits(x, t, NULL, pw, CT_REDUCTION_NONE);
  assert_string_equal(ct_node_name(ct_grad_fn(none)), "BinaryCrossEntropyWithLogitsBackward0");
  double l2 = log(2.0);
  assert_true(tu_allclose(none, (double[]){3 * l2, l2, 3 * l2, l2}, 4, 1e-15, 0));
  ct_tensor *sum = ct_binary_cross_entropy_with_logits(x, t, NULL, pw, CT_REDUCTION_SUM);
  ct_backward(sum, NULL);
  // d/dx = (pw*t + 1 - t) * sigmoid(x) - pw*t = -pw/2 for t=1, 1/2 for t=0
  assert_true(tu_allclose(ct_grad(x), (double[]){-1.5, 0.5, -1.5, 0.5}, 4, 1e-15, 0));
  ct_scope_close(s);
}

// Equal logits give log(C) whatever the target; label smoothing changes nothing then.
static void test_cross_entropy_uniform_logits(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT64), true);
  ct_tensor *t = ct_tensor_from_i64((int64_t[]){0, 3, 1}, 1, (int64_t[]){3});
  ct_tensor *ce = ct_cross_entropy(x, t, NULL, CT_IGNORE_INDEX_DEFAULT, 0, CT_REDUCTION_MEAN);
  assert_true(fabs(item(ce) - log(4.0)) < 1e-15);
  assert_string_equal(ct_node_name(ct_grad_fn(ce)), "NllLossBackward0");
  assert_string_equal(ct_node_name(ct_node_next(ct_grad_fn(ce), 0)), "LogSoftmaxBackward0");
  ct_tensor *smooth = ct_cross_entropy(x, t, NULL, CT_IGNORE_INDEX_DEFAULT, 0.3, CT_REDUCTION_MEAN);
  assert_true(fabs(item(smooth) - log(4.0)) < 1e-15);
  assert_string_equal(ct_node_name(ct_grad_fn(smooth)), "AddBackward0");
  ct_backward(ce, NULL);
  // softmax - onehot, over 3 rows: (1/4 - [c == t]) / 3
  double want[12];
  int64_t tv[] = {0, 3, 1};
  for (int i = 0; i < 12; i++) want[i] = (0.25 - (i % 4 == tv[i / 4])) / 3;
  assert_true(tu_allclose(ct_grad(x), want, 12, 1e-14, 1e-16));
  EXPECT_ERROR(ct_cross_entropy(x, t, NULL, CT_IGNORE_INDEX_DEFAULT, 1.5, CT_REDUCTION_MEAN),
               "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  ct_scope_close(s);
}

// Mixed float dtypes promote (as PyTorch's broadcast + mse_loss); each input's gradient
// comes back in its own dtype.
static void test_mse_promotes_dtypes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_full(CT_SHAPE(2), 0.1, CT_FLOAT32), true);
  ct_tensor *t = ct_requires_grad_(ct_zeros(CT_SHAPE(2), CT_FLOAT64), true);
  ct_tensor *l = ct_mse_loss(x, t, CT_REDUCTION_SUM);
  assert_int_equal(ct_get_dtype(l), CT_FLOAT64);
  assert_true(item(l) == 2 * (double)0.1f * (double)0.1f);
  ct_backward(l, NULL);
  assert_int_equal(ct_get_dtype(ct_grad(x)), CT_FLOAT32);
  assert_int_equal(ct_get_dtype(ct_grad(t)), CT_FLOAT64);
  assert_true(tu_allclose(ct_grad(t), (double[]){-2 * (double)0.1f, -2 * (double)0.1f}, 2, 0, 0));
  ct_scope_close(s);
}

static void test_no_grad_records_nothing(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_full(CT_SHAPE(4), 0.3, CT_FLOAT32), true);
  bool prev = ct_no_grad_enter();
  ct_tensor *l = ct_binary_cross_entropy(x, ct_zeros(CT_SHAPE(4), CT_FLOAT32), NULL, CT_REDUCTION_SUM);
  ct_grad_mode_restore(prev);
  assert_null(ct_grad_fn(l));
  assert_false(ct_requires_grad(l));
  ct_scope_close(s);
}

// The loss returned with no scope open belongs to the root scope; releasing it early frees
// the graph with it.
static void test_result_ownership_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_requires_grad_(ct_full(CT_SHAPE(3), 0.5, CT_FLOAT64), true);
  ct_tensor *t = ct_ones(CT_SHAPE(3), CT_FLOAT64);
  ct_tensor *l = ct_mse_loss(x, t, CT_REDUCTION_MEAN);
  assert_non_null(l);
  assert_int_equal(ct_backward(l, NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){-1.0 / 3, -1.0 / 3, -1.0 / 3}, 3, 1e-15, 0));
  tu_release_inputs((ct_tensor *[]){l, t, x}, 3);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// Integer l1_loss as torch 1.13's composite: |input - target| in int64, summed for 'sum'.
static void test_l1_integer(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_tensor_parse("[1, 5, -2]"), *b = ct_tensor_parse("[3, 5, 2]");
  int64_t none[3], sum;
  ct_tensor *l = ct_l1_loss(a, b, CT_REDUCTION_NONE);
  assert_int_equal(ct_get_dtype(l), CT_INT64);
  assert_int_equal(ct_to_i64_array(l, none), CT_OK);
  assert_true(none[0] == 2 && none[1] == 0 && none[2] == 4);
  assert_int_equal(ct_item_int(ct_l1_loss(a, b, CT_REDUCTION_SUM), &sum), CT_OK);
  assert_int_equal(sum, 6);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_inputs_propagate_silently),
      cmocka_unit_test(test_errors_without_and_with_scope),
      cmocka_unit_test(test_weight_requiring_grad_is_rejected),
      cmocka_unit_test(test_bce_values_and_gradient),
      cmocka_unit_test(test_mse_l1_exact_math),
      cmocka_unit_test(test_nll_shapes_names_and_ignore_index),
      cmocka_unit_test(test_bce_with_logits_exact_points),
      cmocka_unit_test(test_cross_entropy_uniform_logits),
      cmocka_unit_test(test_mse_promotes_dtypes),
      cmocka_unit_test(test_no_grad_records_nothing),
      cmocka_unit_test(test_result_ownership_without_scope),
      cmocka_unit_test(test_l1_integer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

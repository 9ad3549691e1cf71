// Reductions and softmax: error cases (NULL + PyTorch's message, nothing leaked, with and
// without a scope), NULL propagation, scope hygiene (a call leaves only its results in
// the scope), and values / gradients checked by exact math. Values against PyTorch
// itself are compared in oracle_reduce.
#include "unit.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static ct_tensor *f32(int ndim, const int64_t *shape, const float *v) { return ct_tensor_from_f32(v, ndim, shape); }

static double value(const ct_tensor *t) {
  double v = NAN;
  assert_int_equal(ct_item(t, &v), CT_OK);
  return v;
}

typedef struct inputs {
  ct_tensor *x, *ints, *flags, *empty, *scalar;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

// Inputs of error_cases, kept out of a scope of their own: they end up owned by the
// caller's scope, or by the root scope when none is open.
static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .x = ct_ones(CT_SHAPE(3, 4), CT_FLOAT32),
      .ints = ct_ones(CT_SHAPE(3, 4), CT_INT64),
      .flags = ct_ones(CT_SHAPE(3), CT_BOOL),
      .empty = ct_zeros(CT_SHAPE(0, 3), CT_FLOAT32),
      .scalar = ct_scalar(2, CT_FLOAT32),
  };
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

static void error_cases(bool scoped) {
  inputs in = make_inputs();
  ct_tensor *x = in.x, *ints = in.ints, *empty = in.empty;
  ct_tensor *idx = (ct_tensor *)1; // must be reset to NULL on failure
  EXPECT_ERROR(ct_mean(ints), "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                              "complex dtype. Got: Long");
  EXPECT_ERROR(ct_mean_dim(in.flags, 0, false), "mean(): could not infer output dtype. Input dtype must be either a "
                                                "floating point or complex dtype. Got: Bool");
  EXPECT_ERROR(ct_std(ints), "std and var only support floating point and complex dtypes");
  EXPECT_ERROR(ct_var_dim(ints, 0, true), "std and var only support floating point and complex dtypes");
  EXPECT_ERROR(ct_sum_dim(x, 2, false), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_ERROR(ct_mean_dim(x, -3, false), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  EXPECT_ERROR(ct_sum_dim(in.scalar, 1, false), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  EXPECT_ERROR(ct_sum_dims(x, (int[]){0, 0}, 2, false), "dim 0 appears multiple times in the list of dims");
  EXPECT_ERROR(ct_amax(x, (int[]){1, -1}, 2, false), "dim 1 appears multiple times in the list of dims");
  EXPECT_ERROR(ct_max(empty), "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                              "reduction dim with the 'dim' argument.");
  EXPECT_ERROR(ct_min(empty), "min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                              "reduction dim with the 'dim' argument.");
  EXPECT_ERROR(ct_max_dim(empty, -2, false, &idx), "max(): Expected reduction dim 0 to have non-zero size.");
  assert_null(idx);
  EXPECT_ERROR(ct_amin(empty, (int[]){-2}, 1, false), "amin(): Expected reduction dim -2 to have non-zero size.");
  EXPECT_ERROR(ct_argmax(empty), "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  EXPECT_ERROR(ct_argmin_dim(empty, 0, false), "argmin(): Expected reduction dim 0 to have non-zero size.");
  EXPECT_ERROR(ct_argmax(in.flags), "\"argmax_cpu\" not implemented for 'Bool'");
  EXPECT_ERROR(ct_softmax(ints, 0), "\"softmax_kernel_impl\" not implemented for 'Long'");
  EXPECT_ERROR(ct_softmax(ints, -1), "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  EXPECT_ERROR(ct_log_softmax(ints, 1), "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  EXPECT_ERROR(ct_softmax(x, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_ERROR(ct_norm(ints, 2), "norm(): input dtype should be either floating point or complex. Got Long instead.");
  EXPECT_ERROR(ct_prod_dim(x, 5, false), "Dimension out of range (expected to be in range of [-2, 1], but got 5)");
  EXPECT_ERROR(ct_logsumexp(x, (int[]){3}, 1, false),
               "Dimension out of range (expected to be in range of [-2, 1], but got 3)");
  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

TU_ERROR_TESTS(error_cases, NUM_INPUTS)

static void test_null_propagates(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  assert_null(ct_sum(ct_mean(ct_ones(CT_SHAPE(2), CT_INT64))));
  const char *first = "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                      "dtype. Got: Long";
  assert_string_equal(ct_last_error(), first);
  ct_tensor *idx = (ct_tensor *)1;
  assert_null(ct_sum(NULL));
  assert_null(ct_sum_dims(NULL, NULL, 0, false));
  assert_null(ct_mean_dim(NULL, 0, false));
  assert_null(ct_std_ex(NULL, NULL, 0, 1, false));
  assert_null(ct_var(NULL));
  assert_null(ct_prod(NULL));
  assert_null(ct_max(NULL));
  assert_null(ct_min_dim(NULL, 0, false, &idx));
  assert_null(idx);
  assert_null(ct_argmax(NULL));
  assert_null(ct_argmin_dim(NULL, 0, true));
  assert_null(ct_amax(NULL, NULL, 0, false));
  assert_null(ct_logsumexp(NULL, NULL, 0, false));
  assert_null(ct_norm(NULL, 2));
  assert_null(ct_softmax(NULL, 0));
  assert_null(ct_log_softmax(NULL, 0));
  assert_string_equal(ct_last_error(), first);
  ct_scope_close(s);
}

// Every op on a non-contiguous input that requires grad, in a fresh scope: only the
// result (and the indices of max_dim) may be left in it; temporaries are dropped.
static void test_scope_holds_only_results(void **state) {
  (void)state;
  ct_scope *outer = ct_scope_open();
  ct_tensor *base = ct_requires_grad_(ct_arange(0, 24, 1, CT_FLOAT32), true);
  ct_tensor *x = ct_transpose(ct_view(base, CT_SHAPE(2, 3, 4)), 0, 2); // (4, 3, 2), strided
  int dims[] = {0, 2};
#define ONLY_RESULT(call, n)                    \
  do {                                          \
    ct_scope *s = ct_scope_open();              \
    assert_non_null(call);                      \
    assert_int_equal(ct_scope_size(s), (n));    \
    ct_scope_close(s);                          \
  } while (0)
  ONLY_RESULT(ct_sum(x), 1);
  ONLY_RESULT(ct_sum_dims(x, dims, 2, true), 1);
  ONLY_RESULT(ct_mean_dims(x, dims, 2, false), 1);
  ONLY_RESULT(ct_std(x), 1);
  ONLY_RESULT(ct_var_ex(x, dims, 2, 0, false), 1);
  ONLY_RESULT(ct_prod(x), 1);
  ONLY_RESULT(ct_prod_dim(x, 1, false), 1);
  ONLY_RESULT(ct_max(x), 1);
  ONLY_RESULT(ct_max_dim(x, 1, false, NULL), 1);
  ct_tensor *idx;
  ONLY_RESULT(ct_min_dim(x, 1, true, &idx), 2);
  ONLY_RESULT(ct_argmax(x), 1);
  ONLY_RESULT(ct_argmin_dim(x, -1, false), 1);
  ONLY_RESULT(ct_amax(x, dims, 2, false), 1);
  ONLY_RESULT(ct_logsumexp(x, dims, 2, false), 1);
  ONLY_RESULT(ct_norm(x, 3), 1);
  ONLY_RESULT(ct_norm_dims(x, INFINITY, dims, 2, true), 1);
  ONLY_RESULT(ct_softmax(x, 1), 1);
  ONLY_RESULT(ct_log_softmax(x, 0), 1);
#undef ONLY_RESULT
  ct_scope_close(outer);
}

// Without a scope the root scope owns the results, including after backward; releasing
// them early (ct_scope_release) frees every block, and a dropped indices tensor is freed.
static void test_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3, 4), CT_FLOAT32), true);
  ct_tensor *y = ct_std_dim(x, 1, false);
  ct_tensor *idx = NULL;
  ct_tensor *m = ct_max_dim(x, 0, true, &idx);
  ct_tensor *z = ct_max_dim(x, 1, false, NULL);
  ct_tensor *s = ct_sum(y);
  assert_int_equal(ct_backward(s, NULL), CT_OK);
  ct_tensor *all[] = {x, y, idx, m, z, s};
  tu_release_inputs(all, sizeof all / sizeof *all);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

static void test_values_exact(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = f32(CT_SHAPE(2, 3), (float[]){1, 5, 3, 4, 2, 6});
  assert_true(value(ct_sum(x)) == 21);
  assert_true(value(ct_mean(x)) == 3.5);
  assert_true(tu_allclose(ct_sum_dim(x, 0, false), (double[]){5, 7, 9}, 3, 0, 0));
  assert_true(tu_allclose(ct_sum_dim(x, -1, true), (double[]){9, 12}, 2, 0, 0));
  assert_int_equal(ct_dim(ct_sum_dim(x, -1, true)), 2);
  assert_true(tu_allclose(ct_mean_dim(x, 1, false), (double[]){3, 4}, 2, 0, 0));
  // std of {1,5,3}: mean 3, squared deviations 4+4+0 = 8, unbiased 8/2 = 4 -> 2
  assert_true(tu_allclose(ct_std_dim(x, 1, false), (double[]){2, 2}, 2, 0, 0));
  assert_true(tu_allclose(ct_var_ex(x, (int[]){1}, 1, 0, false), (double[]){8.0f / 3, 8.0f / 3}, 2, 1e-7, 0));
  assert_true(fabs(value(ct_std(x)) - sqrt(17.5 / 5)) < 1e-6);
  assert_true(value(ct_prod(x)) == 720);
  assert_true(tu_allclose(ct_prod_dim(x, 0, false), (double[]){4, 10, 18}, 3, 0, 0));
  assert_true(value(ct_max(x)) == 6 && value(ct_min(x)) == 1);
  assert_true(value(ct_argmax(x)) == 5 && value(ct_argmin(x)) == 0);
  ct_tensor *idx;
  assert_true(tu_allclose(ct_max_dim(x, 1, false, &idx), (double[]){5, 6}, 2, 0, 0));
  assert_true(tu_allclose(idx, (double[]){1, 2}, 2, 0, 0));
  assert_int_equal(ct_get_dtype(idx), CT_INT64);
  assert_true(tu_allclose(ct_amin(x, (int[]){0}, 1, true), (double[]){1, 2, 3}, 3, 0, 0));
  assert_true(value(ct_norm(f32(CT_SHAPE(2), (float[]){3, -4}), 2)) == 5);
  assert_true(value(ct_norm(f32(CT_SHAPE(2), (float[]){3, -4}), 1)) == 7);
  assert_true(value(ct_norm(f32(CT_SHAPE(2), (float[]){3, -4}), INFINITY)) == 4);
  assert_true(value(ct_norm(f32(CT_SHAPE(3), (float[]){3, 0, -4}), 0)) == 2);
  // logsumexp of equal values: log(n) + v, exact up to log's rounding
  assert_true(fabs(value(ct_logsumexp(ct_full(CT_SHAPE(4), 7, CT_FLOAT64), NULL, 0, false)) - (7 + log(4))) < 1e-15);
  // softmax of equal values is uniform
  assert_true(tu_allclose(ct_softmax(ct_zeros(CT_SHAPE(2, 4), CT_FLOAT32), 1), (double[]){.25, .25, .25, .25, .25, .25,
                                                                                         .25, .25}, 8, 0, 0));
  ct_scope_close(s);
}

static void test_dtypes_and_special_values(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *b = ct_tensor_from_bool((bool[]){true, false, true}, CT_SHAPE(3));
  assert_int_equal(ct_get_dtype(ct_sum(b)), CT_INT64);
  assert_true(value(ct_sum(b)) == 2);
  ct_tensor *i32 = ct_tensor_from_i32((int32_t[]){2, 3, 4}, CT_SHAPE(3));
  assert_int_equal(ct_get_dtype(ct_prod(i32)), CT_INT64);
  assert_true(value(ct_prod(i32)) == 24);
  assert_int_equal(ct_get_dtype(ct_max(i32)), CT_INT32);
  assert_int_equal(ct_get_dtype(ct_logsumexp(i32, NULL, 0, false)), CT_FLOAT32);
  // nan: max/min propagate it, argmax returns its first position
  ct_tensor *n = f32(CT_SHAPE(4), (float[]){1, NAN, 7, NAN});
  assert_true(isnan(value(ct_max(n))) && isnan(value(ct_amin(n, NULL, 0, false))));
  assert_true(value(ct_argmax(n)) == 1 && value(ct_argmin(n)) == 1);
  // first occurrence of ties
  ct_tensor *t = f32(CT_SHAPE(5), (float[]){2, 9, 9, 0, 0});
  assert_true(value(ct_argmax(t)) == 1 && value(ct_argmin(t)) == 3);
  // one element: std is nan; empty: sum 0, prod 1, mean nan
  assert_true(isnan(value(ct_std(f32(CT_SHAPE(1), (float[]){3})))));
  ct_tensor *e = ct_zeros(CT_SHAPE(0), CT_FLOAT32);
  assert_true(value(ct_sum(e)) == 0 && value(ct_prod(e)) == 1 && isnan(value(ct_mean(e))));
  // a 0-d tensor reduces over dim 0 / -1 to itself
  ct_tensor *z = ct_scalar(5, CT_FLOAT32);
  assert_true(value(ct_sum_dim(z, -1, true)) == 5 && ct_dim(ct_sum_dim(z, 0, true)) == 0);
  assert_true(value(ct_argmax_dim(z, 0, false)) == 0);
  ct_scope_close(s);
}

static ct_tensor *leaf(int ndim, const int64_t *shape, const float *v) {
  return ct_requires_grad_(f32(ndim, shape, v), true);
}

static void test_gradients_exact(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(CT_SHAPE(2, 2), (float[]){1, 2, 3, 4});
  ct_tensor *y = ct_sum(x);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "SumBackward0");
  assert_int_equal(ct_backward(y, NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 1, 1, 1}, 4, 0, 0));
  // mean over dim 0 with a gradient (1, 2): each element gets g / 2
  ct_tensor *x2 = leaf(CT_SHAPE(2, 2), (float[]){1, 2, 3, 4});
  ct_tensor *m = ct_mean_dim(x2, 0, false);
  assert_string_equal(ct_node_name(ct_grad_fn(m)), "MeanBackward1");
  assert_int_equal(ct_backward(m, f32(CT_SHAPE(2), (float[]){1, 2})), CT_OK);
  assert_true(tu_allclose(ct_grad(x2), (double[]){0.5, 1, 0.5, 1}, 4, 0, 0));
  // max() shares the gradient among ties; amax too; max(dim) sends it to the first index
  ct_tensor *x3 = leaf(CT_SHAPE(4), (float[]){1, 3, 3, 2});
  assert_int_equal(ct_backward(ct_max(x3), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x3), (double[]){0, 0.5, 0.5, 0}, 4, 0, 0));
  ct_tensor *x4 = leaf(CT_SHAPE(4), (float[]){1, 3, 3, 2});
  assert_int_equal(ct_backward(ct_max_dim(x4, 0, false, NULL), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x4), (double[]){0, 1, 0, 0}, 4, 0, 0));
  // prod with one zero: the zero's gradient is the product of the others
  ct_tensor *x5 = leaf(CT_SHAPE(4), (float[]){2, 0, 3, 5});
  assert_int_equal(ct_backward(ct_prod(x5), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x5), (double[]){0, 30, 0, 0}, 4, 0, 0));
  // var: d/dx_i = 2 (x_i - mean) / (n - 1)
  ct_tensor *x6 = leaf(CT_SHAPE(3), (float[]){1, 2, 6});
  assert_int_equal(ct_backward(ct_var(x6), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x6), (double[]){-2, -1, 3}, 3, 0, 0));
  // norm 2: x / |x|
  ct_tensor *x7 = leaf(CT_SHAPE(2), (float[]){3, -4});
  assert_int_equal(ct_backward(ct_norm(x7, 2), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x7), (double[]){0.6, -0.8}, 2, 1e-7, 0));
  // d logsumexp = softmax: equal inputs give 1/n
  ct_tensor *x8 = leaf(CT_SHAPE(4), (float[]){2, 2, 2, 2});
  assert_int_equal(ct_backward(ct_logsumexp(x8, NULL, 0, false), NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x8), (double[]){.25, .25, .25, .25}, 4, 0, 0));
  ct_scope_close(s);
}

// Saved tensors are released after backward: a second pass errors, unless retained.
static void test_second_backward(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(CT_SHAPE(3), (float[]){1, 2, 6});
  ct_tensor *y = ct_std(x);
  assert_int_equal(ct_backward(y, NULL), CT_OK);
  assert_int_not_equal(ct_backward(y, NULL), CT_OK);
  assert_non_null(strstr(ct_last_error(), "Trying to backward through the graph a second time"));
  ct_tensor *x2 = leaf(CT_SHAPE(3), (float[]){1, 2, 6});
  ct_tensor *y2 = ct_softmax(x2, 0);
  ct_tensor *g = f32(CT_SHAPE(3), (float[]){1, 0, 0});
  assert_int_equal(ct_backward_ex(y2, g, true), CT_OK);
  double first[3];
  ct_to_f64_array(ct_grad(x2), first);
  assert_int_equal(ct_backward_ex(y2, g, false), CT_OK);
  double twice[3];
  for (int i = 0; i < 3; i++) twice[i] = 2 * first[i];
  assert_true(tu_allclose(ct_grad(x2), twice, 3, 0, 0));
  ct_scope_close(s);
}

// Under no_grad nothing is recorded.
static void test_no_grad(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(CT_SHAPE(3), (float[]){1, 2, 6});
  bool prev = ct_no_grad_enter();
  ct_tensor *y = ct_softmax(x, 0), *z = ct_sum(x);
  ct_grad_mode_restore(prev);
  assert_null(ct_grad_fn(y));
  assert_false(ct_requires_grad(z));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),   cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_null_propagates),   cmocka_unit_test(test_scope_holds_only_results),
      cmocka_unit_test(test_without_scope),     cmocka_unit_test(test_values_exact),
      cmocka_unit_test(test_dtypes_and_special_values), cmocka_unit_test(test_gradients_exact),
      cmocka_unit_test(test_second_backward),   cmocka_unit_test(test_no_grad),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

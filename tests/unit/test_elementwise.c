// Elementwise ops: NULL propagation, errors without leaks (with and without a scope),
// in-place autograd (rebasing grad_fn), memory-overlap rules, integer wrap-around, and
// agreement between the kernels' vector, buffered-strided and parallel paths.
// Values are exact math; PyTorch parity is checked by tests/oracle/oracle_elementwise.
#include "unit.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double get1(const ct_tensor *t, int64_t i) {
  double v = NAN;
  ct_get(t, &i, &v);
  return v;
}

static void test_null_propagates(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  assert_null(ct_add(x, ct_view(x, CT_SHAPE(4))));
  const char *first = "shape '[4]' is invalid for input of size 3";
  assert_string_equal(ct_last_error(), first);
  ct_tensor *(*binary[])(ct_tensor *, ct_tensor *) = {
      ct_add, ct_sub, ct_rsub, ct_mul, ct_div, ct_floor_divide, ct_remainder, ct_pow, ct_maximum,
      ct_minimum, ct_eq, ct_ne, ct_lt, ct_le, ct_gt, ct_ge, ct_logical_and, ct_logical_or, ct_add_,
      ct_sub_, ct_mul_, ct_div_};
  for (size_t i = 0; i < sizeof binary / sizeof *binary; i++) {
    assert_null(binary[i](NULL, x));
    assert_null(binary[i](x, NULL));
  }
  ct_tensor *(*scalar[])(ct_tensor *, double) = {
      ct_add_scalar, ct_sub_scalar, ct_rsub_scalar, ct_mul_scalar, ct_div_scalar, ct_pow_scalar, ct_eq_scalar,
      ct_ne_scalar,  ct_lt_scalar,  ct_le_scalar,   ct_gt_scalar,  ct_ge_scalar,  ct_leaky_relu, ct_add_scalar_,
      ct_mul_scalar_, ct_fill_};
  for (size_t i = 0; i < sizeof scalar / sizeof *scalar; i++) assert_null(scalar[i](NULL, 2));
  ct_tensor *(*unary[])(ct_tensor *) = {ct_neg,  ct_abs,  ct_exp,  ct_log,   ct_log1p, ct_sqrt, ct_rsqrt,
                                        ct_sin,  ct_cos,  ct_tanh, ct_sigmoid, ct_relu, ct_gelu, ct_sign,
                                        ct_floor, ct_ceil, ct_round, ct_logical_not, ct_relu_, ct_zero_};
  for (size_t i = 0; i < sizeof unary / sizeof *unary; i++) assert_null(unary[i](NULL));
  assert_null(ct_add_alpha(NULL, x, 2));
  assert_null(ct_sub_alpha(x, NULL, 2));
  assert_null(ct_rpow_scalar(2, NULL));
  assert_null(ct_softplus(NULL, 1, 20));
  assert_null(ct_clamp(NULL, 0, 1));
  assert_null(ct_clamp_(NULL, 0, 1));
  assert_null(ct_where(NULL, x, x));
  assert_null(ct_where(ct_gt(x, x), NULL, x));
  assert_string_equal(ct_last_error(), first);
  ct_scope_close(s);
}

// Each bad call errors, leaves its inputs alone and leaves nothing behind, with no scope
// open: the root scope owns the inputs, and releasing them gives back every block.
static void test_errors_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *f = ct_tensor_from_f32((float[]){1, 2, 3}, CT_SHAPE(3));
  ct_tensor *g = ct_tensor_from_f32((float[]){1, 2, 3, 4}, CT_SHAPE(2, 2));
  ct_tensor *i = ct_tensor_from_i64((int64_t[]){4, 5, 6}, CT_SHAPE(3));
  ct_tensor *z = ct_tensor_from_i64((int64_t[]){1, 0, 2}, CT_SHAPE(3));
  ct_tensor *leaf = ct_tensor_from_f32((float[]){1, -2, 3}, CT_SHAPE(3));
  ct_set_requires_grad(leaf, true);
  const char *cast = "result type Float can't be cast to the desired output type Long";
  const char *leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation.";
  EXPECT_ERROR(ct_add(f, g), "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  EXPECT_ERROR(ct_add_(i, f), cast);
  EXPECT_ERROR(ct_div_(i, z), cast);
  EXPECT_ERROR(ct_mul_scalar_(i, 0.5), cast);
  EXPECT_ERROR(ct_add_(leaf, f), leaf_msg);
  EXPECT_ERROR(ct_relu_(leaf), leaf_msg);
  EXPECT_ERROR(ct_clamp_(leaf, 0, 1), leaf_msg);
  ct_tensor *minus_one = ct_scalar(-1, CT_INT64);
  EXPECT_ERROR(ct_pow(i, minus_one), "Integers to negative integer powers are not allowed.");
  EXPECT_ERROR(ct_floor_divide(i, z), "ZeroDivisionError");
  EXPECT_ERROR(ct_remainder(i, z), "ZeroDivisionError");
  EXPECT_ERROR(ct_where(f, f, f), "where expected condition to be a boolean tensor, but got a tensor with dtype Float");
  ct_tensor *g23 = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  EXPECT_ERROR(ct_add_(f, g23), "output with shape [3] doesn't match the broadcast shape [2, 3]");
  EXPECT_ERROR(ct_add_alpha(i, i, 0.5), "For integral input tensors, argument alpha must not be a floating point number.");
  assert_true(tu_allclose(i, (double[]){4, 5, 6}, 3, 0, 0));
  assert_true(tu_allclose(f, (double[]){1, 2, 3}, 3, 0, 0));
  assert_true(tu_allclose(leaf, (double[]){1, -2, 3}, 3, 0, 0));
  // Under no_grad the leaf may be modified in place.
  bool mode = ct_no_grad_enter();
  assert_ptr_equal(ct_relu_(leaf), leaf);
  ct_grad_mode_restore(mode);
  assert_true(tu_allclose(leaf, (double[]){1, 0, 3}, 3, 0, 0));
  assert_null(ct_grad_fn(leaf));
  tu_release_inputs((ct_tensor *[]){f, g, i, z, leaf, minus_one, g23}, 7);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// Without a scope the root scope owns every result; releasing them frees the graph too.
static void test_autograd_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_tensor_from_f64((double[]){2, -1}, CT_SHAPE(2));
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_mul(x, x);
  ct_tensor *z = ct_mul_scalar(y, 3); // 3x^2
  ct_tensor *ones = ct_ones(CT_SHAPE(2), CT_FLOAT64);
  assert_string_equal(ct_node_name(ct_grad_fn(z)), "MulBackward0");
  assert_int_equal(ct_backward(z, ones), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){12, -6}, 2, 0, 0));
  tu_release_inputs((ct_tensor *[]){ones, z, y, x}, 4);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// An in-place op on a non-leaf records a new node whose first edge is the old grad_fn.
static void test_inplace_rebases_grad_fn(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_from_f64((double[]){1, 2, 3}, CT_SHAPE(3));
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_mul_scalar(x, 2); // 2x
  ct_node *old = ct_grad_fn(y);
  assert_ptr_equal(ct_mul_(y, y), y); // (2x)^2: both factors are the old values
  ct_node *fn = ct_grad_fn(y);
  assert_string_equal(ct_node_name(fn), "MulBackward0");
  assert_ptr_equal(ct_node_next(fn, 0), old);
  assert_ptr_equal(ct_node_next(fn, 1), old);
  assert_ptr_equal(ct_add_(y, x), y); // 4x^2 + x
  assert_ptr_equal(ct_mul_scalar_(y, 0.5), y); // 2x^2 + x/2
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "MulBackward0");
  assert_true(tu_allclose(y, (double[]){2.5, 9, 19.5}, 3, 0, 0));
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(3), CT_FLOAT64)), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){4.5, 8.5, 12.5}, 3, 0, 0)); // 4x + 1/2
  // relu_ and clamp_ on non-leaves: the mask uses the values they saw.
  ct_tensor *u = ct_tensor_from_f64((double[]){-1, 0.5, 2}, CT_SHAPE(3));
  ct_set_requires_grad(u, true);
  ct_tensor *v = ct_mul_scalar(u, 1);
  ct_relu_(v);
  ct_tensor *w = ct_mul_scalar(v, 1);
  ct_clamp_(w, NAN, 1);
  assert_string_equal(ct_node_name(ct_grad_fn(w)), "ClampBackward1");
  assert_int_equal(ct_backward(w, ct_ones(CT_SHAPE(3), CT_FLOAT64)), CT_OK);
  assert_true(tu_allclose(ct_grad(u), (double[]){0, 1, 0}, 3, 0, 0));
  // relu_ saves its result (v itself): writing v again makes backward fail, as in torch.
  ct_clamp_(v, NAN, 1);
  assert_int_equal(ct_backward(v, ct_ones(CT_SHAPE(3), CT_FLOAT64)), CT_ERR_RUNTIME);
  // A leaf that does not require grad becomes a non-leaf when an input does.
  ct_tensor *a = ct_zeros(CT_SHAPE(3), CT_FLOAT64);
  ct_add_(a, u);
  assert_string_equal(ct_node_name(ct_grad_fn(a)), "AddBackward0");
  assert_null(ct_node_next(ct_grad_fn(a), 0));
  ct_scope_close(s);
}

static void test_fill_and_zero(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 2), CT_FLOAT32);
  ct_set_requires_grad(x, true);
  assert_null(ct_fill_(x, 3));
  assert_string_equal(ct_last_error(), "a leaf Variable that requires grad is being used in an in-place operation.");
  bool mode = ct_no_grad_enter();
  assert_ptr_equal(ct_fill_(x, 3), x);
  ct_grad_mode_restore(mode);
  ct_tensor *y = ct_mul(x, x);
  ct_zero_(y);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "ZeroBackward0");
  ct_tensor *z = ct_add(y, x); // dz/dx = 1: the zeroed product contributes nothing
  assert_int_equal(ct_backward(z, ct_ones(CT_SHAPE(2, 2), CT_FLOAT32)), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 1, 1, 1}, 4, 0, 0));
  ct_tensor *i = ct_zeros(CT_SHAPE(3), CT_INT64);
  ct_fill_(i, 2.75); // converted like a C cast, as PyTorch's fill_
  assert_true(tu_allclose(i, (double[]){2, 2, 2}, 3, 0, 0));
  // Out-of-range values are refused (PyTorch's check, before truncation; NaN too).
  assert_null(ct_fill_(i, 1e30));
  assert_string_equal(ct_last_error(), "value cannot be converted to type int64_t without overflow");
  assert_null(ct_fill_(ct_zeros(CT_SHAPE(2), CT_INT32), 2147483647.5));
  assert_string_equal(ct_last_error(), "value cannot be converted to type int without overflow");
  assert_null(ct_fill_(i, NAN));
  assert_true(tu_allclose(i, (double[]){2, 2, 2}, 3, 0, 0)); // unchanged
  // fill_ may write an expanded tensor; arithmetic in place may not.
  ct_tensor *e = ct_expand(ct_zeros(CT_SHAPE(3), CT_FLOAT32), CT_SHAPE(2, 3));
  assert_non_null(ct_fill_(e, 1));
  assert_null(ct_add_scalar_(e, 1));
  assert_string_equal(ct_last_error(),
                      "unsupported operation: more than one element of the written-to tensor refers to a single "
                      "memory location. Please clone() the tensor before performing the operation.");
  ct_scope_close(s);
}

static void test_overlap_rules(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_view(ct_arange(0, 9, 1, CT_FLOAT32), CT_SHAPE(3, 3));
  assert_null(ct_add_(a, ct_t(a)));
  assert_string_equal(ct_last_error(),
                      "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
                      "a single memory location. Please clone() the tensor before performing the operation.");
  assert_true(tu_allclose(a, (double[]){0, 1, 2, 3, 4, 5, 6, 7, 8}, 9, 0, 0));
  ct_tensor *b = ct_arange(0, 10, 1, CT_FLOAT32);
  assert_null(ct_add_(ct_slice(b, 0, 1, CT_END, 1), ct_slice(b, 0, 0, 9, 1)));
  // Strided views are not dense: allowed, computed from the values before the call.
  ct_tensor *even = ct_slice(b, 0, 0, 8, 2), *next = ct_slice(b, 0, 2, 10, 2);
  assert_non_null(ct_add_(even, next)); // b[0,2,4,6] += b[2,4,6,8]
  assert_true(tu_allclose(b, (double[]){2, 1, 6, 3, 10, 5, 14, 7, 8, 9}, 10, 0, 0));
  // The same tensor as input and output is fine.
  assert_non_null(ct_mul_(b, b));
  assert_true(tu_allclose(b, (double[]){4, 1, 36, 9, 100, 25, 196, 49, 64, 81}, 10, 0, 0));
  ct_scope_close(s);
}

// Signed overflow wraps (no undefined behaviour under UBSan), INT64_MIN // -1 included.
static void test_integer_wraparound(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *big = ct_tensor_from_i64((int64_t[]){INT64_MAX, INT64_MIN, 7}, CT_SHAPE(3));
  int64_t v[3];
  ct_tensor *one = ct_scalar(1, CT_INT64); // a Python int: keeps the tensor's integer dtype
  ct_to_i64_array(ct_add(big, one), v);
  assert_true(v[0] == INT64_MIN && v[1] == INT64_MIN + 1 && v[2] == 8);
  ct_to_i64_array(ct_floor_divide(big, ct_scalar(-1, CT_INT64)), v);
  assert_true(v[0] == -INT64_MAX && v[1] == INT64_MIN && v[2] == -7);
  ct_to_i64_array(ct_remainder(big, ct_scalar(-1, CT_INT64)), v);
  assert_true(v[0] == 0 && v[1] == 0 && v[2] == 0);
  ct_to_i64_array(ct_neg(big), v);
  assert_true(v[0] == -INT64_MAX && v[1] == INT64_MIN && v[2] == -7);
  ct_to_i64_array(ct_mul(big, big), v);
  assert_true(v[0] == 1 && v[1] == 0 && v[2] == 49);
  ct_to_i64_array(ct_pow(ct_tensor_from_i64((int64_t[]){2, 3, -2}, CT_SHAPE(3)), ct_scalar(63, CT_INT64)), v);
  assert_true(v[0] == INT64_MIN && v[2] == INT64_MIN);
  ct_tensor *i32 = ct_tensor_from_i32((int32_t[]){INT32_MAX, INT32_MIN}, CT_SHAPE(2));
  ct_to_i64_array(ct_add(i32, one), v);
  assert_true(v[0] == INT32_MIN && v[1] == INT32_MIN + 1);
  assert_int_equal(ct_get_dtype(ct_add(i32, one)), CT_INT32);
  assert_int_equal(ct_get_dtype(ct_add_scalar(i32, 1)), CT_FLOAT32); // a C double is a Python float
  ct_to_i64_array(ct_abs(i32), v);
  assert_true(v[0] == INT32_MAX && v[1] == INT32_MIN);
  ct_scope_close(s);
}

// Exact math and dtype rules that need no oracle.
static void test_exact_math(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *i = ct_tensor_from_i64((int64_t[]){-7, 7, 3}, CT_SHAPE(3));
  ct_tensor *q = ct_div_scalar(i, 2);
  assert_int_equal(ct_get_dtype(q), CT_FLOAT32);
  assert_true(tu_allclose(q, (double[]){-3.5, 3.5, 1.5}, 3, 0, 0));
  ct_tensor *fd = ct_floor_divide(i, ct_scalar(2, CT_INT64));
  assert_int_equal(ct_get_dtype(fd), CT_INT64);
  assert_true(tu_allclose(fd, (double[]){-4, 3, 1}, 3, 0, 0));
  assert_true(tu_allclose(ct_remainder(i, ct_scalar(-2, CT_INT64)), (double[]){-1, -1, -1}, 3, 0, 0));
  assert_true(tu_allclose(ct_round(ct_tensor_from_f32((float[]){2.5f, 3.5f, -2.5f}, CT_SHAPE(3))),
                          (double[]){2, 4, -2}, 3, 0, 0));
  assert_int_equal(ct_get_dtype(ct_mul(i, ct_scalar(2, CT_INT64))), CT_INT64);
  assert_int_equal(ct_get_dtype(ct_mul_scalar(i, 2)), CT_FLOAT32);
  assert_int_equal(ct_get_dtype(ct_mul_scalar(i, 1.5)), CT_FLOAT32);
  ct_tensor *r = ct_relu(ct_tensor_from_f32((float[]){-0.0f, -1, 2}, CT_SHAPE(3)));
  assert_true(signbit(get1(r, 0)) && get1(r, 1) == 0 && get1(r, 2) == 2);
  ct_tensor *w = ct_where(ct_gt_scalar(i, 0), i, ct_scalar(0.5, CT_FLOAT64));
  assert_int_equal(ct_get_dtype(w), CT_FLOAT64); // a 0-d float raises int64 to float64 ...
  assert_true(tu_allclose(w, (double[]){0.5, 7, 3}, 3, 0, 0));
  ct_tensor *f = ct_where(ct_gt_scalar(i, 0), ct_to_dtype(i, CT_FLOAT32), ct_scalar(0.5, CT_FLOAT64));
  assert_int_equal(ct_get_dtype(f), CT_FLOAT32); // ... but not float32 to float64
  assert_int_equal(ct_result_type(i, ct_scalar(1, CT_FLOAT64)), CT_FLOAT64);
  ct_tensor *m = ct_maximum(ct_tensor_from_f32((float[]){NAN, 1}, CT_SHAPE(2)), ct_scalar(0, CT_FLOAT32));
  assert_true(isnan(get1(m, 0)) && get1(m, 1) == 1);
  ct_scope_close(s);
}

static void test_backward_twice(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_from_f64((double[]){0.5, 1}, CT_SHAPE(2));
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_tanh(x), *g = ct_ones(CT_SHAPE(2), CT_FLOAT64);
  assert_int_equal(ct_backward_ex(y, g, true), CT_OK);
  assert_int_equal(ct_backward(y, g), CT_OK);
  double t0 = tanh(0.5);
  assert_true(tu_allclose(ct_grad(x), (double[]){2 * (1 - t0 * t0), 2 * (1 - tanh(1) * tanh(1))}, 2, 1e-14, 0)); // SLEEF's tanh is within 1 ulp
  assert_int_equal(ct_backward(y, g), CT_ERR_RUNTIME);
  assert_non_null(strstr(ct_last_error(), "Trying to backward through the graph a second time"));
  ct_tensor *fd = ct_floor_divide(x, ct_scalar(0.3, CT_FLOAT64));
  assert_string_equal(ct_node_name(ct_grad_fn(fd)), "NotImplemented");
  assert_int_equal(ct_backward(fd, g), CT_ERR_RUNTIME);
  assert_string_equal(ct_last_error(), "derivative for aten::floor_divide is not implemented");
  ct_scope_close(s);
}

// Every layout gives the same bits: contiguous (SLEEF vector blocks + 1-lane tail),
// strided (buffered), one element, and above the parallel threshold.
static void check_layouts(ct_tensor *(*op)(ct_tensor *), ct_tensor *base, int64_t n) {
  ct_tensor *strided = ct_slice(base, 0, 0, CT_END, 2), *dense = ct_contiguous(strided);
  ct_tensor *a = ct_contiguous(op(dense)), *b = ct_contiguous(op(strided));
  assert_memory_equal(ct_data_ptr(a), ct_data_ptr(b), (size_t)n * sizeof(float));
  const float *x = ct_data_ptr(dense), *y = ct_data_ptr(a);
  for (int64_t i = 0; i < n; i += 997) {
    ct_tensor *one = op(ct_scalar(x[i], CT_FLOAT32));
    assert_memory_equal(&y[i], ct_data_ptr(one), sizeof(float));
  }
}

static void test_paths_agree(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t n = 70001;
  ct_tensor *base = ct_mul_scalar(ct_sin(ct_arange(0, 2 * n, 1, CT_FLOAT32)), 3), *pos = ct_abs(base);
  ct_tensor *(*any[])(ct_tensor *) = {ct_exp, ct_tanh, ct_sin, ct_cos, ct_abs, ct_neg, ct_relu};
  for (size_t k = 0; k < sizeof any / sizeof *any; k++) check_layouts(any[k], base, n);
  ct_tensor *(*positive[])(ct_tensor *) = {ct_log, ct_log1p, ct_sqrt, ct_rsqrt};
  for (size_t k = 0; k < sizeof positive / sizeof *positive; k++) check_layouts(positive[k], pos, n);
  ct_scope_close(s);
}

// Integer pow with a dimensioned negative exponent computes: 0, or +-1 for bases +-1
// (torch 1.13); only a 0-d exponent (a Python int) is refused.
static void test_integer_pow_negative_exponent(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  int64_t powers[4];
  ct_tensor *p = ct_pow(ct_tensor_parse("[2, 3, 1, -1]"), ct_tensor_parse("[-1, -2, -3, -3]"));
  assert_int_equal(ct_to_i64_array(p, powers), CT_OK);
  assert_true(powers[0] == 0 && powers[1] == 0 && powers[2] == 1 && powers[3] == -1);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integer_pow_negative_exponent),
      cmocka_unit_test(test_null_propagates),        cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_autograd_without_scope), cmocka_unit_test(test_inplace_rebases_grad_fn),
      cmocka_unit_test(test_fill_and_zero),          cmocka_unit_test(test_overlap_rules),
      cmocka_unit_test(test_integer_wraparound),     cmocka_unit_test(test_exact_math),
      cmocka_unit_test(test_backward_twice),         cmocka_unit_test(test_paths_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

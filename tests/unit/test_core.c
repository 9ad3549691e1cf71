// Core: scopes, errors, views, joins, and autograd through views (exact math).
#include "unit.h"
#include <string.h>

static void test_scope_releases_and_keeps(void **state) {
  (void)state;
  ct_scope *outer = ct_scope_open();
  ct_scope *inner = ct_scope_open();
  ct_tensor *a = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  ct_tensor *b = ct_ones(CT_SHAPE(4), CT_INT64);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(ct_scope_size(inner), 2);
  ct_keep(b);
  ct_scope_close(inner);
  assert_int_equal(ct_scope_size(outer), 1);
  int64_t v;
  assert_int_equal(ct_item_int(ct_select(b, 0, 3), &v), CT_OK);
  assert_int_equal(v, 1);
  ct_scope_close(outer);
}

// With no scope open the thread's root scope owns results; giving its reference up early
// frees a tensor, while a view keeps the storage alive.
static void test_no_scope_root_scope_owns(void **state) {
  (void)state;
  ct_tensor *a = ct_arange(0, 6, 1, CT_INT64);
  ct_tensor *v = ct_view(a, CT_SHAPE(2, -1));
  assert_non_null(v);
  assert_int_equal(ct_size(v, 1), 3);
  assert_true(ct_shares_storage(a, v));
  assert_int_equal(ct_scope_release(a), CT_OK); // the view keeps the storage alive
  double x;
  assert_int_equal(ct_get(v, (int64_t[]){1, 2}, &x), CT_OK);
  assert_true(x == 5.0);
  assert_int_equal(ct_scope_release(v), CT_OK);
}

static void test_null_propagates_without_new_message(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_arange(0, 6, 1, CT_FLOAT32);
  assert_null(ct_view(a, CT_SHAPE(4, -1)));
  assert_string_equal(ct_last_error(), "shape '[4, -1]' is invalid for input of size 6");
  assert_null(ct_transpose(ct_view(a, CT_SHAPE(4, -1)), 0, 1));
  assert_string_equal(ct_last_error(), "shape '[4, -1]' is invalid for input of size 6");
  ct_scope_close(s);
}

static void test_view_errors_like_pytorch(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_arange(0, 6, 1, CT_FLOAT32);
  ct_tensor *t = ct_t(ct_view(a, CT_SHAPE(2, 3)));
  assert_false(ct_is_contiguous(t));
  assert_null(ct_view(t, CT_SHAPE(6)));
  assert_non_null(strstr(ct_last_error(), "view size is not compatible"));
  ct_tensor *r = ct_reshape(t, CT_SHAPE(6));
  assert_non_null(r);
  double want[] = {0, 3, 1, 4, 2, 5};
  assert_true(tu_allclose(r, want, 6, 0, 0));
  assert_null(ct_transpose(a, 0, 1));
  assert_string_equal(ct_last_error(), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  ct_scope_close(s);
}

static void test_slices_select_unfold(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_view(ct_arange(1, 13, 1, CT_FLOAT32), CT_SHAPE(3, 2, 2));
  ct_tensor *col = ct_select(ct_select(ct_permute(x, (int[]){1, 2, 0}), 0, 0), 0, 0); // x[:, 0, 0]
  double want[] = {1, 5, 9};
  assert_true(tu_allclose(col, want, 3, 0, 0));
  ct_tensor *sl = ct_slice(ct_arange(0, 10, 1, CT_INT64), 0, -8, CT_END, 3); // [2, 5, 8]
  double want_sl[] = {2, 5, 8};
  assert_true(tu_allclose(sl, want_sl, 3, 0, 0));
  ct_tensor *w = ct_unfold(ct_arange(0, 5, 1, CT_INT64), 0, 3, 1);
  assert_int_equal(ct_size(w, 0), 3);
  double want_w[] = {0, 1, 2, 1, 2, 3, 2, 3, 4};
  assert_true(tu_allclose(w, want_w, 9, 0, 0));
  ct_scope_close(s);
}

// An int64 range wider than INT64_MAX: the length is exact and each element start + i *
// step is computed without overflowing (PyTorch's int64 length arithmetic wraps here).
static void test_arange_wide_int64(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_arange(-9e18, 9e18, 3e18, CT_INT64);
  assert_int_equal(ct_numel(a), 6);
  const int64_t e18 = INT64_C(1000000000000000000);
  int64_t got[6], want[6] = {-9 * e18, -6 * e18, -3 * e18, 0, 3 * e18, 6 * e18};
  assert_int_equal(ct_to_i64_array(a, got), CT_OK);
  assert_memory_equal(got, want, sizeof want);
  ct_tensor *down = ct_arange(9e18, -9e18, -4e18, CT_INT64); // 9, 5, 1, -3, -7 (x 1e18)
  assert_int_equal(ct_numel(down), 5);
  assert_int_equal(ct_to_i64_array(down, got), CT_OK);
  assert_int_equal(got[4], -7 * e18);
  ct_scope_close(s);
}

static void test_cat_stack(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_view(ct_arange(1, 7, 1, CT_FLOAT32), CT_SHAPE(2, 3));
  ct_tensor *c1 = ct_cat((ct_tensor *[]){a, a, a}, 3, 1);
  assert_int_equal(ct_size(c1, 1), 9);
  double want[] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6};
  assert_true(tu_allclose(c1, want, 18, 0, 0));
  ct_tensor *st = ct_stack((ct_tensor *[]){a, a}, 2, 1);
  assert_int_equal(ct_dim(st), 3);
  assert_int_equal(ct_size(st, 1), 2);
  ct_tensor *bad = ct_cat((ct_tensor *[]){a, ct_zeros(CT_SHAPE(2, 2), CT_FLOAT32)}, 2, 0);
  assert_null(bad);
  assert_non_null(strstr(ct_last_error(), "Sizes of tensors must match except in dimension 0"));
  ct_scope_close(s);
}

// d/dx sum(w * f(x)) for a view f is w mapped back through f: exact math.
static void test_backward_through_views(void **state) {
  (void)state;
  ct_tensor *x = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT64); // a parameter: outside the scope
  ct_scope *s = ct_scope_open();
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_unfold(ct_reshape(ct_t(x), CT_SHAPE(6)), 0, 2, 2); // windows over x.t().reshape(6)
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "UnfoldBackward0");
  ct_tensor *g = ct_view(ct_arange(1, 7, 1, CT_FLOAT64), CT_SHAPE(3, 2));
  assert_int_equal(ct_backward(y, g), CT_OK);
  // x.t().reshape(6) = [x00, x10, x01, x11, x02, x12]; windows (size 2, step 2) give those
  // elements weights 1..6 in order.
  double want[] = {1, 3, 5, 2, 4, 6};
  assert_true(tu_allclose(ct_grad(x), want, 6, 0, 0));
  // A second backward accumulates.
  ct_tensor *y2 = ct_select(ct_cat((ct_tensor *[]){x, x}, 2, 0), 0, 3); // row 1 of x
  assert_int_equal(ct_backward(y2, ct_ones(CT_SHAPE(3), CT_FLOAT64)), CT_OK);
  double want2[] = {1, 3, 5, 3, 5, 7};
  assert_true(tu_allclose(ct_grad(x), want2, 6, 0, 0));
  ct_scope_close(s);
}

static void test_backward_errors(void **state) {
  (void)state;
  ct_tensor *x = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  ct_scope *s = ct_scope_open();
  assert_int_equal(ct_backward(x, NULL), CT_ERR_RUNTIME);
  assert_string_equal(ct_last_error(), "element 0 of tensors does not require grad and does not have a grad_fn");
  ct_set_requires_grad(x, true);
  ct_tensor *v = ct_view(x, CT_SHAPE(6));
  assert_int_equal(ct_backward(v, NULL), CT_ERR_RUNTIME);
  assert_string_equal(ct_last_error(), "grad can be implicitly created only for scalar outputs");
  assert_int_equal(ct_set_requires_grad(ct_zeros(CT_SHAPE(2), CT_INT64), true), CT_ERR_RUNTIME);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scope_releases_and_keeps),  cmocka_unit_test(test_no_scope_root_scope_owns),
      cmocka_unit_test(test_null_propagates_without_new_message), cmocka_unit_test(test_view_errors_like_pytorch),
      cmocka_unit_test(test_slices_select_unfold),      cmocka_unit_test(test_arange_wide_int64),
      cmocka_unit_test(test_cat_stack),
      cmocka_unit_test(test_backward_through_views),    cmocka_unit_test(test_backward_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

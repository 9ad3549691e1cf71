// Ordering, scans and searches (ctorch/sort.h): values by exact math (ties, NaN, signed
// zeros, dtypes), gradients against central differences in float64 (sort, topk,
// kthvalue, cumsum, cumprod with and without zeros, logcumsumexp), results that do not
// depend on the thread count, and scope hygiene. Comparisons with PyTorch itself are in
// oracle_sortscan; error messages in test_misuse_ops.
#include "unit.h"
#include <math.h>
#include <stdlib.h>
#include "oracle_io.h"

static ct_tensor *f64(int ndim, const int64_t *shape, const double *v) { return ct_tensor_from_f64(v, ndim, shape); }

// a and b hold equal values (NaN-free inputs).
static bool same(ct_tensor *a, ct_tensor *b) {
  double v = 0;
  assert_int_equal(ct_item(ct_all(ct_eq(a, b)), &v), CT_OK);
  return v != 0;
}

static void test_sort_values(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_from_f32((float[]){3, NAN, 1, -0.0f, 1, 0, -INFINITY}, CT_SHAPE(7)), *idx;
  // ascending, stable: ties keep their order (-0.0 == 0.0), NaN last
  assert_true(tu_allclose(ct_sort(x, 0, false, true, &idx), (double[]){-INFINITY, -0.0, 0, 1, 1, 3, NAN}, 7, 0, 0));
  assert_true(tu_allclose(idx, (double[]){6, 3, 5, 2, 4, 0, 1}, 7, 0, 0));
  assert_string_equal(ct_node_name(ct_grad_fn(ct_sort(ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true), 0,
                                                      false, true, NULL))),
                      "SortBackward1");
  // descending: NaN first
  assert_true(tu_allclose(ct_sort(x, -1, true, true, &idx), (double[]){NAN, 3, 1, 1, -0.0, 0, -INFINITY}, 7, 0, 0));
  assert_true(tu_allclose(idx, (double[]){1, 0, 2, 4, 3, 5, 6}, 7, 0, 0));
  assert_true(tu_allclose(ct_argsort(ct_tensor_from_i64((int64_t[]){2, -1, 2, 0}, CT_SHAPE(4)), 0, true, true),
                          (double[]){0, 2, 3, 1}, 4, 0, 0));
  // along dim 0 of a transposed view
  ct_tensor *m = ct_t(ct_tensor_from_i32((int32_t[]){5, 1, 4, 2, 8, 0}, CT_SHAPE(2, 3))); // [[5,2],[1,8],[4,0]]
  assert_true(tu_allclose(ct_sort(m, 0, false, false, &idx), (double[]){1, 0, 4, 2, 5, 8}, 6, 0, 0));
  assert_true(tu_allclose(idx, (double[]){1, 2, 2, 0, 0, 1}, 6, 0, 0));
  assert_true(tu_allclose(ct_sort(ct_tensor_from_bool((bool[]){true, false, true}, CT_SHAPE(3)), 0, false, true, &idx),
                          (double[]){0, 1, 1}, 3, 0, 0));
  // a 0-d tensor sorts to itself, index 0
  assert_true(tu_allclose(ct_sort(ct_scalar(2.5, CT_FLOAT64), -1, false, false, &idx), (double[]){2.5}, 1, 0, 0));
  assert_int_equal(ct_dim(idx), 0);
  ct_scope_close(s);
}

static void test_select_values(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_from_f64((double[]){4, 7, NAN, 1, 7, 2}, CT_SHAPE(2, 3)), *idx;
  assert_true(tu_allclose(ct_topk(x, 2, 1, true, true, &idx), (double[]){NAN, 7, 7, 2}, 4, 0, 0));
  assert_true(tu_allclose(idx, (double[]){2, 1, 1, 2}, 4, 0, 0));
  assert_true(tu_allclose(ct_topk(x, 1, 0, false, true, &idx), (double[]){1, 7, 2}, 3, 0, 0));
  assert_true(tu_allclose(idx, (double[]){1, 0, 1}, 3, 0, 0));
  ct_tensor *k = ct_kthvalue(x, 2, 1, true, &idx);
  assert_int_equal(ct_dim(k), 2);
  assert_true(tu_allclose(k, (double[]){7, 2}, 2, 0, 0));
  assert_true(tu_allclose(idx, (double[]){1, 2}, 2, 0, 0));
  assert_int_equal(ct_dim(ct_kthvalue(x, 1, 0, false, NULL)), 1);
  assert_int_equal(ct_numel(ct_topk(x, 0, 1, true, true, NULL)), 0);
  ct_scope_close(s);
}

static void test_scan_values(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *i = ct_tensor_from_i32((int32_t[]){1, 2, 3, 4}, CT_SHAPE(2, 2));
  ct_tensor *c = ct_cumsum(i, 0);
  assert_int_equal(ct_get_dtype(c), CT_INT64); // integers promote
  assert_true(tu_allclose(c, (double[]){1, 2, 4, 6}, 4, 0, 0));
  assert_true(tu_allclose(ct_cumprod(i, 1), (double[]){1, 2, 3, 12}, 4, 0, 0));
  assert_int_equal(ct_get_dtype(ct_cumsum(ct_ones(CT_SHAPE(2), CT_BOOL), 0)), CT_INT64);
  assert_int_equal(ct_get_dtype(ct_cumsum_dtype(i, 0, CT_INT32)), CT_INT32);
  ct_tensor *f = ct_cumsum_dtype(i, -1, CT_FLOAT64);
  assert_int_equal(ct_get_dtype(f), CT_FLOAT64);
  assert_true(tu_allclose(f, (double[]){1, 3, 3, 7}, 4, 0, 0));
  // float32 sums accumulate in double: 2^24 + 1 + 1 reaches 2^24 + 2
  ct_tensor *big = ct_tensor_from_f32((float[]){16777216.0f, 1, 1}, CT_SHAPE(3));
  assert_true(tu_allclose(ct_cumsum(big, 0), (double[]){16777216, 16777216, 16777218}, 3, 0, 0));
  // logcumsumexp: log(e^0) = 0, log(1 + 1) = log 2, -inf stays out of the way
  ct_tensor *l = f64(CT_SHAPE(3), (double[]){-INFINITY, 0, 0});
  assert_true(tu_allclose(ct_logcumsumexp(l, 0), (double[]){-INFINITY, 0, log(2)}, 3, 1e-15, 0));
  ct_scope_close(s);
}

static void test_logical_and_search_values(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_from_f32((float[]){0, NAN, 2, 0, 0, -1}, CT_SHAPE(2, 3));
  double v = -1;
  assert_int_equal(ct_item(ct_all(x), &v), CT_OK);
  assert_true(v == 0);
  assert_int_equal(ct_item(ct_any(x), &v), CT_OK);
  assert_true(v == 1);
  assert_int_equal(ct_item(ct_all(ct_zeros(CT_SHAPE(0), CT_INT64)), &v), CT_OK);
  assert_true(v == 1);
  ct_tensor *a = ct_all_dim(x, 0, true);
  assert_int_equal(ct_get_dtype(a), CT_BOOL);
  assert_int_equal(ct_dim(a), 2);
  assert_true(tu_allclose(a, (double[]){0, 0, 1}, 3, 0, 0));
  assert_true(tu_allclose(ct_any_dim(x, 1, false), (double[]){1, 1}, 2, 0, 0));
  ct_tensor *nz = ct_nonzero(x);
  assert_int_equal(ct_shape(nz)[0], 3);
  assert_true(tu_allclose(nz, (double[]){0, 1, 0, 2, 1, 2}, 6, 0, 0));
  ct_tensor *cols[CT_MAX_DIMS];
  assert_int_equal(ct_nonzero_tuple(x, cols), 2);
  assert_true(tu_allclose(cols[0], (double[]){0, 0, 1}, 3, 0, 0));
  assert_true(tu_allclose(cols[1], (double[]){1, 2, 2}, 3, 0, 0));
  assert_int_equal(ct_nonzero_tuple(ct_scalar(3, CT_INT64), cols), 1);
  assert_true(tu_allclose(cols[0], (double[]){0}, 1, 0, 0));
  ct_tensor *inverse, *counts;
  ct_tensor *u = ct_unique(ct_tensor_from_i64((int64_t[]){3, 1, 3, 2, 1, 3}, CT_SHAPE(2, 3)), &inverse, &counts);
  assert_true(tu_allclose(u, (double[]){1, 2, 3}, 3, 0, 0));
  assert_int_equal(ct_dim(inverse), 2);
  assert_true(tu_allclose(inverse, (double[]){2, 0, 2, 1, 0, 2}, 6, 0, 0));
  assert_true(tu_allclose(counts, (double[]){2, 1, 3}, 3, 0, 0));
  u = ct_unique_consecutive(ct_tensor_from_i64((int64_t[]){3, 3, 1, 3, 3, 3}, CT_SHAPE(6)), &inverse, &counts);
  assert_true(tu_allclose(u, (double[]){3, 1, 3}, 3, 0, 0));
  assert_true(tu_allclose(inverse, (double[]){0, 0, 1, 2, 2, 2}, 6, 0, 0));
  assert_true(tu_allclose(counts, (double[]){2, 1, 3}, 3, 0, 0));
  ct_scope_close(s);
}

// ---- gradients against central differences ----

typedef ct_tensor *(*unary_op)(ct_tensor *x);
typedef struct fd_ctx {
  unary_op op;
  ct_tensor *x, *w;
} fd_ctx;

static double objective(void *p) {
  const fd_ctx *c = p;
  bool prev = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  double v = tu_weighted_sum(c->op(c->x), c->w);
  ct_scope_close(s);
  ct_grad_mode_restore(prev);
  return v;
}

// op's gradient at x (float64, made a leaf that requires grad here) matches central
// differences of sum(op(x) * w) for fixed weights w.
static void gradcheck(unary_op op, ct_tensor *x) {
  ct_scope *s = ct_scope_open();
  ct_set_requires_grad(x, true);
  ct_tensor *y = op(x);
  assert_non_null(y);
  int64_t n = ct_numel(x), m = ct_numel(y);
  ct_tensor *w = ct_sin(ct_add_scalar(ct_arange(0, (double)m, 1, CT_FLOAT64), 0.5));
  w = ct_reshape(w, ct_dim(y), ct_shape(y));
  assert_int_equal(ct_backward(y, w), CT_OK);
  double *fd = malloc(sizeof *fd * (size_t)n), *g = malloc(sizeof *g * (size_t)n);
  fd_ctx c = {op, x, w};
  tu_central_differences(x, objective, &c, 0, 1e-6, fd);
  ct_to_f64_array(ct_grad(x), g);
  for (int64_t i = 0; i < n; i++)
    if (!(fabs(fd[i] - g[i]) <= 1e-6 * (1 + fabs(g[i])))) fail_msg("element %lld: fd %.12g, grad %.12g", (long long)i, fd[i], g[i]);
  free(fd);
  free(g);
  ct_scope_close(s);
}

static ct_tensor *sort_desc(ct_tensor *x) { return ct_sort(x, 0, true, false, NULL); }
static ct_tensor *topk2(ct_tensor *x) { return ct_topk(x, 2, -1, true, false, NULL); }
static ct_tensor *kth(ct_tensor *x) { return ct_kthvalue(x, 2, 1, false, NULL); }
static ct_tensor *cumsum1(ct_tensor *x) { return ct_cumsum(x, 1); }
static ct_tensor *cumprod0(ct_tensor *x) { return ct_cumprod(x, 0); }
static ct_tensor *cumprod1(ct_tensor *x) { return ct_cumprod(x, -1); }
static ct_tensor *lcse(ct_tensor *x) { return ct_logcumsumexp(x, 1); }
// A composite: gradients flow through two scans and a selection.
static ct_tensor *chain(ct_tensor *x) { return ct_cumsum(ct_topk(ct_cumprod(x, 1), 2, 1, false, true, NULL), 1); }

static void test_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  // distinct values (no ties), a transposed view
  const double v[] = {0.3, -1.2, 0.7, 2.1, -0.4, 1.5, 0.9, -2.2, 1.1, 0.2, -0.8, 1.9};
  unary_op ops[] = {sort_desc, topk2, kth, cumsum1, cumprod0, cumprod1, lcse, chain};
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
    gradcheck(ops[k], ct_contiguous(ct_t(f64(CT_SHAPE(4, 3), v))));
  // cumprod with zeros: one zero per row, two zeros in a row, a zero at the start and end
  const double z[] = {0.5, 0, 1.5, -2, 0.7, 0, 0, 1.3, 0, 1.1, 0.4, 0};
  gradcheck(cumprod1, f64(CT_SHAPE(3, 4), z));
  gradcheck(cumprod0, f64(CT_SHAPE(4, 3), z));
  ct_scope_close(s);
}

// Large inputs split rows across threads; every result is the one-thread result.
static void test_threads_do_not_change_results(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(0);
  ct_tensor *x = ct_floor(ct_mul_scalar(ct_randn(CT_SHAPE(300, 260), CT_FLOAT32), 4)); // ties
  ct_tensor *r[2][6];
  int before = ct_get_num_threads();
  for (int t = 0; t < 2; t++) {
    ct_set_num_threads(t + 1);
    r[t][0] = ct_sort(x, 0, false, false, &r[t][1]);
    r[t][2] = ct_topk(x, 7, 0, true, false, &r[t][3]);
    r[t][4] = ct_cumsum(x, 0);
    r[t][5] = ct_logcumsumexp(x, 1);
  }
  ct_set_num_threads(before);
  for (int k = 0; k < 6; k++) assert_true(same(r[0][k], r[1][k]));
  ct_scope_close(s);
}

// Each op on a strided input that requires grad leaves only its results in the scope.
static void test_scope_holds_only_results(void **state) {
  (void)state;
  ct_scope *outer = ct_scope_open();
  ct_tensor *base = ct_requires_grad_(ct_arange(0, 24, 1, CT_FLOAT32), true);
  ct_tensor *x = ct_transpose(ct_view(base, CT_SHAPE(2, 3, 4)), 0, 2), *a, *b, *cols[CT_MAX_DIMS];
#define ONLY_RESULTS(call, n)                \
  do {                                       \
    ct_scope *s = ct_scope_open();           \
    assert_true(call);                       \
    assert_int_equal(ct_scope_size(s), (n)); \
    ct_scope_close(s);                       \
  } while (0)
  ONLY_RESULTS(ct_sort(x, 1, true, true, &a), 2);
  ONLY_RESULTS(ct_argsort(x, 0, false, false), 1);
  ONLY_RESULTS(ct_topk(x, 2, 2, true, true, NULL), 1);
  ONLY_RESULTS(ct_kthvalue(x, 1, 1, false, &a), 2);
  ONLY_RESULTS(ct_cumsum_dtype(x, 0, CT_FLOAT64), 1);
  ONLY_RESULTS(ct_cumprod(x, 2), 1);
  ONLY_RESULTS(ct_logcumsumexp(x, 1), 1);
  ONLY_RESULTS(ct_all(x), 1);
  ONLY_RESULTS(ct_any_dim(x, 1, true), 1);
  ONLY_RESULTS(ct_nonzero(x), 1);
  ONLY_RESULTS(ct_nonzero_tuple(x, cols) == 3, 3);
  ONLY_RESULTS(ct_unique(x, &a, &b), 3);
  ONLY_RESULTS(ct_unique(x, NULL, &b), 2);
  ONLY_RESULTS(ct_unique_consecutive(x, &a, NULL), 2);
#undef ONLY_RESULTS
  ct_scope_close(outer);
}

// Without a scope the root scope owns everything, backward included; releasing it all
// gives every block back.
static void test_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from_f32((float[]){1, 0, 3, 2, 5, 4}, CT_SHAPE(2, 3)), true);
  ct_tensor *idx = NULL, *inv = NULL, *cnt = NULL;
  ct_tensor *y = ct_sort(x, 1, false, false, &idx);
  ct_tensor *c = ct_cumprod(y, 1); // zeros: the composite backward
  ct_tensor *l = ct_logcumsumexp(c, 0);
  ct_tensor *u = ct_unique(x, &inv, &cnt);
  ct_tensor *total = ct_sum(l);
  assert_int_equal(ct_backward(total, NULL), CT_OK);
  ct_tensor *all[] = {x, idx, y, c, l, u, inv, cnt, total};
  tu_release_inputs(all, sizeof all / sizeof *all);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sort_values),
      cmocka_unit_test(test_select_values),
      cmocka_unit_test(test_scan_values),
      cmocka_unit_test(test_logical_and_search_values),
      cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_threads_do_not_change_results),
      cmocka_unit_test(test_scope_holds_only_results),
      cmocka_unit_test(test_without_scope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Shape ops, scatter / indexing writes, einsum and sampling: gradients against central
// differences in float64 (gradcheck), the caller-array convention of split/chunk/unbind,
// assignment through views (CopySlices), and what PyTorch's draws imply (a multinomial
// without replacement never repeats a category). Parity with torch is the oracles' job
// (oracle_shape_ops, oracle_scatter, oracle_einsum, oracle_sampling).
#include "unit.h"
#include <math.h>
#include <stdlib.h>

// Values of t as doubles (malloc'd).
static double *values_of(const ct_tensor *t) {
  double *v = malloc((size_t)(ct_numel(t) ? ct_numel(t) : 1) * sizeof *v);
  assert_int_equal(ct_to_f64_array(t, v), CT_OK);
  return v;
}

// sum(f(x) * w) for a fixed w of f(x)'s shape (1, -0.5, 0.25, ... cycling).
static double weighted_sum(ct_tensor *(*f)(ct_tensor *), ct_tensor *x, ct_tensor **w) {
  ct_tensor *y = f(x);
  assert_non_null(y);
  if (!*w) {
    *w = ct_empty(ct_dim(y), ct_shape(y), CT_FLOAT64);
    for (int64_t i = 0; i < ct_numel(y); i++) ((double *)ct_data_ptr(*w))[i] = (i % 3 == 0 ? 1.0 : -0.5) / (1 + i % 4);
  }
  double total = 0;
  assert_int_equal(ct_item(ct_sum(ct_mul(y, *w)), &total), CT_OK);
  return total;
}

// Analytic gradient of sum(f(x) * w) against central differences, every element of x.
static void gradcheck(const char *name, ct_tensor *(*f)(ct_tensor *), ct_tensor *x) {
  ct_scope *s = ct_scope_open();
  ct_requires_grad_(x, true);
  ct_tensor *w = NULL;
  weighted_sum(f, x, &w);
  ct_tensor *y = f(x);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, w)), NULL), CT_OK);
  double *analytic = values_of(ct_grad(x));
  bool was = ct_no_grad_enter();
  const double h = 1e-6;
  double *base = ct_data_ptr(x); // x is a contiguous float64 leaf
  for (int64_t i = 0; i < ct_numel(x); i++) {
    double keep = base[i];
    base[i] = keep + h;
    double up = weighted_sum(f, x, &w);
    base[i] = keep - h;
    double down = weighted_sum(f, x, &w);
    base[i] = keep;
    double numeric = (up - down) / (2 * h);
    if (fabs(numeric - analytic[i]) > 1e-6 * (1 + fabs(analytic[i])))
      fail_msg("%s, element %lld: numeric %g, analytic %g", name, (long long)i, numeric, analytic[i]);
  }
  ct_grad_mode_restore(was);
  free(analytic);
  ct_scope_close(s);
}

static ct_tensor *input(int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int d = 0; d < ndim; d++) n *= shape[d];
  ct_tensor *x = ct_empty(ndim, shape, CT_FLOAT64);
  for (int64_t i = 0; i < n; i++) ((double *)ct_data_ptr(x))[i] = sin(1.0 + (double)i);
  return x;
}

static ct_tensor *index_of(const int64_t *v, int64_t n) { return ct_tensor_from_i64(v, 1, &n); }

static ct_tensor *f_repeat(ct_tensor *x) { return ct_repeat(x, 3, (int64_t[]){2, 1, 3}); }
static ct_tensor *f_interleave(ct_tensor *x) { return ct_repeat_interleave(x, 2, 1); }
static ct_tensor *f_flip(ct_tensor *x) { return ct_flip(x, 2, (int[]){0, 1}); }
static ct_tensor *f_roll(ct_tensor *x) { return ct_roll(x, 2, (int64_t[]){1, -4}, 2, (int[]){0, 1}); }
static ct_tensor *f_roll_flat(ct_tensor *x) { return ct_roll(x, 1, (int64_t[]){5}, 0, NULL); }
static ct_tensor *f_tril(ct_tensor *x) { return ct_tril(x, -1); }
static ct_tensor *f_triu(ct_tensor *x) { return ct_triu(x, 1); }
static ct_tensor *f_pieces(ct_tensor *x) {
  ct_tensor *p[3], *u[3];
  assert_int_equal(ct_split_with_sizes(x, 2, (int64_t[]){2, 3}, 1, p, 3), 2);
  assert_int_equal(ct_unbind(x, 0, u, 3), 2);
  return ct_add(ct_mul(p[1], p[1]), ct_narrow(u[1], 0, 1, 3));
}
static ct_tensor *f_scatter(ct_tensor *x) {
  ct_tensor *idx = ct_view(index_of((int64_t[]){2, 0, 1, 3}, 4), CT_SHAPE(2, 2)); // distinct per row
  ct_tensor *src = ct_mul_scalar(ct_narrow(x, 1, 0, 2), 3);
  return ct_scatter(x, 1, idx, src, CT_SCATTER_ASSIGN);
}
static ct_tensor *f_index(ct_tensor *x) { // x[:, idx] and x[idx0, idx1] (repeats add up)
  ct_tensor *idx = index_of((int64_t[]){2, -3, 2}, 3);
  ct_tensor *cols = ct_index_tensors(x, 2, (ct_tensor *[]){NULL, idx});
  ct_tensor *pts = ct_index_tensors(x, 2, (ct_tensor *[]){index_of((int64_t[]){1, 1, 0}, 3), idx});
  return ct_add(ct_sum_dim(cols, 0, false), pts);
}
static ct_tensor *f_index_put(ct_tensor *x) { // y[mask] = v, y[:, idx] += x-dependent values
  ct_tensor *y = ct_mul_scalar(x, 2);
  ct_tensor *mask = ct_gt_scalar(ct_detach(x), 0);
  ct_index_put_(y, 1, &mask, ct_mul(ct_sum(x), ct_ones(CT_SHAPE(1), CT_FLOAT64)), false);
  ct_tensor *idx = index_of((int64_t[]){0, 0}, 2);
  ct_tensor *v = ct_view(ct_narrow(ct_flatten(x, 0, -1), 0, 0, 4), CT_SHAPE(2, 2));
  return ct_index_put(y, 2, (ct_tensor *[]){NULL, idx}, v, true);
}
static ct_tensor *f_masked_scatter(ct_tensor *x) {
  ct_tensor *mask = ct_lt_scalar(ct_detach(x), 0.3);
  return ct_masked_scatter(ct_mul_scalar(x, -1), mask, ct_exp(ct_flatten(x, 0, -1)));
}
static ct_tensor *f_einsum(ct_tensor *x) {
  ct_tensor *sq = ct_narrow(x, 1, 0, 2); // [2, 2]
  return ct_add(ct_einsum("ij,jk->ik", 2, (ct_tensor *[]){x, ct_transpose(x, 0, 1)}),
                ct_einsum("ii,...->...", 2, (ct_tensor *[]){sq, ct_narrow(x, 1, 0, 2)}));
}

static void test_gradients(void **state) {
  (void)state;
  const int64_t shape[2] = {2, 5};
#define CHECK(f)                                                                                 \
  do {                                                                                           \
    ct_scope *s = ct_scope_open();                                                               \
    gradcheck(#f, f, input(2, shape));                                                           \
    ct_scope_close(s);                                                                           \
  } while (0)
  CHECK(f_repeat);
  CHECK(f_interleave);
  CHECK(f_flip);
  CHECK(f_roll);
  CHECK(f_roll_flat);
  CHECK(f_tril);
  CHECK(f_triu);
  CHECK(f_pieces);
  CHECK(f_scatter);
  CHECK(f_index);
  CHECK(f_index_put);
  CHECK(f_masked_scatter);
  CHECK(f_einsum);
#undef CHECK
}

// split/chunk/unbind fill the caller's array and return the count; NULL with cap 0 counts.
static void test_pieces_convention(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_arange(0, 10, 1, CT_FLOAT32), true), *out[4];
  assert_int_equal(ct_split(x, 3, 0, NULL, 0), 4);
  assert_int_equal(ct_chunk(x, 3, 0, NULL, 0), 3);
  assert_int_equal(ct_split(x, 3, 0, out, 4), 4);
  assert_int_equal(ct_numel(out[3]), 1);
  assert_true(ct_shares_storage(out[3], x));
  assert_string_equal(ct_node_name(ct_grad_fn(out[0])), "SplitBackward0");
  assert_int_equal(ct_split(x, 3, 0, out, 3), -1);
  tu_assert_contains(ct_last_error(), "out has room for 3 tensors, the result has 4");
  ct_scope_close(s);
}

// Slice assignment with broadcasting through a view records CopySlices; gradients reach
// the base's history and the assigned values (summed over the broadcast).
static void test_slice_assignment(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3, 4), CT_FLOAT32), true);
  ct_tensor *v = ct_requires_grad_(ct_full(CT_SHAPE(4), 2, CT_FLOAT32), true);
  ct_tensor *y = ct_mul_scalar(x, 3);
  assert_int_equal(ct_copy_(ct_slice(y, 0, 1, CT_END, 1), v), CT_OK); // y[1:] = v
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "CopySlices");
  assert_int_equal(ct_backward(ct_sum(y), NULL), CT_OK);
  double gx[12], gv[4];
  assert_int_equal(ct_to_f64_array(ct_grad(x), gx), CT_OK);
  assert_int_equal(ct_to_f64_array(ct_grad(v), gv), CT_OK);
  for (int i = 0; i < 12; i++) assert_true(gx[i] == (i < 4 ? 3.0 : 0.0));
  for (int i = 0; i < 4; i++) assert_true(gv[i] == 2.0);
  ct_scope_close(s);
}

// Without replacement no category comes twice; zero weights are never drawn while
// positive ones remain.
static void test_multinomial_without_replacement(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(3);
  ct_tensor *p = ct_tensor_from_f32((float[]){0.5f, 0, 2, 1, 0, 3}, CT_SHAPE(6));
  for (int round = 0; round < 20; round++) {
    int64_t got[4];
    assert_int_equal(ct_to_i64_array(ct_multinomial(p, 4, false), got), CT_OK);
    for (int i = 0; i < 4; i++) {
      assert_true(got[i] != 1 && got[i] != 4);
      for (int j = 0; j < i; j++) assert_true(got[i] != got[j]);
    }
  }
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_pieces_convention),
      cmocka_unit_test(test_slice_assignment),
      cmocka_unit_test(test_multinomial_without_replacement),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

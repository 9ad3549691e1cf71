// Autograd engine and core error contract: the messages PyTorch 1.13 gives (checked
// against torch when each test was written; tests/oracle/oracle_autograd compares the same
// programs with live torch) for requires_grad on non-leaves and integer tensors, backward's
// check order, first-cause errors through status-returning calls, version counters,
// freed saved state and in-place ops on views of leaves.
#include "unit.h"
#include <math.h>
#include <stdio.h>

// x (3 floats, requires grad) and y = x * 2, in the test's own scope.
typedef struct graph {
  ct_scope *scope;
  ct_tensor *x, *y;
} graph;

static graph small_graph(void) {
  graph g = {.scope = ct_scope_open()};
  g.x = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  g.y = ct_mul_scalar(g.x, 2.0);
  assert_non_null(g.y);
  return g;
}

static void test_requires_grad_on_non_leaf(void **state) {
  (void)state;
  graph g = small_graph();
  // `y.requires_grad = True` refuses, `y.requires_grad_(True)` is a no-op.
  EXPECT_STATUS(ct_set_requires_grad(g.y, true), CT_ERR_RUNTIME,
                "you can only change requires_grad flags of leaf variables.");
  assert_ptr_equal(ct_requires_grad_(g.y, true), g.y);
  const char *to_false = "you can only change requires_grad flags of leaf variables. If you want to use a "
                         "computed variable in a subgraph that doesn't require differentiation use "
                         "var_no_grad = var.detach().";
  EXPECT_STATUS(ct_set_requires_grad(g.y, false), CT_ERR_RUNTIME, to_false);
  EXPECT_ERROR(ct_requires_grad_(g.y, false), to_false);
  assert_true(ct_requires_grad(g.y));
  ct_scope_close(g.scope);
}

static void test_requires_grad_on_integer_tensor(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *i = ct_ones(CT_SHAPE(3), CT_INT64);
  EXPECT_STATUS(ct_set_requires_grad(i, true), CT_ERR_RUNTIME,
                "only Tensors of floating point and complex dtype can require gradients");
  EXPECT_ERROR(ct_requires_grad_(i, true), "only Tensors of floating point dtype can require gradients");
  assert_int_equal(ct_set_requires_grad(i, false), CT_OK);
  assert_ptr_equal(ct_requires_grad_(i, false), i);
  assert_false(ct_requires_grad(i));
  ct_scope_close(s);
}

static void test_backward_checks_gradient_shape_first(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *z = ct_ones(CT_SHAPE(3), CT_FLOAT32), *g = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  EXPECT_STATUS(ct_backward(z, g), CT_ERR_RUNTIME,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of "
                "torch.Size([3]).");
  EXPECT_STATUS(ct_backward(z, NULL), CT_ERR_RUNTIME,
                "element 0 of tensors does not require grad and does not have a grad_fn");
  ct_scope_close(s);
}

// `call` reads the tensor `bad`. Given the NULL of a failed view, it returns that error's
// status and keeps its message (the first cause of the chain); with no error pending it
// reports `message`.
#define EXPECT_FIRST_CAUSE_KEPT(call, message)                                                           \
  do {                                                                                                   \
    ct_clear_error();                                                                                    \
    ct_tensor *bad = ct_view(x, CT_SHAPE(7));                                                            \
    assert_null(bad);                                                                                    \
    ct_status first_status = ct_last_status();                                                           \
    char first[256];                                                                                     \
    snprintf(first, sizeof first, "%s", ct_last_error());                                                \
    assert_int_not_equal(first_status, CT_OK);                                                           \
    assert_int_equal((call), first_status);                                                              \
    EXPECT_LAST_ERROR(first);                                                                            \
    EXPECT_STATUS((call), CT_ERR_ARG, message);                                                          \
  } while (0)

static void test_status_calls_keep_the_first_cause(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  double d[6];
  int64_t i64[6], idx[2] = {0, 0}, fan_in, fan_out;
  char buf[64];
  void *data = NULL;
  size_t size = 0;
  EXPECT_FIRST_CAUSE_KEPT(ct_backward(bad, NULL), "backward: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_backward_ex(bad, x, true), "backward: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_item(bad, d), "item: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_item_int(bad, i64), "item: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_get(bad, idx, d), "ct_get: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_set(bad, idx, 1.0), "ct_set: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_set_grad(bad, NULL), "set_grad: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_set_requires_grad(bad, true), "requires_grad_: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_copy_(bad, x), "copy_: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_copy_(x, bad), "copy_: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_to_f64_array(bad, d), "ct_to_f64_array: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_to_i64_array(bad, i64), "ct_to_i64_array: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_shape_str(bad, buf, sizeof buf), "ct_shape_str: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_repr(bad, buf, sizeof buf), "ct_repr: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_save_npy_buffer(bad, &data, &size), "save_npy: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_init_calculate_fan_in_and_fan_out(bad, &fan_in, &fan_out),
                          "calculate_fan_in_and_fan_out: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_init_linear_reset_(bad, NULL), "linear reset: tensor is NULL");
  EXPECT_FIRST_CAUSE_KEPT(ct_init_embedding_reset_(bad, CT_NO_PADDING_IDX), "embedding reset: tensor is NULL");
  // Other NULL arguments are this call's own mistake and are reported as such.
  EXPECT_STATUS(ct_get(x, idx, NULL), CT_ERR_ARG, "ct_get: NULL argument");
  EXPECT_STATUS(ct_to_f64_array(x, NULL), CT_ERR_ARG, "ct_to_f64_array: NULL argument");
  ct_scope_close(s);
}

// ---- version counters (numbers from torch's `_version` after the same calls) ----

static void test_inplace_ops_bump_the_shared_version(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *one = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  ct_tensor *view = ct_select(x, 0, 1), *alias = ct_detach(x);
  assert_int_equal(ct_version_counter(x), 0);
  assert_non_null(ct_init_constant_(x, 2.0));
  assert_int_equal(ct_version_counter(x), 1);
  assert_non_null(ct_init_uniform_(x, 0.0, 1.0));
  assert_int_equal(ct_version_counter(x), 2);
  assert_non_null(ct_fill_(x, 1.0));
  assert_non_null(ct_zero_(x));
  assert_int_equal(ct_copy_(x, one), CT_OK);
  assert_int_equal(ct_version_counter(x), 5);
  assert_non_null(ct_relu_(x));
  assert_non_null(ct_clamp_(x, NAN, 1.0));
  assert_int_equal(ct_version_counter(x), 7);
  assert_int_equal(ct_set(x, (int64_t[]){0, 0}, 5.0), CT_OK); // x[0, 0] = 5
  assert_int_equal(ct_version_counter(x), 8);
  assert_non_null(ct_add_(view, ct_ones(CT_SHAPE(3), CT_FLOAT32))); // views and aliases share it
  assert_non_null(ct_mul_scalar_(alias, 2.0));
  assert_int_equal(ct_version_counter(x), 10);
  assert_int_equal(ct_version_counter(view), 10);
  assert_int_equal(ct_version_counter(alias), 10);
  // Out-of-place ops and failing in-place ops write nothing.
  ct_tensor *y = ct_add_scalar(x, 1.0);
  assert_int_equal(ct_version_counter(y), 0);
  EXPECT_ERROR(ct_add_(x, ct_ones(CT_SHAPE(2), CT_FLOAT32)),
               "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  assert_int_equal(ct_version_counter(x), 10);
  assert_int_equal(ct_version_counter(NULL), -1);
  ct_scope_close(s);
}

static void test_parameter_updates_bump_versions(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32), *b = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  assert_int_equal(ct_init_linear_reset_(w, b), CT_OK); // one uniform_ each
  assert_int_equal(ct_version_counter(w), 1);
  assert_int_equal(ct_version_counter(b), 1);
  ct_tensor *e = ct_zeros(CT_SHAPE(4, 2), CT_FLOAT32);
  assert_int_equal(ct_init_embedding_reset_(e, 1), CT_OK); // normal_, then the padding row's fill_
  assert_int_equal(ct_version_counter(e), 2);
  // An optimizer step writes each parameter that has a gradient once; zero_grad writes the grads.
  ct_tensor *p = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  assert_int_equal(ct_backward(ct_sum(ct_mul(p, p)), NULL), CT_OK);
  ct_sgd_options o = ct_sgd_defaults(0.1);
  o.momentum = 0.9;
  ct_optimizer *opt = ct_sgd_new(&p, 1, o);
  assert_int_equal(ct_optimizer_step(opt), CT_OK);
  assert_int_equal(ct_version_counter(p), 1);
  assert_int_equal(ct_version_counter(ct_grad(p)), 0);
  assert_int_equal(ct_optimizer_zero_grad(opt, false), CT_OK);
  assert_int_equal(ct_version_counter(ct_grad(p)), 1);
  ct_optimizer_free(opt);
  ct_scope_close(s);
}

#define MODIFIED_PREFIX "one of the variables needed for gradient computation has been modified by an inplace operation: "
#define MODIFIED_HINT                                                                                    \
  " Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "    \
  "torch.autograd.set_detect_anomaly(True)."

static void test_modified_saved_tensor_fails_backward(void **state) {
  (void)state;
  graph g = small_graph();
  ct_tensor *x2 = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), true), *w = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  // A saved input rewritten under grad mode: named by the grad_fn its write recorded.
  ct_tensor *y = ct_mul_scalar(x2, 1.0), *z = ct_mul(y, y);
  assert_non_null(ct_add_(y, w));
  EXPECT_STATUS(ct_backward(ct_sum(z), NULL), CT_ERR_RUNTIME,
                MODIFIED_PREFIX "[torch.FloatTensor [2, 3]], which is output 0 of AddBackward0, is at version 1; "
                                "expected version 0 instead." MODIFIED_HINT);
  // A saved output (exp's result), rewritten twice.
  ct_tensor *e = ct_exp(ct_mul_scalar(x2, 1.0));
  assert_non_null(ct_mul_scalar_(e, 2.0));
  assert_non_null(ct_mul_scalar_(e, 2.0));
  EXPECT_STATUS(ct_backward(ct_sum(e), NULL), CT_ERR_RUNTIME,
                MODIFIED_PREFIX "[torch.FloatTensor [2, 3]], which is output 0 of ExpBackward0, is at version 2; "
                                "expected version 0 instead." MODIFIED_HINT);
  // A saved leaf (no grad_fn): no "which is output" part. 0-d float64.
  ct_tensor *c = ct_scalar(3.0, CT_FLOAT64), *xd = ct_requires_grad_(ct_scalar(1.0, CT_FLOAT64), true);
  ct_tensor *m = ct_mul(xd, c);
  assert_non_null(ct_add_scalar_(c, 1.0));
  EXPECT_STATUS(ct_backward(m, NULL), CT_ERR_RUNTIME,
                MODIFIED_PREFIX "[torch.DoubleTensor []] is at version 1; expected version 0 instead." MODIFIED_HINT);
  // copy_'s node has torch's C++ name there.
  ct_tensor *y2 = ct_mul_scalar(g.x, 1.0), *z2 = ct_mul(y2, y2);
  assert_int_equal(ct_copy_(y2, g.y), CT_OK);
  EXPECT_STATUS(ct_backward(ct_sum(z2), NULL), CT_ERR_RUNTIME,
                MODIFIED_PREFIX "[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopyBackwards, is at "
                                "version 1; expected version 0 instead." MODIFIED_HINT);
  // Writing values backward does not need is fine: tanh saved its result, not y3.
  ct_tensor *y3 = ct_mul_scalar(g.x, 1.0), *t = ct_tanh(y3);
  assert_non_null(ct_zero_(y3));
  assert_int_equal(ct_backward(ct_sum(t), NULL), CT_OK);
  ct_scope_close(g.scope);
}

// ---- freed graphs ----

#define FREED                                                                                            \
  "Trying to backward through the graph a second time (or directly access saved tensors after they "    \
  "have already been freed). Saved intermediate values of the graph are freed when you call "           \
  ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "       \
  "graph a second time or if you need to access saved tensors after calling backward."

// torch saves the scalar of x * 2.0 and x / 2.0 as a tensor (a second backward fails), not
// that of x + 2.0 (it runs again and accumulates).
static void test_scalar_operands_saved_like_torch(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *roots[4] = {ct_sum(ct_mul_scalar(x, 2.0)), ct_sum(ct_div_scalar(x, 2.0)),
                         ct_sum(ct_mul_scalar_(ct_clone(x), 2.0)), ct_sum(ct_add_scalar(x, 2.0))};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(ct_backward(roots[i], NULL), CT_OK);
    if (i < 3) EXPECT_STATUS(ct_backward(roots[i], NULL), CT_ERR_RUNTIME, FREED);
    else assert_int_equal(ct_backward(roots[i], NULL), CT_OK);
  }
  assert_true(tu_allclose(ct_grad(x), (double[]){6.5, 6.5, 6.5}, 3, 0, 0)); // 2 + 0.5 + 2 + 1 + 1
  // With retain_graph both passes run.
  ct_tensor *r = ct_sum(ct_mul_scalar(x, 2.0));
  assert_int_equal(ct_backward_ex(r, NULL, true), CT_OK);
  assert_int_equal(ct_backward(r, NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){10.5, 10.5, 10.5}, 3, 0, 0));
  ct_scope_close(s);
}

// ---- in-place ops on views ----

#define VIEW_OF_LEAF "a view of a leaf Variable that requires grad is being used in an in-place operation."

static void test_inplace_on_view_of_leaf(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), true), *w = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *views[] = {ct_select(x, 0, 1), ct_narrow(ct_select(x, 0, 0), 0, 1, 2), ct_view(x, CT_SHAPE(6)),
                        ct_select(ct_t(x), 1, 0)};
  for (size_t i = 0; i < sizeof views / sizeof *views; i++) {
    ct_tensor *v = views[i];
    ct_tensor *other = ct_ones(ct_dim(v), ct_shape(v), CT_FLOAT32);
    EXPECT_ERROR(ct_mul_scalar_(v, 2.0), VIEW_OF_LEAF);
    EXPECT_ERROR(ct_add_(v, other), VIEW_OF_LEAF);
    EXPECT_ERROR(ct_relu_(v), VIEW_OF_LEAF);
    EXPECT_ERROR(ct_fill_(v, 1.0), VIEW_OF_LEAF);
    EXPECT_ERROR(ct_zero_(v), VIEW_OF_LEAF);
    EXPECT_ERROR(ct_uniform_(v, 0.0, 1.0), VIEW_OF_LEAF);
    EXPECT_STATUS(ct_copy_(v, other), CT_ERR_RUNTIME, VIEW_OF_LEAF);
  }
  EXPECT_ERROR(ct_mul_scalar_(x, 2.0), "a leaf Variable that requires grad is being used in an in-place operation.");
  assert_int_equal(ct_version_counter(x), 0); // nothing was written
  // Allowed: under no_grad, on a detached alias's view, on a view of a non-leaf, on a
  // reshape that had to copy (not a view).
  bool mode = ct_no_grad_enter();
  assert_non_null(ct_add_(ct_select(x, 0, 0), w));
  ct_grad_mode_restore(mode);
  assert_non_null(ct_add_(ct_select(ct_detach(x), 0, 0), w));
  ct_tensor *y = ct_mul_scalar(x, 1.0), *yv = ct_select(y, 0, 0);
  assert_non_null(ct_add_(yv, w));
  assert_string_equal(ct_node_name(ct_grad_fn(yv)), "AsStridedBackward0");
  assert_non_null(ct_mul_scalar_(ct_reshape(ct_t(x), CT_SHAPE(6)), 2.0));
  assert_int_equal(ct_version_counter(x), 2);
  assert_true(tu_allclose(x, (double[]){3, 3, 3, 1, 1, 1}, 6, 0, 0));
  // A view of a leaf that does not require grad is a leaf that does not either.
  ct_tensor *c = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32), *cv = ct_select(c, 0, 0);
  assert_non_null(ct_add_(cv, w));
  assert_true(ct_is_leaf(cv));
  ct_scope_close(s);
}

// torch's CopySlices: an in-place op on a view of a non-leaf becomes part of the base's
// history, and views made before a write get an AsStridedBackward0 of the new history.
static void test_inplace_on_view_rebases_base(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from_f64((double[]){1, 2, 3}, CT_SHAPE(3)), true);
  ct_tensor *y = ct_mul_scalar(x, 3.0), *v = ct_select(y, 0, 0), *other = ct_narrow(y, 0, 1, 2);
  ct_node *y_before = ct_grad_fn(y);
  assert_non_null(ct_mul_scalar_(v, 2.0)); // y = (6, 6, 9)
  ct_node *cs = ct_grad_fn(y);
  assert_string_equal(ct_node_name(cs), "CopySlices");
  assert_ptr_equal(ct_node_next(cs, 0), y_before);
  assert_null(ct_node_next(cs, 1)); // the scalar's edge of MulBackward0
  assert_string_equal(ct_node_name(ct_grad_fn(v)), "AsStridedBackward0");
  assert_ptr_equal(ct_node_next(ct_grad_fn(v), 0), cs);
  assert_string_equal(ct_node_name(ct_grad_fn(other)), "AsStridedBackward0");
  assert_string_equal(tu_repr(v), "tensor(6., dtype=torch.float64, grad_fn=<AsStridedBackward0>)");
  // d/dx of sum(y) + 10 * v + 100 * sum(other): (6 + 60, 3 + 300, 3 + 300).
  ct_tensor *loss = ct_add(ct_add(ct_sum(y), ct_mul_scalar(v, 10.0)), ct_mul_scalar(ct_sum(other), 100.0));
  assert_int_equal(ct_backward_ex(loss, NULL, true), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){66, 303, 303}, 3, 0, 0));
  assert_int_equal(ct_backward(loss, NULL), CT_OK); // retained: runs again
  assert_true(tu_allclose(ct_grad(x), (double[]){132, 606, 606}, 3, 0, 0));
  EXPECT_STATUS(ct_backward(loss, NULL), CT_ERR_RUNTIME, FREED); // torch drops CopySlices' op node
  // A base that did not require grad takes the history of what was written into it; its
  // other views then require grad too.
  ct_tensor *z = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT64), *w = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT64), true);
  ct_tensor *row0 = ct_select(z, 0, 0), *row1 = ct_select(z, 0, 1);
  assert_false(ct_requires_grad(row1));
  assert_non_null(ct_add_(row0, w));
  assert_string_equal(ct_node_name(ct_grad_fn(z)), "CopySlices");
  assert_null(ct_node_next(ct_grad_fn(z), 0));
  assert_true(ct_requires_grad(row1));
  assert_false(ct_is_leaf(row1));
  assert_string_equal(ct_node_name(ct_grad_fn(row1)), "AsStridedBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(z, z)), NULL), CT_OK); // d/dw sum(w^2) = 2w
  assert_true(tu_allclose(ct_grad(w), (double[]){2, 2, 2}, 3, 0, 0));
  ct_scope_close(s);
}

// ---- layout ----

// torch: every tensor without elements is contiguous, whatever its strides.
static void test_empty_tensors_are_contiguous(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_narrow(ct_t(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32)), 0, 0, 0); // [0, 3], strides (1, 4)
  ct_tensor *b = ct_permute(ct_zeros(CT_SHAPE(2, 0, 3), CT_FLOAT32), (int[]){2, 0, 1});
  float one = 0;
  ct_tensor *c = ct_from_blob(&one, CT_FLOAT32, 3, (int64_t[]){0, 2, 2}, (int64_t[]){7, 5, 3}, NULL, NULL);
  assert_int_equal(ct_strides(a)[1], 4);
  assert_true(ct_is_contiguous(a));
  assert_true(ct_is_contiguous(b));
  assert_true(ct_is_contiguous(c));
  assert_false(ct_is_contiguous(ct_t(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32))));
  assert_true(ct_is_contiguous(ct_t(ct_zeros(CT_SHAPE(1, 3), CT_FLOAT32)))); // size-1 dims' strides ignored
  assert_false(ct_is_contiguous(ct_narrow(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32), 1, 0, 1)));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_requires_grad_on_non_leaf),
      cmocka_unit_test(test_requires_grad_on_integer_tensor),
      cmocka_unit_test(test_backward_checks_gradient_shape_first),
      cmocka_unit_test(test_status_calls_keep_the_first_cause),
      cmocka_unit_test(test_inplace_ops_bump_the_shared_version),
      cmocka_unit_test(test_parameter_updates_bump_versions),
      cmocka_unit_test(test_modified_saved_tensor_fails_backward),
      cmocka_unit_test(test_scalar_operands_saved_like_torch),
      cmocka_unit_test(test_inplace_on_view_of_leaf),
      cmocka_unit_test(test_inplace_on_view_rebases_base),
      cmocka_unit_test(test_empty_tensors_are_contiguous),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

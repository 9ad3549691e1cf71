// Second derivatives (create_graph) of the ops added with issue 10 (sort, scans, repeat,
// split, flip/roll, scatter, advanced indexing, einsum, the extra activations and losses,
// group_norm, copies and in-place writes on views, views of views), checked by finite-difference
// Hessian-vector products in float64 (autograd_hvp.h); and the backwards whose double
// backward is refused (PyTorch's or ctorch's error when differentiated again).
#include "autograd_hvp.h"

static ct_tensor *idx(const int64_t *v, int ndim, const int64_t *shape) { return ct_tensor_from_i64(v, ndim, shape); }

static ct_tensor *f_sort(ct_tensor **x) {
  ct_tensor *i;
  return ct_mul(ct_sort(x[0], 1, true, true, &i), x[0]);
}
static ct_tensor *f_topk(ct_tensor **x) {
  ct_tensor *i;
  return ct_topk(x[0], 2, 1, true, true, &i);
}
static ct_tensor *f_kthvalue(ct_tensor **x) {
  ct_tensor *i;
  return ct_kthvalue(x[0], 2, 1, false, &i);
}
static ct_tensor *f_cumsum(ct_tensor **x) { return ct_cumsum(x[0], 1); }
static ct_tensor *f_cumprod(ct_tensor **x) { return ct_cumprod(x[0], 1); }
static ct_tensor *f_logcumsumexp(ct_tensor **x) { return ct_logcumsumexp(x[0], 0); }
static ct_tensor *f_repeat(ct_tensor **x) { return ct_repeat(x[0], 3, (int64_t[]){2, 1, 2}); }
static ct_tensor *f_repeat_interleave(ct_tensor **x) { return ct_repeat_interleave(x[0], 2, 1); }
static ct_tensor *f_tile(ct_tensor **x) { return ct_tile(x[0], 1, (int64_t[]){2}); }
static ct_tensor *f_split(ct_tensor **x) {
  ct_tensor *o[3];
  assert_int_equal(ct_split(x[0], 2, 1, o, 3), 3);
  return ct_cat((ct_tensor *[]){ct_mul(o[2], o[2]), o[0], ct_exp(o[1])}, 3, 1);
}
static ct_tensor *f_chunk_unbind(ct_tensor **x) {
  ct_tensor *c[2], *u[3];
  assert_int_equal(ct_chunk(x[0], 2, 0, c, 2), 2);
  assert_int_equal(ct_unbind(c[1], 1, u, 3), 3);
  return ct_stack((ct_tensor *[]){ct_mul(u[0], u[2]), u[1], ct_sum_dim(c[0], 1, false)}, 3, 0);
}
static ct_tensor *f_flip(ct_tensor **x) { return ct_mul(ct_flip(x[0], 2, (int[]){0, 1}), x[0]); }
static ct_tensor *f_roll(ct_tensor **x) {
  return ct_mul(ct_roll(x[0], 2, (int64_t[]){1, -2}, 2, (int[]){0, 1}), x[0]);
}
static ct_tensor *f_tril_triu(ct_tensor **x) { return ct_mul(ct_tril(x[0], 0), ct_triu(x[0], -1)); }
static ct_tensor *scatter_index(void) { return idx((int64_t[]){0, 1, 2, 2, 0, 1}, 2, (int64_t[]){2, 3}); }
static ct_tensor *f_scatter(ct_tensor **x) {
  return ct_scatter(ct_mul(x[0], x[0]), 0, scatter_index(), ct_exp(x[1]), CT_SCATTER_ASSIGN);
}
static ct_tensor *f_scatter_inplace(ct_tensor **x) {
  ct_tensor *y = ct_mul(x[0], x[0]);
  return ct_scatter_(y, 0, scatter_index(), ct_exp(x[1]), CT_SCATTER_ASSIGN);
}
static ct_tensor *f_scatter_add(ct_tensor **x) { return ct_scatter_add(x[0], 0, scatter_index(), ct_mul(x[1], x[1])); }
static ct_tensor *f_index_tensors(ct_tensor **x) {
  return ct_index_tensors(ct_mul(x[0], x[0]), 2, (ct_tensor *[]){NULL, idx((int64_t[]){2, 0, 2}, 1, (int64_t[]){3})});
}
static ct_tensor *f_index_mask(ct_tensor **x) {
  return ct_index_tensors(x[0], 1, (ct_tensor *[]){ct_gt_scalar(x[0], 0)});
}
static ct_tensor *f_index_put(ct_tensor **x) {
  return ct_index_put(ct_mul(x[0], x[0]), 1, (ct_tensor *[]){idx((int64_t[]){2, 0}, 1, (int64_t[]){2})}, ct_exp(x[1]),
                      false);
}
static ct_tensor *f_index_put_accumulate(ct_tensor **x) {
  return ct_index_put(x[0], 1, (ct_tensor *[]){idx((int64_t[]){1, 1}, 1, (int64_t[]){2})}, ct_mul(x[1], x[1]), true);
}
static ct_tensor *f_index_put_inplace(ct_tensor **x) {
  ct_tensor *y = ct_mul(x[0], x[0]);
  return ct_index_put_(y, 2, (ct_tensor *[]){NULL, idx((int64_t[]){2}, 1, (int64_t[]){1})}, ct_sum_dim(x[1], 1, true),
                       false);
}
static ct_tensor *f_masked_scatter(ct_tensor **x) {
  ct_tensor *mask = ct_gt_scalar(ct_tensor_from_f64((double[]){1, 0, 1, 1, 0, 1}, 2, (int64_t[]){2, 3}), 0.5);
  return ct_masked_scatter(ct_mul(x[0], x[0]), mask, ct_exp(x[1]));
}
static ct_tensor *f_einsum(ct_tensor **x) { return ct_einsum("ij,kj->ik", 2, (ct_tensor *[]){x[0], x[1]}); }
static ct_tensor *f_einsum_ellipsis(ct_tensor **x) {
  return ct_einsum("...j,j...->...", 2, (ct_tensor *[]){x[0], ct_mul(x[1], x[1])});
}
static ct_tensor *f_einsum_diagonal(ct_tensor **x) {
  return ct_einsum("iij,jk->ik", 2, (ct_tensor *[]){x[0], ct_mul(x[1], x[1])});
}
// padding='same' with an even kernel pads the input's end (ConstantPadNdBackward0).
static ct_tensor *f_conv_same(ct_tensor **x) {
  ct_conv_options o = ct_conv_defaults();
  o.padding_mode = CT_PADDING_SAME;
  return ct_conv2d(x[0], x[1], NULL, o);
}
// A channels-last input (NHWC permuted): the 1x1 mean is restrided (AsStridedBackward1).
static ct_tensor *f_pool_1x1_channels_last(ct_tensor **x) {
  ct_tensor *nchw = ct_permute(ct_mul(x[0], x[0]), (int[]){0, 3, 1, 2});
  return ct_adaptive_avg_pool2d(nchw, (int64_t[]){1, 1});
}
static ct_tensor *f_silu(ct_tensor **x) { return ct_silu(x[0]); }
static ct_tensor *f_mish(ct_tensor **x) { return ct_mish(x[0]); }
static ct_tensor *f_elu(ct_tensor **x) { return ct_elu(x[0], 0.7); }
static ct_tensor *f_hardtanh(ct_tensor **x) { return ct_mul(ct_hardtanh(x[0], -0.5, 0.5), x[0]); }
static ct_tensor *f_smooth_l1(ct_tensor **x) {
  return ct_mul(ct_smooth_l1_loss(x[0], x[1], CT_REDUCTION_NONE, 0.7), x[0]);
}
static ct_tensor *f_smooth_l1_mean(ct_tensor **x) { return ct_smooth_l1_loss(x[0], x[1], CT_REDUCTION_MEAN, 0.9); }
static ct_tensor *f_huber(ct_tensor **x) { return ct_mul(ct_huber_loss(x[0], x[1], CT_REDUCTION_SUM, 0.6), x[1]); }
static ct_tensor *f_kl_div(ct_tensor **x) {
  return ct_kl_div(ct_log_softmax(x[0], 1), ct_softmax(x[1], 1), CT_REDUCTION_BATCHMEAN, false);
}
static ct_tensor *f_kl_div_log(ct_tensor **x) { return ct_kl_div(x[0], x[1], CT_REDUCTION_NONE, true); }
static ct_tensor *f_cosine(ct_tensor **x) { return ct_cosine_similarity(x[0], x[1], 1, 1e-8); }
static ct_tensor *f_bilinear(ct_tensor **x) {
  return ct_bilinear(x[0], x[1], x[2], ct_tensor_from_f64((double[]){0.3, -0.1}, 1, (int64_t[]){2}));
}
static ct_tensor *f_group_norm(ct_tensor **x) { return ct_group_norm(x[0], 2, x[1], x[2], 1e-5); }
static ct_tensor *f_copy_inplace_view(ct_tensor **x) {
  ct_tensor *y = ct_mul_scalar(x[0], 1.5);
  assert_non_null(ct_mul_(ct_narrow(y, 0, 1, 2), ct_narrow(x[0], 0, 0, 2)));
  return y;
}
static ct_tensor *f_inplace_mul(ct_tensor **x) {
  ct_tensor *y = ct_mul_scalar(x[0], 1.5);
  assert_non_null(ct_mul_(y, ct_exp(x[0])));
  return y;
}
static ct_tensor *f_add_on_view(ct_tensor **x) {
  ct_tensor *y = ct_mul(x[0], x[0]);
  assert_non_null(ct_add_(ct_narrow(y, 0, 1, 2), ct_narrow(x[0], 0, 0, 2)));
  return y;
}
static ct_tensor *f_copy_into_view(ct_tensor **x) {
  ct_tensor *y = ct_mul(x[0], x[0]);
  assert_int_equal(ct_copy_(ct_select(y, 1, 0), ct_exp(x[1])), CT_OK);
  return y;
}
// Views of views: the inner view's tangent reaches the outer view's backward as a view
// with a storage offset (x[1] of a contiguous x), which the outer one must honour.
static ct_tensor *f_narrow_of_select(ct_tensor **x) { return ct_narrow(ct_select(x[0], 0, 1), 0, 0, 2); }
static ct_tensor *f_select_of_narrow(ct_tensor **x) { return ct_select(ct_narrow(x[0], 0, 1, 2), 1, 2); }
static ct_tensor *f_select_of_select(ct_tensor **x) { return ct_select(ct_select(x[0], 0, 2), 0, 1); }
static ct_tensor *f_slice_of_slice(ct_tensor **x) { return ct_slice(ct_slice(x[0], 0, 1, 4, 1), 1, 1, 4, 2); }
static ct_tensor *f_slice_of_transpose(ct_tensor **x) { return ct_slice(ct_transpose(x[0], 0, 1), 0, 1, 3, 1); }
static ct_tensor *f_view_of_slice(ct_tensor **x) {
  return ct_view(ct_slice(x[0], 0, 1, 3, 1), 1, (int64_t[]){8});
}
static ct_tensor *f_unfold_of_select(ct_tensor **x) { return ct_unfold(ct_select(x[0], 0, 2), 0, 2, 1); }
static ct_tensor *f_remainder(ct_tensor **x) { return ct_mul(ct_remainder(ct_mul_scalar(x[0], 3), x[1]), x[0]); }

static const op_case CASES[] = {
    {"sort", f_sort, 1, {2}, {{3, 4}}, false},
    {"topk", f_topk, 1, {2}, {{3, 4}}, false},
    {"kthvalue", f_kthvalue, 1, {2}, {{3, 4}}, false},
    {"cumsum", f_cumsum, 1, {2}, {{3, 4}}, false},
    {"cumprod", f_cumprod, 1, {2}, {{3, 4}}, false},
    {"logcumsumexp", f_logcumsumexp, 1, {2}, {{3, 4}}, false},
    {"repeat", f_repeat, 1, {2}, {{2, 3}}, false},
    {"repeat_interleave", f_repeat_interleave, 1, {2}, {{2, 3}}, false},
    {"tile", f_tile, 1, {2}, {{2, 3}}, false},
    {"split", f_split, 1, {2}, {{2, 5}}, false},
    {"chunk_unbind", f_chunk_unbind, 1, {2}, {{4, 3}}, false},
    {"flip", f_flip, 1, {2}, {{2, 3}}, false},
    {"roll", f_roll, 1, {2}, {{3, 4}}, false},
    {"tril_triu", f_tril_triu, 1, {2}, {{3, 4}}, false},
    {"scatter", f_scatter, 2, {2, 2}, {{3, 3}, {2, 3}}, false},
    {"scatter_", f_scatter_inplace, 2, {2, 2}, {{3, 3}, {2, 3}}, false},
    {"scatter_add", f_scatter_add, 2, {2, 2}, {{3, 3}, {2, 3}}, false},
    {"index_tensors", f_index_tensors, 1, {2}, {{2, 3}}, false},
    {"index_mask", f_index_mask, 1, {2}, {{3, 3}}, false},
    {"index_put", f_index_put, 2, {2, 2}, {{3, 2}, {2, 2}}, false},
    {"index_put_accumulate", f_index_put_accumulate, 2, {2, 2}, {{3, 2}, {2, 2}}, false},
    {"index_put_", f_index_put_inplace, 2, {2, 2}, {{3, 4}, {3, 2}}, false},
    {"masked_scatter", f_masked_scatter, 2, {2, 1}, {{2, 3}, {5}}, false},
    {"einsum", f_einsum, 2, {2, 2}, {{2, 3}, {4, 3}}, false},
    {"einsum_ellipsis", f_einsum_ellipsis, 2, {3, 2}, {{2, 2, 3}, {3, 2}}, false},
    {"einsum_diagonal", f_einsum_diagonal, 2, {3, 2}, {{3, 3, 2}, {2, 2}}, false},
    {"conv2d_same_even_kernel", f_conv_same, 2, {4, 4}, {{1, 2, 4, 3}, {2, 2, 2, 2}}, false},
    {"adaptive_avg_pool_1x1_channels_last", f_pool_1x1_channels_last, 1, {4}, {{2, 2, 3, 3}}, false},
    {"silu", f_silu, 1, {1}, {{6}}, false},
    {"mish", f_mish, 1, {1}, {{6}}, false},
    {"elu", f_elu, 1, {1}, {{6}}, false},
    {"hardtanh", f_hardtanh, 1, {1}, {{6}}, false},
    {"smooth_l1", f_smooth_l1, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"smooth_l1_mean", f_smooth_l1_mean, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"huber", f_huber, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"kl_div", f_kl_div, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"kl_div_log_target", f_kl_div_log, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"cosine_similarity", f_cosine, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"bilinear", f_bilinear, 3, {2, 2, 3}, {{3, 4}, {3, 2}, {2, 4, 2}}, false},
    {"group_norm", f_group_norm, 3, {3, 1, 1}, {{2, 4, 3}, {4}, {4}}, false},
    {"inplace_on_view", f_copy_inplace_view, 1, {2}, {{3, 2}}, false},
    {"inplace_mul", f_inplace_mul, 1, {2}, {{3, 2}}, false},
    {"add_on_view", f_add_on_view, 1, {2}, {{3, 2}}, false},
    {"copy_into_view", f_copy_into_view, 2, {2, 1}, {{3, 2}, {3}}, false},
    {"narrow_of_select", f_narrow_of_select, 1, {2}, {{3, 4}}, false},
    {"select_of_narrow", f_select_of_narrow, 1, {2}, {{4, 3}}, false},
    {"select_of_select", f_select_of_select, 1, {3}, {{3, 2, 4}}, false},
    {"slice_of_slice", f_slice_of_slice, 1, {2}, {{5, 5}}, false},
    {"slice_of_transpose", f_slice_of_transpose, 1, {2}, {{3, 4}}, false},
    {"view_of_slice", f_view_of_slice, 1, {2}, {{4, 4}}, false},
    {"unfold_of_select", f_unfold_of_select, 1, {2}, {{3, 4}}, false},
    {"remainder", f_remainder, 2, {1, 1}, {{5}, {5}}, true},
};

static void test_second_derivatives(void **state) {
  (void)state;
  const char *only = getenv("CASE");
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++)
    if (!only || !strcmp(only, CASES[i].name)) check_hvp(&CASES[i]);
}

// A cross-dtype copy_ or .to(dtype) (float64 to float32 and back): the Hessian-vector product through
// it is the float64 one up to float32 rounding of x (finite differences cannot see
// through float32).
static void test_cross_dtype_copy(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(5);
  ct_tensor *x = leaf(ct_randn(1, (int64_t[]){6}, CT_FLOAT64));
  ct_tensor *u = ct_randn(1, (int64_t[]){6}, CT_FLOAT64);
  ct_tensor *h[3];
  for (int k = 0; k < 3; k++) {
    ct_tensor *y = x;
    if (k == 2) y = ct_to_dtype(ct_to_dtype(x, CT_FLOAT32), CT_FLOAT64); // ToCopyBackward0
    if (k == 1) {
      ct_tensor *f = ct_zeros(1, (int64_t[]){6}, CT_FLOAT32);
      assert_int_equal(ct_copy_(f, x), CT_OK);
      y = ct_zeros(1, (int64_t[]){6}, CT_FLOAT64);
      assert_int_equal(ct_copy_(y, f), CT_OK);
    }
    ct_tensor *l = ct_sum(ct_exp(ct_mul(y, y))), *g;
    ct_grad_options o = {.create_graph = true};
    assert_int_equal(ct_autograd_grad(1, &l, NULL, 1, &x, &o, &g), CT_OK);
    assert_true(ct_requires_grad(g));
    ct_tensor *gu = ct_sum(ct_mul(g, u));
    assert_int_equal(ct_autograd_grad(1, &gu, NULL, 1, &x, NULL, &h[k]), CT_OK);
  }
  const double *a = ct_data_ptr(h[0]), *b = ct_data_ptr(h[1]), *c = ct_data_ptr(h[2]);
  for (int i = 0; i < 6; i++) {
    assert_true(fabs(a[i] - b[i]) <= 1e-5 * (1 + fabs(a[i])));
    assert_true(fabs(a[i] - c[i]) <= 1e-5 * (1 + fabs(a[i])));
  }
  ct_scope_close(s);
}

// grad(sum(G), x) where G = grad(f(x), x, create_graph): fails with `message`, while G itself
// is computed (torch raises when the gradient is differentiated, not before).
static void expect_refused(ct_tensor *loss, ct_tensor *x, const char *message) {
  ct_tensor *g;
  ct_grad_options o = {.create_graph = true};
  assert_int_equal(ct_autograd_grad(1, &loss, NULL, 1, &x, &o, &g), CT_OK);
  assert_true(ct_requires_grad(g));
  ct_tensor *gg = ct_sum(ct_mul(g, g)), *h;
  assert_int_not_equal(ct_autograd_grad(1, &gg, NULL, 1, &x, NULL, &h), CT_OK);
  if (!strstr(ct_last_error(), message)) fprintf(stderr, "got: %s\n", ct_last_error());
  assert_non_null(strstr(ct_last_error(), message));
}

static void test_refused_double_backward(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(1);
  // embedding_bag: torch 1.13 has no derivative for _embedding_bag_dense_backward.
  ct_tensor *w = leaf(ct_randn(2, (int64_t[]){6, 3}, CT_FLOAT64));
  ct_tensor *in = idx((int64_t[]){1, 2, 4, 5, 4}, 1, (int64_t[]){5});
  ct_tensor *off = idx((int64_t[]){0, 2}, 1, (int64_t[]){2});
  for (int mode = 0; mode < 3; mode++) {
    ct_tensor *e = ct_embedding_bag(in, w, off, (ct_embedding_bag_mode)mode, NULL, false, CT_NO_PADDING_IDX);
    expect_refused(ct_sum(ct_mul(e, e)), w, "derivative for _embedding_bag_dense_backward is not implemented");
  }
  ct_tensor *psw = leaf(ct_randn(1, (int64_t[]){5}, CT_FLOAT64));
  ct_tensor *e = ct_embedding_bag(in, w, off, CT_EMBEDDING_BAG_SUM, psw, false, CT_NO_PADDING_IDX);
  expect_refused(ct_sum(ct_mul(e, e)), psw,
                 "derivative for aten::_embedding_bag_per_sample_weights_backward is not implemented");
  // A first derivative that is not differentiated again is fine, as in torch.
  e = ct_embedding_bag(in, w, off, CT_EMBEDDING_BAG_SUM, NULL, false, CT_NO_PADDING_IDX);
  ct_tensor *l = ct_sum(ct_mul(e, e)), *g;
  ct_grad_options o = {.create_graph = true};
  assert_int_equal(ct_autograd_grad(1, &l, NULL, 1, &w, &o, &g), CT_OK);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_second_derivatives),
      cmocka_unit_test(test_cross_dtype_copy),
      cmocka_unit_test(test_refused_double_backward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

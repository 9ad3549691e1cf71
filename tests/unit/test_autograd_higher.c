// Second derivatives (create_graph) by finite differences in float64: for each op f and
// a fixed random weight w, G(x) = grad(sum(f(x) * w), x, create_graph=True); the
// Hessian-vector product grad(sum(G(x) * u), x) must match (G(x + eps u) - G(x - eps u))
// / 2 eps. Also autograd.grad's rules (allow_unused, .grad untouched) and the hooks.
#include "autograd_hvp.h"

// ---- the ops ----
static ct_tensor *f_add(ct_tensor **x) { return ct_mul(ct_add(x[0], x[1]), ct_add(x[0], x[1])); }
static ct_tensor *f_sub(ct_tensor **x) { return ct_mul(ct_sub(x[0], x[1]), x[0]); }
static ct_tensor *f_mul(ct_tensor **x) { return ct_mul(ct_mul(x[0], x[1]), x[1]); }
static ct_tensor *f_div(ct_tensor **x) { return ct_div(x[0], x[1]); }
static ct_tensor *f_scalar(ct_tensor **x) { return ct_div_scalar(ct_mul_scalar(ct_mul(x[0], x[0]), 3), 2); }
static ct_tensor *f_exp(ct_tensor **x) { return ct_exp(x[0]); }
static ct_tensor *f_log(ct_tensor **x) { return ct_log(x[0]); }
static ct_tensor *f_log1p(ct_tensor **x) { return ct_log1p(x[0]); }
static ct_tensor *f_sqrt(ct_tensor **x) { return ct_sqrt(x[0]); }
static ct_tensor *f_rsqrt(ct_tensor **x) { return ct_rsqrt(x[0]); }
static ct_tensor *f_sin(ct_tensor **x) { return ct_sin(x[0]); }
static ct_tensor *f_cos(ct_tensor **x) { return ct_cos(x[0]); }
static ct_tensor *f_tanh(ct_tensor **x) { return ct_tanh(x[0]); }
static ct_tensor *f_sigmoid(ct_tensor **x) { return ct_sigmoid(x[0]); }
// Piecewise-linear activations: their second derivative is zero; multiplied by x so
// that the mixed terms show.
static ct_tensor *f_abs(ct_tensor **x) { return ct_mul(ct_abs(x[0]), x[0]); }
static ct_tensor *f_relu(ct_tensor **x) { return ct_mul(ct_relu(x[0]), x[0]); }
static ct_tensor *f_leaky(ct_tensor **x) { return ct_mul(ct_leaky_relu(x[0], 0.1), x[0]); }
static ct_tensor *f_clamp(ct_tensor **x) { return ct_mul(ct_clamp(x[0], -0.5, 0.5), x[0]); }
static ct_tensor *f_softplus(ct_tensor **x) { return ct_softplus(x[0], 2, 1.5); }
static ct_tensor *f_neg(ct_tensor **x) { return ct_mul(ct_neg(x[0]), x[0]); }
static ct_tensor *f_pow_scalar(ct_tensor **x) { return ct_pow_scalar(x[0], 3.5); }
static ct_tensor *f_pow(ct_tensor **x) { return ct_pow(x[0], x[1]); }
static ct_tensor *f_sum(ct_tensor **x) {
  ct_tensor *s = ct_sum_dim(x[0], 1, false);
  return ct_mul(s, s);
}
static ct_tensor *f_sum_all(ct_tensor **x) { return ct_mul(ct_sum(x[0]), ct_sum(x[0])); }
static ct_tensor *f_mean(ct_tensor **x) {
  ct_tensor *m = ct_mean_dim(x[0], 0, true);
  return ct_mul(m, x[0]);
}
static ct_tensor *f_views(ct_tensor **x) {
  ct_tensor *v = ct_permute(ct_reshape(x[0], 3, (int64_t[]){2, 3, 2}), (int[]){2, 0, 1});
  ct_tensor *e = ct_expand(ct_unsqueeze(ct_t(x[0]), 0), 3, (int64_t[]){2, 2, 6});
  return ct_mul(ct_flatten(v, 0, -1), ct_flatten(ct_sum_dim(ct_transpose(e, 0, 2), 2, false), 0, -1));
}
static ct_tensor *f_mm(ct_tensor **x) { return ct_mm(ct_mm(x[0], x[1]), ct_t(x[0])); }
static ct_tensor *f_matmul(ct_tensor **x) { return ct_sigmoid(ct_matmul(x[0], x[1])); }
static ct_tensor *f_linear(ct_tensor **x) { return ct_tanh(ct_linear(x[0], x[1], x[2])); }
static ct_tensor *f_bmm(ct_tensor **x) { return ct_mul(ct_bmm(x[0], x[1]), ct_bmm(x[0], x[1])); }
static ct_tensor *f_dot(ct_tensor **x) { return ct_mul(ct_dot(x[0], x[1]), ct_dot(x[0], x[0])); }
static ct_tensor *f_mv(ct_tensor **x) { return ct_exp(ct_mv(x[0], x[1])); }
static ct_tensor *f_softmax(ct_tensor **x) { return ct_softmax(x[0], 1); }
static ct_tensor *f_log_softmax(ct_tensor **x) { return ct_log_softmax(x[0], 0); }
static ct_tensor *f_cat(ct_tensor **x) {
  ct_tensor *c = ct_cat((ct_tensor *[]){x[0], x[1]}, 2, 0);
  return ct_mul(c, c);
}
static ct_tensor *idx(const int64_t *v, int ndim, const int64_t *shape) { return ct_tensor_from_i64(v, ndim, shape); }
static ct_tensor *f_stack(ct_tensor **x) { return ct_stack((ct_tensor *[]){x[0], x[1]}, 2, 1); }
static ct_tensor *f_select(ct_tensor **x) {
  return ct_mul(ct_select(x[0], 1, 2), ct_narrow(ct_slice(x[0], 0, 0, 3, 2), 1, 1, 1));
}
static ct_tensor *f_squeeze(ct_tensor **x) { return ct_unsqueeze(ct_squeeze_dim(x[0], 1), 0); }
static ct_tensor *f_gather(ct_tensor **x) {
  return ct_gather(x[0], 1, idx((int64_t[]){0, 2, 2, 1, 0, 0}, 2, (int64_t[]){2, 3}));
}
static ct_tensor *f_index_select(ct_tensor **x) { return ct_index_select(x[0], 1, idx((int64_t[]){2, 0, 2}, 1, (int64_t[]){3})); }
static ct_tensor *f_index(ct_tensor **x) { return ct_index(x[0], idx((int64_t[]){1, 0, 1}, 1, (int64_t[]){3})); }
static ct_tensor *f_embedding(ct_tensor **x) {
  return ct_embedding(x[0], idx((int64_t[]){3, 1, 0, 1}, 2, (int64_t[]){2, 2}), 0);
}
static ct_tensor *f_masked_fill(ct_tensor **x) { return ct_masked_fill(x[0], ct_gt_scalar(x[0], 0.3), 2.0); }
static ct_tensor *f_where(ct_tensor **x) { return ct_where(ct_gt(x[0], x[1]), x[0], ct_mul(x[1], x[1])); }
static ct_tensor *f_maximum(ct_tensor **x) { return ct_mul(ct_maximum(x[0], x[1]), x[0]); }
static ct_tensor *f_var(ct_tensor **x) { return ct_var_dim(x[0], 1, false); }
static ct_tensor *f_std(ct_tensor **x) { return ct_std(x[0]); }
static ct_tensor *f_max(ct_tensor **x) { return ct_mul(ct_max(x[0]), x[0]); }
static ct_tensor *f_amax(ct_tensor **x) { return ct_mul(ct_amax(x[0], (int[]){1}, 1, true), x[0]); }
static ct_tensor *f_max_dim(ct_tensor **x) {
  ct_tensor *i;
  return ct_mul(ct_max_dim(x[0], 1, false, &i), ct_sum_dim(x[0], 1, false));
}
static ct_tensor *f_logsumexp(ct_tensor **x) { return ct_logsumexp(x[0], (int[]){1}, 1, false); }
static ct_tensor *f_norm(ct_tensor **x) { return ct_norm(x[0], 2); }
static ct_tensor *f_prod(ct_tensor **x) { return ct_prod(x[0]); }
static ct_tensor *f_gelu(ct_tensor **x) { return ct_gelu(x[0]); }
static ct_tensor *f_clone(ct_tensor **x) { return ct_mul(ct_clone(x[0]), ct_contiguous(ct_t(x[0]))); }
static ct_tensor *f_mse(ct_tensor **x) { return ct_mse_loss(x[0], x[1], CT_REDUCTION_MEAN); }
static ct_tensor *f_l1(ct_tensor **x) { return ct_mul(ct_l1_loss(x[0], x[1], CT_REDUCTION_SUM), ct_sum(x[0])); }
static ct_tensor *f_bce(ct_tensor **x) {
  return ct_binary_cross_entropy(ct_sigmoid(x[0]), ct_sigmoid(x[1]), NULL, CT_REDUCTION_MEAN);
}
static ct_tensor *f_bce_logits(ct_tensor **x) {
  ct_tensor *pw = ct_tensor_from_f64((double[]){0.5, 2, 1.5}, 1, (int64_t[]){3});
  return ct_binary_cross_entropy_with_logits(x[0], ct_sigmoid(x[1]), NULL, pw, CT_REDUCTION_SUM);
}
static ct_tensor *f_nll(ct_tensor **x) {
  return ct_nll_loss(ct_log_softmax(x[0], 1), idx((int64_t[]){2, 0, 1}, 1, (int64_t[]){3}), NULL, -100,
                     CT_REDUCTION_MEAN);
}
static ct_tensor *f_cross_entropy(ct_tensor **x) {
  ct_tensor *w = ct_tensor_from_f64((double[]){0.5, 2, 1.5, 1}, 1, (int64_t[]){4});
  return ct_cross_entropy(x[0], idx((int64_t[]){3, 0, 1}, 1, (int64_t[]){3}), w, 1, 0, CT_REDUCTION_MEAN);
}
static ct_tensor *f_conv2d(ct_tensor **x) {
  ct_conv_options o = ct_conv_defaults();
  o.padding[0] = o.padding[1] = 1;
  return ct_conv2d(x[0], x[1], x[2], o);
}
static ct_tensor *f_conv2d_strided(ct_tensor **x) {
  ct_conv_options o = ct_conv_defaults();
  o.stride[0] = 2, o.stride[1] = 3, o.padding[0] = 1, o.dilation[1] = 2;
  return ct_conv2d(x[0], x[1], NULL, o);
}
static ct_tensor *f_avg_pool(ct_tensor **x) { return ct_avg_pool2d(x[0], (int64_t[]){2, 2}, ct_pool_defaults()); }
static ct_tensor *f_adaptive(ct_tensor **x) { return ct_adaptive_avg_pool2d(x[0], (int64_t[]){2, 1}); }
static ct_tensor *f_max_pool(ct_tensor **x) { return ct_max_pool2d(x[0], (int64_t[]){2, 2}, ct_pool_defaults()); }
static ct_tensor *f_layer_norm(ct_tensor **x) { return ct_layer_norm(x[0], 1, (int64_t[]){4}, x[1], x[2], 1e-5); }
static ct_tensor *f_batch_norm(ct_tensor **x) { return ct_batch_norm(x[0], NULL, NULL, x[1], x[2], true, 0.1, 1e-5); }
static ct_tensor *f_batch_norm_eval(ct_tensor **x) {
  ct_tensor *rm = ct_tensor_from_f64((double[]){0.1, -0.2, 0.3}, 1, (int64_t[]){3});
  ct_tensor *rv = ct_tensor_from_f64((double[]){0.5, 1.5, 2}, 1, (int64_t[]){3});
  return ct_mul(ct_batch_norm(x[0], rm, rv, x[1], x[2], false, 0.1, 1e-5), x[0]);
}
static ct_tensor *f_pad(ct_tensor **x) { return ct_mul(ct_pad(x[0], (int64_t[]){1, 2}, 2, 0.5), ct_pad(x[0], (int64_t[]){2, 1}, 2, 0)); }

static const op_case CASES[] = {
    {"add", f_add, 2, {2, 1}, {{2, 3}, {3}}, false},
    {"sub", f_sub, 2, {2, 2}, {{2, 3}, {1, 3}}, false},
    {"mul", f_mul, 2, {2, 1}, {{2, 3}, {3}}, false},
    {"div", f_div, 2, {2, 2}, {{2, 3}, {2, 1}}, true},
    {"mul_div_scalar", f_scalar, 1, {2}, {{2, 3}}, false},
    {"exp", f_exp, 1, {1}, {{5}}, false},
    {"log", f_log, 1, {1}, {{5}}, true},
    {"log1p", f_log1p, 1, {1}, {{5}}, true},
    {"sqrt", f_sqrt, 1, {1}, {{5}}, true},
    {"rsqrt", f_rsqrt, 1, {1}, {{5}}, true},
    {"sin", f_sin, 1, {1}, {{5}}, false},
    {"cos", f_cos, 1, {1}, {{5}}, false},
    {"tanh", f_tanh, 1, {1}, {{5}}, false},
    {"sigmoid", f_sigmoid, 1, {1}, {{5}}, false},
    {"abs", f_abs, 1, {1}, {{6}}, false},
    {"relu", f_relu, 1, {1}, {{6}}, false},
    {"leaky_relu", f_leaky, 1, {1}, {{6}}, false},
    {"clamp", f_clamp, 1, {1}, {{6}}, false},
    {"softplus", f_softplus, 1, {1}, {{6}}, false},
    {"neg", f_neg, 1, {1}, {{4}}, false},
    {"pow_scalar", f_pow_scalar, 1, {1}, {{5}}, true},
    {"pow", f_pow, 2, {1, 1}, {{4}, {4}}, true},
    {"sum_dim", f_sum, 1, {2}, {{3, 4}}, false},
    {"sum", f_sum_all, 1, {2}, {{3, 4}}, false},
    {"mean_dim", f_mean, 1, {2}, {{3, 4}}, false},
    {"views", f_views, 1, {2}, {{6, 2}}, false},
    {"mm", f_mm, 2, {2, 2}, {{2, 3}, {3, 3}}, false},
    {"matmul", f_matmul, 2, {3, 2}, {{2, 2, 3}, {3, 4}}, false},
    {"linear", f_linear, 3, {2, 2, 1}, {{4, 3}, {2, 3}, {2}}, false},
    {"bmm", f_bmm, 2, {3, 3}, {{2, 2, 3}, {2, 3, 2}}, false},
    {"dot", f_dot, 2, {1, 1}, {{4}, {4}}, false},
    {"mv", f_mv, 2, {2, 1}, {{3, 4}, {4}}, false},
    {"softmax", f_softmax, 1, {2}, {{3, 4}}, false},
    {"log_softmax", f_log_softmax, 1, {2}, {{3, 4}}, false},
    {"cat", f_cat, 2, {2, 2}, {{2, 3}, {1, 3}}, false},
    {"stack", f_stack, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"select_slice_narrow", f_select, 1, {2}, {{4, 3}}, false},
    {"squeeze", f_squeeze, 1, {3}, {{2, 1, 3}}, false},
    {"gather", f_gather, 1, {2}, {{2, 3}}, false},
    {"index_select", f_index_select, 1, {2}, {{2, 3}}, false},
    {"index", f_index, 1, {2}, {{2, 3}}, false},
    {"embedding", f_embedding, 1, {2}, {{4, 3}}, false},
    {"masked_fill", f_masked_fill, 1, {2}, {{2, 3}}, false},
    {"where", f_where, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"maximum", f_maximum, 2, {1, 1}, {{5}, {5}}, false},
    {"var", f_var, 1, {2}, {{2, 4}}, false},
    {"std", f_std, 1, {2}, {{2, 4}}, false},
    {"max", f_max, 1, {2}, {{2, 3}}, false},
    {"amax", f_amax, 1, {2}, {{2, 3}}, false},
    {"max_dim", f_max_dim, 1, {2}, {{2, 3}}, false},
    {"logsumexp", f_logsumexp, 1, {2}, {{2, 3}}, false},
    {"norm", f_norm, 1, {2}, {{2, 3}}, false},
    {"prod", f_prod, 1, {2}, {{2, 3}}, false},
    {"gelu", f_gelu, 1, {1}, {{6}}, false},
    {"clone_contiguous", f_clone, 1, {2}, {{3, 3}}, false},
    {"mse_loss", f_mse, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"l1_loss", f_l1, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"bce", f_bce, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"bce_with_logits", f_bce_logits, 2, {2, 2}, {{2, 3}, {2, 3}}, false},
    {"nll_loss", f_nll, 1, {2}, {{3, 4}}, false},
    {"cross_entropy", f_cross_entropy, 1, {2}, {{3, 4}}, false},
    {"conv2d", f_conv2d, 3, {4, 4, 1}, {{1, 2, 4, 4}, {3, 2, 3, 3}, {3}}, false},
    {"conv2d_strided_dilated", f_conv2d_strided, 2, {4, 4}, {{2, 2, 7, 8}, {3, 2, 2, 3}}, false},
    {"avg_pool2d", f_avg_pool, 1, {4}, {{1, 2, 4, 4}}, false},
    {"adaptive_avg_pool2d", f_adaptive, 1, {4}, {{1, 2, 4, 3}}, false},
    {"max_pool2d", f_max_pool, 1, {4}, {{1, 2, 4, 4}}, false},
    {"layer_norm", f_layer_norm, 3, {2, 1, 1}, {{3, 4}, {4}, {4}}, false},
    {"batch_norm", f_batch_norm, 3, {2, 1, 1}, {{4, 3}, {3}, {3}}, false},
    {"batch_norm_eval", f_batch_norm_eval, 3, {3, 1, 1}, {{4, 3, 2}, {3}, {3}}, false},
    {"pad", f_pad, 1, {1}, {{4}}, false},
};

static void test_second_derivatives(void **state) {
  (void)state;
  const char *only = getenv("CASE");
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++)
    if (!only || !strcmp(only, CASES[i].name)) check_hvp(&CASES[i]);
}

// ---- autograd.grad's rules (messages checked against torch 1.13) ----

static void test_grad_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(ct_ones(CT_SHAPE(3), CT_FLOAT32)), *z = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *unused = leaf(ct_ones(CT_SHAPE(2), CT_FLOAT32)), *g[2] = {NULL, NULL};
  ct_tensor *y = ct_sum(ct_mul_scalar(x, 2));
  EXPECT_STATUS(ct_autograd_grad(1, &y, NULL, 1, &z, NULL, g), CT_ERR_RUNTIME,
                "One of the differentiated Tensors does not require grad");
  ct_grad_options keep = {.retain_graph = true};
  EXPECT_STATUS(ct_autograd_grad(1, &y, NULL, 2, (ct_tensor *[]){x, unused}, &keep, g), CT_ERR_RUNTIME,
                "One of the differentiated Tensors appears to not have been used in the graph. Set "
                "allow_unused=True if this is the desired behavior.");
  assert_null(g[0]);
  ct_grad_options allow = {.allow_unused = true};
  assert_int_equal(ct_autograd_grad(1, &y, NULL, 2, (ct_tensor *[]){x, unused}, &allow, g), CT_OK);
  assert_null(g[1]);
  double v;
  ct_item(ct_sum(g[0]), &v);
  assert_true(v == 6);
  assert_null(ct_grad(x)); // .grad untouched
  ct_tensor *y2 = ct_mul_scalar(x, 2);
  EXPECT_STATUS(ct_autograd_grad(1, &y2, NULL, 1, &x, NULL, g), CT_ERR_RUNTIME,
                "grad can be implicitly created only for scalar outputs");
  ct_tensor *zs = ct_sum(z);
  EXPECT_STATUS(ct_autograd_grad(1, &zs, NULL, 1, &x, NULL, g), CT_ERR_RUNTIME,
                "element 0 of tensors does not require grad and does not have a grad_fn");
  ct_tensor *wrong = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  EXPECT_STATUS(ct_autograd_grad(1, &y2, &wrong, 1, &x, NULL, g), CT_ERR_RUNTIME,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of "
                "torch.Size([3]).");
  // The graph was freed by the first successful call without retain_graph.
  EXPECT_STATUS(ct_autograd_grad(1, &y, NULL, 1, &x, NULL, g), CT_ERR_RUNTIME,
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.");
  ct_scope_close(s);
}

// The gradient with respect to an intermediate tensor, a repeated input, and outputs
// given their own gradients.
static void test_grad_of_intermediate_and_outputs(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(ct_tensor_from_f64((double[]){1, 2, 3}, 1, (int64_t[]){3}));
  ct_tensor *h = ct_mul(x, x), *y1 = ct_sum(ct_mul_scalar(h, 3)), *y2 = ct_mul_scalar(h, 2), *g[3];
  ct_tensor *go = ct_tensor_from_f64((double[]){1, 0, -1}, 1, (int64_t[]){3});
  assert_int_equal(ct_autograd_grad(2, (ct_tensor *[]){y1, y2}, (ct_tensor *[]){NULL, go}, 3,
                                    (ct_tensor *[]){h, x, h}, NULL, g),
                   CT_OK);
  const double *gh = ct_data_ptr(g[0]), *gx = ct_data_ptr(g[1]), *gh2 = ct_data_ptr(g[2]);
  const double want_h[3] = {5, 3, 1};
  for (int i = 0; i < 3; i++) {
    assert_true(gh[i] == want_h[i] && gh2[i] == want_h[i]);
    assert_true(gx[i] == want_h[i] * 2 * (i + 1));
  }
  ct_scope_close(s);
}

// ---- hooks ----

typedef struct hook_log {
  char text[256];
} hook_log;

static void note(hook_log *log, const char *what) {
  strncat(log->text, what, sizeof log->text - strlen(log->text) - 1);
}

static ct_tensor *note_hook(ct_tensor *grad, void *ctx) {
  (void)grad;
  note(ctx, "pre ");
  return NULL;
}

static ct_tensor *triple(ct_tensor *grad, void *ctx) {
  note(ctx, "triple ");
  return ct_mul_scalar(grad, 3);
}

static ct_tensor *bad_shape(ct_tensor *grad, void *ctx) {
  (void)grad, (void)ctx;
  return ct_ones(CT_SHAPE(2), CT_FLOAT32);
}

static ct_tensor *bad_dtype(ct_tensor *grad, void *ctx) {
  (void)ctx;
  return ct_to_dtype(grad, CT_FLOAT64);
}

static void note_post(ct_tensor *leaf, void *ctx) {
  hook_log *log = ctx;
  double v;
  ct_item(ct_sum(ct_grad(leaf)), &v);
  char buf[32];
  snprintf(buf, sizeof buf, "post(%g) ", v);
  note(log, buf);
}

static void test_hooks_and_post_accumulate(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  hook_log a = {""}, b = {""};
  ct_tensor *x = leaf(ct_ones(CT_SHAPE(2), CT_FLOAT32)), *w = leaf(ct_ones(CT_SHAPE(2), CT_FLOAT32));
  assert_non_null(ct_register_hook(x, triple, &a));
  assert_non_null(ct_register_post_accumulate_grad_hook(x, note_post, &a));
  ct_hook_handle *h = ct_register_post_accumulate_grad_hook(w, note_post, &b);
  ct_tensor *y = ct_sum(ct_mul(x, w));
  assert_int_equal(ct_backward_ex(y, NULL, true), CT_OK);
  assert_string_equal(a.text, "triple post(6) "); // the hook's tripled gradient is what accumulates
  assert_string_equal(b.text, "post(2) ");
  ct_hook_remove(h);
  assert_int_equal(ct_backward(y, NULL), CT_OK);
  assert_string_equal(a.text, "triple post(6) triple post(12) ");
  assert_string_equal(b.text, "post(2) ");
  ct_scope_close(s);
}

static void test_hook_misuse(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  hook_log log = {""};
  ct_tensor *z = ct_ones(CT_SHAPE(3), CT_FLOAT32), *x = leaf(ct_ones(CT_SHAPE(3), CT_FLOAT32));
  EXPECT_ERROR(ct_register_hook(z, note_hook, &log), "cannot register a hook on a tensor that doesn't require gradient");
  EXPECT_STATUS(ct_retain_grad(z), CT_ERR_RUNTIME, "can't retain_grad on Tensor that has requires_grad=False");
  ct_tensor *y = ct_mul_scalar(x, 2);
  EXPECT_ERROR(ct_register_post_accumulate_grad_hook(y, note_post, &log),
               "post accumulate grad hooks cannot be registered on non-leaf tensors");
  assert_non_null(ct_register_hook(y, bad_shape, NULL));
  EXPECT_STATUS(ct_backward(ct_sum(y), NULL), CT_ERR_RUNTIME, "hook 'hook' has changed the size of value");
  ct_tensor *y2 = ct_mul_scalar(x, 2);
  assert_non_null(ct_register_hook(y2, bad_dtype, NULL));
  EXPECT_STATUS(ct_backward(ct_sum(y2), NULL), CT_ERR_RUNTIME,
                "hook 'hook' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)");
  assert_null(ct_register_hook(NULL, note_hook, NULL));
  ct_scope_close(s);
}

static void test_retain_grad_and_detach_(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(ct_ones(CT_SHAPE(3), CT_FLOAT32));
  ct_tensor *y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_retain_grad(y), CT_OK);
  assert_int_equal(ct_retain_grad(x), CT_OK); // a leaf: no-op
  assert_true(ct_retains_grad(y));
  assert_false(ct_retains_grad(x));
  ct_tensor *l = ct_sum(ct_mul(y, y));
  assert_int_equal(ct_backward_ex(l, NULL, true), CT_OK);
  double v;
  ct_item(ct_sum(ct_grad(y)), &v);
  assert_true(v == 12);
  assert_int_equal(ct_backward(l, NULL), CT_OK); // accumulates like a leaf
  ct_item(ct_sum(ct_grad(y)), &v);
  assert_true(v == 24);
  const char *view_error =
      "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for "
      "training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence "
      "detach_() cannot be called on these gradients. To fix this error, please refer to the "
      "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.";
  EXPECT_ERROR(ct_detach_(ct_narrow(y, 0, 0, 2)), view_error);
  assert_ptr_equal(ct_detach_(y), y);
  assert_false(ct_requires_grad(y));
  assert_null(ct_grad_fn(y));
  ct_scope_close(s);
}

// backward(create_graph=True): .grad carries history (CloneBackward0, then AddBackward0).
static void test_backward_create_graph(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = leaf(ct_tensor_from_f64((double[]){1, 2}, 1, (int64_t[]){2}));
  ct_tensor *y = ct_sum(ct_mul(ct_mul(x, x), x)); // x^3
  ct_grad_options o = {.create_graph = true};
  assert_int_equal(ct_backward_opts(y, NULL, &o), CT_OK);
  assert_true(ct_requires_grad(ct_grad(x)));
  assert_string_equal(ct_node_name(ct_grad_fn(ct_grad(x))), "CloneBackward0");
  assert_int_equal(ct_backward_opts(y, NULL, &o), CT_OK);
  assert_string_equal(ct_node_name(ct_grad_fn(ct_grad(x))), "AddBackward0");
  ct_tensor *g2;
  ct_tensor *gs = ct_sum(ct_grad(x)); // 2 * 3x^2 -> derivative 12x
  assert_int_equal(ct_autograd_grad(1, &gs, NULL, 1, &x, NULL, &g2), CT_OK);
  const double *d = ct_data_ptr(g2);
  assert_true(d[0] == 12 && d[1] == 24);
  ct_set_grad(x, NULL); // break the cycle .grad -> graph -> x, as PyTorch advises
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_second_derivatives),
      cmocka_unit_test(test_grad_errors),
      cmocka_unit_test(test_grad_of_intermediate_and_outputs),
      cmocka_unit_test(test_hooks_and_post_accumulate),
      cmocka_unit_test(test_hook_misuse),
      cmocka_unit_test(test_retain_grad_and_detach_),
      cmocka_unit_test(test_backward_create_graph),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Attention and transformers: the causal mask's exact values, scaled_dot_product_attention
// against its defining formula and by float64 central differences (gradcheck) through a
// module, TransformerEncoder's copies (equal values, separate tensors, no draws), and
// scopes / leaks of a training step. (Parity with torch is oracle_attention's job.)
#include "unit.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double value_at(const ct_tensor *t, int64_t i) {
  double *v = malloc((size_t)ct_numel(t) * sizeof *v);
  assert_non_null(v);
  assert_int_equal(ct_to_f64_array(t, v), CT_OK);
  double x = v[i];
  free(v);
  return x;
}

static void test_causal_mask(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *m = ct_generate_square_subsequent_mask(3);
  assert_int_equal(ct_get_dtype(m), CT_FLOAT32);
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 3; j++) {
      double v = value_at(m, i * 3 + j);
      if (j > i)
        assert_true(isinf(v) && v < 0);
      else
        assert_true(v == 0 && !signbit(v));
    }
  assert_int_equal(ct_numel(ct_generate_square_subsequent_mask(0)), 0);
  ct_scope_close(s);
}

// sdpa with is_causal equals sdpa with the boolean "keep" mask j <= i, and with the float
// mask generate_square_subsequent_mask, bit for bit.
static void test_sdpa_causal_forms_agree(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(3);
  ct_tensor *q = ct_randn(CT_SHAPE(2, 5, 4), CT_FLOAT32), *k = ct_randn(CT_SHAPE(2, 5, 4), CT_FLOAT32);
  ct_tensor *v = ct_randn(CT_SHAPE(2, 5, 3), CT_FLOAT32);
  ct_tensor *bias = ct_generate_square_subsequent_mask(5);
  ct_tensor *keep = ct_eq_scalar(bias, 0);
  ct_tensor *a = ct_scaled_dot_product_attention(q, k, v, NULL, 0, true);
  ct_tensor *b = ct_scaled_dot_product_attention(q, k, v, keep, 0, false);
  ct_tensor *c = ct_scaled_dot_product_attention(q, k, v, bias, 0, false);
  assert_non_null(a);
  assert_memory_equal(ct_data_ptr(a), ct_data_ptr(b), 2 * 5 * 3 * sizeof(float));
  assert_memory_equal(ct_data_ptr(a), ct_data_ptr(c), 2 * 5 * 3 * sizeof(float));
  // the first query sees only the first key: its output is v's first row
  for (int64_t j = 0; j < 3; j++)
    assert_true(value_at(a, j) == value_at(v, j));
  ct_scope_close(s);
}

typedef struct fd_ctx {
  ct_tensor *q, *k, *v, *g;
} fd_ctx;

static double objective(void *p) {
  fd_ctx *c = p;
  ct_scope *s = ct_scope_open();
  double out = NAN;
  ct_item(ct_sum(ct_mul(ct_scaled_dot_product_attention(c->q, c->k, c->v, NULL, 0, true), c->g)), &out);
  ct_scope_close(s);
  return out;
}

// gradcheck in float64: analytic gradients of sum(sdpa(q, k, v) * g) against central differences.
static void test_sdpa_gradcheck(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(5);
  fd_ctx c = {ct_randn(CT_SHAPE(2, 4, 3), CT_FLOAT64), ct_randn(CT_SHAPE(2, 4, 3), CT_FLOAT64),
              ct_randn(CT_SHAPE(2, 4, 2), CT_FLOAT64), ct_randn(CT_SHAPE(2, 4, 2), CT_FLOAT64)};
  ct_tensor *inputs[3] = {c.q, c.k, c.v};
  for (int i = 0; i < 3; i++)
    ct_set_requires_grad(inputs[i], true);
  assert_int_equal(
      ct_backward(ct_sum(ct_mul(ct_scaled_dot_product_attention(c.q, c.k, c.v, NULL, 0, true), c.g)), NULL),
      CT_OK);
  bool prev = ct_no_grad_enter();
  for (int i = 0; i < 3; i++) {
    double *data = ct_data_ptr(inputs[i]);
    const double *grad = ct_data_ptr(ct_grad(inputs[i]));
    for (int64_t e = 0; e < ct_numel(inputs[i]); e++) {
      const double x = data[e], h = 1e-6;
      data[e] = x + h;
      double up = objective(&c);
      data[e] = x - h;
      double down = objective(&c);
      data[e] = x;
      assert_true(fabs((up - down) / (2 * h) - grad[e]) <= 1e-7 * (1 + fabs(grad[e])));
    }
  }
  ct_grad_mode_restore(prev);
  ct_scope_close(s);
}

// TransformerEncoder: layers.1 starts with layers.0's values in its own tensors, and
// building it draws nothing beyond the given layer's draws (copy.deepcopy draws nothing).
static void test_encoder_copies(void **state) {
  (void)state;
  ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
  o.dim_feedforward = 16;
  ct_manual_seed(1);
  ct_module *layer = ct_transformer_encoder_layer_new(8, 2, o);
  ct_scope *s = ct_scope_open();
  ct_tensor *after_layer = ct_rand(CT_SHAPE(1), CT_FLOAT32);
  ct_manual_seed(1);
  ct_module *enc = ct_transformer_encoder_new(ct_transformer_encoder_layer_new(8, 2, o), 3, NULL);
  ct_tensor *after_encoder = ct_rand(CT_SHAPE(1), CT_FLOAT32);
  assert_true(value_at(after_layer, 0) == value_at(after_encoder, 0));
  ct_named_list *p = ct_module_named_parameters(enc);
  assert_non_null(p);
  assert_int_equal(p->count, 3 * 12);
  assert_string_equal(p->items[0].name, "layers.0.self_attn.in_proj_weight");
  assert_string_equal(p->items[12].name, "layers.1.self_attn.in_proj_weight");
  for (int i = 0; i < 12; i++) {
    ct_tensor *a = p->items[i].tensor, *b = p->items[12 + i].tensor;
    assert_ptr_not_equal(a, b);
    assert_false(ct_shares_storage(a, b));
    assert_memory_equal(ct_data_ptr(a), ct_data_ptr(b), (size_t)ct_numel(a) * sizeof(float));
  }
  ct_named_list_free(p);
  ct_scope_close(s);
  ct_module_free(enc);
  ct_module_free(layer);
}

// A few training steps of an encoder inside step scopes (LeakSanitizer checks nothing is left).
static void test_encoder_training_scopes(void **state) {
  (void)state;
  ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
  o.dim_feedforward = 12;
  o.batch_first = true;
  o.norm_first = true;
  o.activation = "gelu";
  ct_manual_seed(2);
  ct_module *enc = ct_transformer_encoder_new(ct_transformer_encoder_layer_new(4, 2, o), 2, NULL);
  int n = 0;
  ct_tensor **params = ct_module_parameters(enc, &n);
  ct_optimizer *opt = ct_adam_new(params, n, ct_adam_defaults());
  free(params);
  for (int step = 0; step < 3; step++) {
    ct_scope *s = ct_scope_open();
    ct_optimizer_zero_grad(opt, true);
    ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 4), CT_FLOAT32);
    ct_tensor *y = ct_transformer_encoder_forward(enc, x, ct_generate_square_subsequent_mask(3), NULL);
    assert_int_equal(ct_backward(ct_mean(ct_mul(y, y)), NULL), CT_OK);
    assert_int_equal(ct_optimizer_step(opt), CT_OK);
    ct_scope_close(s);
  }
  ct_optimizer_free(opt);
  ct_module_free(enc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_causal_mask),
      cmocka_unit_test(test_sdpa_causal_forms_agree),
      cmocka_unit_test(test_sdpa_gradcheck),
      cmocka_unit_test(test_encoder_copies),
      cmocka_unit_test(test_encoder_training_scopes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

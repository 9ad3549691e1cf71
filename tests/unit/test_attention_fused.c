// MultiheadAttention's and scaled_dot_product_attention's fused core
// (src/ops/attention_heads.c) against the composed ops it replaces (the path PyTorch's
// F.multi_head_attention_forward takes op by op, which oracle_attention checks against torch): outputs, input
// gradients and parameter gradients bit for bit, over self attention, key-is-value and separate projections,
// float and bool masks, key padding, batch_first, uneven sizes; and second derivatives
// (create_graph) against the composed ops' own.
#include "ops/attention_heads.h"
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mha_case {
  int64_t E, H, L, S, N;
  int share;        // 0 separate q, k, v; 1 key is value; 2 self attention
  int mask;         // 0 none, 1 causal float [L, S], 2 bool [N*H, L, S], 3 bool key padding
  bool batch_first; // and kdim/vdim differ from E (separate projection weights) when set
  bool kvdims;
} mha_case;

typedef struct mha_result {
  ct_tensor *out, *grads[16]; // gq, gk, gv, then the parameters' gradients
  int n;
} mha_result;

static ct_tensor *input(const mha_case *c, int64_t len, int64_t width) {
  ct_tensor *t = c->batch_first ? ct_randn(CT_SHAPE(c->N, len, width), CT_FLOAT32)
                                : ct_randn(CT_SHAPE(len, c->N, width), CT_FLOAT32);
  ct_set_requires_grad(t, true);
  return t;
}

// Appends copies of m's parameters' gradients (they go with the module).
static void add_parameter_grads(mha_result *r, ct_module *m) {
  int count = 0;
  ct_tensor **params = ct_module_parameters(m, &count);
  assert_true(r->n + count <= (int)(sizeof r->grads / sizeof *r->grads));
  for (int i = 0; i < count; i++)
    r->grads[r->n++] = ct_clone(ct_grad(params[i]));
  free(params);
}

// One forward and backward of a fresh module (seed 7) on fresh inputs (seed 11).
static mha_result run_case(const mha_case *c, bool fused) {
  ct__attention_heads_enable(fused);
  ct_manual_seed(7);
  ct_multihead_attention_options o = ct_multihead_attention_defaults();
  o.batch_first = c->batch_first;
  if (c->kvdims) o.kdim = c->E + 1, o.vdim = c->E + 2;
  ct_module *m = ct_multihead_attention_new(c->E, c->H, o);
  assert_non_null(m);
  ct_manual_seed(11);
  ct_tensor *q = input(c, c->L, c->E);
  ct_tensor *k = c->share == 2 ? q : input(c, c->S, c->kvdims ? c->E + 1 : c->E);
  ct_tensor *v = c->share >= 1 ? k : input(c, c->S, c->kvdims ? c->E + 2 : c->E);
  ct_multihead_attention_args a = ct_multihead_attention_forward_defaults();
  a.need_weights = false;
  if (c->mask == 1) a.attn_mask = ct_generate_square_subsequent_mask(c->L);
  if (c->mask == 2) a.attn_mask = ct_lt_scalar(ct_rand(CT_SHAPE(c->N * c->H, c->L, c->S), CT_FLOAT32), 0.3);
  if (c->mask == 3) {
    ct_tensor *pad = ct_lt_scalar(ct_rand(CT_SHAPE(c->N, c->S), CT_FLOAT32), 0.3);
    a.key_padding_mask = ct_logical_and(pad, ct_gt_scalar(ct_arange(0, (double)c->S, 1, CT_INT64), 0));
  }
  if (c->mask == 2) // keep every query's first key, so that no row is all masked (NaN)
    a.attn_mask = ct_logical_and(a.attn_mask, ct_gt_scalar(ct_arange(0, (double)c->S, 1, CT_INT64), 0));
  mha_result r = {.out = ct_multihead_attention_forward(m, q, k, v, &a, NULL)};
  assert_non_null(r.out);
  ct_tensor *g = ct_randn_like(r.out);
  assert_int_equal(ct_backward(ct_sum(ct_mul(r.out, g)), NULL), CT_OK);
  ct_tensor *inputs[3] = {q, k, v};
  for (int i = 0; i < 3; i++)
    if (i == 0 || inputs[i] != inputs[i - 1]) r.grads[r.n++] = ct_grad(inputs[i]);
  add_parameter_grads(&r, m);
  ct_module_free(m);
  ct__attention_heads_enable(true);
  return r;
}

static void assert_same_bits(ct_tensor *a, ct_tensor *b) {
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(ct_numel(a), ct_numel(b));
  ct_tensor *ca = ct_contiguous(a), *cb = ct_contiguous(b);
  assert_memory_equal(ct_data_ptr(ca), ct_data_ptr(cb), (size_t)ct_numel(a) * sizeof(float));
}

static void test_fused_matches_composed(void **state) {
  (void)state;
  const mha_case cases[] = {
      {64, 4, 16, 16, 8, 2, 1, true, false}, // char_lm's layer
      {8, 2, 4, 4, 3, 2, 0, false, false},   {12, 3, 5, 7, 2, 0, 0, false, false},
      {12, 3, 5, 7, 2, 1, 3, true, false},   {12, 3, 5, 7, 2, 0, 2, false, false},
      {6, 1, 9, 9, 4, 2, 1, false, false},   {8, 2, 4, 6, 3, 0, 3, true, true},
      {24, 2, 31, 31, 2, 2, 2, true, false}, // the largest sizes the small products take
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ct_scope *s = ct_scope_open();
    mha_result fused = run_case(&cases[i], true), composed = run_case(&cases[i], false);
    assert_int_equal(fused.n, composed.n);
    assert_same_bits(fused.out, composed.out);
    for (int k = 0; k < fused.n; k++)
      assert_same_bits(fused.grads[k], composed.grads[k]);
    ct_scope_close(s);
  }
}

// A TransformerEncoderLayer step (self attention with a causal mask and key padding):
// the output and every gradient, fused against composed.
static mha_result run_layer(bool norm_first, bool batch_first, bool fused) {
  ct__attention_heads_enable(fused);
  ct_manual_seed(3);
  ct_transformer_encoder_layer_options o = ct_transformer_encoder_layer_defaults();
  o.dim_feedforward = 16, o.dropout = 0, o.activation = "gelu", o.batch_first = batch_first,
  o.norm_first = norm_first;
  ct_module *m = ct_transformer_encoder_layer_new(8, 2, o);
  assert_non_null(m);
  ct_manual_seed(4);
  ct_tensor *x =
      batch_first ? ct_randn(CT_SHAPE(3, 5, 8), CT_FLOAT32) : ct_randn(CT_SHAPE(5, 3, 8), CT_FLOAT32);
  ct_set_requires_grad(x, true);
  ct_tensor *pad = ct_logical_and(ct_lt_scalar(ct_rand(CT_SHAPE(3, 5), CT_FLOAT32), 0.3),
                                  ct_gt_scalar(ct_arange(0, 5, 1, CT_INT64), 0));
  mha_result r = {.out =
                      ct_transformer_encoder_layer_forward(m, x, ct_generate_square_subsequent_mask(5), pad)};
  assert_non_null(r.out);
  assert_int_equal(ct_backward(ct_sum(ct_mul(r.out, ct_randn_like(r.out))), NULL), CT_OK);
  r.grads[r.n++] = ct_grad(x);
  add_parameter_grads(&r, m);
  ct_module_free(m);
  ct__attention_heads_enable(true);
  return r;
}

static void test_fused_encoder_layer(void **state) {
  (void)state;
  for (int variant = 0; variant < 4; variant++) {
    ct_scope *s = ct_scope_open();
    const bool norm_first = variant & 1, batch_first = variant & 2;
    mha_result fused = run_layer(norm_first, batch_first, true),
               composed = run_layer(norm_first, batch_first, false);
    assert_int_equal(fused.n, composed.n);
    assert_same_bits(fused.out, composed.out);
    for (int k = 0; k < fused.n; k++)
      assert_same_bits(fused.grads[k], composed.grads[k]);
    ct_scope_close(s);
  }
}

// scaled_dot_product_attention (one head, batch first): output and gradients, fused
// against composed, over 3-D and 4-D batches, causal or not, L != S, Ev != E.
static mha_result run_sdpa(int ndim, int64_t L, int64_t S, int64_t E, int64_t Ev, bool causal, bool fused) {
  ct__attention_heads_enable(fused);
  ct_manual_seed(21);
  const int64_t qs[4] = {2, 3, L, E}, ks[4] = {2, 3, S, E}, vs[4] = {2, 3, S, Ev};
  const int skip = 4 - ndim;
  ct_tensor *q = ct_randn(ndim, qs + skip, CT_FLOAT32), *k = ct_randn(ndim, ks + skip, CT_FLOAT32);
  ct_tensor *v = ct_randn(ndim, vs + skip, CT_FLOAT32);
  ct_tensor *in[3] = {q, k, v};
  for (int i = 0; i < 3; i++)
    ct_set_requires_grad(in[i], true);
  mha_result r = {.out = ct_scaled_dot_product_attention(q, k, v, NULL, 0, causal)};
  assert_non_null(r.out);
  assert_int_equal(ct_backward(ct_sum(ct_mul(r.out, ct_randn_like(r.out))), NULL), CT_OK);
  for (int i = 0; i < 3; i++)
    r.grads[r.n++] = ct_grad(in[i]);
  ct__attention_heads_enable(true);
  return r;
}

static void test_fused_sdpa(void **state) {
  (void)state;
  const struct {
    int ndim;
    int64_t L, S, E, Ev;
    bool causal;
  } cases[] = {
      {3, 5, 7, 4, 3, false}, {3, 6, 6, 8, 8, true}, {4, 4, 9, 5, 6, true}, {4, 16, 16, 16, 16, false}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ct_scope *s = ct_scope_open();
    mha_result fused =
        run_sdpa(cases[i].ndim, cases[i].L, cases[i].S, cases[i].E, cases[i].Ev, cases[i].causal, true);
    mha_result composed =
        run_sdpa(cases[i].ndim, cases[i].L, cases[i].S, cases[i].E, cases[i].Ev, cases[i].causal, false);
    if (cases[i].ndim == 3)
      assert_string_equal(ct_node_name(ct_grad_fn(fused.out)), "MultiheadAttentionCoreBackward");
    assert_same_bits(fused.out, composed.out);
    for (int k = 0; k < 3; k++)
      assert_same_bits(fused.grads[k], composed.grads[k]);
    ct_scope_close(s);
  }
}

// The fused node is what self attention records (so the test above compares two paths).
static void test_fused_node_recorded(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *proj = ct_randn(CT_SHAPE(4, 2, 24), CT_FLOAT32);
  ct_set_requires_grad(proj, true);
  ct__attention_heads_in in = {
      .sources = {proj}, .n_sources = 1, .column_of = {0, 8, 16}, .embed_dim = 8, .num_heads = 2};
  assert_true(ct__attention_heads_fit(&in));
  ct_tensor *out = ct__attention_heads(&in);
  assert_non_null(out);
  assert_string_equal(ct_node_name(ct_grad_fn(out)), "MultiheadAttentionCoreBackward");
  // sources whose columns the roles do not tile, and float64, take the composed ops
  in.column_of[2] = 8;
  assert_false(ct__attention_heads_fit(&in));
  in.column_of[2] = 16;
  in.sources[0] = ct_to_dtype(proj, CT_FLOAT64);
  assert_false(ct__attention_heads_fit(&in));
  ct_scope_close(s);
}

// Second derivatives: the gradient of sum(grad_q²) with respect to q, through a
// create_graph backward, equals the composed ops' to float32 rounding (self attention
// with a mask; sdpa, causal, batch first, with k and v made from q).
static ct_tensor *second_derivative(bool fused, bool sdpa) {
  ct__attention_heads_enable(fused);
  ct_manual_seed(5);
  ct_module *m = ct_multihead_attention_new(8, 2, ct_multihead_attention_defaults());
  ct_tensor *q = ct_randn(CT_SHAPE(5, 3, 8), CT_FLOAT32);
  ct_set_requires_grad(q, true);
  ct_multihead_attention_args a = ct_multihead_attention_forward_defaults();
  a.need_weights = false;
  a.attn_mask = ct_generate_square_subsequent_mask(5);
  ct_tensor *out = sdpa ? ct_scaled_dot_product_attention(q, ct_mul_scalar(q, 0.5), ct_sin(q), NULL, 0, true)
                        : ct_multihead_attention_forward(m, q, q, q, &a, NULL);
  ct_tensor *g = ct_randn_like(out);
  ct_grad_options opts = {.create_graph = true, .retain_graph = true};
  ct_tensor *gq = NULL, *ggq = NULL;
  ct_status st = ct_autograd_grad(1, (ct_tensor *[]){ct_sum(ct_mul(out, g))}, NULL, 1, &q, &opts, &gq);
  if (st != CT_OK) fprintf(stderr, "%s\n", ct_last_error());
  assert_int_equal(st, CT_OK);
  st = ct_autograd_grad(1, (ct_tensor *[]){ct_sum(ct_mul(gq, gq))}, NULL, 1, &q, NULL, &ggq);
  if (st != CT_OK) fprintf(stderr, "%s\n", ct_last_error());
  assert_int_equal(st, CT_OK);
  ct_module_free(m);
  ct__attention_heads_enable(true);
  return ggq;
}

static void test_fused_double_backward(void **state) {
  (void)state;
  for (int sdpa = 0; sdpa < 2; sdpa++) {
    ct_scope *s = ct_scope_open();
    ct_tensor *a = second_derivative(true, sdpa), *b = second_derivative(false, sdpa);
    assert_non_null(a);
    assert_non_null(b);
    double scale = 0, diff = 0;
    assert_int_equal(ct_item(ct_amax(ct_abs(b), NULL, 0, false), &scale), CT_OK);
    assert_int_equal(ct_item(ct_amax(ct_abs(ct_sub(a, b)), NULL, 0, false), &diff), CT_OK);
    assert_true(scale > 0);
    assert_true(diff <= 1e-5 * scale);
    ct_scope_close(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fused_matches_composed),
      cmocka_unit_test(test_fused_encoder_layer),
      cmocka_unit_test(test_fused_sdpa),
      cmocka_unit_test(test_fused_node_recorded),
      cmocka_unit_test(test_fused_double_backward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

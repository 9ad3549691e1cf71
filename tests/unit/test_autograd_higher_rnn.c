// Second derivatives (create_graph) through the fused RNN/LSTM/GRU layers
// (RnnLayerBackward's recorded path, src/ops/rnn_layer_recorded.c), checked in float64 by
// finite-difference Hessian-vector products over every leaf: the input, the initial
// states and all of the module's parameters. For the leaves p and a random direction u,
// G(p) = grad(L(p), p, create_graph) with L = sum(tanh(output) * w) + sum(tanh(h_n) * w')
// [+ sum(tanh(c_n) * w'')], and grad(sum(G * u), p) must match (G(p + eps u) - G(p - eps u))
// / 2 eps. The perturbed points are written into the leaves in place (under no_grad), so
// the module's own parameters take part.
#include "autograd_hvp.h"
#include <stdlib.h>

#define MAX_LEAVES 24

typedef struct rnn_case {
  const char *name;
  ct_module *(*make)(int64_t, int64_t, ct_rnn_options);
  const char *nonlinearity;
  int64_t layers;
  bool bidirectional, packed, bias;
} rnn_case;

enum { T = 3, B = 3, I = 2, H = 3 };

// The loss at the leaves' current values. The packed case takes x (N, I) as the packed
// data itself, batch_sizes {3, 2, 1} (a padded input goes through pack_padded_sequence's
// views, whose own double backward is not what this file checks).
static ct_tensor *loss(const rnn_case *c, ct_module *m, ct_tensor *x, ct_tensor *h0, ct_tensor *c0) {
  ct_rnn_output r;
  if (c->packed) {
    ct_packed_sequence p = {.data = x, .batch_sizes = ct_tensor_from_i64((int64_t[]){3, 2, 1}, 1, (int64_t[]){3})};
    assert_int_equal(ct_rnn_forward_packed(m, &p, h0, c0, &r), CT_OK);
    r.output = r.packed.data;
  } else {
    assert_int_equal(ct_rnn_forward(m, x, h0, c0, &r), CT_OK);
  }
  ct_tensor *parts[3] = {r.output, r.h_n, r.c_n}, *l = NULL;
  for (int i = 0; i < 3 && parts[i]; i++) {
    ct_manual_seed(11 + i);
    ct_tensor *w = ct_randn(ct_dim(parts[i]), ct_shape(parts[i]), CT_FLOAT64);
    ct_tensor *term = ct_sum(ct_mul(ct_tanh(parts[i]), w));
    l = l ? ct_add(l, term) : term;
  }
  return l;
}

// Writes base + s * u into each leaf (no_grad, in place).
static void move_to(ct_tensor **p, ct_tensor **base, ct_tensor **u, int n, double s) {
  bool prev = ct_no_grad_enter();
  for (int i = 0; i < n; i++) assert_int_equal(ct_copy_(p[i], ct_add(base[i], ct_mul_scalar(u[i], s))), CT_OK);
  ct_grad_mode_restore(prev);
}

static void check_rnn_hvp(const rnn_case *c) {
  ct_scope *s = ct_scope_open();
  ct_manual_seed(5);
  ct_rnn_options o = ct_rnn_defaults();
  o.dtype = CT_FLOAT64, o.num_layers = c->layers, o.bidirectional = c->bidirectional, o.bias = c->bias;
  o.nonlinearity = c->nonlinearity;
  ct_module *m = c->make(I, H, o);
  assert_non_null(m);
  const int64_t D = c->bidirectional ? 2 : 1, state[3] = {D * c->layers, B, H};
  const bool lstm = c->make == ct_lstm_new;
  // The leaves: x, h0, [c0,] then the parameters.
  ct_tensor *q[MAX_LEAVES], *base[MAX_LEAVES], *u[MAX_LEAVES], *g[MAX_LEAVES], *h[MAX_LEAVES];
  int n = 0, count;
  q[n++] = ct_requires_grad_(c->packed ? ct_randn(2, (int64_t[]){6, I}, CT_FLOAT64)
                                        : ct_randn(3, (int64_t[]){T, B, I}, CT_FLOAT64), true);
  q[n++] = ct_requires_grad_(ct_randn(3, state, CT_FLOAT64), true);
  if (lstm) q[n++] = ct_requires_grad_(ct_randn(3, state, CT_FLOAT64), true);
  ct_tensor **params = ct_module_parameters(m, &count);
  assert_true(n + count <= MAX_LEAVES);
  for (int i = 0; i < count; i++) q[n++] = params[i];
  free(params);
  for (int i = 0; i < n; i++) {
    base[i] = ct_clone(ct_detach(q[i]));
    u[i] = ct_randn(ct_dim(q[i]), ct_shape(q[i]), CT_FLOAT64);
  }
  ct_tensor *l = loss(c, m, q[0], q[1], lstm ? q[2] : NULL);
  ct_grad_options cg = {.create_graph = true};
  assert_int_equal(ct_autograd_grad(1, &l, NULL, n, q, &cg, g), CT_OK);
  ct_tensor *gu = NULL;
  for (int i = 0; i < n; i++) {
    assert_true(ct_requires_grad(g[i]) || (fprintf(stderr, "%s: gradient %d has no graph\n", c->name, i), 0));
    ct_tensor *term = ct_sum(ct_mul(g[i], u[i]));
    gu = gu ? ct_add(gu, term) : term;
  }
  ct_grad_options unused = {.allow_unused = true};
  assert_int_equal(ct_autograd_grad(1, &gu, NULL, n, q, &unused, h), CT_OK);
  const double eps = 1e-6;
  ct_tensor *gp[MAX_LEAVES], *gm[MAX_LEAVES];
  ct_grad_options plain = {0};
  move_to(q, base, u, n, eps);
  l = loss(c, m, q[0], q[1], lstm ? q[2] : NULL);
  assert_int_equal(ct_autograd_grad(1, &l, NULL, n, q, &plain, gp), CT_OK);
  move_to(q, base, u, n, -eps);
  l = loss(c, m, q[0], q[1], lstm ? q[2] : NULL);
  assert_int_equal(ct_autograd_grad(1, &l, NULL, n, q, &plain, gm), CT_OK);
  move_to(q, base, u, n, 0);
  for (int i = 0; i < n; i++) expect_hvp(c->name, i, h[i], ct_div_scalar(ct_sub(gp[i], gm[i]), 2 * eps));
  ct_module_free(m);
  ct_scope_close(s);
}

static void test_rnn_double_backward(void **state) {
  (void)state;
  static const rnn_case cases[] = {
      {"rnn_tanh", ct_rnn_new, "tanh", 1, false, false, true},
      {"rnn_relu_2layers", ct_rnn_new, "relu", 2, false, false, true},
      {"rnn_tanh_bidirectional_nobias", ct_rnn_new, "tanh", 1, true, false, false},
      {"lstm", ct_lstm_new, NULL, 1, false, false, true},
      {"lstm_2layers_bidirectional", ct_lstm_new, NULL, 2, true, false, true},
      {"lstm_packed_bidirectional", ct_lstm_new, NULL, 1, true, true, true},
      {"gru", ct_gru_new, NULL, 1, false, false, true},
      {"gru_2layers_bidirectional", ct_gru_new, NULL, 2, true, false, true},
      {"gru_packed", ct_gru_new, NULL, 2, false, true, true},
      {"rnn_relu_packed_bidirectional", ct_rnn_new, "relu", 1, true, true, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_rnn_hvp(&cases[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rnn_double_backward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Recurrent layers: float64 gradients of every input, state and parameter against central
// differences (layers with several layers and both directions, packed inputs sorted and
// unsorted, cells batched and unbatched), exact small cases, reprs and parameter names,
// errors without leaks. (Parity with PyTorch on generated cases is oracle_rnn's job.)
#include "oracle_io.h"
#include "unit.h"
#include <math.h>
#include <stdlib.h>

typedef struct grad_case {
  ct_module *m;
  bool cell;
  ct_tensor *x, *h0, *c0, *go, *gh, *gc;
  int64_t n_len;
  const int64_t *len;
  bool sorted, batch_first;
} grad_case;

static ct_tensor *weighted(ct_tensor *t, ct_tensor *w) { return ct_sum(ct_mul(t, w)); }

// sum(out * go) + sum(h_n * gh) + sum(c_n * gc) of one forward pass.
static ct_tensor *loss_of(const grad_case *c) {
  ct_tensor *out = NULL, *hn = NULL, *cn = NULL;
  if (c->cell) {
    assert_int_equal(ct_rnn_cell_forward(c->m, c->x, c->h0, c->c0, &hn, &cn), CT_OK);
    out = hn;
  } else if (c->n_len) {
    ct_packed_sequence p;
    ct_tensor *lengths = ct_tensor_from_i64(c->len, 1, &c->n_len);
    assert_int_equal(ct_pack_padded_sequence(c->x, lengths, c->batch_first, c->sorted, &p), CT_OK);
    ct_rnn_output r;
    assert_int_equal(ct_rnn_forward_packed(c->m, &p, c->h0, c->c0, &r), CT_OK);
    out = ct_pad_packed_sequence(&r.packed, c->batch_first, 0.0, -1, NULL);
    hn = r.h_n, cn = r.c_n;
  } else {
    ct_rnn_output r;
    assert_int_equal(ct_rnn_forward(c->m, c->x, c->h0, c->c0, &r), CT_OK);
    out = r.output, hn = r.h_n, cn = r.c_n;
  }
  ct_tensor *loss = weighted(out, c->go);
  if (c->gh) loss = ct_add(loss, weighted(hn, c->gh));
  if (c->gc && cn) loss = ct_add(loss, weighted(cn, c->gc));
  assert_non_null(loss);
  return loss;
}

static double objective(void *ctx) {
  ct_scope *s = ct_scope_open();
  double v = 0;
  assert_int_equal(ct_item(loss_of(ctx), &v), CT_OK);
  ct_scope_close(s);
  return v;
}

// The analytic gradient of t equals central differences of the loss to 1e-7 relative.
static void expect_gradient(grad_case *c, ct_tensor *t) {
  const int64_t n = ct_numel(t);
  double *fd = malloc((size_t)n * sizeof *fd);
  bool prev = ct_no_grad_enter();
  tu_central_differences(t, objective, c, 0, 1e-6, fd);
  ct_grad_mode_restore(prev);
  ct_tensor *g = ct_contiguous(ct_grad(t));
  assert_non_null(g);
  const double *gv = ct_data_ptr(g);
  for (int64_t i = 0; i < n; i++)
    if (fabs(gv[i] - fd[i]) > 1e-7 * (1 + fabs(fd[i])))
      fail_msg("element %lld: analytic %.17g, central differences %.17g", (long long)i, gv[i], fd[i]);
  free(fd);
}

static ct_tensor *randn64(int ndim, const int64_t *shape) { return ct_randn(ndim, shape, CT_FLOAT64); }

// Runs backward once, then checks x, h0, c0 and every parameter.
static void gradcheck(grad_case *c) {
  ct_scope *s = ct_scope_open();
  ct_tensor *leaves[3] = {c->x, c->h0, c->c0};
  for (int i = 0; i < 3; i++)
    if (leaves[i]) ct_set_requires_grad(leaves[i], true);
  assert_int_equal(ct_backward(loss_of(c), NULL), CT_OK);
  for (int i = 0; i < 3; i++)
    if (leaves[i]) expect_gradient(c, leaves[i]);
  int count = 0;
  ct_tensor **params = ct_module_parameters(c->m, &count);
  for (int i = 0; i < count; i++)
    expect_gradient(c, params[i]);
  free(params);
  ct_module_free(c->m);
  ct_scope_close(s);
}

static ct_rnn_options f64_options(int64_t layers, bool bidirectional, bool batch_first) {
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = layers, o.bidirectional = bidirectional, o.batch_first = batch_first, o.dtype = CT_FLOAT64;
  return o;
}

static void test_lstm_gradients(void **state) {
  (void)state;
  ct_manual_seed(1);
  grad_case c = {.m = ct_lstm_new(3, 4, f64_options(2, true, false)),
                 .x = randn64(CT_SHAPE(5, 2, 3)),
                 .h0 = randn64(CT_SHAPE(4, 2, 4)),
                 .c0 = randn64(CT_SHAPE(4, 2, 4)),
                 .go = randn64(CT_SHAPE(5, 2, 8)),
                 .gh = randn64(CT_SHAPE(4, 2, 4)),
                 .gc = randn64(CT_SHAPE(4, 2, 4))};
  gradcheck(&c);
}

static void test_gru_packed_unsorted_gradients(void **state) {
  (void)state;
  ct_manual_seed(2);
  static const int64_t len[3] = {3, 5, 2};
  grad_case c = {.m = ct_gru_new(3, 4, f64_options(2, true, true)),
                 .x = randn64(CT_SHAPE(3, 5, 3)),
                 .h0 = randn64(CT_SHAPE(4, 3, 4)),
                 .go = randn64(CT_SHAPE(3, 5, 8)),
                 .gh = randn64(CT_SHAPE(4, 3, 4)),
                 .n_len = 3,
                 .len = len,
                 .sorted = false,
                 .batch_first = true};
  gradcheck(&c);
}

static void test_rnn_gradients(void **state) {
  (void)state;
  ct_manual_seed(3);
  static const int64_t len[2] = {4, 2};
  ct_rnn_options o = f64_options(1, true, false);
  grad_case tanh_packed = {.m = ct_rnn_new(2, 3, o),
                           .x = randn64(CT_SHAPE(4, 2, 2)),
                           .go = randn64(CT_SHAPE(4, 2, 6)),
                           .gh = randn64(CT_SHAPE(2, 2, 3)),
                           .n_len = 2,
                           .len = len,
                           .sorted = true};
  gradcheck(&tanh_packed);
  o = f64_options(2, false, false);
  o.nonlinearity = "relu";
  grad_case relu = {.m = ct_rnn_new(2, 3, o),
                    .x = randn64(CT_SHAPE(3, 2)),
                    .h0 = randn64(CT_SHAPE(2, 3)),
                    .go = randn64(CT_SHAPE(3, 3)),
                    .gh = randn64(CT_SHAPE(2, 3))}; // unbatched
  gradcheck(&relu);
}

static void test_cell_gradients(void **state) {
  (void)state;
  ct_manual_seed(4);
  ct_rnn_options o = f64_options(1, false, false);
  grad_case lstm = {.m = ct_lstm_cell_new(3, 4, o),
                    .cell = true,
                    .x = randn64(CT_SHAPE(2, 3)),
                    .h0 = randn64(CT_SHAPE(2, 4)),
                    .c0 = randn64(CT_SHAPE(2, 4)),
                    .go = randn64(CT_SHAPE(2, 4)),
                    .gc = randn64(CT_SHAPE(2, 4))};
  gradcheck(&lstm);
  grad_case gru = {.m = ct_gru_cell_new(3, 4, o),
                   .cell = true,
                   .x = randn64(CT_SHAPE(3)),
                   .h0 = randn64(CT_SHAPE(4)),
                   .go = randn64(CT_SHAPE(4))}; // unbatched
  gradcheck(&gru);
  o.bias = false;
  grad_case rnn = {.m = ct_rnn_cell_new(3, 4, o),
                   .cell = true,
                   .x = randn64(CT_SHAPE(2, 3)),
                   .go = randn64(CT_SHAPE(2, 4))};
  gradcheck(&rnn);
}

// Zero weights: every gate is sigmoid(0) = 1/2 or tanh(0) = 0, so c' = c / 2 and
// h' = tanh(c / 2) / 2, exactly as computed here.
static void test_lstm_zero_weights(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *m = ct_lstm_new(2, 3, ct_rnn_defaults());
  int count = 0;
  ct_tensor **params = ct_module_parameters(m, &count);
  bool prev = ct_no_grad_enter();
  for (int i = 0; i < count; i++)
    ct_zero_(params[i]);
  ct_grad_mode_restore(prev);
  free(params);
  ct_tensor *c0 = ct_full(CT_SHAPE(1, 1, 3), 1.0, CT_FLOAT32);
  ct_rnn_output r;
  assert_int_equal(ct_rnn_forward(m, ct_ones(CT_SHAPE(1, 1, 2), CT_FLOAT32), ct_zeros_like(c0), c0, &r),
                   CT_OK);
  const double h = 0.5 * tanhf(0.5f), want_h[3] = {h, h, h}, want_c[3] = {0.5, 0.5, 0.5};
  assert_true(tu_allclose(r.output, want_h, 3, 1e-7, 0));
  assert_true(tu_allclose(r.c_n, want_c, 3, 0, 0));
  ct_module_free(m);
  ct_scope_close(s);
}

static void test_names_and_reprs(void **state) {
  (void)state;
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = 2, o.bias = false, o.batch_first = true, o.dropout = 0.5, o.bidirectional = true;
  ct_module *m = ct_lstm_new(4, 5, o);
  char text[256];
  assert_int_equal(ct_module_repr(m, text, sizeof text), CT_OK);
  assert_string_equal(
      text, "LSTM(4, 5, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)");
  ct_named_list *names = ct_module_named_parameters(m);
  static const char *const want[] = {"weight_ih_l0",         "weight_hh_l0",        "weight_ih_l0_reverse",
                                     "weight_hh_l0_reverse", "weight_ih_l1",        "weight_hh_l1",
                                     "weight_ih_l1_reverse", "weight_hh_l1_reverse"};
  assert_int_equal(names->count, 8);
  for (int i = 0; i < 8; i++)
    assert_string_equal(names->items[i].name, want[i]);
  assert_int_equal(ct_shape(names->items[4].tensor)[1], 10); // layer 1 reads both directions
  ct_named_list_free(names);
  ct_module_free(m);
  o = ct_rnn_defaults();
  o.nonlinearity = "relu";
  o.bias = false;
  m = ct_rnn_cell_new(3, 4, o);
  assert_int_equal(ct_module_repr(m, text, sizeof text), CT_OK);
  assert_string_equal(text, "RNNCell(3, 4, bias=False, nonlinearity=relu)");
  ct_module_free(m);
}

typedef struct inputs {
  ct_tensor *x, *x_small, *h_bad, *lengths_unsorted, *lengths_zero;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))
static ct_module *lstm_4_5;

static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {.x = ct_ones(CT_SHAPE(5, 3, 4), CT_FLOAT32),
               .x_small = ct_ones(CT_SHAPE(5, 3, 2), CT_FLOAT32),
               .h_bad = ct_zeros(CT_SHAPE(1, 2, 5), CT_FLOAT32),
               .lengths_unsorted = ct_tensor_from_i64((int64_t[]){3, 4, 1}, CT_SHAPE(3)),
               .lengths_zero = ct_tensor_from_i64((int64_t[]){4, 3, 0}, CT_SHAPE(3))};
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

static void error_cases(bool scoped) {
  inputs in = make_inputs();
  ct_rnn_output r;
  ct_packed_sequence p;
  EXPECT_STATUS(ct_rnn_forward(lstm_4_5, in.x_small, NULL, NULL, &r), CT_ERR_RUNTIME,
                "input.size(-1) must be equal to input_size. Expected 4, got 2");
  EXPECT_STATUS(ct_rnn_forward(lstm_4_5, in.x, in.h_bad, in.h_bad, &r), CT_ERR_RUNTIME,
                "Expected hidden[0] size (1, 3, 5), got [1, 2, 5]");
  EXPECT_STATUS(
      ct_pack_padded_sequence(in.x, in.lengths_unsorted, false, true, &p), CT_ERR_RUNTIME,
      "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
      "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
      "if you do not need ONNX exportability.");
  EXPECT_STATUS(
      ct_pack_padded_sequence(in.x, in.lengths_zero, false, false, &p), CT_ERR_RUNTIME,
      "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

static void test_errors_without_and_with_scope(void **state) {
  (void)state;
  lstm_4_5 = ct_lstm_new(4, 5, ct_rnn_defaults());
  tu_errors_in_scope(error_cases, NUM_INPUTS);
  tu_errors_in_root_scope(error_cases);
  ct_module_free(lstm_4_5);
}

// Declared in src/core/device.h (internal; the tests link the static library).
void ct__test_set_device(ct_tensor *t, ct_device device);

// ATen's check_attributes: states on another device than the input, then the backend.
static void test_devices(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *gru = ct_gru_new(2, 3, ct_rnn_defaults());
  ct_tensor *x = ct_ones(CT_SHAPE(4, 1, 2), CT_FLOAT32), *h = ct_zeros(CT_SHAPE(1, 1, 3), CT_FLOAT32);
  ct__test_set_device(h, CT_CUDA);
  ct_rnn_output r;
  EXPECT_STATUS(
      ct_rnn_forward(gru, x, h, NULL, &r), CT_ERR_RUNTIME,
      "Input and hidden tensors are not at the same device, found input tensor at cpu and hidden tensor "
      "at cuda:0");
  ct__test_set_device(h, CT_CPU);
  ct_module_free(gru);
  ct_scope_close(s);
}

// A training step in a scope gives back every block it took (graph, saved rows, states).
static void test_step_frees_everything(void **state) {
  (void)state;
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = 2, o.bidirectional = true, o.dropout = 0.3;
  ct_module *m = ct_gru_new(3, 4, o);
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_keep(ct_randn(CT_SHAPE(6, 2, 3), CT_FLOAT32));
  ct_scope_close(s);
  for (int round = 0; round < 2; round++) { // the first warms the caches
    const int64_t before = ct__pool_live_blocks();
    s = ct_scope_open();
    ct_rnn_output r;
    assert_int_equal(ct_rnn_forward(m, x, NULL, NULL, &r), CT_OK);
    assert_int_equal(ct_backward(ct_sum(r.output), NULL), CT_OK);
    ct_scope_close(s);
    ct_module_zero_grad(m, true);
    if (round) assert_int_equal(ct__pool_live_blocks(), before);
  }
  ct_scope_release(x);
  ct_module_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lstm_gradients),
      cmocka_unit_test(test_gru_packed_unsorted_gradients),
      cmocka_unit_test(test_rnn_gradients),
      cmocka_unit_test(test_cell_gradients),
      cmocka_unit_test(test_lstm_zero_weights),
      cmocka_unit_test(test_names_and_reprs),
      cmocka_unit_test(test_errors_without_and_with_scope),
      cmocka_unit_test(test_step_frees_everything),
      cmocka_unit_test(test_devices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

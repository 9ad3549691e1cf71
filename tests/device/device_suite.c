// The op, autograd, nn and optimizer suites run on a device and compared with the same
// work on ctorch's CPU: `device_suite cuda` on a real GPU (exit 77, reported skipped by
// ctest, where none is usable), `device_suite emulated` on the emulated device of
// tests/util (the CPU's kernels behind CT_CUDA: the plumbing, bit for bit). Elementwise
// results must match bitwise on any device; results whose order of summation a device
// may choose (reductions, GEMM, convolutions, training) within float tolerances there.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "emulated_device.h"

#define SKIP 77
static bool exact_everywhere; // the emulated device runs the CPU's own kernels
static int failures;

// Checks that device result d has CPU result c's shape and values: bitwise when `bitwise`
// (or on the emulated device), else within rtol 1e-5 / atol 1e-6 (float64: 1e-12 / 1e-12).
static void check(const char *what, ct_tensor *d, ct_tensor *c, bool bitwise) {
  if (!d || !c) {
    printf("FAIL %s: %s\n", what, ct_last_error());
    failures++;
    return;
  }
  int64_t n = ct_numel(c);
  if (ct_numel(d) != n || ct_dim(d) != ct_dim(c) || ct_get_device(c) != CT_CPU || ct_get_device(d) == CT_CPU) {
    printf("FAIL %s: shapes or devices differ\n", what);
    failures++;
    return;
  }
  double *vd = malloc((size_t)(n ? n : 1) * sizeof *vd), *vc = malloc((size_t)(n ? n : 1) * sizeof *vc);
  ct_to_f64_array(d, vd), ct_to_f64_array(c, vc);
  const bool f64 = ct_get_dtype(c) == CT_FLOAT64;
  const double rtol = f64 ? 1e-12 : 1e-5, atol = f64 ? 1e-12 : 1e-6;
  for (int64_t i = 0; i < n; i++) {
    bool same = bitwise || exact_everywhere ? memcmp(&vd[i], &vc[i], sizeof(double)) == 0
                                            : fabs(vd[i] - vc[i]) <= atol + rtol * fabs(vc[i]);
    if (!same) {
      printf("FAIL %s: element %lld is %.9g on the device, %.9g on the CPU\n", what, (long long)i, vd[i], vc[i]);
      failures++;
      break;
    }
  }
  free(vd);
  free(vc);
}

static ct_tensor *dev(ct_tensor *t) { return ct_cuda(t); }

static void op_suite(void) {
  ct_scope *s = ct_scope_open();
  ct_manual_seed(0);
  ct_tensor *a = ct_randn(CT_SHAPE(5, 7), CT_FLOAT32), *b = ct_randn(CT_SHAPE(7), CT_FLOAT32);
  ct_tensor *x = ct_randn(CT_SHAPE(4, 6), CT_FLOAT64), *i = ct_randint(0, 5, CT_SHAPE(3));
  ct_tensor *da = dev(a), *db = dev(b), *dx = dev(x), *di = dev(i);
  check("add (broadcast)", ct_add(da, db), ct_add(a, b), true);
  check("mul by a CPU scalar tensor", ct_mul(da, ct_scalar(3, CT_FLOAT32)), ct_mul(a, ct_scalar(3, CT_FLOAT32)), true);
  check("div with promotion", ct_div(da, ct_to_device(ct_arange(1, 8, 1, CT_INT64), CT_CUDA, -1)),
        ct_div(a, ct_arange(1, 8, 1, CT_INT64)), true);
  check("exp", ct_exp(da), ct_exp(a), true);
  check("tanh float64", ct_tanh(dx), ct_tanh(x), true);
  check("sigmoid", ct_sigmoid(da), ct_sigmoid(a), true);
  check("gt", ct_gt(da, db), ct_gt(a, b), true);
  check("where", ct_where(ct_gt(da, db), da, db), ct_where(ct_gt(a, b), a, b), true);
  check("transpose contiguous", ct_contiguous(ct_transpose(da, 0, 1)), ct_contiguous(ct_transpose(a, 0, 1)), true);
  check("sum", ct_sum(da), ct_sum(a), false);
  check("mean float64", ct_mean(dx), ct_mean(x), false);
  check("amax", ct_amax(da, (int[]){1}, 1, false), ct_amax(a, (int[]){1}, 1, false), true);
  check("softmax", ct_softmax(da, 1), ct_softmax(a, 1), false);
  check("log_softmax", ct_log_softmax(da, 0), ct_log_softmax(a, 0), false);
  check("matmul", ct_matmul(da, ct_transpose(da, 0, 1)), ct_matmul(a, ct_transpose(a, 0, 1)), false);
  check("mv", ct_matmul(da, db), ct_matmul(a, b), false);
  check("index_select", ct_index_select(da, 0, di), ct_index_select(a, 0, i), true);
  check("cat", ct_cat((ct_tensor *[]){da, da}, 2, 1), ct_cat((ct_tensor *[]){a, a}, 2, 1), true);
  check("cumsum", ct_cumsum(da, 1), ct_cumsum(a, 1), false);
  ct_scope_close(s);
}

// n values of t as doubles (caller frees).
static double *values(ct_tensor *t, int64_t n) {
  double *v = calloc((size_t)n, sizeof *v);
  if (!t || ct_numel(t) != n || ct_to_f64_array(t, v) != CT_OK) {
    free(v);
    return NULL;
  }
  return v;
}

static void expect(const char *what, bool ok) {
  if (!ok) {
    printf("FAIL %s%s%s\n", what, *ct_last_error() ? ": " : "", ct_last_error());
    failures++;
  }
}

// multinomial on the device: samples only where the weights allow, repeatable after
// seeding, bad rows reported.
static void multinomial_suite(void) {
  const float w[2][4] = {{0, 0, 1, 0}, {0, 1, 0, 3}};
  ct_tensor *p = ct_tensor_from_data_on(w, CT_FLOAT32, CT_FLOAT32, 2, (int64_t[]){2, 4}, CT_CUDA, -1);
  ct_cuda_manual_seed(8);
  double *a = values(ct_multinomial(p, 50, true), 100);
  ct_cuda_manual_seed(8);
  double *b = values(ct_multinomial(p, 50, true), 100);
  expect("multinomial with replacement on cuda", a && b);
  if (a && b) {
    bool ok = !memcmp(a, b, 100 * sizeof(double));
    int threes = 0;
    for (int i = 0; i < 50; i++) ok &= a[i] == 2 && (a[50 + i] == 1 || a[50 + i] == 3), threes += a[50 + i] == 3;
    expect("multinomial with replacement: weights and repeat", ok && threes > 25);
  }
  free(a), free(b);
  double *c = values(ct_multinomial(p, 2, false), 4);
  expect("multinomial without replacement on cuda", c && (c[0] == 2) && (c[2] + c[3] == 4) && c[2] != c[3]);
  free(c);
  const float badw[4] = {0, -1, 1, 0};
  ct_tensor *bad = ct_tensor_from_data_on(badw, CT_FLOAT32, CT_FLOAT32, 1, (int64_t[]){4}, CT_CUDA, -1);
  ct_clear_error();
  expect("multinomial of a negative weight fails",
         !ct_multinomial(bad, 2, true) &&
             !strcmp(ct_last_error(), "invalid multinomial distribution (encountering probability entry < 0)"));
  ct_clear_error();
}

// Random draws on the device from its own generator. On a GPU: Philox numbers that repeat
// after ct_cuda_manual_seed, move on otherwise and differ from the CPU generator's; on the
// emulated device (the CPU's random family): the CPU generator's numbers, bitwise.
static void random_suite(bool gpu) {
  ct_scope *s = ct_scope_open();
  enum { N = 1000 };
  if (!gpu) {
    ct_manual_seed(4);
    ct_tensor *d = ct_rand_on(CT_SHAPE(N), CT_FLOAT32, CT_CUDA, -1);
    ct_manual_seed(4);
    check("rand_on (emulated: the CPU generator)", d, ct_rand(CT_SHAPE(N), CT_FLOAT32), true);
    ct_scope_close(s);
    return;
  }
  ct_cuda_manual_seed(5);
  expect("cuda initial_seed", ct_cuda_initial_seed() == 5);
  double *a = values(ct_rand_on(CT_SHAPE(N), CT_FLOAT32, CT_CUDA, -1), N);
  ct_cuda_manual_seed(5);
  double *b = values(ct_rand_on(CT_SHAPE(N), CT_FLOAT32, CT_CUDA, -1), N);
  double *c = values(ct_rand_on(CT_SHAPE(N), CT_FLOAT32, CT_CUDA, -1), N);
  ct_manual_seed(5); // seeds the GPUs too
  double *cpu = values(ct_rand(CT_SHAPE(N), CT_FLOAT32), N);
  double *d = values(ct_rand_on(CT_SHAPE(N), CT_FLOAT32, CT_CUDA, -1), N);
  expect("rand on cuda", a && b && c && cpu && d);
  if (a && b && c && cpu && d) {
    bool in_range = true;
    for (int i = 0; i < N; i++) in_range &= a[i] >= 0 && a[i] < 1;
    expect("rand on cuda in [0, 1)", in_range);
    expect("rand on cuda repeats after cuda_manual_seed", !memcmp(a, b, sizeof(double) * N));
    expect("rand on cuda moves on", memcmp(b, c, sizeof(double) * N) != 0);
    expect("manual_seed seeds cuda", !memcmp(a, d, sizeof(double) * N));
    expect("rand on cuda differs from the CPU's", memcmp(a, cpu, sizeof(double) * N) != 0);
  }
  free(a), free(b), free(c), free(cpu), free(d);
  double *n = values(ct_randn_on(CT_SHAPE(N), CT_FLOAT64, CT_CUDA, -1), N), mean = 0;
  for (int i = 0; n && i < N; i++) mean += n[i] / N;
  expect("randn on cuda (mean near 0)", n && fabs(mean) < 0.15);
  free(n);
  ct_tensor *p = ct_sort(ct_randperm_on(N, CT_CUDA, -1), 0, false, false, NULL);
  check("randperm on cuda is a permutation", p, ct_arange(0, N, 1, CT_INT64), true);
  ct_generator *g = ct_generator_new();
  ct_clear_error();
  expect("a CPU generator on cuda fails",
         !ct_uniform_gen_(ct_zeros_on(CT_SHAPE(3), CT_FLOAT32, CT_CUDA, -1), 0, 1, g) &&
             !strcmp(ct_last_error(), "Expected a 'cuda' device type for generator but found 'cpu'"));
  ct_generator_free(g);
  ct_clear_error();
  multinomial_suite();
  ct_scope_close(s);
}

static void autograd_suite(void) {
  ct_scope *s = ct_scope_open();
  ct_manual_seed(1);
  ct_tensor *w = ct_randn(CT_SHAPE(3, 4), CT_FLOAT64);
  ct_tensor *dw = ct_detach(dev(w));
  ct_set_requires_grad(w, true);
  ct_set_requires_grad(dw, true);
  ct_tensor *loss[2];
  ct_tensor *in[2] = {w, dw};
  for (int k = 0; k < 2; k++) {
    ct_tensor *t = in[k];
    loss[k] = ct_sum(ct_mul(ct_tanh(ct_matmul(t, ct_transpose(t, 0, 1))), ct_sigmoid(ct_sum_dim(t, 1, true))));
    ct_backward(loss[k], NULL);
  }
  check("autograd loss", loss[1], loss[0], false);
  check("autograd grad", ct_grad(dw), ct_grad(w), false);
  ct_scope_close(s);
}

// The models the nn suite trains: a small CNN (conv, pool, layer norm, linear), and a
// sequence model (embedding, LSTM, batch norm with its running statistics, linear).
static ct_module *cnn(void) {
  return ct_sequential_new(
      6, (ct_module *[]){ct_conv2d_new(1, 4, (int64_t[]){3, 3}, ct_conv_defaults()), ct_relu_new(),
                         ct_max_pool2d_new((int64_t[]){2, 2}, ct_pool_defaults()), ct_flatten_new(1, -1),
                         ct_layer_norm_new(1, (int64_t[]){36}, 1e-5, true), ct_linear_new(36, 3, true)});
}

static ct_module *sequence_model(void) {
  ct_rnn_options o = ct_rnn_defaults();
  o.batch_first = true;
  return ct_sequential_new(5, (ct_module *[]){ct_embedding_new(10, 6, -1), ct_lstm_new(6, 8, o), ct_flatten_new(1, -1),
                                              ct_batch_norm1d_new(32, ct_batch_norm_defaults()),
                                              ct_linear_new(32, 3, true)});
}

// The model trained 3 steps with Adam on one device; inputs drawn on the CPU, then moved.
static void train(bool sequences, ct_device device, ct_tensor **out_loss, ct_named_list **out_params,
                  ct_module **out_model, ct_optimizer **out_opt) {
  ct_manual_seed(2);
  ct_module *model = sequences ? sequence_model() : cnn();
  ct_module_to(model, device, -1);
  int n;
  ct_tensor **params = ct_module_parameters(model, &n);
  ct_optimizer *opt = ct_adam_new(params, n, ct_adam_defaults());
  free(params);
  ct_manual_seed(3);
  ct_tensor *x = ct_to_device(sequences ? ct_randint(0, 10, CT_SHAPE(5, 4)) : ct_randn(CT_SHAPE(5, 1, 8, 8), CT_FLOAT32),
                              device, -1);
  ct_tensor *y = ct_to_device(ct_randint(0, 3, CT_SHAPE(5)), device, -1);
  ct_tensor *loss = NULL;
  for (int step = 0; step < 3; step++) {
    ct_optimizer_zero_grad(opt, true);
    loss = ct_cross_entropy(ct_module_forward(model, x), y, NULL, -100, 0.0, CT_REDUCTION_MEAN);
    ct_backward(loss, NULL);
    ct_optimizer_step(opt);
  }
  *out_loss = loss;
  *out_params = ct_module_state_dict(model); // parameters and buffers
  *out_model = model;
  *out_opt = opt;
}

static void nn_optimizer_suite(bool sequences) {
  ct_scope *s = ct_scope_open();
  ct_tensor *loss[2];
  ct_named_list *params[2];
  ct_module *model[2];
  ct_optimizer *opt[2];
  train(sequences, CT_CPU, &loss[0], &params[0], &model[0], &opt[0]);
  train(sequences, CT_CUDA, &loss[1], &params[1], &model[1], &opt[1]);
  check("nn loss", loss[1], loss[0], false);
  for (int i = 0; params[0] && params[1] && i < params[0]->count; i++) {
    char what[300];
    snprintf(what, sizeof what, "adam-trained %s", params[0]->items[i].name);
    check(what, params[1]->items[i].tensor, params[0]->items[i].tensor, false);
  }
  for (int k = 0; k < 2; k++) {
    ct_named_list_free(params[k]);
    ct_optimizer_free(opt[k]);
    ct_module_free(model[k]);
  }
  ct_scope_close(s);
}

int main(int argc, char **argv) {
  const char *device = argc > 1 ? argv[1] : "";
  if (!strcmp(device, "emulated")) {
    emu_install(1);
    exact_everywhere = true;
  } else if (strcmp(device, "cuda") != 0) {
    fprintf(stderr, "usage: device_suite cuda|emulated\n");
    return 2;
  }
  if (!ct_cuda_is_available()) {
    ct_tensor *probe = ct_zeros_on(CT_SHAPE(1), CT_FLOAT32, CT_CUDA, -1);
    printf("skipped: no usable CUDA device (%s)\n", probe ? "?" : ct_last_error());
    return SKIP;
  }
  op_suite();
  random_suite(strcmp(device, "cuda") == 0);
  autograd_suite();
  nn_optimizer_suite(false);
  nn_optimizer_suite(true);
  if (!strcmp(device, "emulated")) emu_uninstall();
  printf("%s\n", failures ? "FAILED" : "all device suites passed");
  return failures ? 1 : 0;
}

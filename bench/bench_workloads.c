// ctorch side of `make bench`: times each workload and prints `<workload> <median seconds>`.
// The PyTorch side (bench_torch.py) runs the same workloads; bench/run.sh pairs them up.
#define _POSIX_C_SOURCE 200809L
#include "bench_steps.h"

// ---- training steps (bench_steps.h) ----

static double seed_mlp_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_tensor *y = ct_ones(CT_SHAPE(10, 5), CT_FLOAT32);
  ct_tensor *x = ct_add(y, ct_randn_like(y));
  ct_module *model = ct_sequential_new(4, (ct_module *[]){ct_linear_new(5, 3, true), ct_relu_new(),
                                                          ct_linear_new(3, 5, true), ct_sigmoid_new()});
  double secs = time_training(model, x, y, false, 0.1, 15, 200);
  ct_module_free(model);
  ct_scope_close(data);
  return secs;
}

static double mlp784_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_tensor *x = ct_randn(CT_SHAPE(128, 784), CT_FLOAT32);
  ct_tensor *target = ct_randint(0, 10, CT_SHAPE(128));
  ct_module *model = mlp784_model();
  double secs = time_training(model, x, target, true, 1e-3, 9, 5);
  ct_module_free(model);
  ct_scope_close(data);
  return secs;
}

// The same step with a thread budget of 2: ctorch's parallel loops and OpenBLAS share it.
static double mlp784_step_2t(void) {
  const int before = ct_get_num_threads();
  ct_set_num_threads(2);
  double secs = mlp784_step();
  ct_set_num_threads(before);
  return secs;
}

// ---- the examples (bench_steps.h): the word_window demo's 1000 epochs, one epoch of
// digits_cnn, one char_lm step ----

static double word_window_train(void) { return example_epochs("word_window", "--epochs", "1000", NULL, 7); }

// One epoch (training pass and test accuracy) of digits_cnn, the mean of ten. Skipped
// (negative) when the digits data is not installed; the example says so on stderr.
static double digits_cnn_epoch(void) {
  if (spawn_example(&(example_run){"digits_cnn", "--epochs", "0", NULL}) != 0) return -1;
  return example_epochs("digits_cnn", "--epochs", "10", NULL, 7) / 10;
}

static double char_lm_step(void) { return char_lm_step_on(NULL); }

// ---- elementwise and reduction over 4M floats ----

typedef struct big_inputs {
  ct_tensor *a, *b;
} big_inputs;

static void add_once(void *ctx) {
  big_inputs *in = ctx;
  ct_scope *s = ct_scope_open();
  ct_add(in->a, in->b);
  ct_scope_close(s);
}

static void sum_once(void *ctx) {
  big_inputs *in = ctx;
  ct_scope *s = ct_scope_open();
  ct_sum(in->a);
  ct_scope_close(s);
}

static double time_big(workload_fn fn) {
  ct_scope *data = ct_scope_open();
  big_inputs in = {ct_rand(CT_SHAPE(4 << 20), CT_FLOAT32), ct_rand(CT_SHAPE(4 << 20), CT_FLOAT32)};
  double secs = median_time(fn, &in, 21, 5);
  ct_scope_close(data);
  return secs;
}

static double add_4m(void) { return time_big(add_once); }
static double sum_4m(void) { return time_big(sum_once); }

// ---- a convolution layer's forward and backward (bench_steps.h) ----

static double conv2d_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  conv_setup c = conv2d_setup(NULL);
  double secs = median_time(conv_step, &c, 15, 3);
  ct_module_free(c.conv);
  ct_scope_close(data);
  return secs;
}

// ---- an LSTM training step ----
// LSTM(64, 128, num_layers=2, batch_first) on 32 sequences of 50 steps: forward, backward
// of a given output gradient, Adam step.

typedef struct lstm_setup {
  ct_module *lstm;
  ct_optimizer *optimizer;
  ct_tensor *x, *grad_out;
} lstm_setup;

static void lstm_train_step(void *ctx) {
  lstm_setup *l = ctx;
  ct_scope *step = ct_scope_open();
  ct_optimizer_zero_grad(l->optimizer, true);
  if (ct_backward(ct_module_forward(l->lstm, l->x), l->grad_out) != CT_OK ||
      ct_optimizer_step(l->optimizer) != CT_OK) {
    fprintf(stderr, "bench: lstm step failed: %s\n", ct_last_error());
    exit(1);
  }
  ct_scope_close(step);
}

static double lstm_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_rnn_options o = ct_rnn_defaults();
  o.num_layers = 2, o.batch_first = true;
  lstm_setup l = {ct_lstm_new(64, 128, o), NULL, ct_randn(CT_SHAPE(32, 50, 64), CT_FLOAT32),
                  ct_randn(CT_SHAPE(32, 50, 128), CT_FLOAT32)};
  int n;
  ct_tensor **params = ct_module_parameters(l.lstm, &n);
  l.optimizer = ct_adam_new(params, n, ct_adam_defaults());
  free(params);
  double secs = median_time(lstm_train_step, &l, 9, 3);
  ct_optimizer_free(l.optimizer);
  ct_module_free(l.lstm);
  ct_scope_close(data);
  return secs;
}

int main(int argc, char **argv) {
  bench_find_examples(argv[0]);
  struct {
    const char *name;
    double (*run)(void);
  } workloads[] = {{"seed_mlp_step", seed_mlp_step},
                   {"mlp784_step", mlp784_step},
                   {"mlp784_step_2t", mlp784_step_2t},
                   {"word_window_train", word_window_train},
                   {"digits_cnn_epoch", digits_cnn_epoch},
                   {"add_4m", add_4m},
                   {"sum_4m", sum_4m},
                   {"conv2d_step", conv2d_step},
                   {"lstm_step", lstm_step},
                   {"char_lm_step", char_lm_step}};
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++) {
    bool wanted = argc < 2;
    for (int k = 1; k < argc; k++)
      wanted |= !strcmp(argv[k], workloads[i].name);
    if (wanted) {
      double secs = workloads[i].run();
      if (secs >= 0) printf("%s %.9f\n", workloads[i].name, secs);
      fflush(stdout);
    }
  }
  return 0;
}

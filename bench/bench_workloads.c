// ctorch side of `make bench`: times each workload and prints `<workload> <median seconds>`.
// The PyTorch side (bench_torch.py) runs the same workloads; bench/run.sh pairs them up.
#define _POSIX_C_SOURCE 200809L
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ctorch.h>
#include "bench_timing.h"

extern char **environ;

typedef void (*workload_fn)(void *ctx);

// Median over `repeats` of the mean time of `inner` calls, after one warm-up call.
static double median_time(workload_fn fn, void *ctx, int repeats, int inner) {
  double times[64];
  fn(ctx);
  for (int r = 0; r < repeats; r++) {
    double t0 = bench_now();
    for (int i = 0; i < inner; i++) fn(ctx);
    times[r] = (bench_now() - t0) / inner;
  }
  return bench_median(times, repeats);
}

// ---- training steps ----

typedef struct train_setup {
  ct_module *model;
  ct_optimizer *optimizer;
  ct_tensor *x, *target;
  bool cross_entropy; // else BCELoss
} train_setup;

static void train_step(void *ctx) {
  train_setup *t = ctx;
  ct_scope *step = ct_scope_open();
  ct_optimizer_zero_grad(t->optimizer, true);
  ct_tensor *out = ct_module_forward(t->model, t->x);
  ct_tensor *loss = t->cross_entropy ? ct_cross_entropy(out, t->target, NULL, -100, 0.0, CT_REDUCTION_MEAN)
                                     : ct_binary_cross_entropy(out, t->target, NULL, CT_REDUCTION_MEAN);
  if (ct_backward(loss, NULL) != CT_OK || ct_optimizer_step(t->optimizer) != CT_OK) {
    fprintf(stderr, "bench: training step failed: %s\n", ct_last_error());
    exit(1);
  }
  ct_scope_close(step);
}

static double time_training(ct_module *model, ct_tensor *x, ct_tensor *target, bool cross_entropy, double lr,
                            int repeats, int inner) {
  int n;
  ct_tensor **params = ct_module_parameters(model, &n);
  ct_adam_options options = ct_adam_defaults();
  options.lr = lr;
  train_setup t = {model, ct_adam_new(params, n, options), x, target, cross_entropy};
  free(params);
  double secs = median_time(train_step, &t, repeats, inner);
  ct_optimizer_free(t.optimizer);
  return secs;
}

static double seed_mlp_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_tensor *y = ct_ones(CT_SHAPE(10, 5), CT_FLOAT32);
  ct_tensor *x = ct_add(y, ct_randn_like(y));
  ct_module *model = ct_sequential_new(
      4, (ct_module *[]){ct_linear_new(5, 3, true), ct_relu_new(), ct_linear_new(3, 5, true), ct_sigmoid_new()});
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
  ct_module *model = ct_sequential_new(5, (ct_module *[]){ct_linear_new(784, 512, true), ct_relu_new(),
                                                          ct_linear_new(512, 512, true), ct_relu_new(),
                                                          ct_linear_new(512, 10, true)});
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

// ---- the examples: the word_window demo's 1000 epochs, one epoch of digits_cnn ----
// The PyTorch side times the same Python programs inside an already started Python, so
// process start-up is left out on both sides: an example runs with N epochs and with 0
// (start-up, data, model, and for the demo its prediction), and the difference is the
// training time.

static char examples_dir[4096];

typedef struct example_run {
  const char *program, *option, *count; // option: the example's "--epochs" or "--steps"
} example_run;

// The example's exit status (-1 when it could not start), its output discarded.
static int spawn_example(const example_run *run) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", examples_dir, run->program);
  char *argv[] = {path, (char *)run->option, (char *)run->count, NULL};
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1 /* O_WRONLY */, 0);
  int status = -1;
  if (posix_spawn(&pid, path, &actions, NULL, argv, environ) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return status;
}

static void run_example(void *ctx) {
  const example_run *run = ctx;
  if (spawn_example(run) != 0) {
    fprintf(stderr, "bench: %s/%s %s %s failed\n", examples_dir, run->program, run->option, run->count);
    exit(1);
  }
}

// Seconds of `count` training epochs (or steps) of an example: its run with them less its
// run without.
static double example_epochs(const char *program, const char *option, const char *count, int repeats) {
  example_run full = {program, option, count}, startup = {program, option, "0"};
  double with = median_time(run_example, &full, repeats, 1);
  double without = median_time(run_example, &startup, repeats, 1);
  return with > without ? with - without : with;
}

static double word_window_train(void) { return example_epochs("word_window", "--epochs", "1000", 7); }

// One epoch (training pass and test accuracy) of digits_cnn, the mean of ten. Skipped
// (negative) when the digits data is not installed; the example says so on stderr.
static double digits_cnn_epoch(void) {
  if (spawn_example(&(example_run){"digits_cnn", "--epochs", "0"}) != 0) return -1;
  return example_epochs("digits_cnn", "--epochs", "10", 7) / 10;
}

// One training step of char_lm at batch 64 (the mean of 200). Skipped (negative) when the
// example or the word list is missing; the example says which on stderr.
static double char_lm_step(void) {
  if (spawn_example(&(example_run){"char_lm", "--steps", "0"}) != 0) return -1;
  return example_epochs("char_lm", "--steps", "200", 3) / 200;
}

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

// ---- a convolution layer's forward and backward ----
// Conv2d(16, 32, 3, padding=1) on a 32x16x32x32 batch that requires grad: the output
// gradient is given, so the step is the convolution and the three gradients.

typedef struct conv_setup {
  ct_module *conv;
  ct_tensor *x, *grad_out;
} conv_setup;

static void conv_step(void *ctx) {
  conv_setup *c = ctx;
  ct_scope *step = ct_scope_open();
  ct_module_zero_grad(c->conv, true);
  ct_set_grad(c->x, NULL);
  if (ct_backward(ct_module_forward(c->conv, c->x), c->grad_out) != CT_OK) {
    fprintf(stderr, "bench: conv2d step failed: %s\n", ct_last_error());
    exit(1);
  }
  ct_scope_close(step);
}

static double conv2d_step(void) {
  ct_manual_seed(0);
  ct_scope *data = ct_scope_open();
  ct_conv_options o = ct_conv_defaults();
  o.padding[0] = o.padding[1] = 1;
  conv_setup c = {ct_conv2d_new(16, 32, (const int64_t[]){3, 3}, o), ct_randn(CT_SHAPE(32, 16, 32, 32), CT_FLOAT32),
                  ct_randn(CT_SHAPE(32, 32, 32, 32), CT_FLOAT32)};
  ct_set_requires_grad(c.x, true);
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
  // The examples sit in ../examples relative to this program.
  snprintf(examples_dir, sizeof examples_dir, "%s", argv[0]);
  char *slash = strrchr(examples_dir, '/');
  snprintf(slash ? slash + 1 : examples_dir,
           sizeof examples_dir - (size_t)(slash ? slash + 1 - examples_dir : 0), "../examples");
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
    for (int k = 1; k < argc; k++) wanted |= !strcmp(argv[k], workloads[i].name);
    if (wanted) {
      double secs = workloads[i].run();
      if (secs >= 0) printf("%s %.9f\n", workloads[i].name, secs);
      fflush(stdout);
    }
  }
  return 0;
}

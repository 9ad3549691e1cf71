// The workloads both benchmark programs time (bench_workloads.c on the CPU, bench_cuda.c
// on a GPU against all CPU cores): the timing loop, a training step, a convolution step,
// and the examples run as programs. Included once per program.
#ifndef CTORCH_BENCH_STEPS_H
#define CTORCH_BENCH_STEPS_H
#include "bench_timing.h"
#include <ctorch.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

typedef void (*workload_fn)(void *ctx);

/// Called after each timed batch of calls when set: waits for queued device work, so a
/// GPU timing covers the kernels and not only their launch.
static void (*bench_settle)(void);

/// Median over `repeats` of the mean time of `inner` calls, after one warm-up call.
static inline double median_time(workload_fn fn, void *ctx, int repeats, int inner) {
  double times[64];
  fn(ctx);
  if (bench_settle) bench_settle();
  for (int r = 0; r < repeats; r++) {
    double t0 = bench_now();
    for (int i = 0; i < inner; i++)
      fn(ctx);
    if (bench_settle) bench_settle();
    times[r] = (bench_now() - t0) / inner;
  }
  return bench_median(times, repeats);
}

// ---- a training step: zero_grad, forward, loss, backward, optimizer step ----

typedef struct train_setup {
  ct_module *model;
  ct_optimizer *optimizer;
  ct_tensor *x, *target;
  bool cross_entropy; // else BCELoss
} train_setup;

static inline void train_step(void *ctx) {
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

/// Seconds per train_step of `model` with Adam(lr) (median_time's median).
static inline double time_training(ct_module *model, ct_tensor *x, ct_tensor *target, bool cross_entropy,
                                   double lr, int repeats, int inner) {
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

/// mlp784_step's model: Linear(784, 512), ReLU, Linear(512, 512), ReLU, Linear(512, 10).
static inline ct_module *mlp784_model(void) {
  return ct_sequential_new(5, (ct_module *[]){ct_linear_new(784, 512, true), ct_relu_new(),
                                              ct_linear_new(512, 512, true), ct_relu_new(),
                                              ct_linear_new(512, 10, true)});
}

// ---- a convolution layer's forward and backward ----
// Conv2d(16, 32, 3, padding=1) on a 32x16x32x32 batch that requires grad: the output
// gradient is given, so the step is the convolution and the three gradients.

typedef struct conv_setup {
  ct_module *conv;
  ct_tensor *x, *grad_out;
} conv_setup;

static inline void conv_step(void *ctx) {
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

/// conv2d_step's layer and data (after ct_manual_seed(0)), the tensors passed through
/// `place` when given (a move to a device, before x is made to require grad).
static inline conv_setup conv2d_setup(ct_tensor *(*place)(ct_tensor *)) {
  ct_conv_options o = ct_conv_defaults();
  o.padding[0] = o.padding[1] = 1;
  conv_setup c = {ct_conv2d_new(16, 32, (const int64_t[]){3, 3}, o),
                  ct_randn(CT_SHAPE(32, 16, 32, 32), CT_FLOAT32),
                  ct_randn(CT_SHAPE(32, 32, 32, 32), CT_FLOAT32)};
  if (place) c.x = place(c.x), c.grad_out = place(c.grad_out);
  ct_set_requires_grad(c.x, true);
  return c;
}

// ---- the examples, run as programs ----
// The PyTorch side times the same Python programs inside an already started Python, so
// process start-up is left out on both sides: an example runs with N epochs and with 0
// (start-up, data, model, and for the demo its prediction), and the difference is the
// training time.

static char examples_dir[4096];

/// The examples sit in ../examples relative to the benchmark program (argv[0]).
static inline void bench_find_examples(const char *argv0) {
  snprintf(examples_dir, sizeof examples_dir, "%s", argv0);
  char *slash = strrchr(examples_dir, '/');
  snprintf(slash ? slash + 1 : examples_dir,
           sizeof examples_dir - (size_t)(slash ? slash + 1 - examples_dir : 0), "../examples");
}

typedef struct example_run {
  const char *program, *option, *count; // option: the example's "--epochs" or "--steps"
  const char *device;                   // its --device, or NULL to leave the default
} example_run;

/// The example's exit status (-1 when it could not start), its output discarded.
static inline int spawn_example(const example_run *run) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", examples_dir, run->program);
  char *argv[] = {
      path, (char *)run->option, (char *)run->count, run->device ? "--device" : NULL, (char *)run->device,
      NULL};
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1 /* O_WRONLY */, 0);
  int status = -1;
  if (posix_spawn(&pid, path, &actions, NULL, argv, environ) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return status;
}

static inline void run_example(void *ctx) {
  const example_run *run = ctx;
  if (spawn_example(run) != 0) {
    fprintf(stderr, "bench: %s/%s %s %s failed\n", examples_dir, run->program, run->option, run->count);
    exit(1);
  }
}

/// Seconds of `count` training epochs (or steps) of an example on `device` (NULL: its
/// default): its run with them less its run without.
static inline double example_epochs(const char *program, const char *option, const char *count,
                                    const char *device, int repeats) {
  example_run full = {program, option, count, device}, startup = {program, option, "0", device};
  double with = median_time(run_example, &full, repeats, 1);
  double without = median_time(run_example, &startup, repeats, 1);
  return with > without ? with - without : with;
}

/// One training step of char_lm at batch 64 (the mean of 200) on `device`. Skipped
/// (negative) when the example or the word list is missing; the example says which on stderr.
static inline double char_lm_step_on(const char *device) {
  if (spawn_example(&(example_run){"char_lm", "--steps", "0", device}) != 0) return -1;
  return example_epochs("char_lm", "--steps", "200", device, 3) / 200;
}
#endif

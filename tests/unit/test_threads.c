// Threads: the thread budget (ct_set_num_threads, PyTorch's default read from live
// PyTorch), results that do not depend on the budget, and two threads each training its
// own model at the same time getting exactly what each gets alone.
#define _POSIX_C_SOURCE 200809L // popen
#include "unit.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---- the budget ----

static void test_set_and_get(void **state) {
  (void)state;
  const int before = ct_get_num_threads();
  assert_int_equal(ct_set_num_threads(3), CT_OK);
  assert_int_equal(ct_get_num_threads(), 3);
  assert_int_equal(ct_set_num_threads(before), CT_OK);
  assert_int_equal(ct_get_num_threads(), before);
}

static void test_rejects_non_positive_counts(void **state) {
  (void)state;
  const int before = ct_get_num_threads();
  EXPECT_STATUS(ct_set_num_threads(0), CT_ERR_ARG, "set_num_threads expects a positive integer");
  EXPECT_STATUS(ct_set_num_threads(-2), CT_ERR_ARG, "set_num_threads expects a positive integer");
  assert_int_equal(ct_get_num_threads(), before);
}

// The first line a shell command prints, as an int (-1 when it printed none).
static int command_int(const char *command) {
  FILE *p = popen(command, "r");
  assert_non_null(p);
  int v = -1;
  if (fscanf(p, "%d", &v) != 1) v = -1;
  pclose(p);
  return v;
}

// The default budget equals torch.get_num_threads() under the same environment: this
// program run with --num-threads prints its default, and so does live PyTorch.
static void test_default_is_pytorchs(void **state) {
  (void)state;
  const char *python = getenv("CTORCH_PYTHON");
  if (!python) python = "/usr/bin/python3";
  const char *environments[] = {"",
                                "OMP_NUM_THREADS=3",
                                "MKL_NUM_THREADS=5",
                                "OMP_NUM_THREADS=2 MKL_NUM_THREADS=5",
                                "OMP_NUM_THREADS=0 MKL_NUM_THREADS=4",
                                "OMP_NUM_THREADS=many"};
  for (size_t i = 0; i < sizeof environments / sizeof *environments; i++) {
    char ours[512], theirs[512];
    // env -u first, so the test's own environment does not leak into the cases.
    snprintf(ours, sizeof ours,
             "env -u OMP_NUM_THREADS -u MKL_NUM_THREADS %s /proc/%ld/exe --num-threads 2>/dev/null",
             environments[i], (long)getpid());
    snprintf(
        theirs, sizeof theirs,
        "env -u OMP_NUM_THREADS -u MKL_NUM_THREADS %s %s -c 'import torch; print(torch.get_num_threads())' "
        "2>/dev/null",
        environments[i], python);
    const int expected = command_int(theirs);
    assert_true(expected >= 1);
    if (command_int(ours) != expected)
      fail_msg("with '%s': ctorch %d, torch %d", environments[i], command_int(ours), expected);
  }
}

// ---- training runs ----

// One run: a model (built beforehand, on the main thread: layer constructors draw from the
// default generator, which two threads must not use at once), its own data drawn from its
// own generator, Adam, BCELoss. Records the loss of every step and the final parameters.
typedef struct run {
  int64_t in, hidden, batch;
  int steps;
  uint64_t data_seed;
  ct_module *model;
  float losses[64];
  float *params; // all parameters, flattened in named_parameters() order
  int64_t n_params;
  char error[256]; // empty when the run succeeded
} run;

static ct_module *make_model(int64_t in, int64_t hidden, uint64_t seed) {
  ct_manual_seed(seed);
  return ct_sequential_new(4, (ct_module *[]){ct_linear_new(in, hidden, true), ct_relu_new(),
                                              ct_linear_new(hidden, 1, true), ct_sigmoid_new()});
}

static void fail_run(run *r, const char *what) {
  snprintf(r->error, sizeof r->error, "%s: %s", what, ct_last_error());
}

static void *train(void *arg) {
  run *r = arg;
  ct_scope *outer = ct_scope_open();
  ct_generator *g = ct_generator_manual_seed(ct_generator_new(), r->data_seed);
  ct_tensor *x = ct_randn_gen(CT_SHAPE(r->batch, r->in), CT_FLOAT32, g);
  ct_tensor *y = ct_gt_scalar(ct_rand_gen(CT_SHAPE(r->batch, 1), CT_FLOAT32, g), 0.5);
  ct_tensor *target = ct_to_dtype(y, CT_FLOAT32);
  int n;
  ct_tensor **params = ct_module_parameters(r->model, &n);
  ct_adam_options options = ct_adam_defaults();
  options.lr = 0.01;
  ct_optimizer *adam = params && target ? ct_adam_new(params, n, options) : NULL;
  if (!adam) fail_run(r, "setup");
  for (int s = 0; adam && s < r->steps && !r->error[0]; s++) {
    ct_scope *step = ct_scope_open();
    ct_optimizer_zero_grad(adam, true);
    ct_tensor *loss =
        ct_binary_cross_entropy(ct_module_forward(r->model, x), target, NULL, CT_REDUCTION_MEAN);
    double value;
    if (ct_item(loss, &value) != CT_OK || ct_backward(loss, NULL) != CT_OK ||
        ct_optimizer_step(adam) != CT_OK)
      fail_run(r, "step");
    r->losses[s] = (float)value;
    ct_scope_close(step);
  }
  r->n_params = 0;
  for (int i = 0; i < n; i++)
    r->n_params += ct_numel(params[i]);
  r->params = malloc((size_t)r->n_params * sizeof *r->params);
  for (int i = 0, at = 0; r->params && i < n; at += (int)ct_numel(params[i]), i++)
    memcpy(r->params + at, ct_data_ptr(params[i]), (size_t)ct_numel(params[i]) * sizeof(float));
  free(params);
  ct_optimizer_free(adam);
  ct_generator_free(g);
  ct_scope_close(outer);
  return NULL;
}

static run new_run(int64_t in, int64_t hidden, int64_t batch, int steps, uint64_t seed) {
  return (run){.in = in,
               .hidden = hidden,
               .batch = batch,
               .steps = steps,
               .data_seed = seed + 1000,
               .model = make_model(in, hidden, seed)};
}

static void free_run(run *r) {
  ct_module_free(r->model);
  free(r->params);
}

// Runs each of runs[0..n) on a thread of its own: one after the other, or all at once.
static void run_threads(run *runs, int n, bool at_once) {
  pthread_t threads[4];
  for (int i = 0; i < n; i++) {
    assert_int_equal(pthread_create(&threads[i], NULL, train, &runs[i]), 0);
    if (!at_once) pthread_join(threads[i], NULL);
  }
  if (at_once)
    for (int i = 0; i < n; i++)
      pthread_join(threads[i], NULL);
  for (int i = 0; i < n; i++)
    if (runs[i].error[0]) fail_msg("run %d: %s", i, runs[i].error);
}

static void assert_same_run(const run *a, const run *b) {
  assert_memory_equal(a->losses, b->losses, (size_t)a->steps * sizeof *a->losses);
  assert_int_equal(a->n_params, b->n_params);
  assert_memory_equal(a->params, b->params, (size_t)a->n_params * sizeof *a->params);
}

// Two shapes of model: the seed notebook's size (many tiny ops: the graph bookkeeping
// dominates) and one wide enough for the parallel loops and threaded products (256x256
// activations: 2x the parallel grain).
typedef struct model_shape {
  int64_t in, hidden, batch;
  int steps;
} model_shape;
static const model_shape shapes[] = {{5, 3, 10, 60}, {256, 256, 256, 4}};

// Two models trained at the same time, each by its own thread, end exactly as each does
// trained alone; for budgets 1 and 2 (each thread's loops and products then use 2 threads).
static void test_two_threads_train_like_alone(void **state) {
  (void)state;
  const int before = ct_get_num_threads();
  for (int budget = 1; budget <= 2; budget++) {
    assert_int_equal(ct_set_num_threads(budget), CT_OK);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
      const model_shape m = shapes[s];
      run alone[2], together[2];
      for (int i = 0; i < 2; i++) {
        alone[i] = new_run(m.in, m.hidden, m.batch, m.steps, 10 + (uint64_t)i);
        together[i] = new_run(m.in, m.hidden, m.batch, m.steps, 10 + (uint64_t)i);
      }
      run_threads(alone, 2, false);
      run_threads(together, 2, true);
      for (int i = 0; i < 2; i++) {
        assert_same_run(&alone[i], &together[i]);
        free_run(&alone[i]);
        free_run(&together[i]);
      }
    }
  }
  assert_int_equal(ct_set_num_threads(before), CT_OK);
}

// The values of a float32 tensor (made contiguous), malloc'd.
static float *values_of(ct_tensor *t) {
  ct_tensor *c = ct_contiguous(t);
  assert_non_null(c);
  float *v = malloc((size_t)ct_numel(c) * sizeof *v);
  assert_non_null(v);
  memcpy(v, ct_data_ptr(c), (size_t)ct_numel(c) * sizeof *v);
  return v;
}

// Large inputs for each parallel loop: a long sum (the threaded cascade), an elementwise op
// (chunked iterator), row sums (outputs split across threads), softmax (rows split), a
// transposed copy (tiles split). Each result's values go to out[i], its size to sizes[i].
enum { N_LARGE_OPS = 5 };
static void large_ops(float **out, int64_t *sizes) {
  ct_scope *s = ct_scope_open();
  ct_generator *g = ct_generator_manual_seed(ct_generator_new(), 3);
  ct_tensor *a = ct_rand_gen(CT_SHAPE(1024, 4096), CT_FLOAT32, g);
  ct_tensor *b = ct_randn_gen(CT_SHAPE(1024, 4096), CT_FLOAT32, g);
  ct_tensor *product = ct_exp(ct_mul(a, b));
  ct_tensor *results[N_LARGE_OPS] = {ct_sum(a), product, ct_sum_dim(product, 1, false), ct_softmax(b, 1),
                                     ct_contiguous(ct_t(a))};
  for (int i = 0; i < N_LARGE_OPS; i++) {
    out[i] = values_of(results[i]);
    sizes[i] = ct_numel(results[i]);
  }
  ct_generator_free(g);
  ct_scope_close(s);
}

// The budget changes how work is split, never the bits: training runs (the wide model's
// Adam update is split too: over 1M parameters) and the large ops give the same results
// with 1, 2 and 3 threads.
static void test_results_do_not_depend_on_budget(void **state) {
  (void)state;
  const int before = ct_get_num_threads();
  const model_shape wide = {1024, 1024, 64, 3};
  run runs[3][2];
  float *large[3][N_LARGE_OPS];
  int64_t sizes[N_LARGE_OPS];
  for (int t = 0; t < 3; t++) {
    assert_int_equal(ct_set_num_threads(t + 1), CT_OK);
    runs[t][0] = new_run(shapes[1].in, shapes[1].hidden, shapes[1].batch, shapes[1].steps, 7);
    runs[t][1] = new_run(wide.in, wide.hidden, wide.batch, wide.steps, 8);
    run_threads(runs[t], 2, false);
    large_ops(large[t], sizes);
  }
  for (int t = 1; t < 3; t++) {
    for (int r = 0; r < 2; r++)
      assert_same_run(&runs[0][r], &runs[t][r]);
    for (int i = 0; i < N_LARGE_OPS; i++)
      assert_memory_equal(large[0][i], large[t][i], (size_t)sizes[i] * sizeof(float));
  }
  for (int t = 0; t < 3; t++) {
    for (int r = 0; r < 2; r++)
      free_run(&runs[t][r]);
    for (int i = 0; i < N_LARGE_OPS; i++)
      free(large[t][i]);
  }
  assert_int_equal(ct_set_num_threads(before), CT_OK);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--num-threads") == 0) {
    printf("%d\n", ct_get_num_threads());
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_is_pytorchs),
      cmocka_unit_test(test_set_and_get),
      cmocka_unit_test(test_rejects_non_positive_counts),
      cmocka_unit_test(test_two_threads_train_like_alone),
      cmocka_unit_test(test_results_do_not_depend_on_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Autograd state shared between threads: node sequence numbers are per thread (as
// PyTorch's thread_local at::sequence_number) and backward pass numbers are unique across
// threads, so graphs built and run on several threads give the same gradients as alone.
#include "unit.h"
#include <pthread.h>
#include <stdint.h>

#define N 64
#define ROUNDS 200

// d/dx of sum(sin(x²)) + sum(3x²) + sum(exp(0.1x²)) in float32: three gradients reach x²'s
// node, and the order the engine adds them in (newest node first) decides the bits.
static ct_status fan_in_gradient(float *grad) {
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_linspace(-2, 2, N, CT_FLOAT32), true);
  ct_tensor *a = ct_mul(x, x);
  ct_tensor *loss =
      ct_add(ct_add(ct_sum(ct_sin(a)), ct_sum(ct_mul_scalar(a, 3))), ct_sum(ct_exp(ct_mul_scalar(a, 0.1))));
  ct_status st = ct_backward(loss, NULL);
  if (st == CT_OK) memcpy(grad, ct_data_ptr(ct_grad(x)), sizeof(float) * N);
  ct_scope_close(s);
  return st;
}

typedef struct worker {
  const float *expected;
  int failures, mismatches;
} worker;

static void *train_alone(void *arg) {
  worker *w = arg;
  float grad[N];
  for (int r = 0; r < ROUNDS; r++) {
    if (fan_in_gradient(grad) != CT_OK) w->failures++;
    else if (memcmp(grad, w->expected, sizeof grad)) w->mismatches++;
  }
  return NULL;
}

// Two threads building and running graphs at the same time each get the gradient one
// thread gets alone, every round.
static void test_two_threads_build_graphs_at_once(void **state) {
  (void)state;
  float expected[N];
  assert_int_equal(fan_in_gradient(expected), CT_OK);
  worker w[2] = {{expected, 0, 0}, {expected, 0, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, train_alone, &w[i]), 0);
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(w[i].failures, 0);
    assert_int_equal(w[i].mismatches, 0);
  }
}

static void *backward_retaining(void *root) {
  return (void *)(intptr_t)ct_backward_ex(root, NULL, true);
}

static ct_status backward_on_new_thread(ct_tensor *root) {
  pthread_t t;
  void *status;
  assert_int_equal(pthread_create(&t, NULL, backward_retaining, root), 0);
  assert_int_equal(pthread_join(t, &status), 0);
  return (ct_status)(intptr_t)status;
}

// A retained graph run again by another thread is walked afresh: each thread's first
// backward pass must not take the other's marks on the nodes for its own.
static void test_retained_graph_runs_on_another_thread(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *y = ct_sum(ct_mul_scalar(x, 2)); // SumBackward0 -> MulBackward0 -> AccumulateGrad
  assert_int_equal(backward_on_new_thread(y), CT_OK);
  assert_int_equal(backward_on_new_thread(y), CT_OK);
  double grad[3];
  assert_int_equal(ct_to_f64_array(ct_grad(x), grad), CT_OK);
  for (int i = 0; i < 3; i++) assert_true(grad[i] == 4.0);
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_threads_build_graphs_at_once),
      cmocka_unit_test(test_retained_graph_runs_on_another_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Learning-rate schedulers: a state_dict taken mid-run (with the optimizer's) and loaded
// into a fresh optimizer and scheduler continues exactly as the uninterrupted run; exact
// values at known points. (Whole sequences against PyTorch are oracle_lr_scheduler's job.)
#include "unit.h"
#include <math.h>
#include <string.h>

enum { STEPS = 40, CUT = 17 };

typedef ct_lr_scheduler *(*make_fn)(ct_optimizer *opt);

static ct_lr_scheduler *cosine(ct_optimizer *o) { return ct_cosine_annealing_lr_new(o, 7, 1e-3); }
static ct_lr_scheduler *warm(ct_optimizer *o) { return ct_cosine_annealing_warm_restarts_new(o, 3, 2, 0); }
static ct_lr_scheduler *one_cycle(ct_optimizer *o) { return ct_one_cycle_lr_new(o, ct_one_cycle_defaults(1, 50)); }
static ct_lr_scheduler *plateau(ct_optimizer *o) {
  ct_plateau_options p = ct_plateau_defaults();
  p.patience = 2;
  return ct_reduce_lr_on_plateau_new(o, p);
}
static ct_lr_scheduler *sequential(ct_optimizer *o) {
  ct_lr_scheduler *kids[] = {ct_linear_lr_new(o, 0.1, 1, 5), ct_cosine_annealing_lr_new(o, 9, 0)};
  return ct_sequential_lr_new(o, kids, 2, (int64_t[]){6}, 1);
}

static ct_optimizer *two_groups(ct_tensor *a, ct_tensor *b) {
  ct_sgd_options o = ct_sgd_defaults(0.1);
  o.momentum = 0.9;
  ct_optimizer *opt = ct_sgd_new(&a, 1, o);
  assert_int_equal(ct_optimizer_add_param_group(opt, &b, 1, (ct_group_option[]){{"lr", 0.03, 0, 0}}, 1), CT_OK);
  return opt;
}

static ct_status step(ct_lr_scheduler *s, bool metric, int k) {
  return metric ? ct_lr_scheduler_step_metric(s, 1.0 / (1 + k % 5)) : ct_lr_scheduler_step(s);
}

// Runs `make` STEPS times straight, and again with a state round trip at CUT; the lrs match.
static void check_resume(make_fn make, bool metric) {
  ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *b = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  double straight[STEPS][2], resumed[STEPS][2];
  ct_optimizer *opt = two_groups(a, b);
  ct_lr_scheduler *s = make(opt);
  assert_non_null(s);
  for (int k = 0; k < STEPS; k++) {
    assert_int_equal(step(s, metric, k), CT_OK);
    assert_int_equal(ct_lr_scheduler_get_last_lr(s, straight[k], 2), 2);
  }
  ct_lr_scheduler_free(s);
  ct_optimizer_free(opt);
  opt = two_groups(a, b);
  s = make(opt);
  for (int k = 0; k < CUT; k++) {
    assert_int_equal(step(s, metric, k), CT_OK);
    ct_lr_scheduler_get_last_lr(s, resumed[k], 2);
  }
  ct_optim_state *ost = ct_optimizer_state_dict(opt);
  ct_lr_state *sst = ct_lr_scheduler_state_dict(s);
  ct_lr_scheduler_free(s);
  ct_optimizer_free(opt);
  opt = two_groups(a, b); // what a resumed program builds before loading
  s = make(opt);
  assert_int_equal(ct_optimizer_load_state_dict(opt, ost), CT_OK);
  assert_int_equal(ct_lr_scheduler_load_state_dict(s, sst), CT_OK);
  for (int k = CUT; k < STEPS; k++) {
    assert_int_equal(step(s, metric, k), CT_OK);
    ct_lr_scheduler_get_last_lr(s, resumed[k], 2);
  }
  assert_memory_equal(straight, resumed, sizeof straight);
  ct_optim_state_free(ost);
  ct_lr_state_free(sst);
  ct_lr_scheduler_free(s);
  ct_optimizer_free(opt);
}

static void test_resume_cosine(void **state) { (void)state, check_resume(cosine, false); }
static void test_resume_warm_restarts(void **state) { (void)state, check_resume(warm, false); }
static void test_resume_one_cycle(void **state) { (void)state, check_resume(one_cycle, false); }
static void test_resume_plateau(void **state) { (void)state, check_resume(plateau, true); }
static void test_resume_sequential(void **state) { (void)state, check_resume(sequential, false); }

static double halve_every_other(int64_t epoch, void *ctx) { return epoch % 2 ? *(double *)ctx : 1.0; }

static void test_known_values(void **state) {
  (void)state;
  ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_optimizer *opt = ct_sgd_new(&a, 1, ct_sgd_defaults(1.0));
  double lr, half = 0.5;
  ct_lr_scheduler *s = ct_multiplicative_lr_new(opt, halve_every_other, &half);
  for (int k = 0; k < 4; k++) ct_lr_scheduler_step(s);
  ct_lr_scheduler_get_last_lr(s, &lr, 1);
  assert_true(lr == 0.25); // epochs 1 and 3 halve
  assert_int_equal(ct_lr_scheduler_last_epoch(s), 4);
  ct_lr_scheduler_free(s);
  ct_optimizer_set_lr(opt, 1.0);
  s = ct_step_lr_new(opt, 2, 0.1); // initial_lr is kept from the first scheduler: 1.0
  assert_int_equal(ct_lr_scheduler_step_epoch(s, 5), CT_OK); // closed form: 1.0 * 0.1**2
  ct_lr_scheduler_get_last_lr(s, &lr, 1);
  assert_true(lr == 1.0 * pow(0.1, 2));
  ct_lr_scheduler_free(s);
  ct_optimizer_free(opt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resume_cosine),     cmocka_unit_test(test_resume_warm_restarts),
      cmocka_unit_test(test_resume_one_cycle),  cmocka_unit_test(test_resume_plateau),
      cmocka_unit_test(test_resume_sequential), cmocka_unit_test(test_known_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// The misuse catalogue (tests/util/misuse.h): parameter groups, the optimizers beyond
// SGD/Adam/AdamW, optimizer state param_groups, and learning-rate schedulers.
#include <math.h>
#include "misuse.h"

static void test_param_groups(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *v = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *params[] = {w}, *others[] = {v}, *non_leaf[] = {ct_mul_scalar(v, 2)};
  ct_optimizer *sgd = ct_sgd_new(params, 1, ct_sgd_defaults(0.1));
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, params, 1, NULL, 0),
                "some parameters appear in more than one parameter group");
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, non_leaf, 1, NULL, 0), "can't optimize a non-leaf Tensor");
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, others, 1, (ct_group_option[]){{"lrr", 0.1, 0, 0}}, 1),
                "'lrr' is not an option of SGD");
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, others, 1, (ct_group_option[]){{"foreach", 1, 0, 0}}, 1),
                "'foreach' of SGD cannot be changed");
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, others, 1, NULL, 1), "options is NULL");
  MISUSE_STATUS(ct_optimizer_add_param_group(sgd, others, -1, NULL, 0), "empty parameter list");
  MISUSE_STATUS(ct_optimizer_add_param_group(NULL, others, 1, NULL, 0), "optimizer is NULL");
  // a NULL parameter is an earlier call's failure: its message stays the first cause
  ct_tensor *nulls[] = {NULL};
  cases_run++, set_first_cause(), expect_status_kept(ct_optimizer_add_param_group(sgd, nulls, 1, NULL, 0),
                                                     "ct_optimizer_add_param_group(sgd, nulls, ...)");
  NULL_PASSES(ct_nadam_new(nulls, 1, ct_nadam_defaults()));
  ct_group_option out;
  MISUSE_STATUS(ct_optimizer_get_group_option(sgd, 1, "lr", &out), "parameter group 1 out of range");
  MISUSE_STATUS(ct_optimizer_get_group_option(sgd, 0, "betas", &out), "'betas' is not an option of SGD");
  MISUSE_STATUS(ct_optimizer_set_group_option(sgd, 0, (ct_group_option){.key = NULL}), "key is NULL");
  MISUSE_STATUS(ct_optimizer_set_group_lr(sgd, 0, -1), "Invalid learning rate: -1.0");
  MISUSE_STATUS(ct_optimizer_set_group_lr(sgd, 3, 0.1), "parameter group 3 out of range");
  MISUSE_IF(isnan(ct_optimizer_get_group_lr(sgd, 5)), "parameter group 5 out of range (the optimizer has 1)");
  // load_state_dict checks groups as PyTorch does
  assert_int_equal(ct_optimizer_add_param_group(sgd, others, 1, NULL, 0), CT_OK);
  ct_optimizer *one_group = ct_sgd_new(params, 1, ct_sgd_defaults(0.1));
  ct_optim_state *two = ct_optimizer_state_dict(sgd);
  MISUSE_STATUS(ct_optimizer_load_state_dict(one_group, two),
                "loaded state dict has a different number of parameter groups");
  ct_optim_state *sized = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add_group(sized, NULL, 0, (int[]){0, 1}, 2), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(one_group, sized),
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  MISUSE_STATUS(ct_optim_state_add_group(sized, NULL, 0, (int[]){-1}, 1), "negative parameter index -1");
  MISUSE_STATUS(ct_optim_state_add_group(NULL, NULL, 0, NULL, 0), "state is NULL");
  MISUSE_STATUS(ct_optim_state_group_params(sized, 4, NULL, NULL), "parameter group 4 out of range");
  MISUSE_STATUS(ct_optim_state_group_option(sized, 0, 0, &out), "parameter group option 0 out of range");
  ct_optimizer *rms = ct_rmsprop_new(params, 1, ct_rmsprop_defaults());
  MISUSE_STATUS(ct_optimizer_load_state_dict(rms, two), "loaded state dict belongs to SGD, not RMSprop");
  ct_optim_state_free(two);
  ct_optim_state_free(sized);
  ct_optimizer_free(rms);
  ct_optimizer_free(one_group);
  ct_optimizer_free(sgd);
  area_done(s);
}

static void test_more_optimizers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *params[] = {w};
  ct_rmsprop_options rms = ct_rmsprop_defaults();
  rms.alpha = -0.5;
  MISUSE(ct_rmsprop_new(params, 1, rms), "Invalid alpha value: -0.5");
  rms = ct_rmsprop_defaults();
  rms.momentum = -1;
  MISUSE(ct_rmsprop_new(params, 1, rms), "Invalid momentum value: -1");
  MISUSE(ct_rmsprop_new(params, 0, ct_rmsprop_defaults()), "optimizer got an empty parameter list");
  ct_adagrad_options ada = ct_adagrad_defaults();
  ada.initial_accumulator_value = -1;
  MISUSE(ct_adagrad_new(params, 1, ada), "Invalid initial_accumulator_value value: -1");
  ada = ct_adagrad_defaults();
  ada.lr_decay = NAN;
  MISUSE(ct_adagrad_new(params, 1, ada), "Invalid lr_decay value: nan");
  ct_adamax_options amax = ct_adamax_defaults();
  amax.beta2 = 1.0;
  MISUSE(ct_adamax_new(params, 1, amax), "Invalid beta parameter at index 1: 1.0");
  ct_nadam_options nad = ct_nadam_defaults();
  nad.momentum_decay = -0.004;
  MISUSE(ct_nadam_new(params, 1, nad), "Invalid momentum_decay value: -0.004");
  ct_radam_options rad = ct_radam_defaults();
  rad.eps = -1e-8;
  MISUSE(ct_radam_new(params, 1, rad), "Invalid epsilon value: -1e-08");
  MISUSE(ct_radam_new(NULL, 1, ct_radam_defaults()), "optimizer params is NULL");
  area_done(s);
}

static void test_lr_schedulers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *params[] = {w};
  ct_optimizer *sgd = ct_sgd_new(params, 1, ct_sgd_defaults(0.1));
  ct_optimizer *adagrad = ct_adagrad_new(params, 1, ct_adagrad_defaults());
  MISUSE(ct_step_lr_new(NULL, 3, 0.1), "optimizer is NULL");
  MISUSE(ct_step_lr_new(sgd, 0, 0.1), "step_size must be positive");
  MISUSE(ct_cosine_annealing_lr_new(sgd, 0, 0), "T_max must be positive");
  MISUSE(ct_cosine_annealing_warm_restarts_new(sgd, 0, 1, 0), "Expected positive integer T_0, but got 0");
  MISUSE(ct_cosine_annealing_warm_restarts_new(sgd, 5, 0, 0), "Expected integer T_mult >= 1, but got 0");
  MISUSE(ct_linear_lr_new(sgd, 1.5, 1, 5), "Starting multiplicative factor expected to be between 0 and 1.");
  MISUSE(ct_linear_lr_new(sgd, 0.5, -1, 5), "Ending multiplicative factor expected to be between 0 and 1.");
  MISUSE(ct_lambda_lr_new(sgd, NULL, NULL), "lr_lambda is NULL");
  MISUSE(ct_lambda_lr_new_per_group(sgd, (ct_lr_lambda[]){NULL}, NULL, 1), "lr_lambda is NULL");
  MISUSE(ct_multiplicative_lr_new_per_group(sgd, NULL, NULL, 2), "Expected 1 lr_lambdas, but got 2");
  ct_plateau_options two_min = ct_plateau_defaults();
  two_min.min_lrs = (double[]){0, 1};
  two_min.n_min_lrs = 2;
  MISUSE(ct_reduce_lr_on_plateau_new(sgd, two_min), "expected 1 min_lrs, got 2");
  ct_one_cycle_options two_max = ct_one_cycle_defaults(0.1, 10);
  two_max.max_lrs = (double[]){0.1, 0.2};
  two_max.n_max_lrs = 2;
  MISUSE(ct_one_cycle_lr_new(sgd, two_max), "expected 1 values for max_lr, got 2");
  MISUSE(ct_multistep_lr_new(sgd, NULL, 2, 0.1), "bad milestone list");
  ct_plateau_options plateau = ct_plateau_defaults();
  plateau.factor = 1.0;
  MISUSE(ct_reduce_lr_on_plateau_new(sgd, plateau), "Factor should be < 1.0.");
  ct_one_cycle_options cycle = ct_one_cycle_defaults(0.1, 0);
  MISUSE(ct_one_cycle_lr_new(sgd, cycle), "You must define either total_steps OR (epochs AND steps_per_epoch)");
  cycle = ct_one_cycle_defaults(0.1, 10);
  cycle.pct_start = 1.5;
  MISUSE(ct_one_cycle_lr_new(sgd, cycle), "Expected float between 0 and 1 pct_start, but got 1.5");
  MISUSE(ct_one_cycle_lr_new(adagrad, ct_one_cycle_defaults(0.1, 10)),
         "optimizer must support momentum with `cycle_momentum` option enabled");
  ct_lr_scheduler *one = ct_one_cycle_lr_new(sgd, ct_one_cycle_defaults(0.1, 2));
  assert_int_equal(ct_lr_scheduler_step(one), CT_OK);
  assert_int_equal(ct_lr_scheduler_step(one), CT_OK);
  MISUSE_STATUS(ct_lr_scheduler_step(one), "Tried to step 4 times. The specified number of total steps is 2");
  ct_lr_scheduler_free(one);
  ct_lr_scheduler *warm = ct_cosine_annealing_warm_restarts_new(sgd, 5, 2, 0);
  MISUSE_STATUS(ct_lr_scheduler_step_epoch(warm, -1), "Expected non-negative epoch, but got -1");
  MISUSE_STATUS(ct_lr_scheduler_step_metric(warm, 1.0), "step(metrics) is ReduceLROnPlateau's");
  ct_lr_scheduler *on_plateau = ct_reduce_lr_on_plateau_new(sgd, ct_plateau_defaults());
  MISUSE_STATUS(ct_lr_scheduler_step(on_plateau), "missing 1 required positional argument: 'metrics'");
  ct_lr_state *st = ct_lr_scheduler_state_dict(on_plateau);
  MISUSE_STATUS(ct_lr_scheduler_load_state_dict(warm, st), "scheduler state has key 'factor', which this scheduler does not have");
  MISUSE_STATUS(ct_lr_state_entry(st, 99, NULL, NULL, NULL), "scheduler state entry 99 out of range");
  MISUSE_STATUS(ct_lr_scheduler_load_state_dict(NULL, st), "load_state_dict: NULL argument");
  MISUSE(ct_lr_scheduler_state_dict(NULL), "lr_scheduler is NULL");
  MISUSE_IF(ct_lr_scheduler_get_last_lr(NULL, NULL, 0) == -1, "lr_scheduler is NULL");
  ct_lr_state_free(st);
  ct_lr_scheduler_free(on_plateau);
  ct_lr_scheduler_free(warm);
  // SequentialLR owns its schedulers, also when it fails
  ct_lr_scheduler *kids[2] = {ct_exponential_lr_new(sgd, 0.9), ct_exponential_lr_new(adagrad, 0.9)};
  MISUSE(ct_sequential_lr_new(sgd, kids, 2, (int64_t[]){3}, 1),
         "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at "
         "index 1 to be different than the optimizer passed in.");
  ct_lr_scheduler *kids2[2] = {ct_exponential_lr_new(sgd, 0.9), ct_exponential_lr_new(sgd, 0.5)};
  MISUSE(ct_sequential_lr_new(sgd, kids2, 2, (int64_t[]){3, 4}, 2),
         "expects number of schedulers provided to be one more than the number of milestone points, but got "
         "number of schedulers 2 and the number of milestones to be equal to 2");
  ct_lr_scheduler *kids3[2] = {ct_exponential_lr_new(sgd, 0.9), ct_step_lr_new(sgd, 0, 0.5)};
  MISUSE(ct_sequential_lr_new(sgd, kids3, 2, (int64_t[]){3}, 1), "step_size must be positive");
  ct_optimizer_free(adagrad);
  ct_optimizer_free(sgd);
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(60);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_param_groups),
      cmocka_unit_test(test_more_optimizers),
      cmocka_unit_test(test_lr_schedulers),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

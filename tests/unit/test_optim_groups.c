// Parameter groups: options inherited from the constructor and overridden per group,
// read and written by PyTorch's keys; the state dict's param_groups (every option, the
// "params" indices, keys a scheduler added) and their round trip through load_state_dict.
// (Bit-parity of grouped updates against torch.optim is oracle_optim_more's job.)
#include "unit.h"
#include <math.h>
#include <string.h>

static ct_tensor *leaf(int64_t n) { return ct_requires_grad_(ct_ones(CT_SHAPE(n), CT_FLOAT32), true); }

static ct_group_option option_of(const ct_optimizer *opt, int g, const char *key) {
  ct_group_option o;
  assert_int_equal(ct_optimizer_get_group_option(opt, g, key, &o), CT_OK);
  return o;
}

static void test_groups_inherit_and_override(void **state) {
  (void)state;
  ct_tensor *a = leaf(2), *b = leaf(3), *c = leaf(4);
  ct_adam_options o = ct_adam_defaults();
  o.lr = 0.01;
  o.weight_decay = 0.1;
  ct_optimizer *opt = ct_adam_new((ct_tensor *[]){a}, 1, o);
  assert_int_equal(ct_optimizer_add_param_group(opt, (ct_tensor *[]){b, c}, 2,
                                                (ct_group_option[]){{"lr", 1e-3, 0, 0}, {"betas", 0.8, 0.99, 0}}, 2),
                   CT_OK);
  assert_int_equal(ct_optimizer_num_groups(opt), 2);
  assert_int_equal(ct_optimizer_group_size(opt, 1), 2);
  assert_int_equal(ct_optimizer_num_params(opt), 3);
  assert_ptr_equal(ct_optimizer_param(opt, 2), c);
  assert_true(ct_optimizer_get_group_lr(opt, 0) == 0.01);
  assert_true(ct_optimizer_get_group_lr(opt, 1) == 1e-3);
  ct_group_option betas = option_of(opt, 1, "betas");
  assert_int_equal(betas.kind, CT_OPTION_PAIR);
  assert_true(betas.value == 0.8 && betas.value2 == 0.99);
  assert_true(option_of(opt, 1, "weight_decay").value == 0.1); // inherited from the constructor
  assert_int_equal(option_of(opt, 0, "foreach").kind, CT_OPTION_NONE);
  assert_int_equal(ct_optimizer_set_group_option(opt, 0, (ct_group_option){.key = "amsgrad", .value = 1}), CT_OK);
  assert_true(option_of(opt, 0, "amsgrad").value == 1);
  assert_true(option_of(opt, 1, "amsgrad").value == 0);
  assert_int_equal(ct_optimizer_set_lr(opt, 0.5), CT_OK); // every group
  assert_true(ct_optimizer_get_group_lr(opt, 1) == 0.5 && ct_optimizer_get_lr(opt) == 0.5);
  ct_optimizer_free(opt);
}

static void test_state_dict_param_groups_layout(void **state) {
  (void)state;
  ct_tensor *a = leaf(2), *b = leaf(3);
  ct_optimizer *opt = ct_sgd_new((ct_tensor *[]){a, a}, 2, ct_sgd_defaults(0.1)); // a repeat shares index 0
  assert_int_equal(ct_optimizer_add_param_group(opt, (ct_tensor *[]){b}, 1,
                                                (ct_group_option[]){{"momentum", 0.9, 0, 0}}, 1),
                   CT_OK);
  ct_lr_scheduler *sched = ct_step_lr_new(opt, 2, 0.5); // adds "initial_lr" to each group
  ct_optim_state *st = ct_optimizer_state_dict(opt);
  assert_int_equal(ct_optim_state_num_groups(st), 2);
  static const char *const keys[] = {"lr",       "momentum", "dampening",      "weight_decay", "nesterov",
                                     "maximize", "foreach",  "differentiable", "initial_lr"};
  assert_int_equal(ct_optim_state_group_num_options(st, 1), 9);
  for (int i = 0; i < 9; i++) {
    ct_group_option o;
    assert_int_equal(ct_optim_state_group_option(st, 1, i, &o), CT_OK);
    assert_string_equal(o.key, keys[i]);
  }
  ct_group_option m;
  ct_optim_state_group_option(st, 1, 1, &m);
  assert_true(m.value == 0.9);
  const int *idx;
  int n;
  assert_int_equal(ct_optim_state_group_params(st, 0, &idx, &n), CT_OK);
  assert_int_equal(n, 2);
  assert_true(idx[0] == 0 && idx[1] == 0);
  assert_int_equal(ct_optim_state_group_params(st, 1, &idx, &n), CT_OK);
  assert_true(n == 1 && idx[0] == 2);
  // A fresh optimizer over the same groups gets the options and initial_lr back.
  ct_optimizer *again = ct_sgd_new((ct_tensor *[]){a, a}, 2, ct_sgd_defaults(7));
  assert_int_equal(ct_optimizer_add_param_group(again, (ct_tensor *[]){b}, 1, NULL, 0), CT_OK);
  assert_int_equal(ct_optimizer_load_state_dict(again, st), CT_OK);
  assert_true(ct_optimizer_get_group_lr(again, 0) == 0.1);
  assert_true(option_of(again, 1, "momentum").value == 0.9);
  assert_true(option_of(again, 1, "initial_lr").value == 0.1);
  ct_optim_state_free(st);
  ct_lr_scheduler_free(sched);
  ct_optimizer_free(again);
  ct_optimizer_free(opt);
}

static void test_rmsprop_step_is_an_int_and_adagrad_state_is_eager(void **state) {
  (void)state;
  ct_tensor *a = leaf(2);
  ct_optimizer *rms = ct_rmsprop_new((ct_tensor *[]){a}, 1, ct_rmsprop_defaults());
  ct_set_grad(a, ct_ones(CT_SHAPE(2), CT_FLOAT32));
  assert_int_equal(ct_optimizer_step(rms), CT_OK);
  assert_int_equal(ct_optimizer_step(rms), CT_OK);
  ct_optim_state *st = ct_optimizer_state_dict(rms);
  ct_tensor *step = ct_optim_state_get(st, 0, "step");
  assert_int_equal(ct_get_dtype(step), CT_INT64);
  double v;
  assert_int_equal(ct_item(step, &v), CT_OK);
  assert_true(v == 2);
  ct_optim_state_free(st);
  ct_optimizer_free(rms);
  ct_adagrad_options o = ct_adagrad_defaults();
  o.initial_accumulator_value = 0.25;
  ct_optimizer *ada = ct_adagrad_new((ct_tensor *[]){a}, 1, o);
  st = ct_optimizer_state_dict(ada); // before any step, as PyTorch
  assert_int_equal(ct_optim_state_len(st), 2);
  assert_int_equal(ct_item(ct_optim_state_get(st, 0, "step"), &v), CT_OK);
  assert_true(v == 0);
  int64_t i = 1;
  assert_int_equal(ct_get(ct_optim_state_get(st, 0, "sum"), &i, &v), CT_OK);
  assert_true(v == 0.25);
  ct_optim_state_free(st);
  ct_optimizer_free(ada);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_groups_inherit_and_override),
      cmocka_unit_test(test_state_dict_param_groups_layout),
      cmocka_unit_test(test_rmsprop_step_is_an_int_and_adagrad_state_is_eager),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

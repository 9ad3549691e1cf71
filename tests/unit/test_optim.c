// Optimizers: PyTorch's option checks (exact texts), parameter handling, zero_grad,
// state lifetime across scopes, state_dict round trips, and exact one-step math.
// (Bit-parity over many steps against torch.optim is oracle_optim's job.)
#include "unit.h"
#include <math.h>
#include <string.h>

// A float32 leaf parameter with the given values (these tests open no scope: the
// thread's root scope owns it, like every tensor below).
static ct_tensor *param_f32(const float *v, int64_t n) {
  ct_tensor *p = ct_tensor_from_f32(v, 1, &n);
  ct_set_requires_grad(p, true);
  return p;
}

static void set_grad_f32(ct_tensor *p, const float *g) {
  int64_t n = ct_numel(p);
  ct_tensor *t = ct_tensor_from_f32(g, 1, &n);
  assert_int_equal(ct_set_grad(p, t), CT_OK);
}

static float value_at(const ct_tensor *t, int64_t i) {
  double v;
  assert_int_equal(ct_get(t, &i, &v), CT_OK);
  return (float)v;
}

static void test_invalid_options_use_pytorch_text(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1, 2}, 2);
  ct_adam_options a = ct_adam_defaults();
  EXPECT_ERROR(ct_sgd_new(&p, 1, ct_sgd_defaults(-0.1)), "Invalid learning rate: -0.1");
  EXPECT_ERROR(ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .momentum = -0.5}),
               "Invalid momentum value: -0.5");
  EXPECT_ERROR(ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .weight_decay = -1e-5}),
               "Invalid weight_decay value: -1e-05");
  EXPECT_ERROR(ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .nesterov = true}),
               "Nesterov momentum requires a momentum and zero dampening");
  EXPECT_ERROR(
      ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
      "Nesterov momentum requires a momentum and zero dampening");
  a.beta1 = 1.5;
  EXPECT_ERROR(ct_adam_new(&p, 1, a), "Invalid beta parameter at index 0: 1.5");
  a = ct_adam_defaults();
  a.beta2 = 1.0;
  EXPECT_ERROR(ct_adamw_new(&p, 1, a), "Invalid beta parameter at index 1: 1.0");
  a = ct_adam_defaults();
  a.eps = -1e-8;
  EXPECT_ERROR(ct_adam_new(&p, 1, a), "Invalid epsilon value: -1e-08");
  a = ct_adam_defaults();
  a.lr = NAN;
  EXPECT_ERROR(ct_adam_new(&p, 1, a), "Invalid learning rate: nan");
  a = ct_adam_defaults();
  a.weight_decay = -0.01;
  EXPECT_ERROR(ct_adam_new(&p, 1, a), "Invalid weight_decay value: -0.01");
  // Python's `lr < 0.0` lets NaN through for SGD; PyTorch accepts it, so does ctorch.
  ct_optimizer *opt = ct_sgd_new(&p, 1, ct_sgd_defaults(NAN));
  assert_non_null(opt);
  ct_optimizer_free(opt);
}

static void test_bad_parameter_lists(void **state) {
  (void)state;
  EXPECT_ERROR(ct_sgd_new(NULL, 0, ct_sgd_defaults(0.1)), "optimizer got an empty parameter list");
  ct_tensor *none[2] = {NULL, NULL};
  EXPECT_ERROR(ct_adam_new(none, 2, ct_adam_defaults()),
               "optimizer can only optimize Tensors, but one of the params is NoneType");
  ct_scope *s = ct_scope_open();
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *non_leaf = ct_unsqueeze(leaf, 0);
  assert_non_null(ct_grad_fn(non_leaf));
  EXPECT_ERROR(ct_sgd_new(&non_leaf, 1, ct_sgd_defaults(0.1)), "can't optimize a non-leaf Tensor");
  ct_scope_close(s);
  assert_int_equal(ct_optimizer_step(NULL), CT_ERR_ARG);
  assert_int_equal(ct_optimizer_zero_grad(NULL, true), CT_ERR_ARG);
  ct_optimizer_free(NULL);
}

static void test_defaults_are_pytorch_defaults(void **state) {
  (void)state;
  ct_adam_options a = ct_adam_defaults(), w = ct_adamw_defaults();
  assert_true(a.lr == 1e-3 && a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8 && a.weight_decay == 0);
  assert_false(a.amsgrad || a.maximize);
  assert_true(w.lr == 1e-3 && w.weight_decay == 1e-2);
  ct_sgd_options s = ct_sgd_defaults(0.5);
  assert_true(s.lr == 0.5 && s.momentum == 0 && s.dampening == 0 && s.weight_decay == 0);
  assert_false(s.nesterov || s.maximize);
}

// One plain SGD step is exactly fmaf(grad, -lr, param); parameters without grad stay put.
static void test_sgd_step_exact_and_skips_missing_grads(void **state) {
  (void)state;
  float v[] = {1.0f, -2.5f, 3.25f}, g[] = {0.5f, 0.1f, -7.0f};
  ct_tensor *p[2] = {param_f32(v, 3), param_f32(v, 3)};
  set_grad_f32(p[0], g);
  ct_optimizer *opt = ct_sgd_new(p, 2, ct_sgd_defaults(0.1));
  assert_string_equal(ct_optimizer_name(opt), "SGD");
  assert_int_equal(ct_optimizer_num_params(opt), 2);
  assert_ptr_equal(ct_optimizer_param(opt, 1), p[1]);
  assert_null(ct_optimizer_param(opt, 2));
  assert_int_equal(ct_optimizer_step(opt), CT_OK);
  for (int i = 0; i < 3; i++) {
    assert_true(value_at(p[0], i) == fmaf(g[i], (float)-0.1, v[i]));
    assert_true(value_at(p[1], i) == v[i]);
  }
  assert_true(ct_is_leaf(p[0]) && ct_grad_fn(p[0]) == NULL);
  // The second parameter never had a gradient, so it has no state either.
  ct_optim_state *st = ct_optimizer_state_dict(opt);
  assert_int_equal(ct_optim_state_len(st), 0);
  ct_optim_state_free(st);
  ct_optimizer_free(opt);
}

// Adam's first step moves each coordinate by lr * g / (|g| + eps') ~ lr against the gradient.
static void test_adam_first_step_moves_by_lr(void **state) {
  (void)state;
  double v[] = {0.5, -1.0, 2.0}, g[] = {3.0, -0.25, 1e-3};
  int64_t n = 3;
  ct_tensor *p = ct_tensor_from_f64(v, 1, &n), *grad = ct_tensor_from_f64(g, 1, &n);
  ct_set_requires_grad(p, true);
  ct_set_grad(p, grad);
  ct_adam_options o = ct_adam_defaults();
  o.lr = 0.01;
  ct_optimizer *opt = ct_adam_new(&p, 1, o);
  assert_int_equal(ct_optimizer_step(opt), CT_OK);
  for (int i = 0; i < 3; i++) {
    double got;
    int64_t idx = i;
    ct_get(p, &idx, &got);
    double want = v[i] - 0.01 * g[i] / (fabs(g[i]) + 1e-8);
    assert_true(fabs(got - want) < 1e-12);
  }
  ct_optimizer_free(opt);
}

static void test_zero_grad_modes(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1, 2}, 2);
  set_grad_f32(p, (float[]){3, 4});
  ct_tensor *g = ct_grad(p);
  ct_optimizer *opt = ct_sgd_new(&p, 1, ct_sgd_defaults(0.1));
  assert_int_equal(ct_optimizer_zero_grad(opt, false), CT_OK);
  assert_ptr_equal(ct_grad(p), g); // zeroed in place
  assert_true(value_at(g, 0) == 0 && value_at(g, 1) == 0);
  assert_int_equal(ct_optimizer_zero_grad(opt, true), CT_OK);
  assert_null(ct_grad(p));
  assert_int_equal(ct_optimizer_step(opt), CT_OK); // nothing to do
  assert_true(value_at(p, 0) == 1);
  ct_optimizer_free(opt);
}

// State created during a step inside a user scope must survive the scope.
static void test_state_outlives_step_scopes(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1, 2, 3, 4}, 4);
  ct_optimizer *opt = ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .momentum = 0.9});
  ct_adam_options ao = ct_adam_defaults();
  ao.amsgrad = true;
  ct_optimizer *adam = ct_adam_new(&p, 1, ao);
  for (int step = 0; step < 3; step++) {
    ct_scope *s = ct_scope_open();
    ct_tensor *g = ct_full(CT_SHAPE(4), 0.5 + step, CT_FLOAT32);
    ct_set_grad(p, g);
    assert_int_equal(ct_optimizer_step(opt), CT_OK);
    assert_int_equal(ct_optimizer_step(adam), CT_OK);
    assert_int_equal(ct_scope_size(s), 1); // only g: steps leave nothing in the user's scope
    ct_scope_close(s);
  }
  ct_optim_state *st = ct_optimizer_state_dict(adam);
  assert_int_equal(ct_optim_state_len(st), 4);
  int idx;
  const char *key;
  ct_tensor *val;
  const char *keys[] = {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(ct_optim_state_entry(st, i, &idx, &key, &val), CT_OK);
    assert_int_equal(idx, 0);
    assert_string_equal(key, keys[i]);
  }
  double step;
  assert_int_equal(ct_item(ct_optim_state_get(st, 0, "step"), &step), CT_OK);
  assert_true(step == 3.0);
  assert_int_equal(ct_get_dtype(ct_optim_state_get(st, 0, "step")), CT_FLOAT32);
  assert_int_equal(ct_optim_state_entry(st, 4, NULL, NULL, NULL), CT_ERR_INDEX);
  ct_optim_state_free(st);
  ct_optimizer_free(adam);
  ct_optimizer_free(opt);
}

// Runs `steps` Adam steps with gradients g_k = sin(k + i) on a copy of start.
static void run_adam(ct_optimizer *opt, ct_tensor *p, int from, int to) {
  for (int k = from; k < to; k++) {
    float g[5];
    for (int i = 0; i < 5; i++) g[i] = sinf((float)(k + i));
    set_grad_f32(p, g);
    assert_int_equal(ct_optimizer_step(opt), CT_OK);
  }
}

static void test_state_dict_round_trip_is_exact(void **state) {
  (void)state;
  float v[] = {0.1f, 0.2f, -0.3f, 0.4f, 5.0f};
  ct_tensor *a = param_f32(v, 5), *b = param_f32(v, 5);
  ct_adam_options o = ct_adamw_defaults();
  o.amsgrad = true;
  o.lr = 0.05;
  ct_optimizer *oa = ct_adamw_new(&a, 1, o), *ob = ct_adamw_new(&b, 1, o);
  run_adam(oa, a, 0, 7);
  run_adam(ob, b, 0, 4);
  ct_optim_state *st = ct_optimizer_state_dict(ob);
  ct_optimizer_free(ob);
  ob = ct_adamw_new(&b, 1, ct_adamw_defaults()); // hyperparameters come back with the state
  assert_int_equal(ct_optimizer_load_state_dict(ob, st), CT_OK);
  assert_true(ct_optimizer_get_lr(ob) == 0.05);
  ct_optim_state_free(st);
  run_adam(ob, b, 4, 7);
  for (int i = 0; i < 5; i++) assert_true(value_at(a, i) == value_at(b, i));
  ct_optimizer_free(oa);
  ct_optimizer_free(ob);
}

static void test_load_state_dict_errors_leave_optimizer_unchanged(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1, 2, 3}, 3);
  ct_optimizer *sgd = ct_sgd_new(&p, 1, (ct_sgd_options){.lr = 0.1, .momentum = 0.5});
  ct_optimizer *adam = ct_adam_new(&p, 1, ct_adam_defaults());
  set_grad_f32(p, (float[]){1, 1, 1});
  ct_optimizer_step(sgd);
  ct_optim_state *from_sgd = ct_optimizer_state_dict(sgd);
  EXPECT_STATUS(ct_optimizer_load_state_dict(adam, from_sgd), CT_ERR_ARG,
                "loaded state dict belongs to SGD, not Adam");

  ct_optim_state *manual = ct_optim_state_new();
  ct_tensor *wrong = ct_zeros(CT_SHAPE(4), CT_FLOAT32);
  assert_int_equal(ct_optim_state_add(manual, 0, "momentum_buffer", wrong), CT_OK);
  EXPECT_STATUS(ct_optimizer_load_state_dict(sgd, manual), CT_ERR_ARG,
                "loaded state 'momentum_buffer' of parameter 0 has shape [4], the parameter has [3]");
  ct_optim_state_free(manual);

  manual = ct_optim_state_new();
  ct_tensor *ok = ct_zeros(CT_SHAPE(3), CT_FLOAT64); // converted to the parameter's dtype
  assert_int_equal(ct_optim_state_add(manual, 1, "momentum_buffer", ok), CT_OK);
  assert_int_equal(ct_optimizer_load_state_dict(sgd, manual), CT_ERR_INDEX);
  ct_optim_state_free(manual);
  manual = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(manual, 0, "exp_avg", ok), CT_OK);
  EXPECT_STATUS(ct_optimizer_load_state_dict(sgd, manual), CT_ERR_ARG,
                "loaded state dict has key 'exp_avg', which SGD does not use");
  ct_optim_state_free(manual);

  // The failed loads kept sgd's momentum buffer: it still matches the snapshot.
  ct_optim_state *now = ct_optimizer_state_dict(sgd);
  assert_int_equal(ct_optim_state_len(now), 1);
  assert_true(value_at(ct_optim_state_get(now, 0, "momentum_buffer"), 0) == 1.0f);
  ct_optim_state_free(now);
  // A valid manual state loads (float64 values become float32 buffers).
  manual = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(manual, 0, "momentum_buffer", ok), CT_OK);
  assert_int_equal(ct_optimizer_load_state_dict(sgd, manual), CT_OK);
  ct_optim_state_free(manual);
  ct_optim_state_free(from_sgd);
  ct_optimizer_free(sgd);
  ct_optimizer_free(adam);
}

// A transposed (non-contiguous) leaf and a non-contiguous gradient update like contiguous ones.
static void test_non_contiguous_params_and_grads(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  float v[] = {1, 2, 3, 4, 5, 6};
  ct_tensor *base = ct_tensor_from_f32(v, 2, (int64_t[]){2, 3});
  ct_tensor *pt = ct_t(base); // (3, 2) view, a leaf
  ct_tensor *pc = ct_contiguous(ct_t(ct_tensor_from_f32(v, 2, (int64_t[]){2, 3})));
  ct_tensor *params[2] = {pt, pc};
  ct_set_requires_grad(pt, true);
  ct_set_requires_grad(pc, true);
  ct_tensor *g = ct_t(ct_tensor_from_f32((float[]){0.5f, -1, 2, 0.25f, 3, -4}, 2, (int64_t[]){2, 3}));
  ct_set_grad(pt, g);
  ct_set_grad(pc, ct_contiguous(g));
  ct_optimizer *opt = ct_sgd_new(params, 2, (ct_sgd_options){.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  for (int k = 0; k < 3; k++) assert_int_equal(ct_optimizer_step(opt), CT_OK);
  double a[6], b[6];
  ct_to_f64_array(pt, a);
  ct_to_f64_array(pc, b);
  assert_memory_equal(a, b, sizeof a);
  assert_true(a[0] != 1.0);
  ct_optimizer_free(opt);
  ct_scope_close(s);
}

// PyTorch keys state by tensor: a parameter listed twice is updated twice with one state.
static void test_duplicate_parameters_share_state(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1}, 1);
  ct_tensor *twice[2] = {p, p};
  set_grad_f32(p, (float[]){1});
  ct_optimizer *opt = ct_adam_new(twice, 2, ct_adam_defaults());
  ct_optimizer_step(opt);
  ct_optim_state *st = ct_optimizer_state_dict(opt);
  assert_int_equal(ct_optim_state_len(st), 3);
  double step;
  ct_item(ct_optim_state_get(st, 0, "step"), &step);
  assert_true(step == 2.0);
  ct_optim_state_free(st);
  ct_optimizer_free(opt);
}

static void test_learning_rate_and_integer_params(void **state) {
  (void)state;
  ct_tensor *p = param_f32((float[]){1}, 1);
  ct_optimizer *opt = ct_sgd_new(&p, 1, ct_sgd_defaults(0.1));
  assert_true(ct_optimizer_get_lr(opt) == 0.1);
  EXPECT_STATUS(ct_optimizer_set_lr(opt, -1), CT_ERR_ARG, "Invalid learning rate: -1.0");
  assert_int_equal(ct_optimizer_set_lr(opt, 0.5), CT_OK);
  set_grad_f32(p, (float[]){2});
  ct_optimizer_step(opt);
  assert_true(value_at(p, 0) == fmaf(2.0f, -0.5f, 1.0f));
  ct_optimizer_free(opt);
  assert_true(isnan(ct_optimizer_get_lr(NULL)));

  ct_tensor *ip = ct_ones(CT_SHAPE(2), CT_INT64), *ig = ct_ones(CT_SHAPE(2), CT_INT64);
  assert_int_equal(ct_set_grad(ip, ig), CT_OK);
  opt = ct_sgd_new(&ip, 1, ct_sgd_defaults(0.1));
  EXPECT_STATUS(ct_optimizer_step(opt), CT_ERR_RUNTIME,
                "optimizer step: parameters must be floating point, got int64");
  ct_optimizer_free(opt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invalid_options_use_pytorch_text),
      cmocka_unit_test(test_bad_parameter_lists),
      cmocka_unit_test(test_defaults_are_pytorch_defaults),
      cmocka_unit_test(test_sgd_step_exact_and_skips_missing_grads),
      cmocka_unit_test(test_adam_first_step_moves_by_lr),
      cmocka_unit_test(test_zero_grad_modes),
      cmocka_unit_test(test_state_outlives_step_scopes),
      cmocka_unit_test(test_state_dict_round_trip_is_exact),
      cmocka_unit_test(test_load_state_dict_errors_leave_optimizer_unchanged),
      cmocka_unit_test(test_non_contiguous_params_and_grads),
      cmocka_unit_test(test_duplicate_parameters_share_state),
      cmocka_unit_test(test_learning_rate_and_integer_params),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

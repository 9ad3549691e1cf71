// Random numbers and nn.init: errors (PyTorch's messages), NULL propagation, generator
// semantics, state blobs, memory layouts and autograd rules. Bit-exact parity with PyTorch
// is checked against the live oracle in tests/oracle/oracle_random.py and oracle_init.py;
// the expectations here are exact math, the C++ standard's mt19937 check value, or
// consistency between two ctorch computations.
#include "unit.h"
#include <math.h>
#include <string.h>

// ---- generator ----

static void test_mt19937_standard_check_value(void **state) {
  (void)state;
  // [rand.predef]: the 10000th output of std::mt19937 (seed 5489) is 4123659995.
  ct_generator *g = ct_generator_new();
  ct_generator_manual_seed(g, 5489);
  uint32_t v = 0;
  for (int i = 0; i < 10000; i++) v = ct_generator_random(g);
  assert_int_equal(v, 4123659995u);
  ct_generator_free(g);
}

static void test_seed_low_32_bits_and_initial_seed(void **state) {
  (void)state;
  ct_generator *a = ct_generator_new(), *b = ct_generator_new();
  ct_generator_manual_seed(a, 5);
  ct_generator_manual_seed(b, (UINT64_C(1) << 32) + 5);
  for (int i = 0; i < 700; i++) assert_int_equal(ct_generator_random(a), ct_generator_random(b));
  assert_true(ct_generator_initial_seed(b) == (UINT64_C(1) << 32) + 5);
  ct_manual_seed((uint64_t)-1); // torch.manual_seed(-1) wraps modulo 2^64
  assert_true(ct_initial_seed() == UINT64_MAX);
  assert_true(ct_generator_initial_seed(NULL) == UINT64_MAX);
  ct_generator_free(a);
  ct_generator_free(b);
}

static void test_random64_is_two_draws_high_first(void **state) {
  (void)state;
  ct_generator *g = ct_generator_new();
  ct_generator_manual_seed(g, 42);
  uint64_t hi = ct_generator_random(g), lo = ct_generator_random(g);
  ct_generator_manual_seed(g, 42);
  assert_true(ct_generator_random64(g) == (hi << 32 | lo));
  ct_generator_free(g);
}

static void test_new_generators_are_independent_of_default(void **state) {
  (void)state;
  ct_generator *a = ct_generator_new(), *b = ct_generator_new();
  assert_true(ct_generator_initial_seed(a) == UINT64_C(67280421310721));
  ct_manual_seed(1);
  uint32_t first = ct_generator_random(a);
  (void)ct_generator_random(NULL);
  assert_int_equal(ct_generator_random(b), first);
  ct_generator_free(a);
  ct_generator_free(b);
  ct_generator_free(NULL);
  ct_generator_free(ct_default_generator()); // ignored
  assert_non_null(ct_default_generator());
}

static void test_state_roundtrip_with_normal_cache(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  unsigned char blob[CT_GENERATOR_STATE_SIZE];
  ct_manual_seed(3);
  ct_randn(CT_SHAPE(1), CT_FLOAT64); // leaves a cached normal
  assert_int_equal(ct_get_rng_state(blob, sizeof blob), CT_OK);
  ct_tensor *a = ct_randn(CT_SHAPE(5), CT_FLOAT64);
  assert_int_equal(ct_set_rng_state(blob, sizeof blob), CT_OK);
  ct_tensor *b = ct_randn(CT_SHAPE(5), CT_FLOAT64);
  assert_memory_equal(ct_data_ptr(a), ct_data_ptr(b), 5 * sizeof(double));
  ct_scope_close(s);
}

static void test_state_errors(void **state) {
  (void)state;
  unsigned char blob[CT_GENERATOR_STATE_SIZE];
  ct_generator *g = ct_generator_new();
  assert_int_equal(ct_generator_get_state(g, blob, 100), CT_ERR_ARG);
  assert_int_equal(ct_generator_get_state(g, NULL, sizeof blob), CT_ERR_ARG);
  assert_int_equal(ct_generator_get_state(g, blob, sizeof blob), CT_OK);
  EXPECT_STATUS(
      ct_generator_set_state(g, blob, 10), CT_ERR_ARG,
      "Expected either a CPUGeneratorImplStateLegacy of size 5048 or a CPUGeneratorImplState of size "
      "5056 but found the input RNG state size to be 10");
  unsigned char bad[CT_GENERATOR_STATE_SIZE];
  memcpy(bad, blob, sizeof bad);
  memset(bad + 8, 0, 4); // left = 0
  EXPECT_STATUS(ct_generator_set_state(g, bad, sizeof bad), CT_ERR_ARG, "Invalid mt19937 state");
  memcpy(bad, blob, sizeof bad);
  memset(bad + 12, 0, 4); // not seeded
  assert_int_equal(ct_generator_set_state(g, bad, sizeof bad), CT_ERR_ARG);
  // The generator is unchanged by failed restores; the legacy size is accepted.
  uint32_t want = ct_generator_random(g);
  assert_int_equal(ct_generator_set_state(g, blob, 5048), CT_OK);
  assert_int_equal(ct_generator_random(g), want);
  ct_generator_free(g);
}

// ---- tensor functions ----

static void test_randint_bounds_error(void **state) {
  (void)state;
  EXPECT_ERROR(ct_randint(5, 5, CT_SHAPE(3)),
               "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  EXPECT_ERROR(ct_randint(6, 5, CT_SHAPE(3)),
               "random_ expects 'from' to be less than 'to', but got from=6 >= to=5");
  EXPECT_ERROR(ct_randint_gen(0, INT64_C(1) << 40, CT_SHAPE(3), CT_INT32, NULL),
               "to - 1 is out of bounds for int");
}

static void test_randint_values_in_range(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_randint(-3, 4, CT_SHAPE(1000));
  assert_int_equal(ct_get_dtype(t), CT_INT64);
  const int64_t *v = ct_data_ptr(t);
  bool seen[7] = {0};
  for (int i = 0; i < 1000; i++) {
    assert_true(v[i] >= -3 && v[i] < 4);
    seen[v[i] + 3] = true;
  }
  for (int i = 0; i < 7; i++) assert_true(seen[i]);
  ct_scope_close(s);
}

static void test_randperm(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  EXPECT_ERROR(ct_randperm(-1), "Trying to create tensor with negative dimension -1: [-1]");
  ct_tensor *p = ct_randperm(1000);
  const int64_t *v = ct_data_ptr(p);
  bool seen[1000] = {0};
  for (int i = 0; i < 1000; i++) {
    assert_true(v[i] >= 0 && v[i] < 1000 && !seen[v[i]]);
    seen[v[i]] = true;
  }
  assert_int_equal(ct_numel(ct_randperm(0)), 0);
  ct_scope_close(s);
}

static void test_bernoulli_p_checks_and_extremes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_zeros(CT_SHAPE(50), CT_FLOAT32);
  EXPECT_ERROR(ct_bernoulli_(t, 1.5), "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  EXPECT_ERROR(ct_bernoulli_(t, -0.5), "bernoulli_ expects p to be in [0, 1], but got p=-0.5");
  EXPECT_ERROR(ct_bernoulli(t, NAN), "bernoulli_ expects p to be in [0, 1], but got p=nan");
  ct_tensor *ones = ct_bernoulli(t, 1.0), *zeros = ct_bernoulli_(ct_ones(CT_SHAPE(50), CT_INT64), 0.0);
  for (int i = 0; i < 50; i++) {
    assert_true(((const float *)ct_data_ptr(ones))[i] == 1.0f);
    assert_true(((const int64_t *)ct_data_ptr(zeros))[i] == 0);
  }
  ct_scope_close(s);
}

static void test_uniform_normal_checks(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_zeros(CT_SHAPE(4), CT_FLOAT32);
  EXPECT_ERROR(ct_uniform_(t, 1, 0),
               "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  EXPECT_ERROR(ct_uniform_(t, 0, INFINITY), "to is out of bounds for float");
  EXPECT_ERROR(ct_normal_(t, 0, -1), "normal expects std >= 0.0, but found std -1");
  EXPECT_ERROR(ct_rand(CT_SHAPE(3), CT_INT64), "\"check_uniform_bounds\" not implemented for 'Long'");
  EXPECT_ERROR(ct_randn(CT_SHAPE(3), CT_INT32), "\"normal_kernel_cpu\" not implemented for 'Int'");
  // uniform values stay in [from, to)
  ct_tensor *u = ct_uniform_(ct_zeros(CT_SHAPE(1000), CT_FLOAT64), -2, 3);
  for (int i = 0; i < 1000; i++) {
    double x = ((const double *)ct_data_ptr(u))[i];
    assert_true(x >= -2 && x < 3);
  }
  ct_scope_close(s);
}

static void test_null_inputs_propagate_silently(void **state) {
  (void)state;
  ct_clear_error();
  assert_null(ct_uniform_(NULL, 0, 1));
  assert_null(ct_normal_(NULL, 0, 1));
  assert_null(ct_bernoulli_(NULL, 0.5));
  assert_null(ct_random_(NULL, 0, 5));
  assert_null(ct_rand_like(NULL));
  assert_null(ct_randn_like(NULL));
  assert_null(ct_bernoulli(NULL, 0.5));
  assert_null(ct_init_kaiming_uniform_(NULL, 0, NULL, NULL));
  assert_null(ct_init_zeros_(NULL));
  assert_int_equal(ct_last_status(), CT_OK);
  assert_int_equal(ct_init_linear_reset_(NULL, NULL), CT_ERR_ARG);
}

static void test_overlapping_output_rejected(void **state) {
  (void)state;
  float buf[1] = {0};
  ct_tensor *e = ct_from_blob(buf, CT_FLOAT32, 1, (int64_t[]){3}, (int64_t[]){0}, NULL, NULL);
  EXPECT_ERROR(
      ct_normal_(e, 0, 1),
      "unsupported operation: more than one element of the written-to tensor refers to a single memory "
      "location. Please clone() the tensor before performing the operation.");
}

static void test_cached_normal_randn1_twice_is_randn2(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(7);
  ct_tensor *two = ct_randn(CT_SHAPE(2), CT_FLOAT32);
  ct_manual_seed(7);
  ct_tensor *a = ct_randn(CT_SHAPE(1), CT_FLOAT32), *b = ct_randn(CT_SHAPE(1), CT_FLOAT32);
  const float *t = ct_data_ptr(two);
  assert_true(t[0] == *(const float *)ct_data_ptr(a));
  assert_true(t[1] == *(const float *)ct_data_ptr(b));
  ct_scope_close(s);
}

// A transposed (dense) view is filled in memory order, so its storage equals a flat draw.
static void test_fill_order_of_transposed_view(void **state) {
  (void)state;
  float buf[12] = {0};
  ct_tensor *tv = ct_from_blob(buf, CT_FLOAT32, 2, (int64_t[]){4, 3}, (int64_t[]){1, 4}, NULL, NULL);
  ct_manual_seed(11);
  assert_non_null(ct_uniform_(tv, 0, 1));
  ct_manual_seed(11);
  ct_tensor *flat = ct_rand(CT_SHAPE(12), CT_FLOAT32);
  assert_memory_equal(buf, ct_data_ptr(flat), sizeof buf);
}

static void test_like_keeps_layout(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  float buf[24] = {0};
  ct_tensor *tv = ct_from_blob(buf, CT_FLOAT32, 2, (int64_t[]){4, 3}, (int64_t[]){1, 4}, NULL, NULL);
  ct_tensor *r = ct_randn_like(tv);
  assert_int_equal(ct_strides(r)[0], 1);
  assert_int_equal(ct_strides(r)[1], 4);
  // Non-dense (every other column of a [3, 8] buffer): dense strides, same dim order.
  ct_tensor *sl = ct_from_blob(buf, CT_FLOAT32, 2, (int64_t[]){3, 4}, (int64_t[]){8, 2}, NULL, NULL);
  ct_tensor *r2 = ct_rand_like(sl);
  assert_int_equal(ct_strides(r2)[0], 4);
  assert_int_equal(ct_strides(r2)[1], 1);
  ct_tensor *b = ct_bernoulli(tv, 0.5); // torch.bernoulli(t, p) is contiguous
  assert_true(ct_is_contiguous(b));
  ct_scope_close(s);
}

static void test_inplace_autograd_rules(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *leaf = ct_requires_grad_(ct_zeros(CT_SHAPE(3), CT_FLOAT32), true);
  EXPECT_ERROR(ct_uniform_(leaf, 0, 1),
               "a leaf Variable that requires grad is being used in an in-place operation.");
  bool prev = ct_no_grad_enter();
  assert_non_null(ct_normal_(leaf, 0, 1));
  ct_grad_mode_restore(prev);
  assert_true(ct_is_leaf(leaf) && ct_requires_grad(leaf));
  // On a non-leaf the fill records a node whose gradient is zero.
  ct_tensor *y = ct_clone(leaf);
  assert_non_null(ct_normal_(y, 0, 1));
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "NormalBackward0");
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(3), CT_FLOAT32)), CT_OK);
  double want[3] = {0, 0, 0};
  assert_true(tu_allclose(ct_grad(leaf), want, 3, 0, 0));
  ct_scope_close(s);
}

static void test_generator_argument_does_not_touch_default(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(1);
  uint32_t want = ct_generator_random(NULL);
  ct_manual_seed(1);
  ct_generator *g = ct_generator_new();
  ct_randn_gen(CT_SHAPE(40), CT_FLOAT32, g);
  ct_randperm_gen(10, g);
  ct_randint_gen(0, 5, CT_SHAPE(3), CT_INT64, g);
  assert_int_equal(ct_generator_random(NULL), want);
  ct_generator_free(g);
  ct_scope_close(s);
}

// ---- nn.init ----

static void test_gain_and_fan(void **state) {
  (void)state;
  assert_true(ct_init_calculate_gain("relu", NAN) == sqrt(2.0));
  assert_true(ct_init_calculate_gain("tanh", NAN) == 5.0 / 3);
  assert_true(ct_init_calculate_gain("conv2d", NAN) == 1.0);
  assert_true(ct_init_calculate_gain("leaky_relu", NAN) == sqrt(2.0 / (1 + 0.01 * 0.01)));
  assert_true(isnan(ct_init_calculate_gain("bogus", NAN)));
  EXPECT_LAST_ERROR("Unsupported nonlinearity bogus");
  ct_tensor *w = ct_zeros(CT_SHAPE(6, 4, 3, 3), CT_FLOAT32);
  int64_t fi, fo;
  assert_int_equal(ct_init_calculate_fan_in_and_fan_out(w, &fi, &fo), CT_OK);
  assert_int_equal(fi, 36);
  assert_int_equal(fo, 54);
  ct_scope *s = ct_scope_open();
  EXPECT_ERROR(ct_init_xavier_uniform_(ct_zeros(CT_SHAPE(5), CT_FLOAT32), 1),
               "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  EXPECT_ERROR(ct_init_kaiming_normal_(ct_zeros(CT_SHAPE(2, 2), CT_FLOAT32), 0, "fan_avg", NULL),
               "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']");
  EXPECT_ERROR(ct_init_xavier_normal_(ct_zeros(CT_SHAPE(0, 0), CT_FLOAT32), 1), "float division by zero");
  ct_tensor *empty = ct_zeros(CT_SHAPE(0, 3), CT_FLOAT32); // kaiming leaves it alone
  assert_ptr_equal(ct_init_kaiming_uniform_(empty, 0, NULL, NULL), empty);
  ct_scope_close(s);
}

static void test_linear_reset_bounds_on_params(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_zeros(CT_SHAPE(7, 10), CT_FLOAT32), true);
  ct_tensor *b = ct_requires_grad_(ct_zeros(CT_SHAPE(7), CT_FLOAT32), true);
  assert_int_equal(ct_init_linear_reset_(w, b), CT_OK);
  // kaiming_uniform(a=sqrt(5)) gives bound sqrt(3) * sqrt(1/3) / sqrt(fan_in), like the bias.
  float bound = (float)(1 / sqrt(10.0));
  for (int i = 0; i < 70; i++) assert_true(fabsf(((const float *)ct_data_ptr(w))[i]) <= bound);
  for (int i = 0; i < 7; i++) assert_true(fabsf(((const float *)ct_data_ptr(b))[i]) <= bound);
  assert_true(ct_is_leaf(w) && ct_requires_grad(w) && ct_is_grad_enabled());
  ct_scope_close(s);
}

static void test_embedding_reset_padding_row(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_zeros(CT_SHAPE(5, 4), CT_FLOAT32), true);
  assert_int_equal(ct_init_embedding_reset_(w, -2), CT_OK); // row 3
  const float *v = ct_data_ptr(w);
  for (int r = 0; r < 5; r++) {
    int zeros = 0;
    for (int c = 0; c < 4; c++) zeros += v[r * 4 + c] == 0.0f;
    assert_int_equal(zeros, r == 3 ? 4 : 0);
  }
  EXPECT_STATUS(ct_init_embedding_reset_(w, 5), CT_ERR_ARG, "Padding_idx must be within num_embeddings");
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mt19937_standard_check_value),
      cmocka_unit_test(test_seed_low_32_bits_and_initial_seed),
      cmocka_unit_test(test_random64_is_two_draws_high_first),
      cmocka_unit_test(test_new_generators_are_independent_of_default),
      cmocka_unit_test(test_state_roundtrip_with_normal_cache),
      cmocka_unit_test(test_state_errors),
      cmocka_unit_test(test_randint_bounds_error),
      cmocka_unit_test(test_randint_values_in_range),
      cmocka_unit_test(test_randperm),
      cmocka_unit_test(test_bernoulli_p_checks_and_extremes),
      cmocka_unit_test(test_uniform_normal_checks),
      cmocka_unit_test(test_null_inputs_propagate_silently),
      cmocka_unit_test(test_overlapping_output_rejected),
      cmocka_unit_test(test_cached_normal_randn1_twice_is_randn2),
      cmocka_unit_test(test_fill_order_of_transposed_view),
      cmocka_unit_test(test_like_keeps_layout),
      cmocka_unit_test(test_inplace_autograd_rules),
      cmocka_unit_test(test_generator_argument_does_not_touch_default),
      cmocka_unit_test(test_gain_and_fan),
      cmocka_unit_test(test_linear_reset_bounds_on_params),
      cmocka_unit_test(test_embedding_reset_padding_row),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

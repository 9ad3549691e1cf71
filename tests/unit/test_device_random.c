// The default generators of GPUs (PyTorch's CUDA generators: Philox, one per device) and
// the random layer's choice of generator, on the host: seeding and its bookkeeping
// (ct_cuda_manual_seed, _all, initial_seed, ct_manual_seed), then fills on the emulated
// device served by a host random family with the counter-based contract of
// kernels/random.h (element i of a fill takes Philox block offset + i, offset advances by
// n), so the routing, the offsets, PyTorch's generator error and the missing multinomial
// are checked without a GPU. With the CPU's random family the emulated device draws from
// the CPU generator, as before.
#include "emulated_device.h"
#include "kernels/cuda/philox.h"
#include "kernels/random.h"
#include "random/device_generator.h"
#include "unit.h"
#include <math.h>
#include <pthread.h>

#define DEFAULT_SEED UINT64_C(67280421310721)

// ---- a host random family with the counter-based contract (uniform and integers) ----

static void philox_uniform_f32(void *out, int64_t n, double from, double to, const ct_random_source *src) {
  ct_philox_state *s = src->state;
  assert_null(src->next_u32);
  for (int64_t i = 0; i < n; i++) {
    uint32_t u[4];
    ct_philox_block(s->seed, s->offset + (uint64_t)i, u);
    ((float *)out)[i] = fmaf(ct_philox_unit_f32(u[0]), (float)to - (float)from, (float)from);
  }
  s->offset += (uint64_t)n;
}
static void philox_integers_i64(void *out, int64_t n, uint64_t range, int64_t base,
                                const ct_random_source *src) {
  ct_philox_state *s = src->state;
  for (int64_t i = 0; i < n; i++) {
    uint32_t u[4];
    ct_philox_block(s->seed, s->offset + (uint64_t)i, u);
    ((int64_t *)out)[i] = (int64_t)((uint64_t)base + u[0] % range);
  }
  s->offset += (uint64_t)n;
}
static const ct_random_kernels philox_family = {
    .counter_based = true,
    .uniform = {[CT_FLOAT32] = philox_uniform_f32},
    .integers = {[CT_INT64] = philox_integers_i64},
};

// What a float32 uniform fill of n elements from (seed, offset) holds.
static void expected_uniform(uint64_t seed, uint64_t offset, int64_t n, float *out) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t u[4];
    ct_philox_block(seed, offset + (uint64_t)i, u);
    out[i] = ct_philox_unit_f32(u[0]);
  }
}

static void assert_values_f32(const ct_tensor *t, const float *expected, int64_t n) {
  assert_non_null(t);
  assert_int_equal(ct_numel(t), n);
  double got[64];
  assert_int_equal(ct_to_f64_array(t, got), CT_OK);
  for (int64_t i = 0; i < n; i++)
    assert_true(got[i] == (double)expected[i]);
}

static void assert_state(int index, uint64_t seed, uint64_t offset) {
  ct_philox_state s = ct__device_generator_state(CT_CUDA, index);
  assert_true(s.seed == seed);
  assert_true(s.offset == offset);
}

// ---- seeding, without a device ----

static void test_seeding_without_gpu(void **state) {
  (void)state;
  assert_state(0, DEFAULT_SEED, 0), assert_state(1, DEFAULT_SEED, 0); // CUDAGeneratorImpl's start
  ct_clear_error();
  ct_cuda_manual_seed(11); // PyTorch queues it and never fails
  assert_state(0, 11, 0), assert_state(1, DEFAULT_SEED, 0);
  ct_cuda_manual_seed_all(12);
  assert_state(0, 12, 0), assert_state(1, 12, 0), assert_state(CT_MAX_DEVICE_GENERATORS - 1, 12, 0);
  ct_manual_seed(13); // torch.manual_seed seeds the CPU generator and every GPU's
  assert_state(0, 13, 0), assert_state(1, 13, 0);
  assert_true(ct_initial_seed() == 13);
  assert_string_equal(ct_last_error(), "");
  // torch.cuda.initial_seed starts CUDA, which fails here (no backend or no GPU).
  assert_true(ct_cuda_initial_seed() == 0);
  assert_string_not_equal(ct_last_error(), "");
}

// ---- fills on a counter-based device ----

static void test_rand_on_draws_from_device_generator(void **state) {
  (void)state;
  emu_install(2);
  emu_set_random(&philox_family);
  ct_cuda_manual_seed(7);
  assert_true(ct_cuda_initial_seed() == 7);
  float want[20];
  expected_uniform(7, 0, 20, want);
  ct_tensor *a = ct_rand_on(CT_SHAPE(10), CT_FLOAT32, CT_CUDA, 0);
  assert_int_equal(ct_tensor_device_index(a), 0);
  assert_values_f32(a, want, 10);
  assert_state(0, 7, 10);
  ct_tensor *b = ct_rand_on(CT_SHAPE(2, 5), CT_FLOAT32, CT_CUDA, -1); // the offset moved on
  assert_values_f32(b, want + 10, 10);
  assert_state(0, 7, 20);
  ct_cuda_manual_seed(7); // the same numbers again
  assert_values_f32(ct_rand_on(CT_SHAPE(10), CT_FLOAT32, CT_CUDA, 0), want, 10);
  // The CPU generator is neither used nor advanced.
  ct_generator_manual_seed(NULL, 3);
  uint32_t first = ct_generator_random(NULL);
  ct_generator_manual_seed(NULL, 3);
  assert_non_null(ct_rand_on(CT_SHAPE(4), CT_FLOAT32, CT_CUDA, 0));
  assert_true(ct_generator_random(NULL) == first);
  emu_uninstall();
}

static void test_each_device_its_generator(void **state) {
  (void)state;
  emu_install(2);
  emu_set_random(&philox_family);
  ct_cuda_manual_seed_all(5);
  assert_int_equal(ct_cuda_set_device(1), CT_OK);
  ct_cuda_manual_seed(9); // the current GPU only
  assert_true(ct_cuda_initial_seed() == 9);
  assert_state(0, 5, 0), assert_state(1, 9, 0);
  float want[6];
  expected_uniform(9, 0, 6, want);
  ct_tensor *on1 = ct_rand_on(CT_SHAPE(6), CT_FLOAT32, CT_CUDA, -1);
  assert_int_equal(ct_tensor_device_index(on1), 1);
  assert_values_f32(on1, want, 6);
  assert_state(0, 5, 0), assert_state(1, 9, 6);
  // An in-place fill draws from its tensor's device's generator.
  expected_uniform(5, 0, 6, want);
  ct_tensor *on0 = ct_zeros_on(CT_SHAPE(6), CT_FLOAT32, CT_CUDA, 0);
  assert_non_null(ct_uniform_(on0, 0, 1));
  assert_values_f32(on0, want, 6);
  assert_state(0, 5, 6);
  assert_int_equal(ct_cuda_set_device(0), CT_OK);
  emu_uninstall();
}

static void test_strided_fill_and_creations(void **state) {
  (void)state;
  emu_install(1);
  emu_set_random(&philox_family);
  ct_cuda_manual_seed(21);
  // A transposed tensor is dense: drawn in memory order. Offset by its numel.
  ct_tensor *t = ct_transpose(ct_zeros_on(CT_SHAPE(2, 3), CT_FLOAT32, CT_CUDA, 0), 0, 1);
  assert_non_null(ct_uniform_(t, 0, 1));
  float want[6], logical[6];
  expected_uniform(21, 0, 6, want);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      logical[i * 2 + j] = want[j * 3 + i];
  assert_values_f32(t, logical, 6);
  assert_state(0, 21, 6);
  // A column is not: drawn in its iteration order through a buffer on the device.
  ct_tensor *base = ct_zeros_on(CT_SHAPE(3, 2), CT_FLOAT32, CT_CUDA, 0), *column = ct_select(base, 1, 1);
  assert_non_null(ct_uniform_(column, 0, 1));
  expected_uniform(21, 6, 3, want);
  assert_values_f32(column, want, 3);
  assert_values_f32(ct_select(base, 1, 0), (float[3]){0, 0, 0}, 3);
  assert_state(0, 21, 9);
  // randint on the device: base + u[0] % range per block.
  ct_tensor *r = ct_randint_on(-3, 4, CT_SHAPE(5), CT_CUDA, 0);
  double got[5];
  assert_int_equal(ct_to_f64_array(r, got), CT_OK);
  for (int i = 0; i < 5; i++) {
    uint32_t u[4];
    ct_philox_block(21, 9 + (uint64_t)i, u);
    assert_true(got[i] == (double)(-3 + (int64_t)(u[0] % 7)));
  }
  assert_state(0, 21, 14);
  // rand_like is made on t's device and draws from its generator.
  ct_tensor *like = ct_rand_like(r = ct_zeros_on(CT_SHAPE(4), CT_FLOAT32, CT_CUDA, 0));
  assert_int_equal(ct_get_device(like), CT_CUDA);
  expected_uniform(21, 14, 4, want);
  assert_values_f32(like, want, 4);
  assert_state(0, 21, 18);
  emu_uninstall();
}

static void test_errors_on_counter_based_device(void **state) {
  (void)state;
  emu_install(1);
  emu_set_random(&philox_family);
  ct_cuda_manual_seed(1);
  ct_tensor *t = ct_zeros_on(CT_SHAPE(4), CT_FLOAT32, CT_CUDA, 0);
  ct_generator *cpu = ct_generator_new();
  EXPECT_ERROR(ct_uniform_gen_(t, 0, 1, cpu), "Expected a 'cuda' device type for generator but found 'cpu'");
  assert_state(0, 1, 0); // nothing drawn
  EXPECT_ERROR(ct_multinomial(t, 2, true), "multinomial is not implemented for cuda tensors in ctorch yet");
  EXPECT_ERROR(ct_multinomial(t, 2, false), "multinomial is not implemented for cuda tensors in ctorch yet");
  ct_generator_free(cpu);
  emu_uninstall();
}

// ---- concurrent fills take disjoint offsets ----

// In-place fills of a tensor made beforehand (the emulated allocator is single-threaded).
static void *draw_many(void *arg) {
  for (int i = 0; i < 200; i++)
    if (!ct_uniform_(arg, 0, 1)) return "uniform_ failed";
  return NULL;
}

static void test_concurrent_fills(void **state) {
  (void)state;
  emu_install(1);
  emu_set_random(&philox_family);
  ct_cuda_manual_seed(2);
  ct_tensor *x = ct_zeros_on(CT_SHAPE(3), CT_FLOAT32, CT_CUDA, 0),
            *y = ct_zeros_on(CT_SHAPE(3), CT_FLOAT32, CT_CUDA, 0);
  pthread_t a, b;
  void *ra, *rb;
  assert_int_equal(pthread_create(&a, NULL, draw_many, x), 0);
  assert_int_equal(pthread_create(&b, NULL, draw_many, y), 0);
  pthread_join(a, &ra), pthread_join(b, &rb);
  assert_null(ra), assert_null(rb);
  assert_state(0, 2, 2 * 200 * 3);
  emu_uninstall();
}

// ---- the emulated device with the CPU's random family keeps the CPU generator ----

static void test_cpu_family_keeps_cpu_generator(void **state) {
  (void)state;
  emu_install(1);
  ct_manual_seed(3);
  ct_tensor *cpu = ct_rand(CT_SHAPE(20), CT_FLOAT32);
  ct_manual_seed(3);
  ct_tensor *on = ct_rand_on(CT_SHAPE(20), CT_FLOAT32, CT_CUDA, 0);
  double a[20], b[20];
  assert_int_equal(ct_to_f64_array(cpu, a), CT_OK);
  assert_int_equal(ct_to_f64_array(on, b), CT_OK);
  assert_memory_equal(a, b, sizeof a);
  assert_state(0, 3, 0); // the device generator is not advanced
  ct_manual_seed(6);     // bernoulli(t, p): on t's device
  ct_tensor *bc = ct_bernoulli(cpu, 0.5);
  ct_manual_seed(6);
  ct_tensor *bd = ct_bernoulli(on, 0.5);
  assert_int_equal(ct_get_device(bd), CT_CUDA);
  assert_int_equal(ct_to_f64_array(bc, a), CT_OK);
  assert_int_equal(ct_to_f64_array(bd, b), CT_OK);
  assert_memory_equal(a, b, sizeof a);
  ct_generator *g = ct_generator_new(); // and an explicit CPU generator is accepted
  assert_non_null(ct_uniform_gen_(on, 0, 1, g));
  ct_generator_free(g);
  emu_uninstall();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seeding_without_gpu),
      cmocka_unit_test(test_rand_on_draws_from_device_generator),
      cmocka_unit_test(test_each_device_its_generator),
      cmocka_unit_test(test_strided_fill_and_creations),
      cmocka_unit_test(test_errors_on_counter_based_device),
      cmocka_unit_test(test_concurrent_fills),
      cmocka_unit_test(test_cpu_family_keeps_cpu_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

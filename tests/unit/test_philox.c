// The CUDA backend's Philox4x32-10 (src/kernels/cuda/philox.h) against the known-answer
// vectors published with Random123 (kat_vectors: philox4x32 10 rounds), and its
// uniform mappings' exact values. Runs on the host: the same code runs on the device.
#include "unit.h"
#include "kernels/cuda/philox.h"

static void check_kat(const uint32_t ctr[4], const uint32_t key[2], const uint32_t expected[4]) {
  uint32_t out[4];
  ct_philox4x32_10(ctr, key, out);
  for (int i = 0; i < 4; i++) assert_int_equal(out[i], expected[i]);
}

static void test_known_answers(void **state) {
  (void)state;
  check_kat((const uint32_t[]){0, 0, 0, 0}, (const uint32_t[]){0, 0},
            (const uint32_t[]){0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  check_kat((const uint32_t[]){0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
            (const uint32_t[]){0xffffffffu, 0xffffffffu},
            (const uint32_t[]){0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  check_kat((const uint32_t[]){0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
            (const uint32_t[]){0xa4093822u, 0x299f31d0u},
            (const uint32_t[]){0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

// Block i of a seed is the generator at counter (i, 0) and key (seed low, seed high).
static void test_block_layout(void **state) {
  (void)state;
  uint32_t a[4], b[4];
  ct_philox_block(0xa4093822299f31d0ull, 0x85a308d3243f6a88ull, a);
  ct_philox4x32_10((const uint32_t[]){0x243f6a88u, 0x85a308d3u, 0, 0}, (const uint32_t[]){0x299f31d0u, 0xa4093822u},
                   b);
  for (int i = 0; i < 4; i++) assert_int_equal(a[i], b[i]);
}

static void test_unit_intervals(void **state) {
  (void)state;
  assert_true(ct_philox_unit_f32(0) == 0.0f);
  assert_true(ct_philox_unit_f32(0xffffffffu) == 1.0f - 0x1p-24f); // below 1
  assert_true(ct_philox_unit_f32(0x80000000u) == 0.5f);
  assert_true(ct_philox_unit_f64(0, 0) == 0.0);
  assert_true(ct_philox_unit_f64(0xffffffffu, 0xffffffffu) == 1.0 - 0x1p-53);
  assert_true(ct_philox_unit_f64(0x80000000u, 0) == 0.5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_block_layout),
      cmocka_unit_test(test_unit_intervals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// torch.bmm of batches of small float32 products (attention's per-head products), which
// the CPU backend computes in one call (kernels/cpu/blas_small.c) instead of one BLAS
// call per product: every product must equal, bit for bit, ct_mm of the same two
// matrices (one BLAS call, as PyTorch's bmm makes per product), for every operand
// layout, at sizes around the batched path's bounds and its tile edges.
#include "ctorch/creation.h"
#include "ctorch/linalg.h"
#include "ctorch/ops.h"
#include "ctorch/random.h"
#include "ctorch/scope.h"
#include "ctorch/tensor.h"
#include "ctorch/view.h"
#include "unit.h"

// [batch, rows, cols] float32 values of several magnitudes (so that the order of a sum
// shows in its last bits), laid out as `layout` says: 0 row-major, 1 column-major
// (a transposed view), 2 as attention's heads ([rows, batch, cols] storage, batch and
// rows swapped: rows lie batch*cols elements apart).
static ct_tensor *operand(int64_t batch, int64_t rows, int64_t cols, int layout) {
  ct_tensor *magnitude = ct_exp(ct_mul_scalar(ct_randn(CT_SHAPE(batch, rows, cols), CT_FLOAT32), 3));
  ct_tensor *values = ct_mul(ct_randn(CT_SHAPE(batch, rows, cols), CT_FLOAT32), magnitude);
  if (layout == 1) return ct_transpose(ct_contiguous(ct_transpose(values, 1, 2)), 1, 2);
  if (layout == 2) return ct_transpose(ct_contiguous(ct_transpose(values, 0, 1)), 0, 1);
  return values;
}

// bmm(a, b) against mm(a[i], b[i]) for every i, bit for bit.
static void expect_as_mm(int64_t batch, int64_t m, int64_t n, int64_t k, int a_layout, int b_layout) {
  ct_scope *s = ct_scope_open();
  ct_tensor *a = operand(batch, m, k, a_layout), *b = operand(batch, k, n, b_layout);
  ct_tensor *c = ct_bmm(a, b);
  assert_non_null(c);
  assert_true(ct_is_contiguous(c));
  for (int64_t i = 0; i < batch; i++) {
    ct_tensor *one = ct_mm(ct_select(a, 0, i), ct_select(b, 0, i));
    assert_non_null(one);
    assert_true(ct_is_contiguous(one));
    const float *got = (const float *)ct_data_ptr(c) + i * m * n, *want = ct_data_ptr(one);
    if (memcmp(got, want, (size_t)(m * n) * sizeof(float)) != 0)
      fail_msg("bmm differs from mm: batch item %lld of %lldx%lldx%lld, layouts %d %d", (long long)i,
               (long long)m, (long long)n, (long long)k, a_layout, b_layout);
  }
  ct_scope_close(s);
}

static void test_attention_sizes_every_layout(void **state) {
  (void)state;
  ct_manual_seed(1);
  for (int al = 0; al < 3; al++)
    for (int bl = 0; bl < 3; bl++)
      expect_as_mm(32, 16, 16, 16, al, bl);
}

static void test_sizes_around_the_bounds(void **state) {
  (void)state;
  ct_manual_seed(2);
  // m and n: tile edges (4 rows, 8 and 16 columns) and the batched path's bound (64);
  // k: 31 (the largest the batched path takes) and 32 (one BLAS call per product again).
  static const int64_t sizes[][3] = {{1, 400, 1}, {5, 9, 31},  {3, 17, 13}, {64, 64, 31}, {65, 8, 8},
                                     {8, 65, 8},  {7, 24, 32}, {13, 33, 5}, {2, 8, 25},   {64, 1, 31},
                                     {16, 16, 1}, {1, 64, 7},  {4, 16, 30}, {31, 3, 29},  {9, 40, 2}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int layout = 0; layout < 4; layout++)
      expect_as_mm(3, sizes[i][0], sizes[i][1], sizes[i][2], layout & 1, layout >> 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_attention_sizes_every_layout),
      cmocka_unit_test(test_sizes_around_the_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

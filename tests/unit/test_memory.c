// Allocation, lifetime and iteration fast paths: the block pools, the iterator's dense
// and row-walk paths, tiled transposing copies, the engine's reuse of private gradients
// and OpenBLAS after its idle threads were stopped. Expected values are exact math.
#include "testutil.h"
#include <cmocka.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// 0, 1, 2, ... as a tensor of `shape` (exact in float32 below 2^24).
static ct_tensor *iota(int ndim, const int64_t *shape, ct_dtype dtype) {
  int64_t n = 1;
  for (int d = 0; d < ndim; d++) n *= shape[d];
  return ct_view(ct_arange(0, (double)n, 1, dtype), ndim, shape);
}

// Checks that out == permute(iota(shape), perm) element by element.
static void check_permuted_copy(int ndim, const int64_t *shape, const int *perm, ct_dtype from, ct_dtype to) {
  ct_scope *s = ct_scope_open();
  ct_tensor *x = iota(ndim, shape, from);
  ct_tensor *p = ct_permute(x, perm);
  ct_tensor *out = ct_contiguous(p);
  if (from != to) { // a converting copy into a contiguous tensor
    out = ct_empty(ndim, ct_shape(p), to);
    assert_int_equal(ct_copy_(out, p), CT_OK);
  }
  assert_non_null(out);
  assert_true(ct_is_contiguous(out));
  int64_t n = ct_numel(out);
  double *got = malloc((size_t)n * sizeof *got);
  assert_int_equal(ct_to_f64_array(out, got), CT_OK);
  int64_t in_strides[8], idx[8] = {0};
  for (int d = ndim - 1, st = 1; d >= 0; d--) {
    in_strides[d] = st;
    st *= (int)shape[d];
  }
  const int64_t *oshape = ct_shape(out);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    for (int d = 0; d < ndim; d++) src += idx[d] * in_strides[perm[d]];
    if (got[i] != (double)src) fail_msg("element %lld: got %g, want %lld", (long long)i, got[i], (long long)src);
    for (int d = ndim - 1; d >= 0 && ++idx[d] == oshape[d]; d--) idx[d] = 0;
  }
  free(got);
  ct_scope_close(s);
}

static void test_transposed_copies(void **state) {
  (void)state;
  static const int64_t sizes[][2] = {{1, 1}, {31, 33}, {32, 32}, {33, 65}, {100, 300}, {257, 129}, {3, 40000}, {1200, 900}};
  const int t2[2] = {1, 0};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    check_permuted_copy(2, sizes[i], t2, CT_FLOAT32, CT_FLOAT32);
    check_permuted_copy(2, sizes[i], t2, CT_INT64, CT_INT64);
  }
  // Conversions through the tiled path, and planes (dims before the transposed pair).
  check_permuted_copy(2, (int64_t[]){130, 70}, t2, CT_FLOAT64, CT_FLOAT32);
  check_permuted_copy(2, (int64_t[]){130, 70}, t2, CT_INT32, CT_FLOAT64);
  check_permuted_copy(3, (int64_t[]){5, 70, 90}, (int[]){0, 2, 1}, CT_FLOAT32, CT_FLOAT32);
  check_permuted_copy(3, (int64_t[]){40, 3, 50}, (int[]){2, 1, 0}, CT_FLOAT32, CT_FLOAT32);
  check_permuted_copy(4, (int64_t[]){3, 2, 64, 48}, (int[]){1, 0, 3, 2}, CT_FLOAT64, CT_FLOAT64);
}

// Broadcast operands walk rows and planes; large shapes are split across threads.
static void test_iterator_row_walk(void **state) {
  (void)state;
  static const int64_t shapes[][3] = {{2, 3, 5}, {7, 1, 9}, {9, 100, 101}, {3, 150, 170}};
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    ct_scope *s = ct_scope_open();
    const int64_t *sh = shapes[i];
    ct_tensor *a = iota(3, sh, CT_FLOAT64);                         // a[i,j,k] = (i*J + j)*K + k
    ct_tensor *b = iota(2, (int64_t[]){sh[1], 1}, CT_FLOAT64);      // b[j] = j, broadcast over i and k
    ct_tensor *c = ct_add(ct_transpose(ct_transpose(a, 0, 2), 0, 2), ct_mul_scalar(b, 1000000.0));
    assert_non_null(c);
    int64_t n = ct_numel(c);
    double *got = malloc((size_t)n * sizeof *got);
    assert_int_equal(ct_to_f64_array(c, got), CT_OK);
    for (int64_t e = 0; e < n; e++) {
      int64_t j = e / sh[2] % sh[1];
      assert_true(got[e] == (double)e + 1000000.0 * (double)j);
    }
    free(got);
    ct_scope_close(s);
  }
}

static bool all_equal(const ct_tensor *t, double v) {
  int64_t n = ct_numel(t);
  double *x = malloc((size_t)n * sizeof *x);
  bool ok = ct_to_f64_array(t, x) == CT_OK;
  for (int64_t i = 0; ok && i < n; i++) ok = x[i] == v;
  free(x);
  return ok;
}

static int deleted;
static void count_delete(void *data, void *ctx) {
  (void)ctx;
  free(data);
  deleted++;
}

// Sizes around every class boundary: values survive, data is 64-byte aligned, blocks are
// reused without leaking, external buffers are deleted once.
static void test_pool_sizes(void **state) {
  (void)state;
  static const int64_t counts[] = {0, 1, 15, 16, 17, 112, 113, 128, 129, 192, 193, 256, 257, 384, 385, 4096,
                                   65536, 262128, 262129, 262144, 300000, 700000, 1048560, 1048576};
  enum { N = sizeof counts / sizeof *counts };
  for (int round = 0; round < 3; round++) {
    ct_tensor *t[N];
    for (int i = 0; i < N; i++) {
      t[i] = ct_full(CT_SHAPE(counts[i]), (double)(i + round), CT_FLOAT32);
      assert_non_null(t[i]);
      assert_int_equal((uintptr_t)ct_data_ptr(t[i]) % 64, 0);
    }
    for (int i = 0; i < N; i++) {
      const float *p = ct_data_ptr(t[i]);
      for (int64_t k = 0; k < counts[i]; k++) assert_true(p[k] == (float)(i + round));
    }
    for (int i = round % 2; i < N; i += 2) ct_release(t[i]); // scrambled release order
    for (int i = 1 - round % 2; i < N; i += 2) ct_release(t[i]);
  }
  deleted = 0;
  float *buf = malloc(6 * sizeof *buf);
  ct_tensor *blob = ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(2, 3), NULL, count_delete, NULL);
  ct_tensor *view = ct_t(blob);
  ct_release(blob);
  assert_int_equal(deleted, 0);
  ct_release(view);
  assert_int_equal(deleted, 1);
}

// Large buffers are kept for the next request of about their size (no fresh page
// faults); a much smaller request does not take them.
static void test_large_buffers_reused(void **state) {
  (void)state;
  const int64_t big = 5 << 20, smaller = (5 << 20) - (1 << 20), tiny = 2 << 20;
  ct_tensor *a = ct_full(CT_SHAPE(big), 1, CT_FLOAT32);
  void *pa = ct_data_ptr(a);
  ct_release(a);
  ct_tensor *b = ct_full(CT_SHAPE(smaller), 2, CT_FLOAT32);
  assert_ptr_equal(ct_data_ptr(b), pa);
  assert_true(all_equal(b, 2));
  ct_release(b);
  ct_tensor *c = ct_full(CT_SHAPE(tiny), 3, CT_FLOAT32);
  assert_ptr_not_equal(ct_data_ptr(c), pa);
  assert_true(all_equal(c, 3));
  ct_tensor *d = ct_full(CT_SHAPE(big), 4, CT_FLOAT32); // the block freed with b's size
  assert_true(all_equal(d, 4));
  ct_release(c);
  ct_release(d);
}

static void *make_tensors(void *arg) {
  ct_tensor **out = arg;
  for (int i = 0; i < 64; i++) {
    ct_tensor *t = ct_full(CT_SHAPE(i == 63 ? 3 << 20 : i * 7 + 1), (double)i, CT_FLOAT32);
    if (i % 2) out[i / 2] = t; // handed to the main thread
    else ct_release(t);        // cached by this thread, freed when it exits
  }
  return NULL;
}

// Tensors made on one thread and released on another; a thread's cache is freed when it
// exits (LeakSanitizer checks).
static void test_pool_across_threads(void **state) {
  (void)state;
  ct_tensor *handed[32] = {NULL};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, make_tensors, handed), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  for (int i = 0; i < 32; i++) {
    assert_non_null(handed[i]);
    assert_true(((const float *)ct_data_ptr(handed[i]))[0] == (float)(2 * i + 1));
    ct_release(handed[i]);
  }
}


// The engine keeps a gradient nobody else sees instead of copying it, and adds into a
// private pending gradient in place; shared gradients must still be copied.
static void test_engine_private_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_requires_grad_(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32), true);
  ct_tensor *b = ct_requires_grad_(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32), true);
  // AddBackward hands the same gradient to both leaves: they must not share it.
  assert_int_equal(ct_backward(ct_sum(ct_add(a, b)), NULL), CT_OK);
  assert_false(ct_shares_storage(ct_grad(a), ct_grad(b)));
  ct_zero_grad(a);
  assert_true(all_equal(ct_grad(a), 0) && all_equal(ct_grad(b), 1));
  // x + x: the second arrival of the same tensor is summed into a fresh buffer.
  assert_int_equal(ct_backward(ct_sum(ct_add(a, a)), NULL), CT_OK);
  assert_true(all_equal(ct_grad(a), 2));
  // A leaf's .grad, once set, accumulates in place.
  ct_tensor *grad_before = ct_grad(a);
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(a, 3)), NULL), CT_OK);
  assert_ptr_equal(ct_grad(a), grad_before);
  assert_true(all_equal(ct_grad(a), 5));
  // Several paths into one node: (a*2) used three times.
  ct_tensor *y = ct_mul_scalar(b, 2);
  assert_int_equal(ct_backward(ct_sum(ct_add(ct_add(y, y), ct_mul(y, ct_ones_like(y)))), NULL), CT_OK);
  assert_true(all_equal(ct_grad(b), 1 + 6));
  // A user-supplied gradient is never adopted.
  ct_tensor *c = ct_requires_grad_(ct_zeros(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *g = ct_full(CT_SHAPE(2), 4, CT_FLOAT32);
  assert_int_equal(ct_backward(ct_view(c, CT_SHAPE(2)), g), CT_OK);
  assert_false(ct_shares_storage(ct_grad(c), g));
  ct_fill_(g, 9);
  assert_true(all_equal(ct_grad(c), 4));
  // retain_graph: the second pass sees the same saved tensors and gradients add up.
  ct_tensor *w = ct_requires_grad_(ct_full(CT_SHAPE(3, 4), 2, CT_FLOAT32), true);
  ct_tensor *loss = ct_sum(ct_mul(ct_mul(w, w), w));
  assert_int_equal(ct_backward_ex(loss, NULL, true), CT_OK);
  assert_int_equal(ct_backward_ex(loss, NULL, false), CT_OK);
  assert_true(all_equal(ct_grad(w), 2 * 3 * 2 * 2));
  ct_scope_close(s);
}

// A product big enough for OpenBLAS to split across its threads, after ctorch stopped
// the idle ones at load time: integer data, so the exact result is known.
static void test_large_product_after_thread_stop(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t n = 384;
  ct_tensor *a = ct_remainder(iota(2, (int64_t[]){n, n}, CT_FLOAT32), ct_scalar(7, CT_FLOAT32));
  ct_tensor *b = ct_remainder(iota(2, (int64_t[]){n, n}, CT_FLOAT32), ct_scalar(5, CT_FLOAT32));
  ct_tensor *c = ct_mm(a, b);
  assert_non_null(c);
  const float *cp = ct_data_ptr(c);
  for (int64_t i = 0; i < n; i += 37)
    for (int64_t j = 0; j < n; j += 29) {
      double want = 0;
      for (int64_t k = 0; k < n; k++) want += (double)((i * n + k) % 7) * (double)((k * n + j) % 5);
      assert_true(cp[i * n + j] == (float)want);
    }
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_transposed_copies),       cmocka_unit_test(test_iterator_row_walk),
      cmocka_unit_test(test_pool_sizes),              cmocka_unit_test(test_large_buffers_reused),
      cmocka_unit_test(test_pool_across_threads),
      cmocka_unit_test(test_engine_private_gradients), cmocka_unit_test(test_large_product_after_thread_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

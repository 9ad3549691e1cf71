// Allocation, lifetime and iteration fast paths: the ownership rule (the same code frees
// everything with and without an explicit scope; scope misuse is reported), the block
// pools, the iterator's dense and row-walk paths, tiled transposing copies, the engine's
// reuse of private gradients and OpenBLAS after its idle threads were stopped. Expected
// values are exact math; "frees everything" is checked with the thread's count of live
// blocks and, for threads that exit, by LeakSanitizer (make sanitize).
#include "unit.h"
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
    // No scope is open: the root scope owns them; give its references up in a scrambled order.
    for (int i = round % 2; i < N; i += 2) assert_int_equal(ct_scope_release(t[i]), CT_OK);
    for (int i = 1 - round % 2; i < N; i += 2) assert_int_equal(ct_scope_release(t[i]), CT_OK);
  }
  deleted = 0;
  float *buf = malloc(6 * sizeof *buf);
  ct_tensor *blob = ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(2, 3), NULL, count_delete, NULL);
  ct_tensor *view = ct_t(blob);
  assert_int_equal(ct_scope_release(blob), CT_OK);
  assert_int_equal(deleted, 0);
  assert_int_equal(ct_scope_release(view), CT_OK);
  assert_int_equal(deleted, 1);
}

void *ct__pool_alloc_slow(size_t size); // internal: src/core/pool.h

// A request so large that padding it to whole cache lines would wrap fails instead of
// handing out a small block.
static void test_pool_huge_request_fails(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  assert_null(ct__pool_alloc_slow(SIZE_MAX));
  assert_null(ct__pool_alloc_slow(SIZE_MAX - 10));
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// Large buffers are kept for the next request of about their size (no fresh page
// faults); a much smaller request does not take them.
static void test_large_buffers_reused(void **state) {
  (void)state;
  const int64_t big = 5 << 20, smaller = (5 << 20) - (1 << 20), tiny = 2 << 20;
  ct_tensor *a = ct_full(CT_SHAPE(big), 1, CT_FLOAT32);
  void *pa = ct_data_ptr(a);
  assert_int_equal(ct_scope_release(a), CT_OK);
  ct_tensor *b = ct_full(CT_SHAPE(smaller), 2, CT_FLOAT32);
  assert_ptr_equal(ct_data_ptr(b), pa);
  assert_true(all_equal(b, 2));
  assert_int_equal(ct_scope_release(b), CT_OK);
  ct_tensor *c = ct_full(CT_SHAPE(tiny), 3, CT_FLOAT32);
  assert_ptr_not_equal(ct_data_ptr(c), pa);
  assert_true(all_equal(c, 3));
  ct_tensor *d = ct_full(CT_SHAPE(big), 4, CT_FLOAT32); // the block freed with b's size
  assert_true(all_equal(d, 4));
  assert_int_equal(ct_scope_release(c), CT_OK);
  assert_int_equal(ct_scope_release(d), CT_OK);
}

static void *make_tensors(void *arg) {
  ct_tensor **out = arg;
  for (int i = 0; i < 64; i++) {
    ct_tensor *t = ct_full(CT_SHAPE(i == 63 ? 3 << 20 : i * 7 + 1), (double)i, CT_FLOAT32);
    // A tensor handed to another thread is retained first: this thread's root scope gives
    // its own reference up when the thread exits.
    if (i % 2) out[i / 2] = ct_retain(t);
    else ct_scope_release(t); // cached by this thread, freed when it exits
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
    ct_release(handed[i]); // balances the other thread's ct_retain
  }
}


// ---- ownership: one rule, with or without an explicit scope ----

static const char *const not_open =
    "ct_scope_close: the scope is not open on this thread (closed already, or opened by another thread)";
static const char *const skipped = "ct_scope_open: a scope opened here is still open: a ct_scope_close was "
                                   "skipped (continue/break/early return?)";

// x * x + x, with a gradient: the product and the graph are temporaries nobody points to.
static bool square_plus_and_backward(ct_tensor *x) {
  ct_tensor *y = ct_add(ct_mul(x, x), x);
  return tu_allclose(y, (double[]){2, 6, 12}, 3, 0, 0) && ct_backward(ct_sum(y), NULL) == CT_OK &&
         tu_allclose(ct_grad(x), (double[]){3, 5, 7}, 3, 0, 0);
}

// A thread that opens no scope: its root scope owns everything and releases it when the
// thread exits (the external buffer's deleter then runs; LeakSanitizer checks the rest).
static void *expression_without_scope(void *ok) {
  float *buf = malloc(3 * sizeof *buf);
  memcpy(buf, (float[]){1, 2, 3}, sizeof(float[3]));
  ct_tensor *blob = ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(3), NULL, count_delete, NULL);
  ct_tensor *x = ct_requires_grad_(ct_view(ct_detach(blob), CT_SHAPE(3)), true); // views of the buffer
  *(bool *)ok = square_plus_and_backward(x);
  return NULL;
}

static void test_same_expression_with_and_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from_f32((float[]){1, 2, 3}, CT_SHAPE(3)), true);
  assert_true(square_plus_and_backward(x));
  assert_int_equal(ct_scope_close(s), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);

  bool ok = false;
  deleted = 0;
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, expression_without_scope, &ok), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_true(ok);
  assert_int_equal(deleted, 1);
}

static void test_keep_moves_to_the_enclosing_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *outer = ct_scope_open();
  ct_scope *inner = ct_scope_open();
  ct_tensor *t = ct_keep(ct_ones(CT_SHAPE(2), CT_FLOAT32));
  assert_int_equal(ct_scope_size(outer), 1);
  assert_int_equal(ct_scope_close(inner), CT_OK);
  assert_true(all_equal(t, 1));
  assert_ptr_equal(ct_keep(t), t); // from the outermost explicit scope to the root scope
  assert_int_equal(ct_scope_close(outer), CT_OK);
  assert_true(all_equal(t, 1));
  assert_ptr_equal(ct_keep(t), t); // in the root scope: nothing encloses it, nothing changes
  assert_int_equal(ct_scope_release(t), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);
  assert_null(ct_keep(NULL));
}

static void test_out_of_order_close_reported(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *outer = ct_scope_open();
  ct_scope *inner = ct_scope_open();
  assert_non_null(ct_ones(CT_SHAPE(4), CT_FLOAT32));
  EXPECT_STATUS(ct_scope_close(outer), CT_ERR_RUNTIME,
                "ct_scope_close: 1 scope opened inside this one was still open (closed with it): a "
                "ct_scope_close was skipped");
  assert_int_equal(ct__pool_live_blocks(), blocks); // the inner scope's tensors went with it
  EXPECT_STATUS(ct_scope_close(inner), CT_ERR_RUNTIME, not_open);

  outer = ct_scope_open();
  ct_scope *first = ct_scope_open(), *second = ct_scope_open();
  assert_non_null(first);
  assert_non_null(second);
  assert_non_null(ct_zeros(CT_SHAPE(2), CT_INT64));
  EXPECT_STATUS(ct_scope_close(outer), CT_ERR_RUNTIME,
                "ct_scope_close: 2 scopes opened inside this one were still open (closed with it): a "
                "ct_scope_close was skipped");
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

static void *close_from_another_thread(void *scope) {
  ct_status *st = malloc(sizeof *st);
  *st = ct_scope_close(scope);
  return st;
}

static void test_stale_and_double_close_reported(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  assert_int_equal(ct_scope_close(s), CT_OK);
  EXPECT_STATUS(ct_scope_close(s), CT_ERR_RUNTIME, not_open);
  // The next scope reuses the closed one's memory; the stale handle still names the old one.
  ct_scope *t = ct_scope_open();
  assert_non_null(ct_ones(CT_SHAPE(2), CT_FLOAT32));
  EXPECT_STATUS(ct_scope_close(s), CT_ERR_RUNTIME, not_open);
  assert_int_equal(ct_scope_size(s), 0);
  assert_int_equal(ct_scope_size(t), 1);
  // Another thread cannot close it either.
  pthread_t th;
  void *result;
  assert_int_equal(pthread_create(&th, NULL, close_from_another_thread, t), 0);
  assert_int_equal(pthread_join(th, &result), 0);
  assert_int_equal(*(ct_status *)result, CT_ERR_RUNTIME);
  free(result);
  assert_int_equal(ct_scope_size(t), 1);
  assert_int_equal(ct_scope_close(t), CT_OK);
  EXPECT_STATUS(ct_scope_close(NULL), CT_ERR_ARG, "ct_scope_close: scope is NULL");
}

// Each level opens a scope from the same call site, one frame deeper: not a skipped close.
__attribute__((noinline)) static int nest(int depth) {
  ct_scope *s = ct_scope_open();
  if (!s) return -1;
  int below = depth > 1 ? nest(depth - 1) : 0;
  assert_non_null(ct_ones(CT_SHAPE(1), CT_FLOAT32));
  ct_status st = ct_scope_close(s);
  return below < 0 || st != CT_OK ? -1 : below + 1;
}

// Runtime values, so the compiler cannot unroll the loop below into distinct call sites.
static volatile int loop_steps = 4, skip_close_at = 1;

static void test_skipped_close_in_loop_reported(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *left_open = NULL;
  int refused = 0;
  for (int i = 0; i < loop_steps; i++) {
    ct_clear_error();
    ct_scope *step = ct_scope_open();
    if (!step) {
      EXPECT_LAST_ERROR(skipped);
      refused++;
      continue;
    }
    assert_non_null(ct_ones(CT_SHAPE(3), CT_FLOAT32));
    if (i == skip_close_at) {
      left_open = step;
      continue; // the close is skipped
    }
    assert_int_equal(ct_scope_close(step), CT_OK);
  }
  assert_int_equal(refused, loop_steps - skip_close_at - 1); // every later step was refused
  assert_int_equal(ct_scope_close(left_open), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);
  assert_int_equal(nest(5), 5);
  // Wrappers name their own site; NULL opens without the check.
  static const char site;
  ct_scope *a = ct_scope_open_at(&site);
  assert_non_null(a);
  EXPECT_ERROR(ct_scope_open_at(&site), skipped);
  ct_scope *b = ct_scope_open_at(NULL), *c = ct_scope_open_at(NULL);
  assert_non_null(b);
  assert_non_null(c);
  assert_int_equal(ct_scope_close(c), CT_OK);
  assert_int_equal(ct_scope_close(b), CT_OK);
  assert_int_equal(ct_scope_close(a), CT_OK);
}

static void test_release_of_scope_owned_tensor_reported(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_full(CT_SHAPE(3), 7, CT_FLOAT32);
  ct_clear_error();
  ct_release(t);
  assert_int_equal(ct_last_status(), CT_ERR_RUNTIME);
  EXPECT_LAST_ERROR("ct_release: the tensor is owned by a scope; release only what you retained "
                    "(ct_scope_release gives up a scope's reference early)");
  assert_true(all_equal(t, 7)); // nothing was freed
  // A retained reference is the caller's to release.
  ct_clear_error();
  ct_release(ct_retain(t));
  assert_int_equal(ct_last_status(), CT_OK);
  ct_retain(t); // kept past the scope by hand
  assert_int_equal(ct_scope_close(s), CT_OK);
  assert_true(all_equal(t, 7));
  EXPECT_STATUS(ct_scope_release(t), CT_ERR_RUNTIME,
                "ct_scope_release: the tensor is not owned by a scope of this thread");
  ct_release(t);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

static ct_tensor *forward_leaving_a_scope_open(ct_module *self, ct_tensor *x) {
  (void)self;
  ct_scope_open();
  return ct_relu(x);
}
static const ct_module_vtable leaky_vtable = {"Leaky", forward_leaving_a_scope_open, NULL, NULL};

// A module whose forward leaves a scope open fails the Sequential around it, which frees
// everything made inside; the scope it left open is not left around.
static void test_sequential_reports_a_child_leaving_a_scope_open(void **state) {
  (void)state;
  ct_module *leaky = ct_module_new(sizeof(ct_module), &leaky_vtable);
  ct_module *seq = ct_sequential_new(2, (ct_module *[]){leaky, ct_relu_new()});
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  EXPECT_ERROR(ct_module_forward(seq, x), "ct_scope_close: 1 scope opened inside this one was still open "
                                          "(closed with it): a ct_scope_close was skipped");
  assert_int_equal(ct_scope_size(s), 1);
  assert_int_equal(ct_scope_close(s), CT_OK);
  ct_module_free(seq);
}

static ct_status collate_leaving_a_scope_open(void *ctx, const ct_batch *samples, int n, ct_batch *batch) {
  ct_scope_open();
  return ct_default_collate(ctx, samples, n, batch);
}

// With no scope open, a batch is all a call leaves in the root scope (the samples, views
// of the data, are gone); an error recorded before is still there at the end of the epoch;
// a collate function that leaves a scope open makes the call fail, leaving nothing.
static void test_dataloader_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *data = ct_arange(0, 10, 1, CT_INT64);
  ct_dataset *dataset = ct_tensor_dataset_new(1, &data);
  assert_int_equal(ct_scope_release(data), CT_OK); // the dataset holds it now
  ct_dataloader *loader = ct_dataloader_new(dataset, (ct_dataloader_options){.batch_size = 4});
  assert_non_null(loader);
  ct_tensor *ones = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  EXPECT_ERROR(ct_view(ones, CT_SHAPE(3)), "shape '[3]' is invalid for input of size 2");
  int64_t ready = ct__pool_live_blocks();
  ct_batch batch;
  ct_batch_result got;
  int batches = 0;
  while ((got = ct_dataloader_next(loader, &batch)) == CT_BATCH_READY) {
    assert_int_equal(batch.count, 1);
    assert_int_equal(ct_numel(batch.fields[0]), batches < 2 ? 4 : 2);
    int64_t first = -1;
    ct_tensor *head = ct_select(batch.fields[0], 0, 0);
    assert_int_equal(ct_item_int(head, &first), CT_OK);
    assert_int_equal(first, 4 * batches);
    tu_release_inputs((ct_tensor *[]){head, batch.fields[0]}, 2);
    assert_int_equal(ct__pool_live_blocks(), ready);
    batches++;
  }
  assert_int_equal(got, CT_BATCH_END);
  assert_int_equal(batches, 3);
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  EXPECT_LAST_ERROR("shape '[3]' is invalid for input of size 2");

  ct_dataloader *leaky = ct_dataloader_new(
      dataset, (ct_dataloader_options){.batch_size = 4, .collate = collate_leaving_a_scope_open});
  ct_clear_error();
  assert_int_equal(ct_dataloader_next(leaky, &batch), CT_BATCH_ERROR);
  EXPECT_LAST_ERROR("ct_scope_close: 1 scope opened inside this one was still open (closed with it): a "
                    "ct_scope_close was skipped");
  assert_int_equal(batch.count, 0);
  assert_int_equal(ct__pool_live_blocks(), ready);
  ct_dataloader_free(leaky);
  ct_dataloader_free(loader);
  ct_tensor_dataset_free(dataset);
  assert_int_equal(ct_scope_release(ones), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);
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
      cmocka_unit_test(test_pool_sizes),              cmocka_unit_test(test_pool_huge_request_fails),
      cmocka_unit_test(test_large_buffers_reused),
      cmocka_unit_test(test_pool_across_threads),
      cmocka_unit_test(test_same_expression_with_and_without_scope),
      cmocka_unit_test(test_keep_moves_to_the_enclosing_scope),
      cmocka_unit_test(test_out_of_order_close_reported),
      cmocka_unit_test(test_stale_and_double_close_reported),
      cmocka_unit_test(test_skipped_close_in_loop_reported),
      cmocka_unit_test(test_release_of_scope_owned_tensor_reported),
      cmocka_unit_test(test_sequential_reports_a_child_leaving_a_scope_open),
      cmocka_unit_test(test_dataloader_without_scope),
      cmocka_unit_test(test_engine_private_gradients), cmocka_unit_test(test_large_product_after_thread_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

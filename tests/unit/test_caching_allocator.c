// The caching allocator's bookkeeping (src/kernels/cuda/caching_allocator.h) against
// PyTorch 1.13's CUDACachingAllocator rules, over a mock device: raw allocations are
// address ranges handed out from a counter (never dereferenced), with a byte budget to
// make them fail. Expected values are the rules' arithmetic.
#include "unit.h"
#include <pthread.h>
#include "kernels/cuda/caching_allocator.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

typedef struct mock_device {
  uintptr_t next;           // next address handed out
  size_t held, budget;      // bytes held by live segments; raw_alloc fails beyond budget
  int allocs, frees, syncs; // calls
} mock_device;

static void *mock_alloc(size_t nbytes, void *user) {
  mock_device *m = user;
  if (m->held + nbytes > m->budget) return NULL;
  void *ptr = (void *)m->next;
  m->next += nbytes + 4096; // a gap: segments are never adjacent
  m->held += nbytes;
  m->allocs++;
  return ptr;
}

static void mock_free(void *ptr, size_t nbytes, void *user) {
  (void)ptr;
  mock_device *m = user;
  m->held -= nbytes;
  m->frees++;
}

static void mock_sync(void *user) { ((mock_device *)user)->syncs++; }

static ct_caching_allocator *make(mock_device *m, size_t budget) {
  *m = (mock_device){.next = 0x100000000u, .budget = budget};
  ct_ca_raw raw = {mock_alloc, mock_free, mock_sync, m};
  ct_caching_allocator *a = ct_ca_create(&raw);
  assert_non_null(a);
  return a;
}

static void test_rounding_and_segment_sizes(void **state) {
  (void)state;
  assert_int_equal(ct_ca_round_size(0), 512);
  assert_int_equal(ct_ca_round_size(1), 512);
  assert_int_equal(ct_ca_round_size(512), 512);
  assert_int_equal(ct_ca_round_size(513), 1024);
  assert_int_equal(ct_ca_round_size(MiB + 1), MiB + 512);
  assert_int_equal(ct_ca_segment_size(512), 2 * MiB);
  assert_int_equal(ct_ca_segment_size(MiB), 2 * MiB);                 // small pool up to 1 MiB
  assert_int_equal(ct_ca_segment_size(MiB + 512), 20 * MiB);          // 1-10 MiB: a 20 MiB segment
  assert_int_equal(ct_ca_segment_size(10 * MiB - 512), 20 * MiB);
  assert_int_equal(ct_ca_segment_size(10 * MiB), 10 * MiB);           // from 10 MiB: rounded to 2 MiB
  assert_int_equal(ct_ca_segment_size(10 * MiB + 512), 12 * MiB);
}

// Small requests are packed into one 2 MiB segment, one after the other.
static void test_small_pool_packs_a_segment(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *p = ct_ca_malloc(a, 1000, 0), *q = ct_ca_malloc(a, 1, 0), *r = ct_ca_malloc(a, 0, 0);
  assert_ptr_equal(q, p + 1024);
  assert_ptr_equal(r, q + 512);
  ct_ca_stats s = ct_ca_get_stats(a);
  assert_int_equal(s.allocated, 2048);
  assert_int_equal(s.reserved, 2 * MiB);
  assert_int_equal(m.allocs, 1);
  ct_ca_destroy(a);
  assert_int_equal(m.held, 0);
}

// A large request splits its 20 MiB segment only when more than 1 MiB would remain.
static void test_large_pool_split_rule(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *p = ct_ca_malloc(a, 3 * MiB, 0);
  assert_int_equal(ct_ca_get_stats(a).reserved, 20 * MiB);
  assert_int_equal(ct_ca_get_stats(a).allocated, 3 * MiB);
  // 17 MiB remain; a 16.5 MiB request leaves 0.5 MiB: no split, the whole rest is taken.
  char *q = ct_ca_malloc(a, 16 * MiB + 512 * KiB, 0);
  assert_ptr_equal(q, p + 3 * MiB);
  assert_int_equal(ct_ca_get_stats(a).allocated, 20 * MiB);
  assert_int_equal(m.allocs, 1);
  // A 1 MiB + 512 request is large: a new 20 MiB segment, not the small pool.
  char *r = ct_ca_malloc(a, MiB + 1, 0);
  assert_non_null(r);
  assert_int_equal(ct_ca_get_stats(a).reserved, 40 * MiB);
  // A 1 MiB request is small: a 2 MiB segment.
  assert_non_null(ct_ca_malloc(a, MiB, 0));
  assert_int_equal(ct_ca_get_stats(a).reserved, 42 * MiB);
  // 11 MiB + 512 fits the rest of the second segment (best fit), which is split again.
  char *s11 = ct_ca_malloc(a, 11 * MiB + 1, 0);
  assert_ptr_equal(s11, r + MiB + 512);
  assert_int_equal(ct_ca_get_stats(a).reserved, 42 * MiB);
  // 12 MiB + 512 fits no free block: from 10 MiB on, a segment rounded up to 2 MiB (14),
  // split since 2 MiB - 512 remain.
  assert_non_null(ct_ca_malloc(a, 12 * MiB + 1, 0));
  assert_int_equal(ct_ca_get_stats(a).reserved, 56 * MiB);
  assert_int_equal(ct_ca_get_stats(a).allocated, 20 * MiB + (MiB + 512) + MiB + (11 * MiB + 512) + (12 * MiB + 512));
  ct_ca_destroy(a);
}

// A freed block is reused by the smallest fitting request of its stream (best fit).
static void test_best_fit_reuse(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *p4k = ct_ca_malloc(a, 4096, 0), *sep1 = ct_ca_malloc(a, 512, 0);
  char *p8k = ct_ca_malloc(a, 8192, 0), *sep2 = ct_ca_malloc(a, 512, 0);
  (void)sep1, (void)sep2;
  assert_true(ct_ca_free(a, p8k));
  assert_true(ct_ca_free(a, p4k));
  assert_ptr_equal(ct_ca_malloc(a, 4000, 0), p4k); // the 4 KiB hole, not the 8 KiB one or the tail
  assert_ptr_equal(ct_ca_malloc(a, 6000, 0), p8k); // split: 6144 of the 8 KiB hole
  assert_ptr_equal(ct_ca_malloc(a, 2048, 0), p8k + 6144);
  assert_int_equal(m.allocs, 1);
  ct_ca_destroy(a);
}

// Free blocks of one stream are not handed to another.
static void test_reuse_is_per_stream(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *p = ct_ca_malloc(a, 4096, 1);
  assert_true(ct_ca_free(a, p));
  char *q = ct_ca_malloc(a, 4096, 2);
  assert_int_equal(m.allocs, 2);
  assert_true(q < p || q >= p + 2 * MiB);
  assert_ptr_equal(ct_ca_malloc(a, 4096, 1), p);
  ct_ca_destroy(a);
}

// Freed neighbours merge back into the whole segment, which empty_cache then returns.
static void test_coalescing_and_empty_cache(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *x = ct_ca_malloc(a, 1024, 0), *y = ct_ca_malloc(a, 1024, 0), *z = ct_ca_malloc(a, 1024, 0);
  char *keep = ct_ca_malloc(a, 3 * MiB, 0); // a second segment that stays live
  assert_true(ct_ca_free(a, y));
  assert_true(ct_ca_free(a, x)); // x merges with y
  assert_ptr_equal(ct_ca_malloc(a, 2048, 0), x);
  assert_true(ct_ca_free(a, x));
  ct_ca_empty_cache(a); // z is live: the small segment stays
  assert_int_equal(ct_ca_get_stats(a).reserved, 22 * MiB);
  assert_true(ct_ca_free(a, z)); // x|y, z and the tail merge into the whole segment
  assert_ptr_equal(ct_ca_malloc(a, MiB, 0), x);
  assert_true(ct_ca_free(a, x));
  assert_int_equal(ct_ca_get_stats(a).allocated, 3 * MiB);
  ct_ca_empty_cache(a);
  ct_ca_stats s = ct_ca_get_stats(a);
  assert_int_equal(s.reserved, 20 * MiB);
  assert_int_equal(s.segments, 1);
  assert_int_equal(m.frees, 1);
  assert_true(m.syncs >= 1); // queued work finishes before memory goes back
  assert_true(ct_ca_owns(a, keep + 5));
  assert_false(ct_ca_owns(a, x));
  assert_true(ct_ca_free(a, keep));
  ct_ca_empty_cache(a);
  assert_int_equal(ct_ca_get_stats(a).reserved, 0);
  assert_int_equal(m.held, 0);
  ct_ca_destroy(a);
}

static void test_counters_and_peaks(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  char *p = ct_ca_malloc(a, 100, 0), *q = ct_ca_malloc(a, 5 * MiB, 0);
  assert_true(ct_ca_free(a, p));
  assert_true(ct_ca_free(a, q));
  assert_false(ct_ca_free(a, q));       // not live any more
  assert_false(ct_ca_free(a, (void *)8)); // never allocated
  ct_ca_stats s = ct_ca_get_stats(a);
  assert_int_equal(s.allocated, 0);
  assert_int_equal(s.peak_allocated, 512 + 5 * MiB);
  assert_int_equal(s.reserved, 22 * MiB); // cached until empty_cache
  assert_int_equal(s.peak_reserved, 22 * MiB);
  ct_ca_empty_cache(a);
  s = ct_ca_get_stats(a);
  assert_int_equal(s.reserved, 0);
  assert_int_equal(s.peak_reserved, 22 * MiB);
  ct_ca_destroy(a);
}

// When the device is out of memory the cache is given back and the allocation retried.
static void test_out_of_memory_retries_after_emptying(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, 21 * MiB);
  assert_true(ct_ca_free(a, ct_ca_malloc(a, 4096, 0))); // a cached 2 MiB segment
  char *big = ct_ca_malloc(a, 5 * MiB, 0);              // 20 MiB: fits only without the cache
  assert_non_null(big);
  ct_ca_stats s = ct_ca_get_stats(a);
  assert_int_equal(s.reserved, 20 * MiB);
  assert_int_equal(s.segments, 1);
  assert_int_equal(m.frees, 1);
  assert_null(ct_ca_malloc(a, 30 * MiB, 0)); // beyond the device even with the cache empty
  assert_int_equal(ct_ca_get_stats(a).allocated, 5 * MiB);
  assert_null(ct_ca_malloc(a, SIZE_MAX - 8, 0)); // rounding overflows
  assert_true(ct_ca_free(a, big));
  ct_ca_destroy(a);
  assert_int_equal(m.held, 0);
}

static void *churn(void *arg) {
  ct_caching_allocator *a = arg;
  for (int i = 0; i < 2000; i++) {
    void *p = ct_ca_malloc(a, (size_t)(i % 7 + 1) * 3000, 0), *q = ct_ca_malloc(a, (size_t)(i % 3) * MiB, 0);
    if (!p || !q || !ct_ca_free(a, p) || !ct_ca_free(a, q)) return (void *)1;
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  mock_device m;
  ct_caching_allocator *a = make(&m, SIZE_MAX);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, churn, a), 0);
  for (int i = 0; i < 4; i++) {
    void *r;
    pthread_join(t[i], &r);
    assert_null(r);
  }
  assert_int_equal(ct_ca_get_stats(a).allocated, 0);
  ct_ca_empty_cache(a);
  assert_int_equal(ct_ca_get_stats(a).reserved, 0);
  ct_ca_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rounding_and_segment_sizes),
      cmocka_unit_test(test_small_pool_packs_a_segment),
      cmocka_unit_test(test_large_pool_split_rule),
      cmocka_unit_test(test_best_fit_reuse),
      cmocka_unit_test(test_reuse_is_per_stream),
      cmocka_unit_test(test_coalescing_and_empty_cache),
      cmocka_unit_test(test_counters_and_peaks),
      cmocka_unit_test(test_out_of_memory_retries_after_emptying),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

// Size-classed per-thread block caches: the slow paths (see pool.h).
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "core/pool.h"

#ifdef CT_POOL_ASAN
// Cached blocks are poisoned, so AddressSanitizer still reports a use after free until
// the block is handed out again; a class's slack past the requested size stays poisoned.
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

_Thread_local ct_pool_cache ct__pool_tls;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static size_t size_of_class(int idx) {
  if (idx < CT_POOL_LINEAR_CLASSES) return (size_t)(idx + 1) * CT_POOL_ALIGNMENT;
  int b = (idx - CT_POOL_LINEAR_CLASSES) / 2 + 9;
  return (idx - CT_POOL_LINEAR_CLASSES) % 2 ? (size_t)2 << b : (size_t)3 << (b - 1);
}

static void flush(ct_pool_cache *c) {
  for (int i = 0; i < CT_POOL_CLASSES; i++) {
    while (c->head[i]) {
      ct_pool_block *b = c->head[i];
      UNPOISON(b, size_of_class(i));
      c->head[i] = b->next;
      free(b);
    }
  }
  for (int i = 0; i < CT_POOL_BIG_SLOTS && c->big[i]; i++) {
    UNPOISON(c->big[i], c->big_size[i]);
    free(c->big[i]);
    c->big[i] = NULL;
  }
  c->bytes = c->big_bytes = 0;
  c->ready = false;
  c->closed = true;
}

static void flush_at_thread_exit(void *cache) { flush(cache); }

static void make_exit_key(void) { pthread_key_create(&exit_key, flush_at_thread_exit); }

// Thread-exit destructors do not run for the thread that calls exit(): flush it here.
__attribute__((destructor)) static void flush_at_process_exit(void) { flush(&ct__pool_tls); }

// Whether this thread may cache freed blocks: not after its exit flush; the first time,
// registers that flush.
static bool may_cache(ct_pool_cache *c) {
  if (c->closed) return false;
  if (!c->hooked) {
    c->hooked = true;
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, c);
    c->ready = true;
  }
  return true;
}

// Large blocks sit in big[0..] oldest first, big[i] == NULL past the last one.
static void remove_big(ct_pool_cache *c, int i) {
  c->big_bytes -= c->big_size[i];
  for (; i + 1 < CT_POOL_BIG_SLOTS; i++) {
    c->big[i] = c->big[i + 1];
    c->big_size[i] = c->big_size[i + 1];
  }
  c->big[CT_POOL_BIG_SLOTS - 1] = NULL;
}

// A cached large block of at least `size` bytes and at most a quarter more (the best
// fit), or NULL.
static void *take_big(ct_pool_cache *c, size_t size) {
  int best = -1;
  for (int i = 0; i < CT_POOL_BIG_SLOTS && c->big[i]; i++)
    if (c->big_size[i] >= size && c->big_size[i] - size <= size / 4 &&
        (best < 0 || c->big_size[i] < c->big_size[best]))
      best = i;
  if (best < 0) return NULL;
  void *b = c->big[best];
  UNPOISON(b, size);
  remove_big(c, best);
  return b;
}

// Keeps a large block (`size`: what its last user asked for, at most its real size),
// giving up the oldest ones when the slots or the byte budget are full.
static bool keep_big(ct_pool_cache *c, void *block, size_t size) {
  if (size > CT_POOL_BIG_BYTES || !may_cache(c)) return false;
  while (c->big[CT_POOL_BIG_SLOTS - 1] || c->big_bytes + size > CT_POOL_BIG_BYTES) {
    UNPOISON(c->big[0], c->big_size[0]);
    free(c->big[0]);
    remove_big(c, 0);
  }
  int i = 0;
  while (c->big[i]) i++;
  c->big[i] = block;
  c->big_size[i] = size;
  c->big_bytes += size;
  POISON(block, size);
  return true;
}

int64_t ct__pool_live_blocks(void) { return ct__pool_tls.live; }

static void *big_alloc(size_t size) {
  if (size > SIZE_MAX - CT_POOL_ALIGNMENT) return NULL; // no such block: fail, don't wrap the padding
  void *b = take_big(&ct__pool_tls, size);
  if (b) return b;
  size_t padded = (size + CT_POOL_ALIGNMENT - 1) / CT_POOL_ALIGNMENT * CT_POOL_ALIGNMENT;
  return aligned_alloc(CT_POOL_ALIGNMENT, padded);
}

void *ct__pool_alloc_slow(size_t size) {
  if (size > CT_POOL_MAX_BLOCK) {
    void *b = big_alloc(size);
    if (b) ct__pool_tls.live++;
    return b;
  }
  size_t class_size;
  int idx = ct__pool_class(size, &class_size);
  ct_pool_cache *c = &ct__pool_tls;
  ct_pool_block *b = c->head[idx];
  if (b) {
    UNPOISON(b, class_size);
    c->head[idx] = b->next;
    c->bytes -= class_size;
  } else {
    b = aligned_alloc(CT_POOL_ALIGNMENT, class_size);
    if (!b) return NULL;
  }
  POISON((char *)b + size, class_size - size);
  c->live++;
  return b;
}

void ct__pool_free_slow(void *block, size_t size) {
  if (!block) return;
  ct__pool_tls.live--;
  if (size > CT_POOL_MAX_BLOCK) {
    if (!keep_big(&ct__pool_tls, block, size)) free(block);
    return;
  }
  size_t class_size;
  int idx = ct__pool_class(size, &class_size);
  UNPOISON(block, class_size);
  ct_pool_cache *c = &ct__pool_tls;
  if (c->bytes + class_size > CT_POOL_CACHE_BYTES || !may_cache(c)) {
    free(block);
    return;
  }
  ct_pool_block *b = block;
  b->next = c->head[idx];
  c->head[idx] = b;
  c->bytes += class_size;
  POISON(b, class_size);
}

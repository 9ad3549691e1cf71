// Size-classed per-thread block caches (see pool.h).
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define CT_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_POOL_ASAN 1
#endif
#endif
#ifdef CT_POOL_ASAN
// Cached blocks are poisoned, so AddressSanitizer still reports a use after free until
// the block is handed out again.
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGNMENT 64
// Classes: 64, 128, ..., 512 bytes, then two per power of two (768, 1024, 1536, 2048, ...)
// up to CT_POOL_MAX_BLOCK, so a block wastes at most a third of itself.
#define NUM_LINEAR 8
#define NUM_CLASSES (NUM_LINEAR + 2 * 11)
// A thread keeps at most this many bytes in its caches; beyond it, frees go to free().
#define CACHE_MAX_BYTES ((size_t)32 << 20)

typedef struct free_block {
  struct free_block *next;
} free_block;

typedef struct thread_cache {
  free_block *head[NUM_CLASSES];
  size_t bytes;
  bool hooked; // thread-exit flush registered
  bool closed; // flushed at thread/process exit: later frees bypass the cache
} thread_cache;

static _Thread_local thread_cache cache;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

// Class index of a request of `size` bytes (<= CT_POOL_MAX_BLOCK) and the class's size.
static inline int class_of(size_t size, size_t *class_size) {
  if (size <= NUM_LINEAR * ALIGNMENT) {
    int idx = size ? (int)((size - 1) / ALIGNMENT) : 0;
    *class_size = (size_t)(idx + 1) * ALIGNMENT;
    return idx;
  }
  int b = 63 - __builtin_clzll((unsigned long long)(size - 1)); // 2^b < size <= 2^(b+1)
  size_t half = (size_t)3 << (b - 1);
  int upper = size > half;
  *class_size = upper ? (size_t)2 << b : half;
  return NUM_LINEAR + 2 * (b - 9) + upper;
}

static size_t size_of_class(int idx) {
  if (idx < NUM_LINEAR) return (size_t)(idx + 1) * ALIGNMENT;
  int b = (idx - NUM_LINEAR) / 2 + 9;
  return (idx - NUM_LINEAR) % 2 ? (size_t)2 << b : (size_t)3 << (b - 1);
}

static void flush(thread_cache *c) {
  for (int i = 0; i < NUM_CLASSES; i++) {
    while (c->head[i]) {
      free_block *b = c->head[i];
      UNPOISON(b, size_of_class(i));
      c->head[i] = b->next;
      free(b);
    }
  }
  c->bytes = 0;
  c->closed = true;
}

static void flush_at_thread_exit(void *unused) {
  (void)unused;
  flush(&cache);
}

static void make_exit_key(void) { pthread_key_create(&exit_key, flush_at_thread_exit); }

// Thread-exit destructors do not run for the thread that calls exit(): flush it here.
__attribute__((destructor)) static void flush_at_process_exit(void) { flush(&cache); }

static void *big_alloc(size_t size) {
  size_t padded = (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  return aligned_alloc(ALIGNMENT, padded ? padded : ALIGNMENT);
}

void *ct__pool_alloc(size_t size) {
  if (size > CT_POOL_MAX_BLOCK) return big_alloc(size);
  size_t class_size;
  int idx = class_of(size, &class_size);
  free_block *b = cache.head[idx];
  if (b) {
    UNPOISON(b, class_size);
    cache.head[idx] = b->next;
    cache.bytes -= class_size;
  } else {
    b = aligned_alloc(ALIGNMENT, class_size);
    if (!b) return NULL;
  }
  POISON((char *)b + size, class_size - size); // the class's slack is not the caller's
  return b;
}

void *ct__pool_calloc(size_t size) {
  void *p = ct__pool_alloc(size);
  if (p) memset(p, 0, size);
  return p;
}

void ct__pool_free(void *block, size_t size) {
  if (!block) return;
  if (size > CT_POOL_MAX_BLOCK) {
    free(block);
    return;
  }
  size_t class_size;
  int idx = class_of(size, &class_size);
  UNPOISON(block, class_size);
  if (cache.closed || cache.bytes + class_size > CACHE_MAX_BYTES) {
    free(block);
    return;
  }
  if (!cache.hooked) {
    cache.hooked = true;
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, &cache);
  }
  free_block *b = block;
  b->next = cache.head[idx];
  cache.head[idx] = b;
  cache.bytes += class_size;
  POISON(b, class_size);
}

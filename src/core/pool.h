// Per-thread caches of small memory blocks (tensor structs, storages, graph nodes).
//
// A training step of a small network creates and frees hundreds of tensors; going to
// malloc (and aligned_alloc, which splits chunks) for each one costs more than the math.
// Blocks are grouped in size classes; a freed block goes to the freeing thread's cache
// for its class and is handed out again by the next allocation of that class. Blocks
// above CT_POOL_MAX_BLOCK, and blocks beyond a cache's bounds, go to the C allocator.
// The cache hits are inline (the class of a constant size folds away); everything else,
// and every call under AddressSanitizer (which poisons cached blocks), is in pool.c.
#ifndef CTORCH_SRC_CORE_POOL_H
#define CTORCH_SRC_CORE_POOL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Largest block size served from the caches; larger requests go to aligned_alloc.
#define CT_POOL_MAX_BLOCK ((size_t)4 << 20)
/// A thread keeps at most this many bytes in its caches; beyond it, frees go to free().
/// Large enough for all a training step of the bench models frees at its end: what goes
/// back to glibc returns its pages, and the next step faults them in again.
#define CT_POOL_CACHE_BYTES ((size_t)64 << 20)
/// Larger blocks: a thread keeps the last few it freed (up to this many bytes in all),
/// each handed again to a request at most a quarter smaller. Reusing a buffer that is
/// already mapped saves the page faults of a fresh one (4096 per 16 MB).
#define CT_POOL_BIG_SLOTS 4
#define CT_POOL_BIG_BYTES ((size_t)64 << 20)

#define CT_POOL_ALIGNMENT 64
// Classes: 64, 128, ..., 512 bytes, then two per power of two (768, 1024, 1536, 2048, ...)
// up to CT_POOL_MAX_BLOCK, so a block wastes at most a third of itself.
#define CT_POOL_LINEAR_CLASSES 8
#define CT_POOL_CLASSES (CT_POOL_LINEAR_CLASSES + 2 * 13)

typedef struct ct_pool_block {
  struct ct_pool_block *next;
} ct_pool_block;

typedef struct ct_pool_cache {
  ct_pool_block *head[CT_POOL_CLASSES];
  size_t bytes; // cached bytes
  void *big[CT_POOL_BIG_SLOTS]; // cached large blocks (NULL: free slot) and their sizes
  size_t big_size[CT_POOL_BIG_SLOTS];
  size_t big_bytes;
  int64_t live; // blocks this thread allocated minus blocks it freed (ct__pool_live_blocks)
  bool ready;   // thread-exit flush registered and not yet flushed: frees may be cached
  bool hooked;  // thread-exit flush registered
  bool closed;  // flushed at thread/process exit: later frees bypass the cache
} ct_pool_cache;

extern _Thread_local ct_pool_cache ct__pool_tls;

void *ct__pool_alloc_slow(size_t size);
void ct__pool_free_slow(void *block, size_t size);
/// Blocks this thread took from ct__pool_alloc and has not given back (a thread that
/// frees blocks another allocated counts them as negative). Tests compare it before and
/// after a computation to check that everything it created was freed.
int64_t ct__pool_live_blocks(void);

/// Class index of a request of `size` bytes (<= CT_POOL_MAX_BLOCK) and the class's size.
static inline int ct__pool_class(size_t size, size_t *class_size) {
  if (size <= CT_POOL_LINEAR_CLASSES * CT_POOL_ALIGNMENT) {
    int idx = size ? (int)((size - 1) / CT_POOL_ALIGNMENT) : 0;
    *class_size = (size_t)(idx + 1) * CT_POOL_ALIGNMENT;
    return idx;
  }
  int b = 63 - __builtin_clzll((unsigned long long)(size - 1)); // 2^b < size <= 2^(b+1)
  size_t half = (size_t)3 << (b - 1);
  int upper = size > half;
  *class_size = upper ? (size_t)2 << b : half;
  return CT_POOL_LINEAR_CLASSES + 2 * (b - 9) + upper;
}

#if defined(__SANITIZE_ADDRESS__)
#define CT_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_POOL_ASAN 1
#endif
#endif

/// Zeroes `n` bytes (a multiple of 8) at `p` (8-byte aligned) with vector stores. Fresh
/// tensor structs and graph nodes are cleared this way: compilers expand memset and zero
/// initialisers of a few hundred bytes into `rep stos`, whose start-up cost is a large part
/// of creating a small tensor. The empty asm keeps the loops from being turned back into
/// memset; may_alias orders the stores with later field writes.
static inline void ct__zero(void *p, size_t n) {
  typedef long long v4 __attribute__((vector_size(32), aligned(8), may_alias));
  typedef long long i8 __attribute__((may_alias));
  const v4 z = {0};
  char *c = p;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    *(v4 *)(c + i) = z;
    __asm__("" : : "r"(c + i));
  }
  for (; i < n; i += 8) {
    *(i8 *)(c + i) = 0;
    __asm__("" : : "r"(c + i));
  }
}

/// A 64-byte aligned block of at least `size` bytes (contents undefined), or NULL.
static inline void *ct__pool_alloc(size_t size) {
#ifndef CT_POOL_ASAN
  if (size <= CT_POOL_MAX_BLOCK) {
    size_t class_size;
    int idx = ct__pool_class(size, &class_size);
    ct_pool_block *b = ct__pool_tls.head[idx];
    if (b) {
      ct__pool_tls.head[idx] = b->next;
      ct__pool_tls.bytes -= class_size;
      ct__pool_tls.live++;
      return b;
    }
  }
#endif
  return ct__pool_alloc_slow(size);
}

/// Returns a block from ct__pool_alloc; `size` is the size it was requested with.
/// NULL is ignored.
static inline void ct__pool_free(void *block, size_t size) {
#ifndef CT_POOL_ASAN
  if (block && size <= CT_POOL_MAX_BLOCK && ct__pool_tls.ready) {
    size_t class_size;
    int idx = ct__pool_class(size, &class_size);
    if (ct__pool_tls.bytes + class_size <= CT_POOL_CACHE_BYTES) {
      ct_pool_block *b = block;
      b->next = ct__pool_tls.head[idx];
      ct__pool_tls.head[idx] = b;
      ct__pool_tls.bytes += class_size;
      ct__pool_tls.live--;
      return;
    }
  }
#endif
  ct__pool_free_slow(block, size);
}

#endif

// PyTorch 1.13's caching allocator rules (see caching_allocator.h) over raw callbacks.
// Blocks of a segment form an address-ordered doubly linked list (split and merge);
// free blocks sit in one list per pool, searched for the best fit; live blocks in a
// hash table by address.
#include "kernels/cuda/caching_allocator.h"
#include <pthread.h>
#include <stdlib.h>

#define LIVE_BUCKETS 4096

typedef struct segment {
  char *ptr;
  size_t size;
  struct segment *next;
} segment;

typedef struct block {
  char *ptr;
  size_t size;
  uintptr_t stream;
  bool small, allocated;
  segment *seg;
  struct block *prev, *next; // neighbours in the segment, by address
  struct block *link;        // next in the pool's free list or in a live bucket
} block;

struct ct_caching_allocator {
  ct_ca_raw raw;
  pthread_mutex_t mutex;
  block *free_small, *free_large;
  block *live[LIVE_BUCKETS];
  segment *segments;
  ct_ca_stats stats;
};

size_t ct_ca_round_size(size_t nbytes) {
  if (nbytes < CT_CA_MIN_BLOCK) return CT_CA_MIN_BLOCK;
  return CT_CA_MIN_BLOCK * ((nbytes + CT_CA_MIN_BLOCK - 1) / CT_CA_MIN_BLOCK);
}

size_t ct_ca_segment_size(size_t rounded) {
  if (rounded <= CT_CA_SMALL_SIZE) return CT_CA_SMALL_BUFFER;
  if (rounded < CT_CA_MIN_LARGE_ALLOC) return CT_CA_LARGE_BUFFER;
  return CT_CA_ROUND_LARGE * ((rounded + CT_CA_ROUND_LARGE - 1) / CT_CA_ROUND_LARGE);
}

ct_caching_allocator *ct_ca_create(const ct_ca_raw *raw) {
  ct_caching_allocator *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->raw = *raw;
  pthread_mutex_init(&a->mutex, NULL);
  return a;
}

static size_t bucket_of(const void *ptr) { return ((uintptr_t)ptr / CT_CA_MIN_BLOCK) % LIVE_BUCKETS; }

static block **free_list(ct_caching_allocator *a, bool small) { return small ? &a->free_small : &a->free_large; }

static void list_remove(block **head, block *b) {
  for (block **p = head; *p; p = &(*p)->link)
    if (*p == b) {
      *p = b->link;
      return;
    }
}

static void bump(int64_t *value, int64_t *peak, int64_t delta) {
  *value += delta;
  if (*value > *peak) *peak = *value;
}

// The smallest free block of the pool and stream that holds `size` (lowest address on ties).
static block *best_fit(ct_caching_allocator *a, bool small, size_t size, uintptr_t stream) {
  block *best = NULL;
  for (block *b = *free_list(a, small); b; b = b->link)
    if (b->stream == stream && b->size >= size &&
        (!best || b->size < best->size || (b->size == best->size && b->ptr < best->ptr)))
      best = b;
  return best;
}

// A new segment holding one free block of its whole size; NULL when raw_alloc fails.
static block *new_segment(ct_caching_allocator *a, bool small, size_t seg_size, uintptr_t stream) {
  segment *s = malloc(sizeof *s);
  block *b = calloc(1, sizeof *b);
  char *ptr = s && b ? a->raw.raw_alloc(seg_size, a->raw.user) : NULL;
  if (!ptr) {
    free(s);
    free(b);
    return NULL;
  }
  *s = (segment){.ptr = ptr, .size = seg_size, .next = a->segments};
  a->segments = s;
  *b = (block){.ptr = ptr, .size = seg_size, .stream = stream, .small = small, .seg = s};
  bump(&a->stats.reserved, &a->stats.peak_reserved, (int64_t)seg_size);
  a->stats.segments++;
  a->stats.raw_allocs++;
  return b;
}

// Releases the segments whose single block is free (lock held).
static void release_cached(ct_caching_allocator *a) {
  if (a->raw.synchronize) a->raw.synchronize(a->raw.user);
  for (int pool = 0; pool < 2; pool++) {
    block **head = free_list(a, pool == 0);
    for (block **p = head; *p;) {
      block *b = *p;
      if (b->prev || b->next) {
        p = &b->link;
        continue;
      }
      *p = b->link;
      segment *s = b->seg;
      for (segment **q = &a->segments; *q; q = &(*q)->next)
        if (*q == s) {
          *q = s->next;
          break;
        }
      a->raw.raw_free(s->ptr, s->size, a->raw.user);
      a->stats.reserved -= (int64_t)s->size;
      a->stats.segments--;
      free(s);
      free(b);
    }
  }
}

// Splits the free block b so that its head holds `size`; the rest joins the free list.
static bool split(ct_caching_allocator *a, block *b, size_t size) {
  block *rest = malloc(sizeof *rest);
  if (!rest) return false;
  *rest = (block){.ptr = b->ptr + size, .size = b->size - size, .stream = b->stream, .small = b->small,
                  .seg = b->seg, .prev = b, .next = b->next};
  if (b->next) b->next->prev = rest;
  b->next = rest;
  b->size = size;
  rest->link = *free_list(a, rest->small);
  *free_list(a, rest->small) = rest;
  return true;
}

static bool should_split(const block *b, size_t size) {
  size_t remaining = b->size - size;
  return b->small ? remaining >= CT_CA_MIN_BLOCK : remaining > CT_CA_SMALL_SIZE;
}

void *ct_ca_malloc(ct_caching_allocator *a, size_t nbytes, uintptr_t stream) {
  const size_t size = ct_ca_round_size(nbytes);
  if (size < nbytes) return NULL; // overflow
  const bool small = size <= CT_CA_SMALL_SIZE;
  pthread_mutex_lock(&a->mutex);
  block *b = best_fit(a, small, size, stream);
  if (b) {
    list_remove(free_list(a, small), b);
  } else {
    const size_t seg_size = ct_ca_segment_size(size);
    b = seg_size >= size ? new_segment(a, small, seg_size, stream) : NULL;
    if (!b && seg_size >= size) { // out of device memory: give back the cache, try once more
      release_cached(a);
      b = new_segment(a, small, seg_size, stream);
    }
    if (!b) {
      pthread_mutex_unlock(&a->mutex);
      return NULL;
    }
  }
  if (should_split(b, size)) (void)split(a, b, size); // out of host memory: the block stays whole
  b->allocated = true;
  b->link = a->live[bucket_of(b->ptr)];
  a->live[bucket_of(b->ptr)] = b;
  bump(&a->stats.allocated, &a->stats.peak_allocated, (int64_t)b->size);
  pthread_mutex_unlock(&a->mutex);
  return b->ptr;
}

// Merges free neighbour `src` into `dst` (src is dst's prev or next); src is freed.
static void merge(ct_caching_allocator *a, block *dst, block *src) {
  if (!src || src->allocated) return;
  list_remove(free_list(a, src->small), src);
  if (dst->prev == src) {
    dst->ptr = src->ptr;
    dst->prev = src->prev;
    if (dst->prev) dst->prev->next = dst;
  } else {
    dst->next = src->next;
    if (dst->next) dst->next->prev = dst;
  }
  dst->size += src->size;
  free(src);
}

bool ct_ca_free(ct_caching_allocator *a, void *ptr) {
  pthread_mutex_lock(&a->mutex);
  block **p = &a->live[bucket_of(ptr)];
  while (*p && (*p)->ptr != ptr) p = &(*p)->link;
  block *b = *p;
  if (!b) {
    pthread_mutex_unlock(&a->mutex);
    return false;
  }
  *p = b->link;
  b->allocated = false;
  a->stats.allocated -= (int64_t)b->size;
  merge(a, b, b->prev);
  merge(a, b, b->next);
  b->link = *free_list(a, b->small);
  *free_list(a, b->small) = b;
  pthread_mutex_unlock(&a->mutex);
  return true;
}

bool ct_ca_owns(ct_caching_allocator *a, const void *ptr) {
  pthread_mutex_lock(&a->mutex);
  bool found = false;
  for (segment *s = a->segments; s && !found; s = s->next)
    found = (const char *)ptr >= s->ptr && (const char *)ptr < s->ptr + s->size;
  pthread_mutex_unlock(&a->mutex);
  return found;
}

void ct_ca_empty_cache(ct_caching_allocator *a) {
  pthread_mutex_lock(&a->mutex);
  release_cached(a);
  pthread_mutex_unlock(&a->mutex);
}

ct_ca_stats ct_ca_get_stats(ct_caching_allocator *a) {
  pthread_mutex_lock(&a->mutex);
  ct_ca_stats s = a->stats;
  pthread_mutex_unlock(&a->mutex);
  return s;
}

void ct_ca_destroy(ct_caching_allocator *a) {
  if (!a) return;
  // Live blocks and free blocks: every block is in exactly one of these lists.
  for (int i = 0; i < LIVE_BUCKETS; i++)
    for (block *b = a->live[i], *n; b; b = n) n = b->link, free(b);
  for (int pool = 0; pool < 2; pool++)
    for (block *b = *free_list(a, pool == 0), *n; b; b = n) n = b->link, free(b);
  if (a->segments && a->raw.synchronize) a->raw.synchronize(a->raw.user);
  for (segment *s = a->segments, *n; s; s = n) {
    n = s->next;
    a->raw.raw_free(s->ptr, s->size, a->raw.user);
    free(s);
  }
  pthread_mutex_destroy(&a->mutex);
  free(a);
}

// Per-thread caches of small memory blocks (tensor structs, storages, graph nodes).
//
// A training step of a small network creates and frees hundreds of tensors; going to
// malloc (and aligned_alloc, which splits chunks) for each one costs more than the math.
// Blocks are grouped in size classes; a freed block goes to the freeing thread's cache
// for its class and is handed out again by the next allocation of that class. Blocks
// above CT_POOL_MAX_BLOCK, and blocks beyond a cache's bounds, go to the C allocator.
#ifndef CTORCH_SRC_CORE_POOL_H
#define CTORCH_SRC_CORE_POOL_H
#include <stddef.h>

/// Largest block size served from the caches; larger requests go to aligned_alloc.
#define CT_POOL_MAX_BLOCK ((size_t)1 << 20)

/// A 64-byte aligned block of at least `size` bytes (contents undefined), or NULL.
void *ct__pool_alloc(size_t size);
/// Same, zero-filled.
void *ct__pool_calloc(size_t size);
/// Returns a block from ct__pool_alloc/ct__pool_calloc; `size` is the size it was
/// requested with. NULL is ignored.
void ct__pool_free(void *block, size_t size);

#endif

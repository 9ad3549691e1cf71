// A caching allocator for device memory, with the rules of PyTorch 1.13's
// CUDACachingAllocator (c10/cuda/CUDACachingAllocator.cpp), in plain C over raw
// allocation callbacks so its bookkeeping is unit-tested on the host
// (tests/unit/test_caching_allocator.c). One instance serves one device.
//
// * Requests are rounded up to a multiple of 512 bytes (512 at least, also for 0).
// * Rounded sizes up to 1 MiB come from the small pool, carved out of 2 MiB segments;
//   larger ones from the large pool, out of 20 MiB segments below 10 MiB, else out of a
//   segment of the size rounded up to 2 MiB.
// * A request takes the smallest free block of its pool and stream that fits (ties: the
//   lowest address). The block is split when the rest would be at least 512 bytes (small
//   pool) or more than 1 MiB (large pool); the rest stays free.
// * A freed block merges with its free neighbours of the same segment and becomes
//   reusable at once by its stream (work on one stream runs in order).
// * When the raw allocation fails, every cached segment without live blocks is released
//   and the allocation retried once; then the request fails (NULL).
// * empty_cache releases every segment without live blocks.
// Thread-safe: one mutex per instance.
#ifndef CTORCH_SRC_KERNELS_CUDA_CACHING_ALLOCATOR_H
#define CTORCH_SRC_KERNELS_CUDA_CACHING_ALLOCATOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CT_CA_MIN_BLOCK 512u                 // kMinBlockSize: rounding unit
#define CT_CA_SMALL_SIZE (1u << 20)          // kSmallSize: largest small-pool request
#define CT_CA_SMALL_BUFFER (2u << 20)        // kSmallBuffer: small-pool segment
#define CT_CA_LARGE_BUFFER (20u << 20)       // kLargeBuffer: segment for 1-10 MiB requests
#define CT_CA_MIN_LARGE_ALLOC (10u << 20)    // kMinLargeAlloc: from here, a segment per request
#define CT_CA_ROUND_LARGE (2u << 20)         // kRoundLarge: rounding of those segments

/// The device underneath: raw_alloc returns nbytes of device memory or NULL (out of
/// memory), raw_free returns a segment, synchronize waits for the device's queued work
/// (before segments are released). `user` is passed to each.
typedef struct ct_ca_raw {
  void *(*raw_alloc)(size_t nbytes, void *user);
  void (*raw_free)(void *ptr, size_t nbytes, void *user);
  void (*synchronize)(void *user); // may be NULL
  void *user;
} ct_ca_raw;

/// Counters in bytes (block sizes as rounded, segments as allocated), with their peaks.
typedef struct ct_ca_stats {
  int64_t allocated, reserved, peak_allocated, peak_reserved;
  int64_t segments;   ///< segments held
  int64_t raw_allocs; ///< raw_alloc calls that succeeded, ever
} ct_ca_stats;

typedef struct ct_caching_allocator ct_caching_allocator;

/// NULL when out of host memory.
ct_caching_allocator *ct_ca_create(const ct_ca_raw *raw);
/// Releases every segment (live blocks included) and the allocator.
void ct_ca_destroy(ct_caching_allocator *a);
/// A block of at least nbytes for work queued on `stream`; NULL when out of memory.
void *ct_ca_malloc(ct_caching_allocator *a, size_t nbytes, uintptr_t stream);
/// Returns a block from ct_ca_malloc; false (nothing done) when ptr is not a live block
/// of this allocator.
bool ct_ca_free(ct_caching_allocator *a, void *ptr);
/// Whether ptr lies inside a segment of this allocator (live or cached).
bool ct_ca_owns(ct_caching_allocator *a, const void *ptr);
/// Releases every segment without live blocks to raw_free.
void ct_ca_empty_cache(ct_caching_allocator *a);
ct_ca_stats ct_ca_get_stats(ct_caching_allocator *a);

/// The size a request is rounded to, and the segment a new one would allocate.
size_t ct_ca_round_size(size_t nbytes);
size_t ct_ca_segment_size(size_t rounded);

#ifdef __cplusplus
}
#endif
#endif

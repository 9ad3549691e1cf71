// The ring all-reduce (ring.c): reduce-scatter then all-gather over the group's ranks
// on nonblocking point-to-point, advanced whenever its work is tested or waited.
#ifndef CTORCH_SRC_DISTRIBUTED_MPI_RING_H
#define CTORCH_SRC_DISTRIBUTED_MPI_RING_H
#include <stddef.h>
#include <stdint.h>
#include "distributed/mpi/dist_mpi.h"

/// Buffers of at least this many bytes take the ring; smaller ones MPI_Iallreduce, whose
/// latency is lower where the bandwidth does not matter.
#define RING_MIN_BYTES ((size_t)256 * 1024)

typedef struct ct_ring ct_ring;

/// Segments per chunk at most; each ring takes this many message tags of the group's.
#define RING_MAX_SEGMENTS 1024

/// A ring all-reduce of `numel` elements of `type` at `data` (contiguous, kept alive by the
/// caller until the ring is done or abandoned) with `op` on g's ring communicator, not yet
/// started. NULL and an error (naming `what`) when out of memory.
ct_ring *ct__ring_new(ct_process_group *g, void *data, int64_t numel, size_t elem_size, MPI_Datatype type, MPI_Op op,
                      const char *what);
/// A ring whose result is the sum over ranks of each rank's values times `scale` (scaled in
/// the dtype first, as ct_mul_scalar_ does): `type` MPI_FLOAT or MPI_DOUBLE, `op` MPI_SUM.
ct_ring *ct__ring_new_scaled(ct_process_group *g, void *data, int64_t numel, size_t elem_size, MPI_Datatype type,
                             MPI_Op op, double scale, const char *what);
/// Posts the first step's messages. Returns MPI's error code; after an error some may be
/// in flight, so the ring and its buffers must be abandoned, not freed.
int ct__ring_begin(ct_ring *ring);
/// Advances the ring without blocking: *done becomes whether it has finished, *progressed
/// whether a step completed in this call. Returns MPI's error code (MPI_SUCCESS). When it
/// finishes, its scratch buffer goes back to the group for the next ring.
int ct__ring_test(ct_ring *ring, bool *done, bool *progressed);
/// Frees a ring that is done, or that was abandoned (after MPI_Finalize).
void ct__ring_free(ct_ring *ring);
#endif

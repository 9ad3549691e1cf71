// The ring all-reduce on nonblocking send/recv. OpenMPI's nonblocking MPI_Iallreduce
// (libnbc) is several times slower than its blocking one on large buffers; this is the
// bandwidth-optimal algorithm the blocking one uses, kept nonblocking so that a wait can
// still time out.
//
// The buffer is cut into one chunk per rank (the first numel % n one element longer) and
// each chunk into segments of at most SEGMENT_BYTES (1 MiB). Segment k of every chunk goes
// around the ring on its own, in 2 (n - 1) steps of one send to the next rank and one
// receive from the previous one:
//   reduce-scatter, step s < n - 1: send chunk (r - s), receive chunk (r - s - 1) into
//     scratch and reduce it into the buffer; rank r ends owning chunk r + 1 reduced;
//   all-gather, step n - 1 + t: send chunk (r + 1 - t), receive chunk (r - t) in place.
// (chunk indices mod n.) All segments start at once, each advancing as soon as its step's
// two messages are done, so that reducing one segment overlaps the transfer of the
// others. Each chunk is reduced on one rank and copied to the others, so every rank ends
// with the same bits. The reduction is MPI_Reduce_local, MPI's own operator for the pair;
// a pre-scaled sum (DDP's average: each rank's gradient times 1 / world, then the sum)
// fuses the scaling into the reductions (ring_scale_tmpl.h): a chunk's first send carries
// the sender's unscaled values, so its receiver scales both sides; later steps receive
// partial sums that are scaled already.
#include "distributed/mpi/ring.h"
#include "core/error_impl.h"
#include <stdlib.h>
#include <string.h>

#define SEGMENT_BYTES ((int64_t)1024 * 1024) // fits in L2 between its transfer and its reduction

typedef void ring_scale_fn(void *x, const void *in, int64_t n, double scale);
#define RING_T float
#define RING_NAME(x) x##_f32
#include "distributed/mpi/ring_scale_tmpl.h"
#define RING_T double
#define RING_NAME(x) x##_f64
#include "distributed/mpi/ring_scale_tmpl.h"

struct ct_ring {
  ct_process_group *group;
  char *data, *scratch; // the buffer; the reduce-scatter's receive area (one chunk)
  size_t scratch_bytes, elem_size;
  MPI_Datatype type;
  MPI_Op op;
  double scale;                           // a pre-scaled sum: each rank's values times scale
  ring_scale_fn *scale_first, *scale_add; // its loops for the dtype (step 0, later); NULL: a plain reduction
  int n, rank, next, prev, steps;         // steps: 2 (n - 1)
  int64_t chunk_base, chunk_extra, segment_len; // chunk c: chunk_base + (c < chunk_extra) elements
  int segments, remaining, tag_base;            // segments per chunk; those not finished
  int *step;                                    // segment k's step in flight
  MPI_Request *requests;                        // segment k's receive [2k] and send [2k + 1]
  int *completed;                               // MPI_Testsome's indices
};

static int mod(int a, int n) { return ((a % n) + n) % n; }

// Segment k of chunk c: its first element and length (0 past the chunk's end).
static int64_t piece_start(const ct_ring *ring, int c, int k) {
  return c * ring->chunk_base + (c < ring->chunk_extra ? c : ring->chunk_extra) + k * ring->segment_len;
}

static int piece_len(const ct_ring *ring, int c, int k) {
  int64_t len = ring->chunk_base + (c < ring->chunk_extra) - k * ring->segment_len;
  return (int)(len < 0 ? 0 : len < ring->segment_len ? len : ring->segment_len);
}

static char *at(const ct_ring *ring, char *base, int64_t element) {
  return base + element * (int64_t)ring->elem_size;
}

// Posts segment k's step s: the receive first, then the send.
static int post_step(ct_ring *ring, int k) {
  int s = ring->step[k], n = ring->n, r = ring->rank, tag = ring->tag_base + k;
  bool scatter = s < n - 1;
  int send_chunk = scatter ? mod(r - s, n) : mod(r + 1 - (s - (n - 1)), n);
  int recv_chunk = scatter ? mod(r - s - 1, n) : mod(r - (s - (n - 1)), n);
  char *into = scatter ? at(ring, ring->scratch, k * ring->segment_len)
                       : at(ring, ring->data, piece_start(ring, recv_chunk, k));
  MPI_Comm comm = ring->group->ring_comm;
  int rc = MPI_Irecv(into, piece_len(ring, recv_chunk, k), ring->type, ring->prev, tag, comm,
                     &ring->requests[2 * k]);
  if (rc != MPI_SUCCESS) return rc;
  return MPI_Isend(at(ring, ring->data, piece_start(ring, send_chunk, k)), piece_len(ring, send_chunk, k),
                   ring->type, ring->next, tag, comm, &ring->requests[2 * k + 1]);
}

// Segment k's step is done: reduce what a reduce-scatter step received, post the next step.
static int finish_step(ct_ring *ring, int k) {
  int s = ring->step[k], n = ring->n;
  if (s < n - 1) {
    int c = mod(ring->rank - s - 1, n);
    char *received = at(ring, ring->scratch, k * ring->segment_len),
         *into = at(ring, ring->data, piece_start(ring, c, k));
    if (ring->scale_add) {
      ring_scale_fn *reduce = s == 0 ? ring->scale_first : ring->scale_add;
      reduce(into, received, piece_len(ring, c, k), ring->scale);
    } else {
      int rc = MPI_Reduce_local(received, into, piece_len(ring, c, k), ring->type, ring->op);
      if (rc != MPI_SUCCESS) return rc;
    }
  }
  if (++ring->step[k] < ring->steps) return post_step(ring, k);
  ring->remaining--;
  return MPI_SUCCESS;
}

// The scratch buffer: the group's cached one when it is large enough, else a new one.
static char *take_scratch(ct_process_group *g, size_t bytes) {
  if (g->ring_scratch && g->ring_scratch_bytes >= bytes) {
    char *scratch = g->ring_scratch;
    g->ring_scratch = NULL;
    return scratch;
  }
  return malloc(bytes ? bytes : 1);
}

// Gives a finished ring's scratch to the group, keeping the larger of it and the cached one.
static void return_scratch(ct_ring *ring) {
  ct_process_group *g = ring->group;
  if (g->ring_scratch && g->ring_scratch_bytes >= ring->scratch_bytes) {
    free(ring->scratch);
  } else {
    free(g->ring_scratch);
    g->ring_scratch = ring->scratch;
    g->ring_scratch_bytes = ring->scratch_bytes;
  }
  ring->scratch = NULL;
}

ct_ring *ct__ring_new(ct_process_group *g, void *data, int64_t numel, size_t elem_size, MPI_Datatype type,
                      MPI_Op op, const char *what) {
  return ct__ring_new_scaled(g, data, numel, elem_size, type, op, 0, what);
}

ct_ring *ct__ring_new_scaled(ct_process_group *g, void *data, int64_t numel, size_t elem_size,
                             MPI_Datatype type, MPI_Op op, double scale, const char *what) {
  ct_ring *ring = calloc(1, sizeof *ring);
  if (!ring) return ct__error_null(CT_ERR_MEMORY, "%s: out of memory", what);
  int n = g->size;
  *ring = (ct_ring){.group = g,
                    .data = data,
                    .elem_size = elem_size,
                    .type = type,
                    .op = op,
                    .n = n,
                    .rank = g->rank,
                    .next = mod(g->rank + 1, n),
                    .prev = mod(g->rank - 1, n),
                    .steps = 2 * (n - 1),
                    .chunk_base = numel / n,
                    .chunk_extra = numel % n,
                    .scale = scale};
  if (scale != 0) { // a pre-scaled sum: float32 or float64
    ring->scale_first = type == MPI_FLOAT ? scale_both_add_f32 : scale_both_add_f64;
    ring->scale_add = type == MPI_FLOAT ? scale_add_f32 : scale_add_f64;
  }
  int64_t longest = ring->chunk_base + (ring->chunk_extra > 0);
  int64_t segment_len = SEGMENT_BYTES / (int64_t)elem_size;
  int64_t segments = longest ? (longest + segment_len - 1) / segment_len : 1;
  if (segments > RING_MAX_SEGMENTS) segments = RING_MAX_SEGMENTS;
  ring->segments = ring->remaining = (int)segments;
  ring->segment_len = longest ? (longest + segments - 1) / segments : 0;
  ring->scratch_bytes = (size_t)(segments * ring->segment_len) * elem_size;
  ring->step = calloc((size_t)segments, sizeof *ring->step);
  ring->requests = malloc((size_t)(2 * segments) * sizeof *ring->requests);
  ring->completed = malloc((size_t)(2 * segments) * sizeof *ring->completed);
  ring->scratch = take_scratch(g, ring->scratch_bytes);
  if (!ring->step || !ring->requests || !ring->completed || !ring->scratch) {
    ct__ring_free(ring);
    return ct__error_null(CT_ERR_MEMORY, "%s: out of memory", what);
  }
  for (int i = 0; i < 2 * segments; i++)
    ring->requests[i] = MPI_REQUEST_NULL;
  return ring;
}

int ct__ring_begin(ct_ring *ring) {
  ct_process_group *g = ring->group;
  ring->tag_base = (int)(g->ring_seq++ % g->ring_tag_slots) * RING_MAX_SEGMENTS;
  for (int k = 0; k < ring->segments; k++) {
    int rc = post_step(ring, k);
    if (rc != MPI_SUCCESS) return rc;
  }
  return MPI_SUCCESS;
}

int ct__ring_test(ct_ring *ring, bool *done, bool *progressed) {
  *progressed = false;
  int count = 0, rc = MPI_SUCCESS;
  if (ring->remaining > 0)
    rc = MPI_Testsome(2 * ring->segments, ring->requests, &count, ring->completed, MPI_STATUSES_IGNORE);
  for (int i = 0; rc == MPI_SUCCESS && count != MPI_UNDEFINED && i < count; i++) {
    int k = ring->completed[i] / 2;
    // Both messages done, and this step not already finished through its other message.
    if (ring->requests[2 * k] != MPI_REQUEST_NULL || ring->requests[2 * k + 1] != MPI_REQUEST_NULL) continue;
    if (ring->step[k] == ring->steps) continue;
    rc = finish_step(ring, k);
    *progressed = true;
  }
  *done = rc == MPI_SUCCESS && ring->remaining == 0;
  if (*done && ring->scratch) return_scratch(ring);
  return rc;
}

void ct__ring_free(ct_ring *ring) {
  if (!ring) return;
  free(ring->scratch);
  free(ring->step);
  free(ring->requests);
  free(ring->completed);
  free(ring);
}

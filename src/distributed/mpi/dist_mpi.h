// The MPI backend's process groups and work handles (internal to src/distributed/mpi).
#ifndef CTORCH_SRC_DISTRIBUTED_MPI_DIST_MPI_H
#define CTORCH_SRC_DISTRIBUTED_MPI_DIST_MPI_H
#include <mpi.h>
#include "ctorch/distributed.h"

#define DEFAULT_TIMEOUT_SECONDS 1800.0 // PyTorch's default_pg_timeout

struct ct_process_group {
  MPI_Comm comm;     // MPI_COMM_NULL on a rank outside the group
  int rank, size;    // this process's group rank (-1 outside) and the group size
  int *global_ranks; // group rank -> global rank
  double timeout;    // seconds an operation may wait
  bool broken;       // an operation timed out or failed: MPI may still use its buffers
  bool is_default;
  MPI_Comm ring_comm;         // a duplicate of comm for the ring all-reduce's messages (ring.c)
  unsigned ring_seq;          // rings started on the group (every rank counts the same)
  unsigned ring_tag_slots;    // rings whose tags fit under MPI_TAG_UB at once
  void *ring_scratch;         // a finished ring's receive buffer, reused by the next one
  size_t ring_scratch_bytes;
};

struct ct_work {
  ct_process_group *group;
  const char *what; // the torch.distributed name, for messages
  MPI_Request request;
  struct ct_ring *ring; // instead of request: the ring all-reduce (ring.c)
  bool done;
  ct_status status;      // of the completed operation
  ct_tensor *keep[2];    // contiguous buffers MPI reads or writes (retained until done)
  ct_tensor *result;     // one of keep: where the result lands; NULL when nothing follows
  ct_tensor **targets;   // after completion, slice i of result is copied into targets[i]
  int num_targets;       // (the caller's tensors, retained; 0: MPI wrote them directly)
  double divisor;        // AVG: the result is divided by it
  struct ct_work *next;  // in the list of abandoned works (timed out; freed at destroy)
};

/// The default group, or NULL and an error when not initialised.
ct_process_group *ct__dist_default_group(void);
/// `group` or the default one, checked usable for an operation named `what`: initialised,
/// this rank a member, not broken. NULL and an error otherwise.
ct_process_group *ct__dist_resolve(ct_process_group *group, const char *what);
/// The group rank of global rank `global` in g; -1 and an error naming `what` and `role`
/// ("src", "dst") when it is not in g.
int ct__dist_group_rank(const ct_process_group *g, int global, const char *what, const char *role);
/// Record an MPI error code as a ctorch error: "<what>: MPI error: <MPI's message>".
ct_status ct__dist_mpi_error(int code, const char *what);
/// Marks g unusable after a failed or timed-out operation.
void ct__dist_mark_broken(ct_process_group *g);

/// A new work for `what` on g (request MPI_REQUEST_NULL, nothing kept); NULL when out of memory.
ct_work *ct__work_new(ct_process_group *g, const char *what);
/// Frees a work whose request is done or was never started (and releases what it keeps).
void ct__work_discard(ct_work *w);
/// Keeps a timed-out work's buffers alive until ct__work_free_abandoned (MPI may write them).
void ct__work_abandon(ct_work *w);
/// Frees the abandoned works (after MPI_Finalize).
void ct__work_free_abandoned(void);

/// A work on t in place, for `what` on *group (resolved: NULL becomes the default group):
/// MPI works on keep[0], t itself or a contiguous copy written back to t at the end.
/// NULL and an error when t or the group is not usable.
ct_work *ct__dist_inplace_work(ct_tensor *t, ct_process_group **group, const char *what);

/// MPI's datatype for a ctorch dtype.
MPI_Datatype ct__dist_mpi_type(ct_dtype dtype);
/// MPI's operation for op on dtype (AVG: sum). MPI_OP_NULL and an error naming `what`
/// when the pair is not supported.
MPI_Op ct__dist_mpi_op(ct_reduce_op op, ct_dtype dtype, const char *what);
/// Checks t is a usable operand of `what` (not NULL, a CPU tensor); `name` names it.
ct_status ct__dist_check_tensor(const ct_tensor *t, const char *what, const char *name);
/// A contiguous buffer with t's values for MPI, retained: t itself when it is contiguous
/// (`copied` false), else a copy. NULL on error.
ct_tensor *ct__dist_stage(ct_tensor *t, bool *copied);
/// A new contiguous buffer of `numel` elements of dtype, retained. NULL on error.
ct_tensor *ct__dist_buffer(int64_t numel, ct_dtype dtype);
/// Copies between a contiguous buffer and n tensors: slice i of the buffer (tensors[i]'s
/// numel elements, in order) to tensors[i] (to_tensors) or the other way.
ct_status ct__dist_copy_slices(ct_tensor *buffer, ct_tensor *const *tensors, int n, bool to_tensors);
/// Marks the work's result to be copied into `targets` (retained) after completion.
ct_status ct__work_set_targets(ct_work *w, ct_tensor *const *targets, int n);
/// Returns w when rc is MPI_SUCCESS (the operation started); else records the error,
/// frees w and returns NULL.
ct_work *ct__work_started(ct_work *w, int rc);
/// Divides every element of a floating buffer by `divisor` (AVG).
void ct__dist_divide(ct_tensor *buffer, double divisor);
#endif

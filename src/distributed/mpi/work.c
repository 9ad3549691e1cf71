// Work handles: an MPI request (or a ring all-reduce) polled until it completes or the
// group's timeout passes, then the result's finishing steps (AVG's division, copies back
// into non-contiguous tensors). Polling instead of MPI_Wait is what turns a dead peer
// into an error.
#define _POSIX_C_SOURCE 200809L // nanosleep
#include "core/error_impl.h"
#include "distributed/mpi/dist_mpi.h"
#include "distributed/mpi/ring.h"
#include <stdlib.h>
#include <time.h>

// Seconds of polling without progress before polling slows to every 50 us (a peer that is
// late, or more ranks than cores). A ring's completed step counts as progress. The spell
// is long enough for a peer to reduce its part of a ring step: a rank asleep moves no data
// (the receiver performs a shared-memory transfer), so sleeping inside a large transfer
// stalls both ranks.
#define SPIN_SECONDS 2e-3

static ct_work *abandoned; // timed-out works: MPI may still write their buffers

ct_work *ct__work_new(ct_process_group *g, const char *what) {
  ct_work *w = calloc(1, sizeof *w);
  if (!w) return ct__error_null(CT_ERR_MEMORY, "%s: out of memory", what);
  w->group = g;
  w->what = what;
  w->request = MPI_REQUEST_NULL;
  return w;
}

ct_status ct__work_set_targets(ct_work *w, ct_tensor *const *targets, int n) {
  if (!(w->targets = calloc((size_t)(n ? n : 1), sizeof *w->targets)))
    return ct__error(CT_ERR_MEMORY, "%s: out of memory", w->what);
  for (int i = 0; i < n; i++)
    w->targets[i] = ct_retain(targets[i]);
  w->num_targets = n;
  return CT_OK;
}

ct_work *ct__work_started(ct_work *w, int rc) {
  if (rc == MPI_SUCCESS) return w;
  ct__dist_mpi_error(rc, w->what);
  ct__work_discard(w);
  return NULL;
}

static void release_kept(ct_work *w) {
  for (int i = 0; i < 2; i++)
    ct_release(w->keep[i]);
  for (int i = 0; i < w->num_targets; i++)
    ct_release(w->targets[i]);
  free(w->targets);
}

void ct__work_discard(ct_work *w) {
  if (!w) return;
  ct__ring_free(w->ring);
  release_kept(w);
  free(w);
}

void ct__work_abandon(ct_work *w) {
  w->next = abandoned;
  abandoned = w;
}

void ct__work_free_abandoned(void) {
  while (abandoned) {
    ct_work *w = abandoned;
    abandoned = w->next;
    ct__work_discard(w);
  }
}

// The result's finishing steps, once MPI is done with the buffers.
static ct_status finish(ct_work *w) {
  if (w->result && w->divisor > 0) ct__dist_divide(w->result, w->divisor);
  if (w->result && w->num_targets) return ct__dist_copy_slices(w->result, w->targets, w->num_targets, true);
  return CT_OK;
}

// Polls once (block false) or until done or timed out (block true).
static ct_status poll(ct_work *w, bool block) {
  if (w->done) return w->status;
  if (w->group->broken)
    return ct__error(CT_ERR_RUNTIME,
                     "%s: the process group is unusable: an earlier operation on it failed or timed out",
                     w->what);
  double start = MPI_Wtime(), last_progress = start;
  for (;;) {
    int flag = 0, rc;
    bool progressed = false;
    if (w->ring) {
      bool done = false;
      rc = ct__ring_test(w->ring, &done, &progressed);
      flag = done;
    } else {
      rc = MPI_Test(&w->request, &flag, MPI_STATUS_IGNORE);
    }
    if (rc != MPI_SUCCESS) {
      ct__dist_mark_broken(w->group);
      if (w->ring)
        return ct__dist_mpi_error(rc, w->what); // other segments' messages may be in flight: abandon
      w->done = true;
      return w->status = ct__dist_mpi_error(rc, w->what);
    }
    if (flag) break;
    if (!block) return CT_OK;
    double now = MPI_Wtime();
    if (progressed) last_progress = now;
    if (now - start > w->group->timeout) {
      ct__dist_mark_broken(w->group);
      return ct__error(CT_ERR_RUNTIME,
                       "%s: timed out after %g s waiting for the other ranks (one failed or exited early?); "
                       "the process group is unusable now",
                       w->what, w->group->timeout);
    }
    if (now - last_progress > SPIN_SECONDS) nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
  }
  w->done = true;
  return w->status = finish(w);
}

ct_status ct_work_wait(ct_work *work) {
  if (!work) return ct__error(CT_ERR_ARG, "wait: work is NULL");
  return poll(work, true);
}

bool ct_work_is_completed(ct_work *work) {
  if (!work) {
    ct__error(CT_ERR_ARG, "is_completed: work is NULL");
    return false;
  }
  return poll(work, false) == CT_OK && work->done;
}

void ct_work_free(ct_work *work) {
  if (!work) return;
  if (!work->done && !work->group->broken) ct_work_wait(work);
  if (!work->done) {
    ct__work_abandon(work); // timed out: MPI may still write its buffers
    return;
  }
  ct__work_discard(work);
}

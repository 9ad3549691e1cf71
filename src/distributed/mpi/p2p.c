// Point-to-point: send and recv of one tensor, to or from a global rank of the group.
#include "core/error_impl.h"
#include "distributed/mpi/dist_mpi.h"

// The peer's group rank, or -1 with an error (not in the group, this rank itself, bad tag).
static int peer_rank(const ct_process_group *g, int peer, int tag, const char *what, const char *role) {
  int r = ct__dist_group_rank(g, peer, what, role);
  if (r < 0) return -1;
  if (r == g->rank) {
    ct__error(CT_ERR_ARG, "Invalid %s rank: %s rank should not be the same as the rank of the current process.", role,
              role);
    return -1;
  }
  if (tag < 0) {
    ct__error(CT_ERR_ARG, "%s: tag must be non-negative, got %d", what, tag);
    return -1;
  }
  return r;
}

ct_work *ct_dist_isend(const ct_tensor *t, int dst, ct_process_group *group, int tag) {
  const char *what = "send";
  if (ct__dist_check_tensor(t, what, "tensor") != CT_OK || !(group = ct__dist_resolve(group, what))) return NULL;
  int peer = peer_rank(group, dst, tag, what, "dst");
  if (peer < 0) return NULL;
  ct_work *w = ct__work_new(group, what);
  bool copied;
  if (!w || !(w->keep[0] = ct__dist_stage((ct_tensor *)t, &copied))) {
    ct__work_discard(w);
    return NULL;
  }
  return ct__work_started(w, MPI_Isend(ct_data_ptr(w->keep[0]), (int)ct_numel(t), ct__dist_mpi_type(ct_get_dtype(t)),
                                       peer, tag, group->comm, &w->request));
}

ct_work *ct_dist_irecv(ct_tensor *t, int src, ct_process_group *group, int tag) {
  const char *what = "recv";
  ct_process_group *g = group;
  ct_work *w = ct__dist_inplace_work(t, &g, what);
  if (!w) return NULL;
  int peer = peer_rank(g, src, tag, what, "src");
  if (peer < 0) {
    ct__work_discard(w);
    return NULL;
  }
  return ct__work_started(w, MPI_Irecv(ct_data_ptr(w->keep[0]), (int)ct_numel(t), ct__dist_mpi_type(ct_get_dtype(t)),
                                       peer, tag, g->comm, &w->request));
}

// The in-place collectives (all_reduce, broadcast, reduce, barrier) as MPI nonblocking
// operations on a contiguous buffer of the tensor: the tensor itself, or a copy that the
// work handle writes back when the operation completes.
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/ops.h"
#include "distributed/mpi/dist_mpi.h"
#include "distributed/mpi/ring.h"
#include "distributed/scaled_sum.h"

ct_work *ct__dist_inplace_work(ct_tensor *t, ct_process_group **group, const char *what) {
  if (ct__dist_check_tensor(t, what, "tensor") != CT_OK || !(*group = ct__dist_resolve(*group, what))) return NULL;
  ct_work *w = ct__work_new(*group, what);
  bool copied = false;
  if (!w || !(w->keep[0] = ct__dist_stage(t, &copied)) || (copied && ct__work_set_targets(w, &t, 1) != CT_OK)) {
    ct__work_discard(w);
    return NULL;
  }
  w->result = w->keep[0];
  return w;
}

// all_reduce of t with op, each rank's values first multiplied by `scale` (a floating SUM;
// 0: no scaling): the ring for large buffers, MPI_Iallreduce for small ones.
static ct_work *all_reduce(ct_tensor *t, ct_reduce_op op, double scale, ct_process_group *group) {
  const char *what = "all_reduce";
  MPI_Op mpi_op = t ? ct__dist_mpi_op(op, ct_get_dtype(t), what) : MPI_OP_NULL;
  if (t && mpi_op == MPI_OP_NULL) return NULL;
  ct_work *w = ct__dist_inplace_work(t, &group, what);
  if (!w) return NULL;
  if (op == CT_REDUCE_AVG) w->divisor = group->size;
  MPI_Datatype type = ct__dist_mpi_type(ct_get_dtype(t));
  size_t elem_size = ct_dtype_size(ct_get_dtype(t));
  if (group->size < 2 || (size_t)ct_numel(t) * elem_size < RING_MIN_BYTES) {
    if (scale != 0) {
      bool grad_mode = ct_no_grad_enter();
      ct_tensor *scaled = ct_mul_scalar_(w->keep[0], scale);
      ct_grad_mode_restore(grad_mode);
      if (!scaled) {
        ct__work_discard(w);
        return NULL;
      }
    }
    return ct__work_started(w, MPI_Iallreduce(MPI_IN_PLACE, ct_data_ptr(w->keep[0]), (int)ct_numel(t), type, mpi_op,
                                              group->comm, &w->request));
  }
  if (!(w->ring = ct__ring_new_scaled(group, ct_data_ptr(w->keep[0]), ct_numel(t), elem_size, type, mpi_op, scale, what))) {
    ct__work_discard(w);
    return NULL;
  }
  int rc = ct__ring_begin(w->ring);
  if (rc == MPI_SUCCESS) return w;
  ct__dist_mpi_error(rc, what); // messages may be in flight: keep the buffers until finalize
  ct__dist_mark_broken(group);
  ct__work_abandon(w);
  return NULL;
}

ct_work *ct_dist_all_reduce_async(ct_tensor *t, ct_reduce_op op, ct_process_group *group) {
  return all_reduce(t, op, 0, group);
}

ct_work *ct__dist_scaled_sum_async(ct_tensor *t, double scale, ct_process_group *group) {
  if (t && !ct_dtype_is_floating(ct_get_dtype(t)))
    return ct__error_null(CT_ERR_ARG, "all_reduce: a scaled sum needs a floating tensor, got %s",
                          ct_dtype_name(ct_get_dtype(t)));
  return all_reduce(t, CT_REDUCE_SUM, scale, group);
}

// An in-place work whose operation has a root (global rank `root_global`, named `role`);
// *root becomes its group rank.
static ct_work *rooted_work(ct_tensor *t, ct_process_group **group, int root_global, const char *role, int *root,
                            const char *what) {
  ct_work *w = ct__dist_inplace_work(t, group, what);
  if (w && (*root = ct__dist_group_rank(*group, root_global, what, role)) < 0) {
    ct__work_discard(w);
    return NULL;
  }
  return w;
}

ct_work *ct_dist_broadcast_async(ct_tensor *t, int src, ct_process_group *group) {
  int root;
  ct_work *w = rooted_work(t, &group, src, "src", &root, "broadcast");
  if (!w) return NULL;
  return ct__work_started(w, MPI_Ibcast(ct_data_ptr(w->keep[0]), (int)ct_numel(t), ct__dist_mpi_type(ct_get_dtype(t)),
                                        root, group->comm, &w->request));
}

ct_work *ct_dist_reduce_async(ct_tensor *t, int dst, ct_reduce_op op, ct_process_group *group) {
  const char *what = "reduce";
  MPI_Op mpi_op = t ? ct__dist_mpi_op(op, ct_get_dtype(t), what) : MPI_OP_NULL;
  if (t && mpi_op == MPI_OP_NULL) return NULL;
  int root;
  ct_work *w = rooted_work(t, &group, dst, "dst", &root, what);
  if (!w) return NULL;
  void *buffer = ct_data_ptr(w->keep[0]);
  bool is_root = root == group->rank;
  if (op == CT_REDUCE_AVG && is_root) w->divisor = group->size;
  if (!is_root) w->result = NULL; // the others' tensors stay as they are
  return ct__work_started(w, MPI_Ireduce(is_root ? MPI_IN_PLACE : buffer, is_root ? buffer : NULL, (int)ct_numel(t),
                                         ct__dist_mpi_type(ct_get_dtype(t)), mpi_op, root, group->comm, &w->request));
}

ct_work *ct_dist_barrier_async(ct_process_group *group) {
  const char *what = "barrier";
  if (!(group = ct__dist_resolve(group, what))) return NULL;
  ct_work *w = ct__work_new(group, what);
  return w ? ct__work_started(w, MPI_Ibarrier(group->comm, &w->request)) : NULL;
}

// The blocking torch.distributed calls: each starts its asynchronous twin and waits on it
// (one code path for both, and every wait bounded by the group's timeout).
#include "core/error_impl.h"
#include "ctorch/distributed.h"

static ct_status wait_and_free(ct_work *work) {
  if (!work) return ct_last_status() != CT_OK ? ct_last_status() : CT_ERR_RUNTIME;
  ct_status st = ct_work_wait(work);
  ct_work_free(work);
  return st;
}

ct_status ct_dist_all_reduce(ct_tensor *t, ct_reduce_op op, ct_process_group *group) {
  return wait_and_free(ct_dist_all_reduce_async(t, op, group));
}

ct_status ct_dist_broadcast(ct_tensor *t, int src, ct_process_group *group) {
  return wait_and_free(ct_dist_broadcast_async(t, src, group));
}

ct_status ct_dist_reduce(ct_tensor *t, int dst, ct_reduce_op op, ct_process_group *group) {
  return wait_and_free(ct_dist_reduce_async(t, dst, op, group));
}

ct_status ct_dist_all_gather(ct_tensor *const *outputs, int n, const ct_tensor *input, ct_process_group *group) {
  return wait_and_free(ct_dist_all_gather_async(outputs, n, input, group));
}

ct_status ct_dist_reduce_scatter(ct_tensor *output, ct_tensor *const *inputs, int n, ct_reduce_op op,
                                 ct_process_group *group) {
  return wait_and_free(ct_dist_reduce_scatter_async(output, inputs, n, op, group));
}

ct_status ct_dist_barrier(ct_process_group *group) { return wait_and_free(ct_dist_barrier_async(group)); }

ct_status ct_dist_send(const ct_tensor *t, int dst, ct_process_group *group, int tag) {
  return wait_and_free(ct_dist_isend(t, dst, group, tag));
}

ct_status ct_dist_recv(ct_tensor *t, int src, ct_process_group *group, int tag) {
  return wait_and_free(ct_dist_irecv(t, src, group, tag));
}

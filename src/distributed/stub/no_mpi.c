// The distributed API of a build without MPI: every call fails with one message (the
// blocking calls in sync_ops.c fail through their asynchronous twins).
#include "core/error_impl.h"
#include "ctorch/distributed.h"
#include "distributed/scaled_sum.h"

#define UNAVAILABLE "ctorch was built without distributed support (MPI was not found at build time)"

static ct_status unavailable(void) { return ct__error(CT_ERR_RUNTIME, UNAVAILABLE); }
static void *unavailable_null(void) { return ct__error_null(CT_ERR_RUNTIME, UNAVAILABLE); }

bool ct_dist_is_available(void) { return false; }
ct_status ct_dist_init_process_group(double timeout_seconds) {
  (void)timeout_seconds;
  return unavailable();
}
bool ct_dist_is_initialized(void) { return false; }
ct_status ct_dist_destroy_process_group(void) { return unavailable(); }
int ct_dist_get_rank(const ct_process_group *group) {
  (void)group;
  unavailable();
  return -1;
}
int ct_dist_get_world_size(const ct_process_group *group) {
  (void)group;
  unavailable();
  return -1;
}
int ct_dist_get_global_rank(const ct_process_group *group, int group_rank) {
  (void)group, (void)group_rank;
  unavailable();
  return -1;
}
ct_process_group *ct_dist_new_group(const int *ranks, int n) {
  (void)ranks, (void)n;
  return unavailable_null();
}
void ct_dist_group_free(ct_process_group *group) { (void)group; }
ct_status ct_dist_set_timeout(ct_process_group *group, double seconds) {
  (void)group, (void)seconds;
  return unavailable();
}
ct_work *ct_dist_all_reduce_async(ct_tensor *t, ct_reduce_op op, ct_process_group *group) {
  (void)t, (void)op, (void)group;
  return unavailable_null();
}
ct_work *ct__dist_scaled_sum_async(ct_tensor *t, double scale, ct_process_group *group) {
  (void)t, (void)scale, (void)group;
  return unavailable_null();
}
ct_work *ct_dist_broadcast_async(ct_tensor *t, int src, ct_process_group *group) {
  (void)t, (void)src, (void)group;
  return unavailable_null();
}
ct_work *ct_dist_reduce_async(ct_tensor *t, int dst, ct_reduce_op op, ct_process_group *group) {
  (void)t, (void)dst, (void)op, (void)group;
  return unavailable_null();
}
ct_work *ct_dist_all_gather_async(ct_tensor *const *outputs, int n, const ct_tensor *input, ct_process_group *group) {
  (void)outputs, (void)n, (void)input, (void)group;
  return unavailable_null();
}
ct_work *ct_dist_reduce_scatter_async(ct_tensor *output, ct_tensor *const *inputs, int n, ct_reduce_op op,
                                      ct_process_group *group) {
  (void)output, (void)inputs, (void)n, (void)op, (void)group;
  return unavailable_null();
}
ct_work *ct_dist_barrier_async(ct_process_group *group) {
  (void)group;
  return unavailable_null();
}
ct_work *ct_dist_isend(const ct_tensor *t, int dst, ct_process_group *group, int tag) {
  (void)t, (void)dst, (void)group, (void)tag;
  return unavailable_null();
}
ct_work *ct_dist_irecv(ct_tensor *t, int src, ct_process_group *group, int tag) {
  (void)t, (void)src, (void)group, (void)tag;
  return unavailable_null();
}
ct_status ct_work_wait(ct_work *work) {
  (void)work;
  return unavailable();
}
bool ct_work_is_completed(ct_work *work) {
  (void)work;
  return false;
}
void ct_work_free(ct_work *work) { (void)work; }

// all_gather and reduce_scatter: lists of tensors, one per rank of the group, packed into
// one contiguous buffer for MPI and unpacked when the operation completes.
#include "core/error_impl.h"
#include "distributed/mpi/dist_mpi.h"

// Checks a list of n tensors (n the group size), each like `like` (dtype, numel).
static ct_status check_list(ct_tensor *const *list, int n, const ct_tensor *like, const ct_process_group *g,
                            const char *what, const char *name) {
  if (n != g->size || !list)
    return ct__error(CT_ERR_ARG, "%s: %s has %d tensors; the group has %d ranks", what, name, list ? n : 0, g->size);
  for (int i = 0; i < n; i++) {
    if (ct__dist_check_tensor(list[i], what, name) != CT_OK) return ct_last_status();
    if (ct_get_dtype(list[i]) != ct_get_dtype(like) || ct_numel(list[i]) != ct_numel(like))
      return ct__error(CT_ERR_ARG, "%s: %s[%d] has %lld elements of %s; expected %lld of %s", what, name, i,
                       (long long)ct_numel(list[i]), ct_dtype_name(ct_get_dtype(list[i])), (long long)ct_numel(like),
                       ct_dtype_name(ct_get_dtype(like)));
  }
  return CT_OK;
}

ct_work *ct_dist_all_gather_async(ct_tensor *const *outputs, int n, const ct_tensor *input, ct_process_group *group) {
  const char *what = "all_gather";
  if (ct__dist_check_tensor(input, what, "input") != CT_OK || !(group = ct__dist_resolve(group, what)) ||
      check_list(outputs, n, input, group, what, "output_tensor_list") != CT_OK)
    return NULL;
  ct_work *w = ct__work_new(group, what);
  bool copied;
  int64_t numel = ct_numel(input);
  if (!w || !(w->keep[0] = ct__dist_stage((ct_tensor *)input, &copied)) ||
      !(w->keep[1] = ct__dist_buffer(numel * n, ct_get_dtype(input))) ||
      ct__work_set_targets(w, outputs, n) != CT_OK) {
    ct__work_discard(w);
    return NULL;
  }
  w->result = w->keep[1];
  MPI_Datatype type = ct__dist_mpi_type(ct_get_dtype(input));
  return ct__work_started(w, MPI_Iallgather(ct_data_ptr(w->keep[0]), (int)numel, type, ct_data_ptr(w->keep[1]),
                                            (int)numel, type, group->comm, &w->request));
}

ct_work *ct_dist_reduce_scatter_async(ct_tensor *output, ct_tensor *const *inputs, int n, ct_reduce_op op,
                                      ct_process_group *group) {
  const char *what = "reduce_scatter";
  MPI_Op mpi_op = output ? ct__dist_mpi_op(op, ct_get_dtype(output), what) : MPI_OP_NULL;
  if (output && mpi_op == MPI_OP_NULL) return NULL;
  if (ct__dist_check_tensor(output, what, "output") != CT_OK || !(group = ct__dist_resolve(group, what)) ||
      check_list(inputs, n, output, group, what, "input_list") != CT_OK)
    return NULL;
  ct_work *w = ct__work_new(group, what);
  bool copied = false;
  int64_t numel = ct_numel(output);
  if (!w || !(w->keep[0] = ct__dist_buffer(numel * n, ct_get_dtype(output))) ||
      ct__dist_copy_slices(w->keep[0], inputs, n, false) != CT_OK || !(w->keep[1] = ct__dist_stage(output, &copied)) ||
      (copied && ct__work_set_targets(w, &output, 1) != CT_OK)) {
    ct__work_discard(w);
    return NULL;
  }
  w->result = w->keep[1];
  if (op == CT_REDUCE_AVG) w->divisor = group->size;
  return ct__work_started(w, MPI_Ireduce_scatter_block(ct_data_ptr(w->keep[0]), ct_data_ptr(w->keep[1]), (int)numel,
                                                       ct__dist_mpi_type(ct_get_dtype(output)), mpi_op, group->comm,
                                                       &w->request));
}

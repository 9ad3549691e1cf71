// Tensors as MPI buffers: dtypes and reduce ops in MPI's terms, and contiguous staging
// copies for non-contiguous tensors (MPI reads and writes plain arrays).
#include <stdint.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "distributed/mpi/dist_mpi.h"

MPI_Datatype ct__dist_mpi_type(ct_dtype dtype) {
  switch (dtype) {
  case CT_BOOL: return MPI_C_BOOL;
  case CT_INT32: return MPI_INT32_T;
  case CT_INT64: return MPI_INT64_T;
  case CT_FLOAT32: return MPI_FLOAT;
  case CT_FLOAT64: return MPI_DOUBLE;
  default: return MPI_DATATYPE_NULL;
  }
}

MPI_Op ct__dist_mpi_op(ct_reduce_op op, ct_dtype dtype, const char *what) {
  if (dtype == CT_BOOL) {
    if (op == CT_REDUCE_AVG) goto avg_needs_float;
    return op == CT_REDUCE_SUM || op == CT_REDUCE_MAX ? MPI_LOR : MPI_LAND;
  }
  switch (op) {
  case CT_REDUCE_SUM: return MPI_SUM;
  case CT_REDUCE_AVG:
    if (!ct_dtype_is_floating(dtype)) goto avg_needs_float;
    return MPI_SUM;
  case CT_REDUCE_PRODUCT: return MPI_PROD;
  case CT_REDUCE_MIN: return MPI_MIN;
  case CT_REDUCE_MAX: return MPI_MAX;
  }
  ct__error(CT_ERR_ARG, "%s: unknown reduce op %d", what, (int)op);
  return MPI_OP_NULL;
avg_needs_float:
  ct__error(CT_ERR_ARG, "%s: ReduceOp.AVG needs a floating tensor, got %s", what, ct_dtype_name(dtype));
  return MPI_OP_NULL;
}

ct_status ct__dist_check_tensor(const ct_tensor *t, const char *what, const char *name) {
  if (!t) return ct__null_tensor_status(what);
  if (ct_get_device(t) != CT_CPU)
    return ct__error(CT_ERR_ARG, "%s: %s is a %s tensor; the MPI backend takes CPU tensors", what, name,
                     ct_device_name(ct_get_device(t)));
  if (ct_numel(t) > INT32_MAX)
    return ct__error(CT_ERR_ARG, "%s: %s has %lld elements; MPI counts stop at %d", what, name,
                     (long long)ct_numel(t), INT32_MAX);
  return CT_OK;
}

ct_tensor *ct__dist_buffer(int64_t numel, ct_dtype dtype) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *buffer = ct_retain(ct_empty(1, &numel, dtype));
  ct_scope_close(scope);
  return buffer;
}

ct_tensor *ct__dist_stage(ct_tensor *t, bool *copied) {
  *copied = !ct_is_contiguous(t);
  if (!*copied) return ct_retain(t);
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *copy = ct_retain(ct__copy_as(t, ct_get_dtype(t)));
  ct_scope_close(scope);
  return copy;
}

ct_status ct__dist_copy_slices(ct_tensor *buffer, ct_tensor *const *tensors, int n, bool to_tensors) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  int64_t total = ct_numel(buffer), offset = 0;
  buffer = ct_view(buffer, 1, &total); // the buffer is contiguous, of any shape
  ct_status st = buffer ? CT_OK : ct_last_status();
  for (int i = 0; i < n && st == CT_OK; i++) {
    int64_t numel = ct_numel(tensors[i]);
    ct_tensor *slice = ct_view(ct_narrow(buffer, 0, offset, numel), ct_dim(tensors[i]), ct_shape(tensors[i]));
    st = !slice ? ct_last_status() : to_tensors ? ct__copy_into(tensors[i], slice) : ct__copy_into(slice, tensors[i]);
    offset += numel;
  }
  ct_scope_close(scope);
  return st;
}

void ct__dist_divide(ct_tensor *buffer, double divisor) {
  int64_t n = ct_numel(buffer);
  if (ct_get_dtype(buffer) == CT_FLOAT32) {
    float *x = ct_data_ptr(buffer), d = (float)divisor;
    for (int64_t i = 0; i < n; i++) x[i] /= d;
  } else {
    double *x = ct_data_ptr(buffer);
    for (int64_t i = 0; i < n; i++) x[i] /= divisor;
  }
}

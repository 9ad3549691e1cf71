// Operand preparation and dtype checks shared by batch_norm, layer_norm and group_norm.
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "nn/norm_internal.h"

const ct_norm_kernels *ct__norm_kernels(const ct_tensor *t) { return ct__kernels(t->storage->device)->norm; }

ct_tensor *ct__norm_dense(ct_tensor *t) {
  if (!t) return NULL;
  if (ct_is_contiguous(t)) return ct__register(ct_retain(t));
  return ct__copy_as(t, t->dtype);
}

ct_status ct__norm_check_floating(const ct_tensor *t, const char *kernel) {
  if (ct_dtype_is_floating(t->dtype)) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(t->dtype));
}

ct_status ct__norm_check_dtype(const ct_tensor *t, ct_dtype want) {
  if (!t || t->dtype == want) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "expected scalar type %s but found %s", ct__scalar_type_name(want),
                   ct__scalar_type_name(t->dtype));
}

ct_tensor *ct__norm_vector(ct_dtype dtype, int64_t n) { return ct__alloc(dtype, 1, &n); }

// Making a layer's parameters: zeros created outside the caller's scopes and owned by the
// module alone, ready for the layer's initialisation.
#include "ctorch/creation.h"
#include "ctorch/scope.h"
#include "nn/module_impl.h"

ct_tensor *ct__module_new_parameter(ct_module *m, const char *name, int ndim, const int64_t *shape,
                                    ct_dtype dtype) {
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  ct_tensor *p = ct_zeros(ndim, shape, dtype);
  p = p ? ct_module_register_parameter(m, name, p) : NULL;
  ct_scope_close(s);
  return p;
}

// ct_set: x[i, j, ...] = value, PyTorch's __setitem__ with a full index and a Python
// float. Outside autograd it writes the element; on a tensor that requires grad (grad mode
// on) it is torch's select chain + fill_, so leaves are refused and other tensors record
// the write (CopySlices) instead of changing values behind their graph's back.
#include <string.h>
#include "autograd/node.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/ops.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

static ct_status set_recorded(ct_tensor *t, const int64_t *index, double value) {
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  ct_tensor *element = t;
  for (int d = 0; element && d < t->ndim; d++) element = ct_select(element, 0, index[d]);
  ct_status st = element && ct_fill_(element, value) ? CT_OK : ct_last_status();
  ct_scope_close(s);
  return st;
}

ct_status ct_set(ct_tensor *t, const int64_t *index, double value) {
  if (!t) return ct__null_tensor_status("ct_set");
  if (t->ndim && !index) return ct__error(CT_ERR_ARG, "ct_set: index is NULL for a %d-dim tensor", t->ndim);
  ct_status st = CT_OK;
  char *p = ct__element_ptr(t, index, &st);
  if (!p) return st;
  if (t->requires_grad && ct_is_grad_enabled()) return set_recorded(t, index, value);
  ct__element e;
  if ((st = ct__checked_element(value, t->dtype, &e)) != CT_OK) return st;
  ct__storage_write(t->storage, p, &e, ct__dtype_size(t->dtype));
  ct__bump_version(t);
  return CT_OK;
}

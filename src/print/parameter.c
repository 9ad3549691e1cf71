// nn.Parameter for C: a leaf that requires grad and prints "Parameter containing:".
#include "core/error_impl.h"
#include "core/tensor_impl.h"

ct_tensor *ct_parameter(ct_tensor *t) {
  CT_CHECK_NULL(t);
  // PyTorch wraps a detached alias of a non-leaf; ctorch marks in place, so it asks for a leaf.
  if (t->grad_fn)
    return ct__error_null(CT_ERR_ARG, "ct_parameter: expected a leaf tensor (call ct_detach first), got one "
                                      "with grad_fn=<%s>", ct_node_name(t->grad_fn));
  if (ct_set_requires_grad(t, true) != CT_OK) return NULL;
  t->is_param = true;
  return t;
}

// nn functions built from several public ops run them inside a local scope, so their
// intermediates are freed on return and only the result reaches the caller's scope:
//   ct_scope *s = ct_scope_open();
//   return s ? ct__nn_keep_result(s, compute(...)) : NULL;
#ifndef CTORCH_SRC_NN_SCOPED_RESULT_H
#define CTORCH_SRC_NN_SCOPED_RESULT_H
#include "core/tensor_impl.h"

/// Closes s, moving out (NULL on failure: nothing kept) to the enclosing scope.
static inline ct_tensor *ct__nn_keep_result(ct_scope *s, ct_tensor *out) {
  return ct__close_keeping(s, &out, out ? 1 : 0) == CT_OK ? out : NULL;
}
#endif

/// @file scope.h
/// @brief Scopes: automatic lifetime for the tensors of one computation.
///
/// A scope owns every tensor created while it is the innermost open scope and releases
/// them when it closes. To let a tensor outlive the scope, keep it: ct_keep() moves the
/// reference to the enclosing scope (or to the caller, when no enclosing scope exists).
/// A training step is one scope; parameters are created outside step scopes.
///
/// ```c
/// ct_scope *s = ct_scope_open();
/// ct_tensor *loss = ...;           // intermediates are owned by s
/// ct_backward(loss, NULL);
/// ct_scope_close(s);               // everything released
/// ```
#ifndef CTORCH_SCOPE_H
#define CTORCH_SCOPE_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_scope ct_scope;

/// Open a scope nested in the current one (scopes are per thread). Returns NULL on
/// allocation failure.
CT_API ct_scope *ct_scope_open(void);
/// Close `s` (and any scope opened after it and still open), releasing their tensors.
CT_API void ct_scope_close(ct_scope *s);
/// Move t's reference from the innermost scope to the enclosing scope (or to the caller
/// when there is none). Returns t; NULL passes through.
CT_API ct_tensor *ct_keep(ct_tensor *t);
/// Number of tensors owned by the innermost scope (for tests and debugging).
CT_API size_t ct_scope_size(const ct_scope *s);

#ifdef __cplusplus
}
#endif
#endif

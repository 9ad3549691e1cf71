// Recording errors (see include/ctorch/error.h for the model).
#ifndef CTORCH_SRC_CORE_ERROR_IMPL_H
#define CTORCH_SRC_CORE_ERROR_IMPL_H
#include "ctorch/error.h"

/// Record a printf-style message and status for this thread. Returns `status`.
ct_status ct__error(ct_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/// Same, returning NULL, for tensor-returning functions: `return ct__error_null(...)`.
void *ct__error_null(ct_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/// For status-returning functions given a NULL tensor: when an error is already recorded
/// on this thread (the NULL came from a failed call), returns its status and keeps its
/// message, so a chain reports its first cause; otherwise records "<fn>: tensor is NULL".
ct_status ct__null_tensor_status(const char *fn);
#endif

/// @file error.h
/// @brief The error model. User errors never abort: a failing call returns NULL (or a
/// non-zero ct_status) and records a message readable with ct_last_error(). Any function
/// given a NULL tensor returns NULL without recording a new message, so a chained
/// expression fails once, reporting its first cause.
#ifndef CTORCH_ERROR_H
#define CTORCH_ERROR_H
#include "ctorch/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by functions that do not return a tensor.
typedef enum ct_status {
  CT_OK = 0,
  CT_ERR_ARG,      ///< invalid argument (NULL, bad dim, bad shape, wrong dtype ...)
  CT_ERR_INDEX,    ///< index out of range
  CT_ERR_MEMORY,   ///< allocation failed
  CT_ERR_IO,       ///< file could not be read or written, or is malformed
  CT_ERR_RUNTIME,  ///< operation not valid in the current state (autograd misuse ...)
} ct_status;

/// Message of the most recent error on this thread ("" if none). Valid until the next error.
CT_API const char *ct_last_error(void);
/// Status of the most recent error on this thread (CT_OK if none).
CT_API ct_status ct_last_status(void);
/// Forget the recorded error on this thread.
CT_API void ct_clear_error(void);

#ifdef __cplusplus
}
#endif
#endif

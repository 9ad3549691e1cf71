// Thread-local error record.
#include <stdarg.h>
#include <stdio.h>
#include "core/error_impl.h"

static _Thread_local char last_message[1024];
static _Thread_local ct_status last_status = CT_OK;

static void record(ct_status status, const char *fmt, va_list ap) {
  last_status = status;
  vsnprintf(last_message, sizeof last_message, fmt, ap);
}

ct_status ct__error(ct_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(status, fmt, ap);
  va_end(ap);
  return status;
}

void *ct__error_null(ct_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(status, fmt, ap);
  va_end(ap);
  return NULL;
}

const char *ct_last_error(void) { return last_message; }
ct_status ct_last_status(void) { return last_status; }
void ct_clear_error(void) {
  last_status = CT_OK;
  last_message[0] = '\0';
}

ct_status ct__null_tensor_status(const char *fn) {
  if (last_status != CT_OK) return last_status; // the failed call that produced the NULL said why
  return ct__error(CT_ERR_ARG, "%s: tensor is NULL", fn);
}

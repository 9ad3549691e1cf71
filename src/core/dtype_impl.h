// Internal dtype helpers: PyTorch's type names for messages, and a holder for one
// element of any dtype.
#ifndef CTORCH_SRC_CORE_DTYPE_IMPL_H
#define CTORCH_SRC_CORE_DTYPE_IMPL_H
#include <stdint.h>
#include "ctorch/dtype.h"

/// c10's ScalarType name of a dtype, as PyTorch's messages print it: "Bool", "Int",
/// "Long", "Float", "Double" ("Undefined" for anything else).
const char *ct__scalar_type_name(ct_dtype dtype);

/// One element of any dtype, e.g. a fill value converted for a kernel's ctx.
typedef union ct__element {
  bool b;
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
} ct__element;

#endif

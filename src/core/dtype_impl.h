// Internal dtype helpers: PyTorch's type names for messages, and a holder for one
// element of any dtype.
#ifndef CTORCH_SRC_CORE_DTYPE_IMPL_H
#define CTORCH_SRC_CORE_DTYPE_IMPL_H
#include <stdint.h>
#include "ctorch/dtype.h"
#include "ctorch/error.h"

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

/// C leaves float-to-integer conversions of out-of-range values (NaN included) undefined;
/// these give the integer's minimum there, as x86's conversion instructions (and so
/// PyTorch's compiled code) do. Callers that must refuse such values check first.
static inline int64_t ct__f64_to_i64(double v) { return v >= -0x1p63 && v < 0x1p63 ? (int64_t)v : INT64_MIN; }
static inline int32_t ct__f64_to_i32(double v) {
  return v > -2147483649.0 && v < 2147483648.0 ? (int32_t)v : INT32_MIN;
}

/// `v` converted to `dtype` as PyTorch converts a Python float (c10's checked_convert):
/// values outside an integer dtype's range (NaN included) or finite values beyond
/// float32's range are refused with "value cannot be converted to type <C++ type> without
/// overflow"; float64 and bool take anything. 2^63 becomes int64's minimum, as on x86.
ct_status ct__checked_element(double v, ct_dtype dtype, ct__element *out);

#endif

// dtype and device names and sizes.
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

const char *ct__scalar_type_name(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {[CT_BOOL] = "Bool",
                                                   [CT_INT32] = "Int",
                                                   [CT_INT64] = "Long",
                                                   [CT_FLOAT32] = "Float",
                                                   [CT_FLOAT64] = "Double"};
  return (unsigned)dtype < CT_NUM_DTYPES ? names[dtype] : "Undefined";
}

const char *ct_dtype_name(ct_dtype dtype) {
  switch (dtype) {
  case CT_BOOL: return "bool";
  case CT_INT32: return "int32";
  case CT_INT64: return "int64";
  case CT_FLOAT32: return "float32";
  case CT_FLOAT64: return "float64";
  default: return "unknown";
  }
}

size_t ct_dtype_size(ct_dtype dtype) {
  switch (dtype) {
  case CT_BOOL: return 1;
  case CT_INT32: return 4;
  case CT_INT64: return 8;
  case CT_FLOAT32: return 4;
  case CT_FLOAT64: return 8;
  default: return 0;
  }
}

bool ct_dtype_is_floating(ct_dtype dtype) { return dtype == CT_FLOAT32 || dtype == CT_FLOAT64; }

const char *ct_device_name(ct_device device) {
  switch (device) {
  case CT_CPU: return "cpu";
  case CT_CUDA: return "cuda";
  default: return "unknown";
  }
}

ct_status ct__checked_element(double v, ct_dtype dtype, ct__element *out) {
  const char *type = NULL;
  switch (dtype) {
  case CT_INT32:
    if (!(v >= INT32_MIN && v <= INT32_MAX)) type = "int";
    break;
  case CT_INT64: // int64's limits as doubles are -2^63 and 2^63
    if (!(v >= -0x1p63 && v <= 0x1p63)) type = "int64_t";
    break;
  case CT_FLOAT32:
    if (isfinite(v) && fabs(v) > FLT_MAX) type = "float";
    break;
  default: break;
  }
  if (type) return ct__error(CT_ERR_ARG, "value cannot be converted to type %s without overflow", type);
  ct__store_f64((char *)out, dtype, v);
  return CT_OK;
}

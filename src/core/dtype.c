// dtype and device names and sizes.
#include <stdint.h>
#include "core/dtype_impl.h"

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

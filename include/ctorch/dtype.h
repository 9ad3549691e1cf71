/// @file dtype.h
/// @brief Element types and devices.
#ifndef CTORCH_DTYPE_H
#define CTORCH_DTYPE_H
#include <stdbool.h>
#include <stddef.h>
#include "ctorch/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Maximum number of dimensions of a tensor.
#define CT_MAX_DIMS 8

/// Element type of a tensor. Order is the promotion order within the same category.
typedef enum ct_dtype {
  CT_BOOL = 0,
  CT_INT32,
  CT_INT64,
  CT_FLOAT32,
  CT_FLOAT64,
  CT_NUM_DTYPES
} ct_dtype;

/// Where a tensor's storage lives. Kernels are chosen by the operands' device; this build
/// has a CPU backend only, so an op on a CUDA tensor fails with "ctorch was built without
/// CUDA support" (the value exists so a CUDA backend can be added without touching ops).
typedef enum ct_device { CT_CPU = 0, CT_CUDA, CT_NUM_DEVICES } ct_device;

/// PyTorch's name of a dtype: "float32", "int64", "bool" ... (printed as torch.<name>).
CT_API const char *ct_dtype_name(ct_dtype dtype);
/// Bytes per element.
CT_API size_t ct_dtype_size(ct_dtype dtype);
/// True for float32 and float64.
CT_API bool ct_dtype_is_floating(ct_dtype dtype);
/// Name of a device type, as torch.device's `type`: "cpu", "cuda".
CT_API const char *ct_device_name(ct_device device);

#ifdef __cplusplus
}
#endif
#endif

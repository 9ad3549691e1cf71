// The safetensors format's constants and dtype names, shared by its reader and writer.
#ifndef CTORCH_SRC_IO_SAFETENSORS_FORMAT_H
#define CTORCH_SRC_IO_SAFETENSORS_FORMAT_H
#include "ctorch/dtype.h"
#include <string.h>

/// The reference implementation's limit on the header's length.
#define CT__ST_MAX_HEADER 100000000u
/// The writer pads the header so the data starts at a multiple of this.
#define CT__ST_ALIGN 8

/// The format's name of a ctorch dtype.
static inline const char *ct__st_dtype_name(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {
      [CT_BOOL] = "BOOL", [CT_INT32] = "I32", [CT_INT64] = "I64", [CT_FLOAT32] = "F32", [CT_FLOAT64] = "F64"};
  return names[dtype];
}

/// The ctorch dtype of a format name; -1 for a dtype of the format ctorch lacks, -2 for
/// a name the format does not have.
static inline int ct__st_dtype_of(const char *name) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(name, ct__st_dtype_name((ct_dtype)d))) return d;
  static const char *const others[] = {"U8",   "I8",  "I16", "U16",     "F16",
                                       "BF16", "U32", "U64", "F8_E5M2", "F8_E4M3"};
  for (size_t i = 0; i < sizeof others / sizeof *others; i++)
    if (!strcmp(name, others[i])) return -1;
  return -2;
}
#endif

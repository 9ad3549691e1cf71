// The .npy container: the preamble constants and the header dictionary, shared by the
// reader (npy_load.c) and the writer (npy_save.c). Format reference: numpy/lib/format.py.
#ifndef CTORCH_SRC_IO_NPY_FORMAT_H
#define CTORCH_SRC_IO_NPY_FORMAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctorch/tensor.h"

#define CT__NPY_MAGIC "\x93NUMPY"
#define CT__NPY_MAGIC_LEN 6
/// Same limit as NumPy's default max_header_size: a header above it is refused.
#define CT__NPY_MAX_HEADER 10000
/// The data starts at a multiple of this (the writer pads the header with spaces).
#define CT__NPY_ALIGN 64

/// What the header dictionary says about the array.
typedef struct ct__npy_header {
  ct_dtype dtype;
  bool swap_bytes; // the file's byte order differs from the host's
  bool fortran_order;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
} ct__npy_header;

/// A byte range of header text.
typedef struct npy_span {
  const char *p;
  size_t n;
} npy_span;

/// Bytes shown in a message: printable ASCII kept, others as \xNN, cut with "..." to fit
/// buf[cap] (cap >= 16). Returns buf.
const char *ct__npy_printable(const void *bytes, size_t n, char *buf, size_t cap);

/// Parses the header text (`len` bytes, not NUL-terminated) of a version `major` file.
/// On failure writes a message to err[errcap] and returns false.
bool ct__npy_parse_header(const char *text, size_t len, int major, ct__npy_header *out, char *err,
                          size_t errcap);

/// Writes the whole version 1.0 preamble + header for a C-order array of `dtype` and shape
/// into buf[cap], exactly as np.save does. Returns its length (a multiple of 64), or 0 if
/// cap is too small.
size_t ct__npy_format_header(ct_dtype dtype, int ndim, const int64_t *shape, char *buf, size_t cap);

/// Largest header ct__npy_format_header writes (8 dims of 19 digits, with padding).
#define CT__NPY_HEADER_CAP 512

/// True when the host stores integers little-endian.
static inline bool ct__host_is_little_endian(void) {
  const uint16_t probe = 1;
  return *(const unsigned char *)&probe == 1;
}
#endif

// Small helpers shared by the file-format readers (npy, pt, safetensors).
#ifndef CTORCH_SRC_IO_IO_UTIL_H
#define CTORCH_SRC_IO_IO_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctorch/error.h"

/// Formats a message into err[cap] and returns false (for `return fail(...)` in parsers).
bool ct__io_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/// The status of a parse or build failure described by err: CT_ERR_MEMORY when the cause
/// is an allocation (every such message starts "out of memory"), else `otherwise`.
ct_status ct__io_status(const char *err, ct_status otherwise);
/// Reverses the byte order of n elements of `size` bytes (4 or 8; other sizes are left alone).
void ct__swap_bytes(void *data, int64_t n, size_t size);
#endif

// Small helpers shared by the file-format readers (io_util.h).
#include "io/io_util.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool ct__io_fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return false;
}

ct_status ct__io_status(const char *err, ct_status otherwise) {
  return strncmp(err, "out of memory", 13) ? otherwise : CT_ERR_MEMORY;
}

void ct__swap_bytes(void *data, int64_t n, size_t size) {
  if (size == 4) {
    uint32_t *p = data;
    for (int64_t i = 0; i < n; i++)
      p[i] = __builtin_bswap32(p[i]);
  } else if (size == 8) {
    uint64_t *p = data;
    for (int64_t i = 0; i < n; i++)
      p[i] = __builtin_bswap64(p[i]);
  }
}

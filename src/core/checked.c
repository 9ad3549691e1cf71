// Checked size arithmetic (see checked.h).
#include "core/checked.h"
#include "core/error_impl.h"

ct_status ct__numel_overflow(const char *what) {
  return ct__error(CT_ERR_MEMORY, "%s is too large: the product of its sizes overflows", what);
}

ct_status ct__bytes_overflow(const char *what) {
  return ct__error(CT_ERR_MEMORY, "%s is too large: its size in bytes exceeds 2^62", what);
}

ct_status ct__checked_extent(int ndim, const int64_t *shape, const int64_t *strides, int64_t elem_size,
                             const char *what, int64_t *max_offset) {
  int64_t off = 0, step, bytes;
  for (int d = 0; d < ndim; d++)
    if (!ct__mul_ok(strides[d], elem_size, &bytes) || bytes > CT__MAX_BYTES)
      return ct__error(CT_ERR_MEMORY, "%s is too large: its stride %lld exceeds 2^62 bytes", what,
                       (long long)strides[d]);
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 0) { // an empty view reaches nothing
      *max_offset = 0;
      return CT_OK;
    }
    if (!ct__mul_ok(shape[d] - 1, strides[d], &step) || !ct__add_ok(off, step, &off))
      return ct__error(CT_ERR_MEMORY, "%s is too large: its strides reach past the largest offset", what);
  }
  if (!ct__add_ok(off, 1, &bytes) || !ct__mul_ok(bytes, elem_size, &bytes) || bytes > CT__MAX_BYTES)
    return ct__error(CT_ERR_MEMORY, "%s is too large: it spans more than 2^62 bytes", what);
  *max_offset = off;
  return CT_OK;
}

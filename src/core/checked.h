// Checked size arithmetic. Every size, stride, count and offset computed from values a
// caller passed in (shapes, dims, counts, steps, file headers, option values) goes through
// these helpers (docs/DESIGN.md, "Errors"): an overflow is reported as an error, it never
// wraps or reaches undefined behaviour.
//
// The limits every tensor keeps, which let code on existing tensors compute without checks:
//  - its sizes, a 0 counted as 1, multiply to at most INT64_MAX (so do its element count
//    and any contiguous strides); for a tensor with its own storage, that product times
//    the element size is at most CT__MAX_BYTES (so are its contiguous strides in bytes);
//  - its elements lie within CT__MAX_BYTES of the start of its storage, and every stride
//    in bytes fits int64 (fresh storage by the rule above, from_blob by
//    ct__checked_extent, views by lying inside their base).
// So for any dim, size * stride in bytes fits int64, with room for one more stride; view
// ops multiply a stride by a caller's step only through these helpers.
#ifndef CTORCH_SRC_CORE_CHECKED_H
#define CTORCH_SRC_CORE_CHECKED_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/error.h"

/// No tensor's bytes span more than this (4 EiB: more than any address space).
#define CT__MAX_BYTES (INT64_C(1) << 62)

/// *out = a + b; false on int64 overflow (then *out is unspecified).
static inline bool ct__add_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }
/// *out = a - b; false on int64 overflow.
static inline bool ct__sub_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_sub_overflow(a, b, out); }
/// *out = a * b; false on int64 overflow.
static inline bool ct__mul_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

/// Number of elements of a shape (sizes >= 0). Records "<what> is too large (...)" and
/// returns CT_ERR_MEMORY when the product of its sizes (a 0 counted as 1) overflows
/// int64, or, with elem_size > 0, when that product times elem_size exceeds
/// CT__MAX_BYTES. elem_size 0: a view, whose bytes lie in its base; only the count is
/// checked.
/// Inline: every new tensor passes here.
static inline ct_status ct__checked_numel(int ndim, const int64_t *shape, int64_t elem_size, const char *what,
                                         int64_t *numel);
/// The largest element offset a strided view reaches, sum of (shape[d] - 1) * strides[d]
/// over non-empty dims (strides >= 0). Errors like ct__checked_numel when its extent in
/// bytes, or any stride in bytes, exceeds CT__MAX_BYTES.
ct_status ct__checked_extent(int ndim, const int64_t *shape, const int64_t *strides, int64_t elem_size,
                             const char *what, int64_t *max_offset);
/// ceil(a / b) for a >= 0, b > 0, without the a + b - 1 that can overflow.
static inline int64_t ct__ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0); }

/// The errors of ct__checked_numel (out of line: the rare path).
ct_status ct__numel_overflow(const char *what);
ct_status ct__bytes_overflow(const char *what);

static inline ct_status ct__checked_numel(int ndim, const int64_t *shape, int64_t elem_size, const char *what,
                                         int64_t *numel) {
  int64_t n = 1, span = 1, bytes;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] > 1 && !ct__mul_ok(span, shape[d], &span)) return ct__numel_overflow(what);
    n *= shape[d]; // at most span
  }
  if (elem_size > 0 && (!ct__mul_ok(span, elem_size, &bytes) || bytes > CT__MAX_BYTES)) return ct__bytes_overflow(what);
  *numel = n;
  return CT_OK;
}

#endif

// Checked size arithmetic. Every size, stride, count and offset computed from values a
// caller passed in goes through these helpers (docs/DESIGN.md, "Errors"): an overflow is
// reported as an error, it never wraps or reaches undefined behaviour.
#ifndef CTORCH_SRC_CORE_CHECKED_H
#define CTORCH_SRC_CORE_CHECKED_H
#include <stdbool.h>
#include <stdint.h>
#include "ctorch/error.h"

/// *out = a + b; false on int64 overflow (then *out is unspecified).
static inline bool ct__add_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }
/// *out = a * b; false on int64 overflow.
static inline bool ct__mul_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

/// Number of elements of a shape (sizes >= 0). Records "<what> is too large (...)" and
/// returns CT_ERR_MEMORY when it, or its size in bytes of `elem_size`, overflows int64.
ct_status ct__checked_numel(int ndim, const int64_t *shape, int64_t elem_size, const char *what, int64_t *numel);
/// The largest element offset a strided view reaches, sum of (shape[d] - 1) * strides[d]
/// over non-empty dims (strides >= 0), and its extent in bytes; errors like
/// ct__checked_numel.
ct_status ct__checked_extent(int ndim, const int64_t *shape, const int64_t *strides, int64_t elem_size,
                             const char *what, int64_t *max_offset);
/// ceil(a / b) for a >= 0, b > 0, without the a + b - 1 that can overflow.
static inline int64_t ct__ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0); }

#endif

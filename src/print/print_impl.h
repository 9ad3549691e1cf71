// Internals of PyTorch-identical printing (torch/_tensor_str.py with default options).
//
// repr(t) is built in three steps:
//   1. summary.c: the elements repr shows (all of them, or the first/last 3 along each
//      dim longer than 6 when numel > 1000), gathered in display order;
//   2. format.c:  PyTorch's _Formatter over exactly those elements picks the mode
//      (int / fixed / scientific) and the column width, and formats one value;
//   3. repr.c:    nested brackets, line wrapping at 80 columns, and the suffixes.
#ifndef CTORCH_SRC_PRINT_PRINT_IMPL_H
#define CTORCH_SRC_PRINT_PRINT_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/tensor_impl.h"

// PyTorch's default print options.
#define CT__PRINT_PRECISION 4
#define CT__PRINT_THRESHOLD 1000
#define CT__PRINT_EDGEITEMS 3
#define CT__PRINT_LINEWIDTH 80

// ---- growable string (strbuf.c) ----
typedef struct ct__strbuf {
  char *data; // NUL-terminated while !failed
  size_t len, cap;
  bool failed; // an allocation failed; the contents are incomplete
} ct__strbuf;

void ct__sb_init(ct__strbuf *sb, size_t reserve);
void ct__sb_free(ct__strbuf *sb);
void ct__sb_append(ct__strbuf *sb, const char *s, size_t n);
void ct__sb_puts(ct__strbuf *sb, const char *s);
void ct__sb_repeat(ct__strbuf *sb, char c, size_t n);
/// Length of the text after the last '\n' (the whole text when there is none).
size_t ct__sb_last_line_len(const ct__strbuf *sb);

// ---- displayed elements (summary.c) ----
typedef struct ct__shown {
  bool summarize; // numel > threshold: dims longer than 2*edgeitems show their ends only
  ct_dtype dtype;
  bool floating;
  int64_t n;      // number of shown elements
  double *f;      // floating dtypes: values as double (float32 widens exactly)
  int64_t *i;     // bool and integer dtypes
} ct__shown;

/// Number of entries repr shows along a dim of `size` (ellipsis not counted).
static inline int64_t ct__shown_len(int64_t size, bool summarize) {
  return summarize && size > 2 * CT__PRINT_EDGEITEMS ? 2 * CT__PRINT_EDGEITEMS : size;
}
/// Gathers the shown elements of a non-empty t in display order. CT_OK or CT_ERR_MEMORY.
ct_status ct__shown_gather(const ct_tensor *t, ct__shown *out);
void ct__shown_free(ct__shown *s);

// ---- PyTorch's _Formatter (format.c) ----
typedef enum ct__fmt_mode {
  CT__FMT_INT,      // int32/int64: str(v)
  CT__FMT_BOOL,     // "True" / "False"
  CT__FMT_INTEGRAL, // floats that are all integers: "%.0f" + "."
  CT__FMT_FIXED,    // "%.4f"
  CT__FMT_SCI,      // "%.4e"
} ct__fmt_mode;

typedef struct ct__formatter {
  ct__fmt_mode mode;
  int width; // every value is right-aligned to this width (never cut)
} ct__formatter;

/// Longest string ct__format_* can produce.
#define CT__FMT_MAX 32

/// Chooses the mode and width from the shown elements, as _Formatter.__init__ does.
void ct__formatter_init(ct__formatter *fmt, const ct__shown *shown);
/// Unpadded text of a float / integer value; returns its length.
int ct__format_float(const ct__formatter *fmt, double v, char out[CT__FMT_MAX]);
int ct__format_int(const ct__formatter *fmt, int64_t v, char out[CT__FMT_MAX]);

#endif

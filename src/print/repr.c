// repr(t) as PyTorch 1.13 prints it (torch/_tensor_str.py, _str_intern): the nested
// bracket layout, 80-column wrapping of rows, "..." summaries, and the suffixes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/print.h"
#include "print/print_impl.h"

// "tensor(" is the prefix; nested rows indent one column per level below it.
#define TENSOR_PREFIX "tensor("
#define TENSOR_INDENT 7
// Longest suffix: size=( with CT_MAX_DIMS 20-digit sizes ), or a grad_fn name.
#define SUFFIX_MAX 256

typedef struct layout {
  ct__strbuf *sb;
  const ct_tensor *t;
  const ct__shown *shown;
  ct__formatter fmt;
  int64_t next; // next shown element to print
} layout;

static void emit_value(layout *L) {
  char buf[CT__FMT_MAX];
  int64_t k = L->next++;
  int len = L->shown->floating ? ct__format_float(&L->fmt, L->shown->f[k], buf)
                               : ct__format_int(&L->fmt, L->shown->i[k], buf);
  if (len < L->fmt.width) ct__sb_repeat(L->sb, ' ', (size_t)(L->fmt.width - len));
  ct__sb_append(L->sb, buf, (size_t)len);
}

// A 1-d row: as many elements per line as fit in the line width after the indent; a
// summary's " ..." counts as one element.
static void emit_vector(layout *L, int64_t size, int indent) {
  int64_t shown = ct__shown_len(size, L->shown->summarize);
  bool ellipsis = shown < size;
  int64_t per_line = (CT__PRINT_LINEWIDTH - indent) / (L->fmt.width + 2);
  if (per_line < 1) per_line = 1;
  ct__sb_append(L->sb, "[", 1);
  for (int64_t j = 0; j < shown + ellipsis; j++) {
    if (j > 0 && j % per_line == 0) {
      ct__sb_append(L->sb, ",\n", 2);
      ct__sb_repeat(L->sb, ' ', (size_t)indent + 1);
    } else if (j > 0) {
      ct__sb_append(L->sb, ", ", 2);
    }
    if (ellipsis && j == CT__PRINT_EDGEITEMS) ct__sb_append(L->sb, " ...", 4);
    else emit_value(L);
  }
  ct__sb_append(L->sb, "]", 1);
}

// Sub-tensors of a k-d tensor are separated by "," and k-1 newlines.
static void emit_tensor(layout *L, int dim, int indent) {
  int sub_dims = L->t->ndim - dim;
  int64_t size = L->t->shape[dim];
  if (sub_dims == 1) {
    emit_vector(L, size, indent);
    return;
  }
  int64_t shown = ct__shown_len(size, L->shown->summarize);
  bool ellipsis = shown < size;
  ct__sb_append(L->sb, "[", 1);
  for (int64_t j = 0; j < shown + ellipsis; j++) {
    if (j > 0) {
      ct__sb_append(L->sb, ",", 1);
      ct__sb_repeat(L->sb, '\n', (size_t)sub_dims - 1);
      ct__sb_repeat(L->sb, ' ', (size_t)indent + 1);
    }
    if (ellipsis && j == CT__PRINT_EDGEITEMS) ct__sb_append(L->sb, "...", 3);
    else emit_tensor(L, dim + 1, indent + 1);
  }
  ct__sb_append(L->sb, "]", 1);
}

static ct_status emit_body(ct__strbuf *sb, const ct_tensor *t) {
  if (ct__numel_of(t->ndim, t->shape) == 0) {
    ct__sb_append(sb, "[]", 2);
    return CT_OK;
  }
  ct__shown shown;
  ct_status st = ct__shown_gather(t, &shown);
  if (st != CT_OK) return st;
  layout L = {.sb = sb, .t = t, .shown = &shown};
  ct__formatter_init(&L.fmt, &shown);
  if (t->ndim == 0) emit_value(&L);
  else emit_tensor(&L, 0, TENSOR_INDENT);
  ct__shown_free(&shown);
  return CT_OK;
}

// Suffix i goes on the same line when it fits in the line width, else on a new line
// under the opening parenthesis. The bookkeeping (2 extra columns on the first line, none
// after a wrap) is PyTorch's _add_suffixes, kept as is so wrapping matches.
static void emit_suffixes(ct__strbuf *sb, char suffixes[][SUFFIX_MAX], int n) {
  size_t line = ct__sb_last_line_len(sb) + 2;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(suffixes[i]);
    if (line + len + 2 > CT__PRINT_LINEWIDTH) {
      ct__sb_append(sb, ",\n", 2);
      ct__sb_repeat(sb, ' ', TENSOR_INDENT);
      line = TENSOR_INDENT + len;
    } else {
      ct__sb_append(sb, ", ", 2);
      line += len + 2;
    }
    ct__sb_append(sb, suffixes[i], len);
  }
}

// device=, size=, dtype=, grad_fn= / requires_grad= in PyTorch's order (device only
// for a tensor off the CPU, the default device). Returns the count.
static int collect_suffixes(const ct_tensor *t, char suffixes[4][SUFFIX_MAX]) {
  int n = 0;
  if (t->storage->device != CT_CPU) snprintf(suffixes[n++], SUFFIX_MAX, "device='%s'", ct__storage_device(t->storage).s);
  bool empty = ct__numel_of(t->ndim, t->shape) == 0;
  if (empty && t->ndim != 1) {
    int len = snprintf(suffixes[n], SUFFIX_MAX, "size=(");
    for (int d = 0; d < t->ndim; d++)
      len += snprintf(suffixes[n] + len, (size_t)(SUFFIX_MAX - len), "%s%lld", d ? ", " : "", (long long)t->shape[d]);
    snprintf(suffixes[n] + len, (size_t)(SUFFIX_MAX - len), t->ndim == 1 ? ",)" : ")");
    n++;
  }
  // Default dtypes are implied by the values; an empty tensor has none, so only float32 is.
  bool implied = t->dtype == CT_FLOAT32 || (!empty && (t->dtype == CT_INT64 || t->dtype == CT_BOOL));
  if (!implied) snprintf(suffixes[n++], SUFFIX_MAX, "dtype=torch.%s", ct_dtype_name(t->dtype));
  ct_node *fn = ct_grad_fn(t); // a view written since it was made shows its regenerated one
  if (fn) snprintf(suffixes[n++], SUFFIX_MAX, "grad_fn=<%s>", ct_node_name(fn));
  else if (t->requires_grad) snprintf(suffixes[n++], SUFFIX_MAX, "requires_grad=True");
  return n;
}

static ct_status build_repr(const ct_tensor *t, ct__strbuf *sb) {
  if (t->is_param) ct__sb_puts(sb, "Parameter containing:\n");
  ct__sb_puts(sb, TENSOR_PREFIX);
  ct_status st;
  if (t->storage->memory) { // a device tensor: its values from a host copy
    ct_scope *scope = ct_scope_open();
    const ct_tensor *values = scope ? ct__on_host(t) : NULL;
    st = values ? emit_body(sb, values) : ct_last_status();
    if (scope) ct_scope_close(scope);
  } else {
    st = emit_body(sb, t);
  }
  if (st != CT_OK) return st;
  char suffixes[4][SUFFIX_MAX];
  emit_suffixes(sb, suffixes, collect_suffixes(t, suffixes));
  ct__sb_append(sb, ")", 1);
  if (sb->failed) return ct__error(CT_ERR_MEMORY, "out of memory printing a tensor");
  return CT_OK;
}

char *ct_repr_alloc(const ct_tensor *t) {
  CT_CHECK_NULL(t);
  ct__strbuf sb;
  ct__sb_init(&sb, 256);
  if (build_repr(t, &sb) != CT_OK) {
    ct__sb_free(&sb);
    return NULL;
  }
  return sb.data;
}

ct_status ct_repr(const ct_tensor *t, char *buf, size_t cap) {
  if (!buf || cap == 0) return ct__error(CT_ERR_ARG, "ct_repr: buffer is NULL or empty");
  buf[0] = '\0';
  if (!t) return ct__null_tensor_status("ct_repr");
  char *s = ct_repr_alloc(t);
  if (!s) return ct_last_status();
  size_t len = strlen(s);
  size_t copied = len < cap ? len : cap - 1;
  memcpy(buf, s, copied);
  buf[copied] = '\0';
  free(s);
  if (copied < len)
    return ct__error(CT_ERR_ARG, "ct_repr: buffer of %zu bytes is too small (the repr needs %zu)", cap, len + 1);
  return CT_OK;
}

static ct_status write_line(FILE *stream, const char *s, const char *fn) {
  size_t len = strlen(s);
  if (fwrite(s, 1, len, stream) != len || fputc('\n', stream) == EOF)
    return ct__error(CT_ERR_IO, "%s: writing to the stream failed", fn);
  return CT_OK;
}

ct_status ct_fprint(FILE *stream, const ct_tensor *t) {
  if (!stream) return ct__error(CT_ERR_ARG, "ct_fprint: stream is NULL");
  if (!t) return ct__null_tensor_status("ct_fprint");
  char *s = ct_repr_alloc(t);
  if (!s) return ct_last_status();
  ct_status st = write_line(stream, s, "ct_fprint");
  free(s);
  return st;
}

ct_status ct_print(const ct_tensor *t) {
  if (!t) return ct__null_tensor_status("ct_print");
  return ct_fprint(stdout, t);
}

ct_status ct_print_shape(const ct_tensor *t) {
  if (!t) return ct__null_tensor_status("ct_print_shape");
  char buf[sizeof "torch.Size([])" + CT_MAX_DIMS * 22];
  ct_status st = ct_shape_str(t, buf, sizeof buf);
  return st == CT_OK ? write_line(stdout, buf, "ct_print_shape") : st;
}

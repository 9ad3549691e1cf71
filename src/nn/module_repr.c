// PyTorch's nn.Module.__repr__: "Name(extra)" or a block listing "(child): repr" lines.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "nn/module_impl.h"

typedef struct builder {
  char *buf;
  size_t cap, len;
} builder;

static void put(builder *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->buf + (b->len < b->cap ? b->len : b->cap), b->len < b->cap ? b->cap - b->len : 0, fmt, ap);
  va_end(ap);
  if (n > 0) b->len += (size_t)n;
}

static void put_indent(builder *b, int indent) { put(b, "%*s", indent, ""); }

// Text whose later lines are indented by `indent` (a multi-line extra_repr, as _addindent does).
static void put_lines(builder *b, const char *text, int indent) {
  for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1) {
    put(b, "%.*s\n", (int)(nl - text), text);
    put_indent(b, indent);
  }
  put(b, "%s", text);
}

// `indent` is the column of the line where this module's repr starts (children lines
// are indented two more, as _addindent does). A one-line extra_repr and no children
// stay on one line; anything else becomes a block of lines.
static void repr(builder *b, const ct_module *m, int indent) {
  char extra[1024] = "";
  if (m->vtable->extra_repr) m->vtable->extra_repr(m, extra, sizeof extra);
  int children = ct_module_num_children(m);
  put(b, "%s(", m->vtable->name);
  if (!children && !strchr(extra, '\n')) {
    put(b, "%s)", extra);
    return;
  }
  if (*extra) {
    put(b, "\n");
    put_indent(b, indent + 2);
    put_lines(b, extra, indent + 2);
  }
  for (int i = 0; i < m->entries->count; i++) {
    const ct_module_entry *e = &m->entries->items[i];
    if (!e->child) continue;
    put(b, "\n");
    put_indent(b, indent + 2);
    put(b, "(%s): ", e->name);
    repr(b, e->child, indent + 2);
  }
  put(b, "\n");
  put_indent(b, indent);
  put(b, ")");
}

ct_status ct_module_repr(const ct_module *m, char *buf, size_t cap) {
  if (!m || !buf || !cap) return ct__error(CT_ERR_ARG, "module repr: NULL argument");
  builder b = {buf, cap, 0};
  buf[0] = '\0';
  repr(&b, m, 0);
  if (b.len >= cap) return ct__error(CT_ERR_ARG, "module repr needs %zu bytes, buffer has %zu", b.len + 1, cap);
  return CT_OK;
}

ct_status ct_module_print(const ct_module *m) {
  size_t cap = 1 << 12;
  for (;;) {
    char *buf = malloc(cap);
    if (!buf) return ct__error(CT_ERR_MEMORY, "out of memory printing a module");
    ct_status st = ct_module_repr(m, buf, cap);
    if (st == CT_OK) {
      puts(buf);
      free(buf);
      return CT_OK;
    }
    free(buf);
    if (!m || cap > (1u << 26)) return st;
    cap *= 8;
  }
}

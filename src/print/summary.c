// The elements repr shows, in display order (PyTorch's get_summarized_data): when numel
// exceeds the threshold, each dim longer than 2*edgeitems shows only its first and last
// edgeitems entries. The formatter sees exactly these elements, and the layout consumes
// them in the same order, so a huge tensor costs only what is printed.
#include <stdlib.h>
#include "core/error_impl.h"
#include "print/print_impl.h"

typedef struct gather {
  const ct_tensor *t;
  const char *base; // element 0 of t
  bool summarize;
  int64_t pos;      // next slot in the output
  double *f;
  int64_t *i;
} gather;

// Index of the k-th shown entry along a dim of `size` showing `shown` entries.
static inline int64_t shown_index(int64_t k, int64_t size, int64_t shown) {
  return shown < size && k >= CT__PRINT_EDGEITEMS ? size - shown + k : k;
}

// Copies the shown entries of the innermost dim starting at element offset `off`.
#define GATHER_ROW(ctype, dst, conv)                                                         \
  do {                                                                                     \
    const ctype *p = (const ctype *)g->base + off;                                         \
    for (int64_t k = 0; k < shown; k++) dst[g->pos++] = conv(p[shown_index(k, n, shown) * stride]); \
  } while (0)
#define AS_F64(x) ((double)(x))
#define AS_I64(x) ((int64_t)(x))

static void gather_row(gather *g, int64_t off, int64_t n, int64_t stride) {
  int64_t shown = ct__shown_len(n, g->summarize);
  switch (g->t->dtype) {
  case CT_FLOAT32: GATHER_ROW(float, g->f, AS_F64); break;
  case CT_FLOAT64: GATHER_ROW(double, g->f, AS_F64); break;
  case CT_INT64: GATHER_ROW(int64_t, g->i, AS_I64); break;
  case CT_INT32: GATHER_ROW(int32_t, g->i, AS_I64); break;
  case CT_BOOL: GATHER_ROW(bool, g->i, AS_I64); break;
  default: break;
  }
}

static void gather_dim(gather *g, int dim, int64_t off) {
  const ct_tensor *t = g->t;
  int64_t n = t->shape[dim], stride = t->strides[dim];
  if (dim == t->ndim - 1) {
    gather_row(g, off, n, stride);
    return;
  }
  int64_t shown = ct__shown_len(n, g->summarize);
  for (int64_t k = 0; k < shown; k++) gather_dim(g, dim + 1, off + shown_index(k, n, shown) * stride);
}

ct_status ct__shown_gather(const ct_tensor *t, ct__shown *out) {
  int64_t numel = ct__numel_of(t->ndim, t->shape);
  out->summarize = numel > CT__PRINT_THRESHOLD;
  out->dtype = t->dtype;
  out->floating = ct_dtype_is_floating(t->dtype);
  out->n = 1;
  for (int d = 0; d < t->ndim; d++) out->n *= ct__shown_len(t->shape[d], out->summarize);
  out->f = NULL;
  out->i = NULL;
  size_t count = (size_t)(out->n ? out->n : 1);
  if (out->floating) out->f = malloc(count * sizeof *out->f);
  else out->i = malloc(count * sizeof *out->i);
  if (!out->f && !out->i) return ct__error(CT_ERR_MEMORY, "out of memory printing a tensor");
  gather g = {.t = t, .base = ct__data(t), .summarize = out->summarize, .f = out->f, .i = out->i};
  if (t->ndim == 0) gather_row(&g, 0, 1, 0);
  else gather_dim(&g, 0, 0);
  return CT_OK;
}

void ct__shown_free(ct__shown *s) {
  free(s->f);
  free(s->i);
  s->f = NULL;
  s->i = NULL;
}

// Oracle program for scatter, advanced indexing, index_put and masked_scatter: runs the
// cases written by oracle_scatter.py (see its docstring for the line format). In-place
// ops run on a clone of input 0.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_FIELDS 4

// The op's '|'-separated fields, as text.
typedef struct op_args {
  int n;
  char field[MAX_FIELDS][64];
} op_args;

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  memset(a, 0, sizeof *a);
  const char *p = tu_need(tok);
  while (*p && a->n < MAX_FIELDS) {
    size_t len = strcspn(p, "|");
    snprintf(a->field[a->n++], sizeof a->field[0], "%.*s", (int)len, p);
    p += len + (p[len] == '|');
  }
}

// The index list of a layout ("s" a full slice: NULL, "t" the next input from in[1]).
static int index_list(const tu_op_case *c, const char *layout, ct_tensor **list) {
  int n = 0, next = 1;
  for (const char *p = layout; *p; p++) list[n++] = *p == 's' ? NULL : c->in[next++];
  return n;
}

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *a = c->args;
  ct_tensor *const *t = c->in;
  const char *op = c->op;
  int dim = atoi(a->field[0]);
  ct_scatter_reduce reduce = (ct_scatter_reduce)atoi(a->field[1]);
  if (!strcmp(op, "scatter")) return ct_scatter(t[0], dim, t[1], t[2], reduce);
  if (!strcmp(op, "scatter_")) return ct_scatter_(ct_clone(t[0]), dim, t[1], t[2], reduce);
  if (!strcmp(op, "scatter_value")) return ct_scatter_value(t[0], dim, t[1], strtod(a->field[2], NULL), reduce);
  if (!strcmp(op, "masked_scatter")) return ct_masked_scatter(t[0], t[1], t[2]);
  if (!strcmp(op, "masked_scatter_")) return ct_masked_scatter_(ct_clone(t[0]), t[1], t[2]);
  ct_tensor *list[16];
  int n = index_list(c, a->field[0], list);
  ct_tensor *values = c->in[c->n - 1];
  bool accumulate = !strcmp(a->field[1], "1");
  if (!strcmp(op, "index")) return ct_index_tensors(t[0], n, list);
  if (!strcmp(op, "index_put")) return ct_index_put(t[0], n, list, values, accumulate);
  if (!strcmp(op, "index_put_")) return ct_index_put_(ct_clone(t[0]), n, list, values, accumulate);
  if (!strcmp(op, "put_scalar_")) return ct_index_put_scalar_(ct_clone(t[0]), n, list, strtod(a->field[1], NULL));
  if (!strcmp(op, "setitem_slice")) { // Python's y[:, idx] = v: the full slice is a view,
    ct_tensor *y = ct_clone(t[0]);     // and values lose their leading size-1 dims (a view)
    int lead = 0;
    while (lead < ct_dim(values) && ct_size(values, lead) == 1) lead++;
    if (lead) values = ct_view(values, ct_dim(values) - lead, ct_shape(values) + lead);
    return ct_index_put_(ct_slice(y, 0, 0, CT_END, 1), n, list, values, false) ? y : NULL;
  }
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static const tu_op_area SCATTER = {read_args, run_op, 1, 1e-6, 1e-7, NULL};

static void run_case(char *line) {
  op_args args;
  tu_run_op_case(line, &SCATTER, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

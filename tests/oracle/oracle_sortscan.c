// Oracle program for ordering, scans and searches: runs the cases written by
// oracle_sortscan.py (see its docstring for the line format) and prints results, the
// grad_fn graph, the extra outputs (indices, inverse, counts), gradients and
// finite-difference checks in the driver's format.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: a dim, k, two flags (descending/largest/keepdim, stable/sorted)
// and a dtype (-1: none); and the extra outputs of the last run.
typedef struct op_args {
  int dim;
  long long k;
  int flag1, flag2, dtype;
  ct_tensor *extra[2];
} op_args;

static ct_tensor *run_op(const tu_op_case *c) {
  op_args *a = c->args;
  ct_tensor *x = c->in[0];
  const char *op = c->op;
  a->extra[0] = a->extra[1] = NULL;
  if (!strcmp(op, "sort")) return ct_sort(x, a->dim, a->flag1, a->flag2, &a->extra[0]);
  if (!strcmp(op, "argsort")) return ct_argsort(x, a->dim, a->flag1, a->flag2);
  if (!strcmp(op, "topk")) return ct_topk(x, a->k, a->dim, a->flag1, a->flag2, &a->extra[0]);
  if (!strcmp(op, "kthvalue")) return ct_kthvalue(x, a->k, a->dim, a->flag1, &a->extra[0]);
  if (!strcmp(op, "cumsum"))
    return a->dtype < 0 ? ct_cumsum(x, a->dim) : ct_cumsum_dtype(x, a->dim, (ct_dtype)a->dtype);
  if (!strcmp(op, "cumprod"))
    return a->dtype < 0 ? ct_cumprod(x, a->dim) : ct_cumprod_dtype(x, a->dim, (ct_dtype)a->dtype);
  if (!strcmp(op, "logcumsumexp")) return ct_logcumsumexp(x, a->dim);
  if (!strcmp(op, "all")) return ct_all(x);
  if (!strcmp(op, "all_dim")) return ct_all_dim(x, a->dim, a->flag1);
  if (!strcmp(op, "any")) return ct_any(x);
  if (!strcmp(op, "any_dim")) return ct_any_dim(x, a->dim, a->flag1);
  if (!strcmp(op, "argmin")) return ct_argmin(x);
  if (!strcmp(op, "argmin_dim")) return ct_argmin_dim(x, a->dim, a->flag1);
  if (!strcmp(op, "nonzero")) return ct_nonzero(x);
  if (!strcmp(op, "unique")) return ct_unique(x, &a->extra[0], &a->extra[1]);
  if (!strcmp(op, "unique_consecutive")) return ct_unique_consecutive(x, &a->extra[0], &a->extra[1]);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->dim = (int)tu_next_int(tok);
  a->k = tu_next_int(tok);
  a->flag1 = (int)tu_next_int(tok);
  a->flag2 = (int)tu_next_int(tok);
  const char *dt = tu_need(tok);
  a->dtype = strcmp(dt, "-") ? (int)tu_parse_dtype(dt) : -1;
}

// "x<k> <dtype> <shape>" and "xv<k> <values>" for each extra output.
static void print_extras(const tu_op_case *c, const ct_tensor *out) {
  const op_args *a = c->args;
  if (!out) return;
  for (int k = 0; k < 2; k++) {
    const ct_tensor *t = a->extra[k];
    if (!t) continue;
    printf("x%d %s [", k, ct_dtype_name(ct_get_dtype(t)));
    for (int d = 0; d < ct_dim(t); d++) printf("%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
    printf("]\n");
    char tag[8];
    snprintf(tag, sizeof tag, "xv%d", k);
    tu_print_line(tag, t, TU_HEX);
  }
}

// Sorting and selection are piecewise linear, scans smooth: a step of 1e-6 and a
// tolerance of 1e-6 on |numeric - analytic| / (1 + |analytic|).
static const tu_op_area SORTSCAN = {read_args, run_op, -1, 1e-6, 1e-6, print_extras};

static void run_case(char *line) {
  op_args args; // filled by read_args
  tu_run_op_case(line, &SORTSCAN, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

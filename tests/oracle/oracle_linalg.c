// Oracle program for the matrix products: runs the cases written by oracle_linalg.py (see
// its docstring for the line format) and prints results, the grad_fn graph, gradients
// and finite-difference checks in the driver's format.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: beta and alpha of addmm.
typedef struct op_args {
  double beta, alpha;
} op_args;

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *args = c->args;
  ct_tensor *const *t = c->in;
  const char *op = c->op;
  if (!strcmp(op, "matmul")) return ct_matmul(t[0], t[1]);
  if (!strcmp(op, "mm")) return ct_mm(t[0], t[1]);
  if (!strcmp(op, "bmm")) return ct_bmm(t[0], t[1]);
  if (!strcmp(op, "mv")) return ct_mv(t[0], t[1]);
  if (!strcmp(op, "dot")) return ct_dot(t[0], t[1]);
  if (!strcmp(op, "outer")) return ct_outer(t[0], t[1]);
  if (!strcmp(op, "addmm")) return ct_addmm(t[0], t[1], t[2], args->beta, args->alpha);
  if (!strcmp(op, "linear")) return ct_linear(t[0], t[1], c->n > 2 ? t[2] : NULL);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->beta = tu_next_double(tok);
  a->alpha = tu_next_double(tok);
}

// The products are linear in every single element, so the difference quotient is exact
// up to rounding: a step of 1e-3 and a tolerance of 1e-8.
static const tu_op_area LINALG = {read_args, run_op, -1, 1e-3, 1e-8, NULL};

static void run_case(char *line) {
  op_args args; // filled by read_args
  tu_run_op_case(line, &LINALG, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the functions of nn_extra.h (driven by oracle_nn_extra.py): runs each
// op case (tu_run_op_case) and prints the result, its grad_fn graph, gradients and
// finite-difference checks.
// Case line: <op> <p0> <p1> <i0> <i1> <op inputs>  (p0, p1 hex floats; i0, i1 integers)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: two floats (alpha, bounds, beta ...), two integers (reduction, dim ...).
typedef struct op_args {
  double p0, p1;
  long long i0, i1;
} op_args;

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *a = c->args;
  ct_tensor *const *t = c->in;
  const char *op = c->op;
  if (!strcmp(op, "silu")) return ct_silu(t[0]);
  if (!strcmp(op, "mish")) return ct_mish(t[0]);
  if (!strcmp(op, "elu")) return ct_elu(t[0], a->p0);
  if (!strcmp(op, "hardtanh")) return ct_hardtanh(t[0], a->p0, a->p1);
  if (!strcmp(op, "softplus")) return ct_softplus(t[0], a->p0, a->p1);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->p0 = tu_next_double(tok);
  a->p1 = tu_next_double(tok);
  a->i0 = tu_next_int(tok);
  a->i1 = tu_next_int(tok);
}

// Smooth functions away from their kinks (the driver keeps inputs off them): a step of
// 1e-6 and a tolerance of 1e-6 on float64.
static const tu_op_area NN_EXTRA = {read_args, run_op, -1, 1e-6, 1e-6, NULL};

static void run_case(char *line) {
  op_args args;
  tu_run_op_case(line, &NN_EXTRA, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

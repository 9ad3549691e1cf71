// Oracle program for einsum: runs the cases written by oracle_einsum.py (see its
// docstring for the line format).
#include <stdio.h>
#include <string.h>
#include "oracle_io.h"

typedef struct op_args {
  char equation[256];
} op_args;

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  snprintf(a->equation, sizeof a->equation, "%s", tu_need(tok) + 2); // after "E:"
}

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *a = c->args;
  return ct_einsum(a->equation, c->n, c->in);
}

static const tu_op_area EINSUM = {read_args, run_op, 0, 1e-6, 1e-7, NULL};

static void run_case(char *line) {
  op_args args;
  tu_run_op_case(line, &EINSUM, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the indexing ops: runs the cases written by oracle_index.py (see its
// docstring for the line format) and prints results, gradients and finite-difference
// checks in the driver's format.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: an int (a dim, padding_idx or "none", num_classes) and a float
// (masked_fill's value).
typedef struct op_args {
  char iarg[32];
  double farg;
} op_args;

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *args = c->args;
  ct_tensor *const *t = c->in;
  long long i = strtoll(args->iarg, NULL, 10);
  const char *op = c->op;
  if (!strcmp(op, "index")) return ct_index(t[0], t[1]);
  if (!strcmp(op, "index_select")) return ct_index_select(t[0], (int)i, t[1]);
  if (!strcmp(op, "gather")) return ct_gather(t[0], (int)i, t[1]);
  if (!strcmp(op, "scatter_add")) return ct_scatter_add(t[0], (int)i, t[1], t[2]);
  if (!strcmp(op, "masked_fill")) return ct_masked_fill(t[0], t[1], args->farg);
  if (!strcmp(op, "embedding"))
    return ct_embedding(t[0], t[1], strcmp(args->iarg, "none") ? i : CT_NO_PADDING_IDX);
  if (!strcmp(op, "one_hot")) return ct_one_hot(t[0], i);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  snprintf(a->iarg, sizeof a->iarg, "%s", tu_need(tok));
  a->farg = tu_next_double(tok);
}

static const tu_op_area INDEX = {read_args, run_op, 0, 1e-3, 1e-8, NULL};

static void run_case(char *line) {
  op_args args; // filled by read_args
  tu_run_op_case(line, &INDEX, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the shape ops (repeat, tile, repeat_interleave, split, chunk, unbind,
// flip, roll, tril, triu): runs the cases written by oracle_shape_ops.py (see its
// docstring for the line format).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_GROUPS 4
#define MAX_VALUES 16

// The op's integer arguments: up to MAX_GROUPS lists; a dim of None reads as CT_NO_DIM.
typedef struct op_args {
  int n[MAX_GROUPS];
  int64_t v[MAX_GROUPS][MAX_VALUES];
} op_args;

// Reads "1,2|3|_|N" into groups of values.
static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  memset(a, 0, sizeof *a);
  const char *p = tu_need(tok);
  for (int g = 0; g < MAX_GROUPS && *p; g++) {
    while (*p && *p != '|') {
      if (*p == '_' || *p == ',') {
        p++;
        continue;
      }
      if (*p == 'N') a->v[g][a->n[g]++] = CT_NO_DIM, p++;
      else a->v[g][a->n[g]++] = strtoll(p, (char **)&p, 10);
    }
    if (*p == '|') p++;
  }
}

static void as_ints(const op_args *a, int g, int *out) {
  for (int i = 0; i < a->n[g]; i++) out[i] = (int)a->v[g][i];
}

// Output k of a function that fills an array of pieces.
static ct_tensor *piece(int count, ct_tensor **pieces, int64_t k) {
  if (count >= 0 && k >= count) {
    fprintf(stderr, "output %lld of %d\n", (long long)k, count);
    exit(2);
  }
  return count < 0 ? NULL : pieces[k];
}

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *a = c->args;
  ct_tensor *x = c->in[0];
  const char *op = c->op;
  ct_tensor *pieces[64];
  int dims[MAX_VALUES];
  if (!strcmp(op, "repeat")) return ct_repeat(x, a->n[0], a->v[0]);
  if (!strcmp(op, "tile")) return ct_tile(x, a->n[0], a->v[0]);
  if (!strcmp(op, "repeat_interleave")) return ct_repeat_interleave(x, a->v[0][0], (int)a->v[1][0]);
  if (!strcmp(op, "repeat_interleave_tensor")) return ct_repeat_interleave_tensor(x, c->in[1], (int)a->v[0][0]);
  if (!strcmp(op, "split")) return piece(ct_split(x, a->v[0][0], (int)a->v[1][0], pieces, 64), pieces, a->v[2][0]);
  if (!strcmp(op, "split_sizes"))
    return piece(ct_split_with_sizes(x, a->n[0], a->v[0], (int)a->v[1][0], pieces, 64), pieces, a->v[2][0]);
  if (!strcmp(op, "chunk"))
    return piece(ct_chunk(x, (int)a->v[0][0], (int)a->v[1][0], pieces, 64), pieces, a->v[2][0]);
  if (!strcmp(op, "unbind")) return piece(ct_unbind(x, (int)a->v[0][0], pieces, 64), pieces, a->v[1][0]);
  if (!strcmp(op, "flip")) {
    as_ints(a, 0, dims);
    return ct_flip(x, a->n[0], dims);
  }
  if (!strcmp(op, "roll")) {
    as_ints(a, 1, dims);
    return ct_roll(x, a->n[0], a->v[0], a->n[1], a->n[1] ? dims : NULL);
  }
  if (!strcmp(op, "tril")) return ct_tril(x, a->v[0][0]);
  if (!strcmp(op, "triu")) return ct_triu(x, a->v[0][0]);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static const tu_op_area SHAPE_OPS = {read_args, run_op, 1, 1e-6, 1e-7, NULL};

static void run_case(char *line) {
  op_args args;
  tu_run_op_case(line, &SHAPE_OPS, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

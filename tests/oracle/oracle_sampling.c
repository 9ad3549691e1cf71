// Oracle program for multinomial and normal with tensor arguments: runs the cases written
// by oracle_sampling.py (see its docstring for the line format). The generator the case
// seeded draws rand(3) after the op ("after"), to compare its state with PyTorch's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

typedef struct op_args {
  uint64_t seed;
  bool own;             // a generator of its own, else the default one
  ct_generator *gen;    // the case's generator (NULL: default)
  long long n;          // n_sample, or 4 * the float argument of normal
  bool replacement;
} op_args;

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->seed = strtoull(tu_need(tok), NULL, 10);
  a->own = tu_next_int(tok) != 0;
  a->n = tu_next_int(tok);
  a->replacement = tu_next_int(tok) != 0;
}

static ct_tensor *run_op(const tu_op_case *c) {
  op_args *a = c->args;
  if (a->own) ct_generator_manual_seed(a->gen, a->seed);
  else ct_manual_seed(a->seed);
  ct_generator *g = a->own ? a->gen : NULL;
  ct_tensor *const *t = c->in;
  if (!strcmp(c->op, "multinomial")) return ct_multinomial_gen(t[0], a->n, a->replacement, g);
  if (!strcmp(c->op, "normal_tt")) return ct_normal_tensor_gen(t[0], t[1], g);
  if (!strcmp(c->op, "normal_tf")) return ct_normal_mean_tensor_gen(t[0], (double)a->n / 4.0, g);
  if (!strcmp(c->op, "normal_ft")) return ct_normal_std_tensor_gen((double)a->n / 4.0, t[0], g);
  fprintf(stderr, "unknown op %s\n", c->op);
  exit(2);
}

static void after(const tu_op_case *c, const ct_tensor *out) {
  const op_args *a = c->args;
  if (out) tu_print_line("after", ct_rand_gen(1, (int64_t[]){3}, CT_FLOAT32, a->own ? a->gen : NULL), TU_HEX);
}

static const tu_op_area SAMPLING = {read_args, run_op, 1, 1e-6, 1e-7, after};

static ct_generator *case_generator;

static void run_case(char *line) {
  op_args args = {.gen = case_generator};
  tu_run_op_case(line, &SAMPLING, &args);
}

int main(void) {
  case_generator = ct_generator_new();
  int rc = tu_oracle_main(run_case, TU_SCOPE_PER_CASE);
  ct_generator_free(case_generator);
  return rc;
}

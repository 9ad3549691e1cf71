// Oracle program for the elementwise ops: runs the cases written by oracle_elementwise.py
// (see its docstring for the line format) and prints results, grad_fn names, gradients,
// finite-difference checks and, for in-place ops, the first input after the call.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: two numbers (alpha, a scalar operand, a slope, clamp bounds ...)
// and whether in-place ops run on the non-leaf `a * 1`.
typedef struct op_args {
  double p0, p1;
  bool nonleaf;
} op_args;

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *args = c->args;
  ct_tensor *a = c->in[0], *b = c->in[1], *d = c->in[2];
  double p0 = args->p0, p1 = args->p1;
  const char *op = c->op;
  if (args->nonleaf) { // a * 1 with a Python int 1: in-place ops on a non-leaf
    ct_dtype one = ct_get_dtype(a) == CT_BOOL ? CT_INT64 : ct_get_dtype(a);
    a = ct_mul(a, ct_scalar(1, one));
  }
#define BIN(name) if (!strcmp(op, #name)) return ct_##name(a, b)
#define SCALAR(name) if (!strcmp(op, #name)) return ct_##name(a, p0)
#define UN(name) if (!strcmp(op, #name)) return ct_##name(a)
  BIN(add); BIN(sub); BIN(rsub); BIN(mul); BIN(div); BIN(floor_divide); BIN(remainder); BIN(pow);
  BIN(maximum); BIN(minimum); BIN(eq); BIN(ne); BIN(lt); BIN(le); BIN(gt); BIN(ge);
  BIN(logical_and); BIN(logical_or);
  BIN(add_); BIN(sub_); BIN(mul_); BIN(div_);
  if (!strcmp(op, "add_alpha")) return ct_add_alpha(a, b, p0);
  if (!strcmp(op, "sub_alpha")) return ct_sub_alpha(a, b, p0);
  SCALAR(add_scalar); SCALAR(sub_scalar); SCALAR(rsub_scalar); SCALAR(mul_scalar); SCALAR(div_scalar);
  SCALAR(pow_scalar); SCALAR(eq_scalar); SCALAR(ne_scalar); SCALAR(lt_scalar); SCALAR(le_scalar);
  SCALAR(gt_scalar); SCALAR(ge_scalar); SCALAR(leaky_relu); SCALAR(add_scalar_); SCALAR(mul_scalar_);
  SCALAR(fill_);
  if (!strcmp(op, "rpow_scalar")) return ct_rpow_scalar(p0, a);
  UN(neg); UN(abs); UN(exp); UN(log); UN(log1p); UN(sqrt); UN(rsqrt); UN(sin); UN(cos); UN(tanh);
  UN(sigmoid); UN(relu); UN(gelu); UN(sign); UN(floor); UN(ceil); UN(round); UN(logical_not);
  UN(relu_); UN(zero_);
  if (!strcmp(op, "softplus")) return ct_softplus(a, p0, p1);
  if (!strcmp(op, "clamp")) return ct_clamp(a, p0, p1);
  if (!strcmp(op, "clamp_")) return ct_clamp_(a, p0, p1);
  if (!strcmp(op, "where")) return ct_where(a, b, d);
#undef BIN
#undef SCALAR
#undef UN
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->p0 = tu_next_double(tok);
  a->p1 = tu_next_double(tok);
  a->nonleaf = tu_next_int(tok) != 0;
}

// In-place ops also print their first input after the call ("in"), even after an error.
static void print_inplace_target(const tu_op_case *c, const ct_tensor *out) {
  (void)out;
  if (c->op[strlen(c->op) - 1] == '_') tu_print_line("in", c->in[0], TU_HEX);
}

static const tu_op_area ELEMENTWISE = {read_args, run_op, 1, 1e-6, 1e-6, print_inplace_target};

static void run_case(char *line) {
  op_args args; // filled by read_args
  tu_run_op_case(line, &ELEMENTWISE, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

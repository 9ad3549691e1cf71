// Oracle program for pooling (driven by oracle_pool.py; its docstring has the line
// formats). Two kinds of line:
//   op <name> <k0 k1 s0 s1 p0 p1 d0 d1 ceil cip o0 o1> <op inputs>
//      runs a functional op or a module's forward (mod_<op>), with channels moved last
//      afterwards for <op>_t, and answers as tu_run_op_case, with "st <strides>" of the
//      result and, for the *_idx ops, "i <indices>" after it
//   repr <module> <k0 k1 s0 s1 p0 p1 d0 d1 ceil cip o0 o1>
//      prints the module's repr (or "err <message>")
#include "oracle_io.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The pooling arguments of a line, and the indices of the last *_idx op.
typedef struct pool_args {
  int64_t kernel[2], output_size[2];
  ct_pool_options o;
  ct_tensor *indices;
} pool_args;

static void read_args(tu_tokens *tok, void *args) {
  pool_args *a = args;
  a->o = ct_pool_defaults();
  a->kernel[0] = tu_next_int(tok), a->kernel[1] = tu_next_int(tok);
  a->o.stride[0] = tu_next_int(tok), a->o.stride[1] = tu_next_int(tok);
  a->o.padding[0] = tu_next_int(tok), a->o.padding[1] = tu_next_int(tok);
  a->o.dilation[0] = tu_next_int(tok), a->o.dilation[1] = tu_next_int(tok);
  a->o.ceil_mode = tu_next_int(tok) != 0;
  a->o.count_include_pad = tu_next_int(tok) != 0;
  a->output_size[0] = tu_next_int(tok), a->output_size[1] = tu_next_int(tok);
  a->indices = NULL;
}

// The module a "mod_*" op or a repr line names, or NULL for another name.
static ct_module *module_for(const char *name, const pool_args *a) {
  if (!strcmp(name, "max_pool1d")) return ct_max_pool1d_new(a->kernel[0], a->o);
  if (!strcmp(name, "max_pool2d")) return ct_max_pool2d_new(a->kernel, a->o);
  if (!strcmp(name, "avg_pool2d")) return ct_avg_pool2d_new(a->kernel, a->o);
  if (!strcmp(name, "adaptive_avg_pool2d")) return ct_adaptive_avg_pool2d_new(a->output_size);
  return NULL;
}

static ct_tensor *pool_op(const tu_op_case *c, const char *op) {
  pool_args *a = c->args;
  ct_tensor *x = c->in[0];
  if (!strcmp(op, "max_pool1d")) return ct_max_pool1d(x, a->kernel[0], a->o);
  if (!strcmp(op, "max_pool1d_idx")) return ct_max_pool1d_with_indices(x, a->kernel[0], a->o, &a->indices);
  if (!strcmp(op, "max_pool2d")) return ct_max_pool2d(x, a->kernel, a->o);
  if (!strcmp(op, "max_pool2d_idx")) return ct_max_pool2d_with_indices(x, a->kernel, a->o, &a->indices);
  if (!strcmp(op, "avg_pool2d")) return ct_avg_pool2d(x, a->kernel, a->o);
  if (!strcmp(op, "adaptive_avg_pool2d")) return ct_adaptive_avg_pool2d(x, a->output_size);
  if (!strncmp(op, "mod_", 4)) {
    ct_module *m = module_for(op + 4, a);
    if (!m) return NULL;
    ct_tensor *out = ct_module_forward(m, x);
    ct_module_free(m);
    return out;
  }
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

// "<op>_t": the op's result with channels moved last (permute(0, 2, 3, 1) of a 4-D one,
// (1, 2, 0) or (1, 0) of others), so its gradient reaches the pooling node strided.
static ct_tensor *run_op(const tu_op_case *c) {
  char op[sizeof c->op];
  snprintf(op, sizeof op, "%s", c->op);
  size_t n = strlen(op);
  if (n < 2 || strcmp(op + n - 2, "_t")) return pool_op(c, op);
  op[n - 2] = 0;
  ct_tensor *out = pool_op(c, op);
  if (!out) return NULL;
  static const int dims[3][4] = {{1, 0}, {1, 2, 0}, {0, 2, 3, 1}};
  return ct_permute(out, dims[ct_dim(out) - 2]);
}

static void after_forward(const tu_op_case *c, const ct_tensor *out) {
  if (!out) return;
  const int64_t *strides = ct_strides(out);
  printf("st");
  for (int d = 0; d < ct_dim(out); d++)
    printf(" %lld", (long long)strides[d]);
  printf("\n");
  const pool_args *a = c->args;
  if (strstr(c->op, "_idx")) tu_print_line("i", a->indices, TU_HEX);
}

// Max pooling is piecewise linear and the averages linear in each element: central
// differences with a step of 1e-6 are exact up to rounding away from ties.
static const tu_op_area POOL = {read_args, run_op, -1, 1e-6, 1e-6, after_forward};

static void run_case(char *line) {
  pool_args args;
  if (!strncmp(line, "repr ", 5)) {
    tu_tokens tok = tu_tokens_of(line + 5);
    char name[32];
    snprintf(name, sizeof name, "%s", tu_need(&tok));
    read_args(&tok, &args);
    ct_module *m = module_for(name, &args);
    char buf[512];
    if (!m || ct_module_repr(m, buf, sizeof buf) != CT_OK)
      printf("err %s\n", ct_last_error());
    else
      printf("%s\n", buf);
    ct_module_free(m);
    return;
  }
  if (strncmp(line, "op ", 3)) tu_bad_case("line kind", line);
  tu_run_op_case(line + 3, &POOL, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

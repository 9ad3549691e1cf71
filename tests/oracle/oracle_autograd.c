// Oracle program for the autograd engine: runs the command programs written by
// oracle_autograd.py (see its docstring for the language) on numbered tensor registers
// and prints what the commands that answer print.
#define _POSIX_C_SOURCE 200809L // strtok_r, getline, clock_gettime
#include "testutil.h"
#include "oracle_io.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NREG 256

static ct_tensor *reg[NREG];
static bool grad_mode_saved[16];
static int grad_mode_depth;

static char *tok(char **save) {
  char *t = strtok_r(NULL, " ", save);
  if (!t) {
    fprintf(stderr, "malformed command\n");
    exit(2);
  }
  return t;
}
static long long num(char **save) { return strtoll(tok(save), NULL, 10); }
static double real(char **save) { return strtod(tok(save), NULL); }
static ct_tensor *r(char **save) {
  long long i = num(save);
  if (i < 0 || i >= NREG) {
    fprintf(stderr, "bad register %lld\n", i);
    exit(2);
  }
  return reg[i];
}
static int nreg(char **save) { return (int)num(save); }

static ct_dtype parse_dtype(const char *s) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(s, ct_dtype_name((ct_dtype)d))) return (ct_dtype)d;
  fprintf(stderr, "bad dtype %s\n", s);
  exit(2);
}

static void print_values(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  ct_to_f64_array(t, v);
  for (int64_t i = 0; i < n; i++) {
    if (isnan(v[i]))
      printf(" nan");
    else
      printf(" %.17g", v[i]);
  }
  free(v);
}

// The graph below fn, each node once, numbered in first-visit (depth-first) order:
// "#k Name(a,b,...)" where an edge is a node number, "None", or "L<register>" for the
// AccumulateGrad of the leaf in that register.
typedef struct {
  const ct_node **seen;
  int count, cap;
} visited;

static int find_leaf(const ct_node *fn) {
  ct_tensor *v = ct_node_variable(fn);
  for (int i = 0; i < NREG; i++)
    if (reg[i] && reg[i] == v) return i;
  return -1;
}

static int visit(visited *vs, const ct_node *fn) {
  for (int i = 0; i < vs->count; i++)
    if (vs->seen[i] == fn) return i;
  if (vs->count == vs->cap) {
    vs->cap = vs->cap ? 2 * vs->cap : 64;
    vs->seen = realloc(vs->seen, (size_t)vs->cap * sizeof *vs->seen);
  }
  vs->seen[vs->count] = fn;
  return vs->count++;
}

static void print_graph(const ct_node *root) {
  if (!root) {
    printf(" None\n");
    return;
  }
  visited vs = {0};
  visit(&vs, root);
  for (int k = 0; k < vs.count; k++) { // vs grows while we walk: breadth over the numbering
    const ct_node *fn = vs.seen[k];
    printf(" #%d %s(", k, ct_node_name(fn));
    for (int i = 0; i < ct_node_num_next(fn); i++) {
      const ct_node *c = ct_node_next(fn, i);
      if (i) printf(",");
      if (!c)
        printf("None");
      else if (!strcmp(ct_node_name(c), "AccumulateGrad"))
        printf("L%d", find_leaf(c));
      else
        printf("%d", visit(&vs, c));
    }
    printf(")");
  }
  printf("\n");
  free(vs.seen);
}

static void status_line(ct_status st) {
  if (st == CT_OK)
    printf("ok\n");
  else
    printf("err %s\n", ct_last_error());
}

// dst = op(args): the forward ops a graph may contain. Operands are read in order
// first (C leaves the order of evaluating call arguments open).
static ct_tensor *forward(const char *op, char **save) {
  static const char *const binary[] = {"add", "sub", "mul", "div", "matmul", "mul_", "add_", "copy_"};
  static const char *const unary[] = {"exp", "tanh",    "sigmoid", "sum",    "mean",   "t",
                                      "squeeze", "clone", "detach", "double", "relu_"};
  for (size_t k = 0; k < sizeof binary / sizeof *binary; k++) {
    if (strcmp(op, binary[k])) continue;
    ct_tensor *a = r(save), *b = r(save);
    switch (k) {
    case 0: return ct_add(a, b);
    case 1: return ct_sub(a, b);
    case 2: return ct_mul(a, b);
    case 3: return ct_div(a, b);
    case 4: return ct_matmul(a, b);
    case 5: return ct_mul_(a, b); // in-place ops return their first operand
    case 6: return ct_add_(a, b);
    default: return ct_copy_(a, b) == CT_OK ? a : NULL;
    }
  }
  for (size_t k = 0; k < sizeof unary / sizeof *unary; k++) {
    if (strcmp(op, unary[k])) continue;
    ct_tensor *a = r(save);
    switch (k) {
    case 0: return ct_exp(a);
    case 1: return ct_tanh(a);
    case 2: return ct_sigmoid(a);
    case 3: return ct_sum(a);
    case 4: return ct_mean(a);
    case 5: return ct_t(a);
    case 6: return ct_squeeze(a);
    case 7: return ct_clone(a);
    case 8: return ct_detach(a);
    case 9: return ct_to_dtype(a, CT_FLOAT64);
    default: return ct_relu_(a);
    }
  }
  if (!strcmp(op, "cat") || !strcmp(op, "stack")) { // cat <n> <regs...> <dim>
    int n = nreg(save);
    ct_tensor *ts[16];
    for (int i = 0; i < n; i++)
      ts[i] = r(save);
    int d = nreg(save);
    return op[0] == 'c' ? ct_cat(ts, n, d) : ct_stack(ts, n, d);
  }
  ct_tensor *a = r(save);
  if (!strcmp(op, "add_scalar") || !strcmp(op, "mul_scalar") || !strcmp(op, "mul_scalar_") ||
      !strcmp(op, "div_scalar")) {
    double s = real(save);
    if (op[0] == 'a') return ct_add_scalar(a, s);
    if (op[0] == 'd') return ct_div_scalar(a, s);
    return op[10] == '_' ? ct_mul_scalar_(a, s) : ct_mul_scalar(a, s);
  }
  if (!strcmp(op, "sum_dim") || !strcmp(op, "mean_dim")) {
    int d = nreg(save);
    bool keep = num(save) != 0;
    return op[0] == 's' ? ct_sum_dim(a, d, keep) : ct_mean_dim(a, d, keep);
  }
  if (!strcmp(op, "transpose")) {
    int d0 = nreg(save), d1 = nreg(save);
    return ct_transpose(a, d0, d1);
  }
  if (!strcmp(op, "unsqueeze")) return ct_unsqueeze(a, nreg(save));
  if (!strcmp(op, "select")) {
    int d = nreg(save);
    return ct_select(a, d, num(save));
  }
  if (!strcmp(op, "narrow")) {
    int d = nreg(save);
    long long start = num(save), len = num(save);
    return ct_narrow(a, d, start, len);
  }
  if (!strcmp(op, "permute") || !strcmp(op, "view") || !strcmp(op, "reshape") || !strcmp(op, "expand")) {
    int n = nreg(save);
    int64_t sizes[CT_MAX_DIMS];
    int dims[CT_MAX_DIMS];
    for (int i = 0; i < n; i++)
      dims[i] = (int)(sizes[i] = num(save));
    if (!strcmp(op, "permute")) return ct_permute(a, dims);
    if (!strcmp(op, "view")) return ct_view(a, n, sizes);
    if (!strcmp(op, "reshape")) return ct_reshape(a, n, sizes);
    return ct_expand(a, n, sizes);
  }
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void set_reg(int i, ct_tensor *t) {
  // Registers own a reference; the case scope owns the tensors' first references.
  if (t) ct_retain(t);
  ct_release(reg[i]);
  reg[i] = t;
}

static void run_command(char *cmd) {
  char *save = NULL;
  char *name = strtok_r(cmd, " ", &save);
  if (!name) return;
  if (!strcmp(name, "leaf")) { // leaf <reg> <dtype> <ndim> <shape...> <values...> <requires_grad>
    int i = nreg(&save);
    ct_dtype dt = parse_dtype(tok(&save));
    int nd = nreg(&save);
    int64_t shape[CT_MAX_DIMS], n = 1;
    for (int d = 0; d < nd; d++)
      n *= shape[d] = num(&save);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t k = 0; k < n; k++)
      v[k] = real(&save);
    ct_tensor *t = ct_tensor_from_data(v, CT_FLOAT64, dt, nd, shape);
    free(v);
    if (num(&save)) ct_set_requires_grad(t, true);
    set_reg(i, t);
  } else if (!strcmp(name, "op")) { // op <reg> <name> <args...>: prints only on error
    int i = nreg(&save);
    ct_tensor *out = forward(tok(&save), &save);
    if (out)
      set_reg(i, out);
    else
      printf("err %s\n", ct_last_error()); // the register keeps its tensor
  } else if (!strcmp(name, "chain")) {     // chain <reg> <src> <n> <op>: n times x = op(x), timed
    int i = nreg(&save);
    ct_tensor *x = r(&save);
    long long n = num(&save);
    const char *op = tok(&save);
    double t0 = seconds();
    for (long long k = 0; k < n && x; k++) {
      if (!strcmp(op, "tanh"))
        x = ct_tanh(x);
      else if (!strcmp(op, "mul_scalar"))
        x = ct_mul_scalar(x, 1.0001);
      else
        x = ct_add(x, x);
    }
    if (!x) printf("err %s\n", ct_last_error());
    set_reg(i, x);
    double t1 = seconds();
    if (t1 - t0 > 10) printf("slow forward %.1f s\n", t1 - t0);
  } else if (!strcmp(name, "backward")) { // backward <reg> <grad reg|-1> <retain>
    ct_tensor *root = r(&save);
    long long gi = num(&save);
    bool retain = num(&save) != 0;
    double t0 = seconds();
    status_line(ct_backward_ex(root, gi >= 0 ? reg[gi] : NULL, retain));
    if (seconds() - t0 > 10) printf("slow backward %.1f s\n", seconds() - t0);
  } else if (!strcmp(name, "grad")) {
    ct_tensor *g = ct_grad(r(&save));
    printf("g");
    if (g)
      print_values(g);
    else
      printf(" None");
    printf("\n");
  } else if (!strcmp(name, "value")) {
    printf("v");
    print_values(r(&save));
    printf("\n");
  } else if (!strcmp(name, "version")) {
    printf("version %lld\n", (long long)ct_version_counter(r(&save)));
  } else if (!strcmp(name, "info")) { // requires_grad, is_leaf, grad_fn name
    ct_tensor *t = r(&save);
    ct_node *fn = ct_grad_fn(t);
    printf("info %d %d %s\n", ct_requires_grad(t), ct_is_leaf(t), fn ? ct_node_name(fn) : "None");
  } else if (!strcmp(name, "graph")) {
    printf("graph");
    print_graph(ct_grad_fn(r(&save)));
  } else if (!strcmp(name, "shares")) {
    ct_tensor *a = r(&save), *b = r(&save);
    printf("shares %d\n", ct_shares_storage(a, b));
  } else if (!strcmp(name, "nograd")) {
    grad_mode_saved[grad_mode_depth++] = ct_no_grad_enter();
  } else if (!strcmp(name, "endnograd")) {
    ct_grad_mode_restore(grad_mode_saved[--grad_mode_depth]);
  } else if (!strcmp(name, "requires_grad_")) {
    ct_tensor *t = r(&save);
    status_line(ct_requires_grad_(t, num(&save) != 0) ? CT_OK : ct_last_status());
  } else if (!strcmp(name, "set_requires_grad")) {
    ct_tensor *t = r(&save);
    status_line(ct_set_requires_grad(t, num(&save) != 0));
  } else if (!strcmp(name, "set_grad")) { // set_grad <reg> <grad reg|-1>
    ct_tensor *t = r(&save);
    long long gi = num(&save);
    status_line(ct_set_grad(t, gi >= 0 ? reg[gi] : NULL));
  } else if (!strcmp(name, "zero_grad")) {
    ct_zero_grad(r(&save));
  } else {
    fprintf(stderr, "unknown command %s\n", name);
    exit(2);
  }
}

static void run_case(char *line) {
  line[strcspn(line, "\n")] = '\0';
  char *save = NULL;
  for (char *cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save))
    run_command(cmd);
  while (grad_mode_depth)
    ct_grad_mode_restore(grad_mode_saved[--grad_mode_depth]);
  for (int i = 0; i < NREG; i++)
    set_reg(i, NULL);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the matrix products: runs the cases written by oracle_linalg.py (see
// its docstring for the line format) and prints results, the grad_fn graph, gradients
// and finite-difference checks in the driver's format.
#define _POSIX_C_SOURCE 200809L // strtok_r, getline
#include "testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TENSORS 3
static const char *const CODES[CT_NUM_DTYPES] = {"b", "i32", "i64", "f32", "f64"};

static char *next(char **save) { return strtok_r(NULL, " \n", save); }
static long long next_int(char **save) { return strtoll(next(save), NULL, 10); }

static void free_buffer(void *data, void *ctx) {
  (void)data;
  free(ctx);
}

static ct_dtype parse_dtype(const char *s) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(s, CODES[d])) return (ct_dtype)d;
  fprintf(stderr, "bad dtype %s\n", s);
  exit(2);
}

// dtype ndim shape... strides... offset buflen values... requires_grad
static ct_tensor *parse_tensor(char **save, bool *requires_grad) {
  ct_dtype dt = parse_dtype(next(save));
  int ndim = (int)next_int(save);
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int d = 0; d < ndim; d++)
    shape[d] = next_int(save);
  for (int d = 0; d < ndim; d++)
    strides[d] = next_int(save);
  int64_t offset = next_int(save), len = next_int(save);
  size_t es = ct_dtype_size(dt);
  char *buf = malloc((size_t)(len ? len : 1) * es);
  for (int64_t i = 0; i < len; i++) {
    const char *tok = next(save);
    char *p = buf + i * (int64_t)es;
    switch (dt) {
    case CT_BOOL: *(bool *)p = atoi(tok) != 0; break;
    case CT_INT32: *(int32_t *)p = (int32_t)strtol(tok, NULL, 10); break;
    case CT_INT64: *(int64_t *)p = strtoll(tok, NULL, 10); break;
    case CT_FLOAT32: *(float *)p = (float)strtod(tok, NULL); break;
    default: *(double *)p = strtod(tok, NULL); break;
    }
  }
  *requires_grad = next_int(save) != 0;
  ct_tensor *t = ct_from_blob(buf + offset * (int64_t)es, dt, ndim, shape, strides, free_buffer, buf);
  if (*requires_grad) ct_set_requires_grad(t, true);
  return t;
}

typedef struct {
  char op[32];
  double beta, alpha;
  int n;
  ct_tensor *t[MAX_TENSORS];
  bool rg[MAX_TENSORS];
  ct_tensor *w;
  bool fd;
} test_case;

static ct_tensor *run_op(const test_case *c) {
  ct_tensor *const *t = c->t;
  if (!strcmp(c->op, "matmul")) return ct_matmul(t[0], t[1]);
  if (!strcmp(c->op, "mm")) return ct_mm(t[0], t[1]);
  if (!strcmp(c->op, "bmm")) return ct_bmm(t[0], t[1]);
  if (!strcmp(c->op, "mv")) return ct_mv(t[0], t[1]);
  if (!strcmp(c->op, "dot")) return ct_dot(t[0], t[1]);
  if (!strcmp(c->op, "outer")) return ct_outer(t[0], t[1]);
  if (!strcmp(c->op, "addmm")) return ct_addmm(t[0], t[1], t[2], c->beta, c->alpha);
  if (!strcmp(c->op, "linear")) return ct_linear(t[0], t[1], c->n > 2 ? t[2] : NULL);
  fprintf(stderr, "unknown op %s\n", c->op);
  exit(2);
}

static void print_values(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  if (ct_dtype_is_floating(ct_get_dtype(t))) {
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    ct_to_f64_array(t, v);
    for (int64_t i = 0; i < n; i++) {
      if (isnan(v[i]))
        printf(" nan");
      else
        printf(" %.17g", v[i]);
    }
    free(v);
  } else {
    int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    ct_to_i64_array(t, v);
    for (int64_t i = 0; i < n; i++)
      printf(" %lld", (long long)v[i]);
    free(v);
  }
}

// The graph below a node as Name(child,...), "Leaf" for AccumulateGrad, "None" for an
// input that needs no gradient.
static void print_graph(const ct_node *node) {
  if (!node) {
    printf("None");
    return;
  }
  if (!strcmp(ct_node_name(node), "AccumulateGrad")) {
    printf("Leaf");
    return;
  }
  printf("%s(", ct_node_name(node));
  for (int i = 0; i < ct_node_num_next(node); i++) {
    if (i) printf(",");
    print_graph(ct_node_next(node, i));
  }
  printf(")");
}

// sum(op(inputs) * w) with grad mode off.
static double objective(const test_case *c, const double *w) {
  ct_scope *s = ct_scope_open();
  bool prev = ct_no_grad_enter();
  ct_tensor *out = run_op(c);
  ct_grad_mode_restore(prev);
  int64_t n = ct_numel(out);
  double *v = malloc((size_t)(n ? n : 1) * sizeof *v), sum = 0;
  ct_to_f64_array(out, v);
  for (int64_t i = 0; i < n; i++)
    sum += v[i] * w[i];
  free(v);
  ct_scope_close(s);
  return sum;
}

// Central differences of the objective against each input's gradient. The products are
// linear in every single element, so the difference quotient is exact up to rounding.
static void finite_differences(const test_case *c) {
  const double h = 1e-3;
  int64_t nw = ct_numel(c->w);
  double *w = malloc((size_t)(nw ? nw : 1) * sizeof *w), worst = 0;
  ct_to_f64_array(c->w, w);
  for (int k = 0; k < c->n; k++) {
    if (!c->rg[k]) continue;
    ct_tensor *x = c->t[k], *g = ct_grad(x);
    int nd = ct_dim(x);
    int64_t n = ct_numel(x), idx[CT_MAX_DIMS] = {0};
    for (int64_t e = 0; e < n; e++) {
      double orig, plus, minus, analytic = 0;
      ct_get(x, idx, &orig);
      ct_set(x, idx, orig + h);
      plus = objective(c, w);
      ct_set(x, idx, orig - h);
      minus = objective(c, w);
      ct_set(x, idx, orig);
      if (g) ct_get(g, idx, &analytic);
      double diff = fabs((plus - minus) / (2 * h) - analytic) / (1 + fabs(analytic));
      if (diff > worst) worst = diff;
      for (int d = nd - 1; d >= 0 && ++idx[d] == ct_size(x, d); d--)
        idx[d] = 0;
    }
  }
  free(w);
  if (worst < 1e-8)
    printf("fd ok\n");
  else
    printf("fd bad %g\n", worst);
}

static void run_case(char *line) {
  test_case c = {0};
  char *save = NULL;
  snprintf(c.op, sizeof c.op, "%s", strtok_r(line, " \n", &save));
  c.beta = strtod(next(&save), NULL);
  c.alpha = strtod(next(&save), NULL);
  c.n = (int)next_int(&save);
  for (int k = 0; k < c.n; k++)
    c.t[k] = parse_tensor(&save, &c.rg[k]);
  bool unused;
  if (!strcmp(next(&save), "W")) c.w = parse_tensor(&save, &unused);
  c.fd = next_int(&save) != 0;

  ct_tensor *out = run_op(&c);
  if (!out) {
    printf("err %s\n", ct_last_error());
    return;
  }
  char shape[256];
  ct_shape_str(out, shape, sizeof shape);
  printf("ok %s %s\nfn ", CODES[ct_get_dtype(out)], shape);
  print_graph(ct_grad_fn(out));
  printf("\nv");
  print_values(out);
  printf("\n");
  if (!c.w) return;
  if (ct_backward(out, c.w) != CT_OK) {
    printf("bwerr %s\n", ct_last_error());
    return;
  }
  for (int k = 0; k < c.n; k++) {
    if (!c.rg[k]) continue;
    printf("g%d", k);
    if (ct_grad(c.t[k]))
      print_values(ct_grad(c.t[k]));
    else
      printf(" None");
    printf("\n");
  }
  if (c.fd) finite_differences(&c);
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    ct_scope *s = ct_scope_open();
    run_case(line);
    ct_scope_close(s);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}

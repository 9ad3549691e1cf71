// Oracle program for the elementwise ops: runs the cases written by oracle_elementwise.py
// (see its docstring for the line format) and prints results, grad_fn names, gradients,
// finite-difference checks and, for in-place ops, the first input after the call.
#define _POSIX_C_SOURCE 200809L // strtok_r, getline
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

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
  for (int d = 0; d < ndim; d++) shape[d] = next_int(save);
  for (int d = 0; d < ndim; d++) strides[d] = next_int(save);
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
  double p0, p1;
  int n;
  ct_tensor *t[MAX_TENSORS];
  bool rg[MAX_TENSORS];
  ct_tensor *w;
  bool fd, nonleaf;
} test_case;

static ct_tensor *run_op(const test_case *c) {
  ct_tensor *a = c->t[0], *b = c->t[1], *d = c->t[2];
  double p0 = c->p0, p1 = c->p1;
  const char *op = c->op;
  if (c->nonleaf) { // a * 1 with a Python int 1: in-place ops on a non-leaf
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

static void print_values(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  if (ct_dtype_is_floating(ct_get_dtype(t))) {
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    ct_to_f64_array(t, v);
    for (int64_t i = 0; i < n; i++) {
      if (isnan(v[i])) printf(" nan");
      else printf(" %.17g", v[i]);
    }
    free(v);
  } else {
    int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    ct_to_i64_array(t, v);
    for (int64_t i = 0; i < n; i++) printf(" %lld", (long long)v[i]);
    free(v);
  }
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
  for (int64_t i = 0; i < n; i++) sum += v[i] * w[i];
  free(v);
  ct_scope_close(s);
  return sum;
}

// Central differences of the objective against each input's gradient (float64 cases).
static void finite_differences(const test_case *c) {
  const double h = 1e-6;
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
      for (int d = nd - 1; d >= 0 && ++idx[d] == ct_size(x, d); d--) idx[d] = 0;
    }
  }
  free(w);
  if (worst < 1e-6) printf("fd ok\n");
  else printf("fd bad %g\n", worst);
}

static void print_node(const ct_tensor *out) {
  ct_node *fn = ct_grad_fn(out);
  printf("fn %s", fn ? ct_node_name(fn) : "None");
  for (int i = 0; fn && i < ct_node_num_next(fn); i++) {
    ct_node *nx = ct_node_next(fn, i);
    printf(" %s", nx ? ct_node_name(nx) : "None");
  }
  printf("\n");
}

static void run_case(char *line) {
  test_case c = {0};
  char *save = NULL;
  snprintf(c.op, sizeof c.op, "%s", strtok_r(line, " \n", &save));
  c.p0 = strtod(next(&save), NULL);
  c.p1 = strtod(next(&save), NULL);
  c.n = (int)next_int(&save);
  for (int k = 0; k < c.n; k++) c.t[k] = parse_tensor(&save, &c.rg[k]);
  bool unused;
  if (!strcmp(next(&save), "W")) c.w = parse_tensor(&save, &unused);
  c.fd = next_int(&save) != 0;
  c.nonleaf = next_int(&save) != 0;
  bool inplace = c.op[strlen(c.op) - 1] == '_';

  ct_tensor *out = run_op(&c);
  if (!out) {
    printf("err %s\n", ct_last_error());
  } else {
    char shape[256];
    ct_shape_str(out, shape, sizeof shape);
    printf("ok %s %s\n", CODES[ct_get_dtype(out)], shape);
    print_node(out);
    printf("v");
    print_values(out);
    printf("\n");
  }
  if (inplace) { // the in-place target (unchanged after an error)
    printf("in");
    print_values(c.t[0]);
    printf("\n");
  }
  if (!out || !c.w) return;
  if (ct_backward(out, c.w) != CT_OK) {
    printf("bwerr %s\n", ct_last_error());
    return;
  }
  for (int k = 0; k < c.n; k++) {
    if (!c.rg[k]) continue;
    printf("g%d", k);
    if (ct_grad(c.t[k])) print_values(ct_grad(c.t[k]));
    else printf(" None");
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

// Oracle program for the view and shape ops: runs the cases written by oracle_views.py
// (see its docstring for the line format) and prints each result's geometry, storage
// sharing, grad_fn, values, the gradients of sum(out * w), and a finite-difference check.
#define _POSIX_C_SOURCE 200809L // strtok_r, getline
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "oracle_io.h"

#define MAX_TENSORS 6
#define MAX_ARGS 12

static char *next(char **save) {
  char *tok = strtok_r(NULL, " \n", save);
  if (!tok) {
    fprintf(stderr, "malformed case\n");
    exit(2);
  }
  return tok;
}
static long long next_int(char **save) { return strtoll(next(save), NULL, 10); }

static void free_buffer(void *data, void *ctx) {
  (void)data;
  free(ctx);
}

static ct_dtype parse_dtype(const char *s) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(s, ct_dtype_name((ct_dtype)d))) return (ct_dtype)d;
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
  int nargs;
  long long args[MAX_ARGS];
  int n;
  ct_tensor *t[MAX_TENSORS];
  bool rg[MAX_TENSORS];
  ct_tensor *w;
  bool fd;
} test_case;

// copy_ writes into its first input: the op works on a fresh copy of the destination
// (made outside the graph) so every evaluation sees the same starting values.
static ct_tensor *run_copy(const test_case *c) {
  ct_tensor *dst = c->t[0];
  if (c->args[0]) { // a non-leaf destination: dst * 1 in the graph
    dst = ct_mul_scalar(c->t[0], 1.0);
  } else {
    bool prev = ct_no_grad_enter();
    dst = ct_clone(c->t[0]);
    ct_grad_mode_restore(prev);
  }
  if (!dst) return NULL;
  return ct_copy_(dst, c->t[1]) == CT_OK ? dst : NULL;
}

static ct_tensor *run_op(const test_case *c) {
  ct_tensor *x = c->t[0];
  const long long *a = c->args;
  int64_t sizes[MAX_ARGS];
  for (int i = 0; i < c->nargs; i++) sizes[i] = a[i];
  int dims[MAX_ARGS];
  for (int i = 0; i < c->nargs; i++) dims[i] = (int)a[i];
  const char *op = c->op;
  if (!strcmp(op, "view")) return ct_view(x, c->nargs, sizes);
  if (!strcmp(op, "reshape")) return ct_reshape(x, c->nargs, sizes);
  if (!strcmp(op, "transpose")) return ct_transpose(x, dims[0], dims[1]);
  if (!strcmp(op, "t")) return ct_t(x);
  if (!strcmp(op, "T")) return ct_T(x);
  if (!strcmp(op, "permute")) return ct_permute(x, dims);
  if (!strcmp(op, "squeeze")) return ct_squeeze(x);
  if (!strcmp(op, "squeeze_dim")) return ct_squeeze_dim(x, dims[0]);
  if (!strcmp(op, "unsqueeze")) return ct_unsqueeze(x, dims[0]);
  if (!strcmp(op, "expand")) return ct_expand(x, c->nargs, sizes);
  if (!strcmp(op, "flatten")) return ct_flatten(x, dims[0], dims[1]);
  if (!strcmp(op, "contiguous")) return ct_contiguous(x);
  if (!strcmp(op, "clone")) return ct_clone(x);
  if (!strcmp(op, "narrow")) return ct_narrow(x, dims[0], a[1], a[2]);
  if (!strcmp(op, "select")) return ct_select(x, dims[0], a[1]);
  if (!strcmp(op, "slice")) return ct_slice(x, dims[0], a[1], a[2], a[3]);
  if (!strcmp(op, "unfold")) return ct_unfold(x, dims[0], a[1], a[2]);
  if (!strcmp(op, "cat")) return ct_cat(c->t, c->n, dims[0]);
  if (!strcmp(op, "stack")) return ct_stack(c->t, c->n, dims[0]);
  if (!strcmp(op, "to_dtype")) return ct_to_dtype(x, (ct_dtype)a[0]);
  if (!strcmp(op, "copy_")) return run_copy(c);
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

// sum(op(inputs) * w) with grad mode off, in double.
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

// Central differences of the objective against each input's gradient.
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
      tu_set_no_grad(x, idx, orig + h);
      plus = objective(c, w);
      tu_set_no_grad(x, idx, orig - h);
      minus = objective(c, w);
      tu_set_no_grad(x, idx, orig);
      if (g) ct_get(g, idx, &analytic);
      double diff = fabs((plus - minus) / (2 * h) - analytic) / (1 + fabs(analytic));
      if (diff > worst) worst = diff;
      for (int d = nd - 1; d >= 0 && ++idx[d] == ct_shape(x)[d]; d--) idx[d] = 0;
    }
  }
  free(w);
  if (worst < 1e-8) printf("fd ok\n");
  else printf("fd bad %g\n", worst);
}

// The grad_fn graph to `depth` levels: Name(next,...), "None" for a missing edge.
static void print_graph(const ct_node *fn, int depth) {
  if (!fn) {
    printf("None");
    return;
  }
  printf("%s", ct_node_name(fn));
  if (depth == 0 || ct_node_num_next(fn) == 0) return;
  printf("(");
  for (int i = 0; i < ct_node_num_next(fn); i++) {
    if (i) printf(",");
    print_graph(ct_node_next(fn, i), depth - 1);
  }
  printf(")");
}

static void print_geometry(const ct_tensor *out, const ct_tensor *in) {
  char shape[256];
  ct_shape_str(out, shape, sizeof shape);
  printf("ok %s %s (", ct_dtype_name(ct_get_dtype(out)), shape);
  for (int d = 0; d < ct_dim(out); d++) printf(d ? ", %lld" : "%lld", (long long)ct_strides(out)[d]);
  printf(ct_dim(out) == 1 ? ",)" : ")");
  // A view's offset is compared as the distance of its first element from the input's.
  ptrdiff_t delta = (const char *)ct_data_ptr(out) - (const char *)ct_data_ptr(in);
  if (ct_shares_storage(out, in)) printf(" view %lld", (long long)(delta / (ptrdiff_t)ct_dtype_size(ct_get_dtype(in))));
  else printf(" copy");
  printf(" ");
  print_graph(ct_grad_fn(out), 3);
  printf("\n");
}

static void run_case(char *line) {
  test_case c = {0};
  char *save = NULL;
  snprintf(c.op, sizeof c.op, "%s", strtok_r(line, " \n", &save));
  c.nargs = (int)next_int(&save);
  for (int i = 0; i < c.nargs; i++) c.args[i] = next_int(&save);
  c.n = (int)next_int(&save);
  for (int k = 0; k < c.n; k++) c.t[k] = parse_tensor(&save, &c.rg[k]);
  bool unused;
  if (!strcmp(next(&save), "W")) c.w = parse_tensor(&save, &unused);
  c.fd = next_int(&save) != 0;

  ct_tensor *out = run_op(&c);
  if (!out) {
    printf("err %s\n", ct_last_error());
    return;
  }
  print_geometry(out, c.t[0]);
  printf("v");
  print_values(out);
  printf("\n");
  if (!c.w) return;
  ct_tensor *loss = ct_sum(ct_mul(out, c.w));
  if (ct_backward(loss, NULL) != CT_OK) {
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

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

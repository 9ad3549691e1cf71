// Oracle program for reductions and softmax (driven by oracle_reduce.py). One case per
// stdin line:
//   <op> <args> <grad> <input spec> [<grad_out spec>]
// The input is a strided view of its buffer (a tensor spec, see oracle_io.h). <args> is
// "key:value;..." with keys dims (comma list or "none"), dim, keep, corr, p. <grad> is 0
// (values only), 1 (also backward with grad_out), 2 (as 1, plus a float64 central
// finite-difference check of the gradient) or 3 (input requires grad, no backward:
// torch's own backward fails there).
// Answer lines: "out <dtype> <ndim> <shape..> <values>", for max/min along a dim also
// "idx ...", "gradfn <name>", "grad <values>", "fd <max |fd - grad|> <max |grad|>"; or
// "error <message>" when the op fails. Values are bit patterns (TU_BITS).
#define _POSIX_C_SOURCE 200809L // strtok_r
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

typedef struct args {
  int dims[CT_MAX_DIMS], ndims; // ndims -1: none given
  int dim, keep;
  long long corr;
  double p;
} args;

static void parse_args(char *s, args *a) {
  memset(a, 0, sizeof *a);
  a->ndims = -1;
  a->p = 2;
  a->corr = 1;
  for (char *save, *kv = strtok_r(s, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
    char *v = strchr(kv, ':');
    if (!v) continue;
    *v++ = 0;
    if (!strcmp(kv, "dims") && strcmp(v, "none")) {
      a->ndims = 0;
      for (char *s2, *d = strtok_r(v, ",", &s2); d; d = strtok_r(NULL, ",", &s2))
        a->dims[a->ndims++] = atoi(d);
    } else if (!strcmp(kv, "dim")) a->dim = atoi(v);
    else if (!strcmp(kv, "keep")) a->keep = atoi(v);
    else if (!strcmp(kv, "corr")) a->corr = atoll(v);
    else if (!strcmp(kv, "p")) a->p = strtod(v, NULL);
  }
}

// Runs op on x. *idx receives the indices of max/min along a dim.
static ct_tensor *run_op(const char *op, ct_tensor *x, const args *a, ct_tensor **idx) {
  const int *dims = a->ndims >= 0 ? a->dims : NULL;
  int nd = a->ndims >= 0 ? a->ndims : 0;
  bool k = a->keep;
  if (!strcmp(op, "sum")) return ct_sum(x);
  if (!strcmp(op, "sum_dims")) return ct_sum_dims(x, dims, nd, k);
  if (!strcmp(op, "sum_dim")) return ct_sum_dim(x, a->dim, k);
  if (!strcmp(op, "mean")) return ct_mean(x);
  if (!strcmp(op, "mean_dims")) return ct_mean_dims(x, dims, nd, k);
  if (!strcmp(op, "mean_dim")) return ct_mean_dim(x, a->dim, k);
  if (!strcmp(op, "std")) return ct_std(x);
  if (!strcmp(op, "var")) return ct_var(x);
  if (!strcmp(op, "std_dim")) return ct_std_dim(x, a->dim, k);
  if (!strcmp(op, "var_dim")) return ct_var_dim(x, a->dim, k);
  if (!strcmp(op, "std_ex")) return ct_std_ex(x, dims, nd, a->corr, k);
  if (!strcmp(op, "var_ex")) return ct_var_ex(x, dims, nd, a->corr, k);
  if (!strcmp(op, "prod")) return ct_prod(x);
  if (!strcmp(op, "prod_dim")) return ct_prod_dim(x, a->dim, k);
  if (!strcmp(op, "max")) return ct_max(x);
  if (!strcmp(op, "min")) return ct_min(x);
  if (!strcmp(op, "max_dim")) return ct_max_dim(x, a->dim, k, idx);
  if (!strcmp(op, "min_dim")) return ct_min_dim(x, a->dim, k, idx);
  if (!strcmp(op, "argmax")) return ct_argmax(x);
  if (!strcmp(op, "argmin")) return ct_argmin(x);
  if (!strcmp(op, "argmax_dim")) return ct_argmax_dim(x, a->dim, k);
  if (!strcmp(op, "argmin_dim")) return ct_argmin_dim(x, a->dim, k);
  if (!strcmp(op, "amax")) return ct_amax(x, dims, nd, k);
  if (!strcmp(op, "amin")) return ct_amin(x, dims, nd, k);
  if (!strcmp(op, "logsumexp")) return ct_logsumexp(x, dims, nd, k);
  if (!strcmp(op, "norm")) return ct_norm(x, a->p);
  if (!strcmp(op, "norm_dims")) return ct_norm_dims(x, a->p, dims, nd, k);
  if (!strcmp(op, "softmax")) return ct_softmax(x, a->dim);
  if (!strcmp(op, "log_softmax")) return ct_log_softmax(x, a->dim);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void print_tensor(const char *tag, const ct_tensor *t) {
  printf("%s %s %d", tag, ct_dtype_name(ct_get_dtype(t)), ct_dim(t));
  for (int d = 0; d < ct_dim(t); d++) printf(" %lld", (long long)ct_shape(t)[d]);
  tu_print_line("", t, TU_BITS);
}

typedef struct fd_case {
  const char *op;
  ct_tensor *x, *gout;
  const args *a;
} fd_case;

// sum(grad_out * op(x)) in double, without autograd.
static double loss_of(void *ctx) {
  const fd_case *c = ctx;
  bool prev = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  ct_tensor *idx = NULL;
  double l = tu_weighted_sum(run_op(c->op, c->x, c->a, &idx), c->gout);
  ct_scope_close(s);
  ct_grad_mode_restore(prev);
  return l;
}

// Central differences over every element of the float64 input.
static void finite_differences(const fd_case *c, const ct_tensor *grad) {
  int64_t n = ct_numel(c->x);
  double *fd = malloc(sizeof *fd * (size_t)(n + 1)), *g = malloc(sizeof *g * (size_t)(n + 1));
  tu_central_differences(c->x, loss_of, (void *)c, 0, 1e-6, fd);
  ct_to_f64_array(grad, g);
  double max_err = 0, max_g = 0;
  for (int64_t i = 0; i < n; i++) {
    double err = fabs(fd[i] - g[i]);
    if (err > max_err || isnan(err)) max_err = isnan(err) ? INFINITY : err;
    if (fabs(g[i]) > max_g) max_g = fabs(g[i]);
  }
  printf("fd %.17g %.17g\n", max_err, max_g);
  free(fd);
  free(g);
}

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *op = tu_need(&tok);
  args a;
  parse_args(tu_need(&tok), &a);
  int grad_mode = (int)tu_next_int(&tok);
  ct_tensor *x = tu_read_tensor(&tok, TU_WRAP), *gout = NULL;
  if (grad_mode) {
    ct_set_requires_grad(x, true);
    gout = tu_read_tensor(&tok, TU_COPY);
  }
  ct_tensor *idx = NULL;
  ct_tensor *y = run_op(op, x, &a, &idx);
  if (!y) {
    printf("error %s\n", ct_last_error());
  } else {
    print_tensor("out", y);
    if (idx) print_tensor("idx", idx);
    const char *name = ct_grad_fn(y) ? ct_node_name(ct_grad_fn(y)) : "None";
    printf("gradfn %s\n", name);
    if (grad_mode == 1 || grad_mode == 2) {
      if (ct_backward(y, gout) != CT_OK) {
        printf("error backward: %s\n", ct_last_error());
      } else if (!ct_grad(x)) {
        printf("grad none\n");
      } else {
        tu_print_line("grad", ct_grad(x), TU_BITS);
        if (grad_mode == 2 && ct_get_dtype(x) == CT_FLOAT64)
          finite_differences(&(fd_case){op, x, gout, &a}, ct_grad(x));
      }
    }
  }
  ct_clear_error();
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

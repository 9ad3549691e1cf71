// Oracle program for reductions and softmax (driven by oracle_reduce.py). One case per
// stdin line:
//   <op> <dtype> <storage numel> <ndim> <shape..> <strides..> <offset> <args> <grad> <data>
//        [<grad_out dtype> <grad_out ndim> <shape..> <grad_out data>]
// The input is a strided view (ct_from_blob) over the storage `data` (raw little-endian
// bytes as hex). <args> is "key:value;..." with keys dims (comma list or "none"), dim,
// keep, corr, p. <grad> is 0 (values only), 1 (also backward with grad_out), 2 (as 1,
// plus a float64 central finite-difference check of the gradient) or 3 (input requires
// grad, no backward: torch's own backward fails there).
// Answer lines: "out <dtype> <ndim> <shape..> <hex>", for max/min along a dim also
// "idx ...", "gradfn <name>", "grad <hex>", "fd <max |fd - grad|> <max |grad|>"; or
// "error <message>" when the op fails.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

typedef struct args {
  int dims[CT_MAX_DIMS], ndims; // ndims -1: none given
  int dim, keep;
  long long corr;
  double p;
} args;

static const char *dtype_names[] = {"bool", "int32", "int64", "float32", "float64"};

static ct_dtype parse_dtype(const char *s) {
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (!strcmp(s, dtype_names[d])) return (ct_dtype)d;
  fprintf(stderr, "bad dtype %s\n", s);
  exit(2);
}

static int hex_digit(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static void *parse_hex(const char *s, size_t *nbytes) {
  size_t n = strcmp(s, "-") ? strlen(s) / 2 : 0;
  unsigned char *b = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]));
  *nbytes = n;
  return b;
}

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
      for (char *s2, *d = strtok_r(v, ",", &s2); d; d = strtok_r(NULL, ",", &s2)) a->dims[a->ndims++] = atoi(d);
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

static void print_hex(const ct_tensor *t) {
  ct_tensor *c = ct_contiguous((ct_tensor *)t);
  const unsigned char *b = ct_data_ptr(c);
  size_t n = (size_t)ct_numel(c) * ct_dtype_size(ct_get_dtype(c));
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  if (!n) printf("-");
}

static void print_tensor(const char *tag, const ct_tensor *t) {
  printf("%s %s %d", tag, dtype_names[ct_get_dtype(t)], ct_dim(t));
  for (int d = 0; d < ct_dim(t); d++) printf(" %lld", (long long)ct_shape(t)[d]);
  printf(" ");
  print_hex(t);
  printf("\n");
}

// sum(grad_out * op(x)) in double, without autograd.
static double loss_of(const char *op, ct_tensor *x, const args *a, const double *gout) {
  bool prev = ct_no_grad_enter();
  ct_scope *s = ct_scope_open();
  ct_tensor *idx = NULL;
  ct_tensor *y = run_op(op, x, a, &idx);
  int64_t n = ct_numel(y);
  double *v = malloc(sizeof *v * (size_t)(n ? n : 1)), l = 0;
  ct_to_f64_array(y, v);
  for (int64_t i = 0; i < n; i++) l += gout[i] * v[i];
  free(v);
  ct_scope_close(s);
  ct_grad_mode_restore(prev);
  return l;
}

// Central differences over every element of the float64 input (its storage positions).
static void finite_differences(const char *op, const args *a, ct_tensor *x, double *storage, const int64_t *strides,
                               int ndim, const ct_tensor *gout_t, const ct_tensor *grad) {
  int64_t n = ct_numel(x);
  double *gout = malloc(sizeof *gout * (size_t)(ct_numel(gout_t) + 1));
  double *g = malloc(sizeof *g * (size_t)(n + 1));
  ct_to_f64_array(gout_t, gout);
  ct_to_f64_array(grad, g);
  double max_err = 0, max_g = 0;
  const double h = 1e-6;
  for (int64_t i = 0; i < n; i++) {
    int64_t rem = i, pos = 0;
    for (int d = ndim - 1; d >= 0; d--) {
      pos += rem % ct_shape(x)[d] * strides[d];
      rem /= ct_shape(x)[d];
    }
    double orig = storage[pos];
    storage[pos] = orig + h;
    double lp = loss_of(op, x, a, gout);
    storage[pos] = orig - h;
    double lm = loss_of(op, x, a, gout);
    storage[pos] = orig;
    double fd = (lp - lm) / (2 * h), err = fabs(fd - g[i]);
    if (err > max_err || isnan(err)) max_err = isnan(err) ? INFINITY : err;
    if (fabs(g[i]) > max_g) max_g = fabs(g[i]);
  }
  printf("fd %.17g %.17g\n", max_err, max_g);
  free(gout);
  free(g);
}

static void run_case(char *line) {
  char *save;
  const char *op = strtok_r(line, " \n", &save);
  ct_dtype dtype = parse_dtype(strtok_r(NULL, " \n", &save));
  strtoll(strtok_r(NULL, " \n", &save), NULL, 10); // storage numel (implied by the data)
  int ndim = atoi(strtok_r(NULL, " \n", &save));
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int d = 0; d < ndim; d++) shape[d] = strtoll(strtok_r(NULL, " \n", &save), NULL, 10);
  for (int d = 0; d < ndim; d++) strides[d] = strtoll(strtok_r(NULL, " \n", &save), NULL, 10);
  int64_t offset = strtoll(strtok_r(NULL, " \n", &save), NULL, 10);
  char *arg_text = strtok_r(NULL, " \n", &save);
  args a;
  parse_args(arg_text, &a);
  int grad_mode = atoi(strtok_r(NULL, " \n", &save));
  size_t nbytes;
  char *storage = parse_hex(strtok_r(NULL, " \n", &save), &nbytes);
  ct_scope *scope = ct_scope_open();
  ct_tensor *x = ct_from_blob(storage + offset * (int64_t)ct_dtype_size(dtype), dtype, ndim, shape, strides, NULL, NULL);
  ct_tensor *gout = NULL;
  if (grad_mode) {
    ct_set_requires_grad(x, true);
    ct_dtype gd = parse_dtype(strtok_r(NULL, " \n", &save));
    int gnd = atoi(strtok_r(NULL, " \n", &save));
    int64_t gshape[CT_MAX_DIMS];
    for (int d = 0; d < gnd; d++) gshape[d] = strtoll(strtok_r(NULL, " \n", &save), NULL, 10);
    size_t gbytes;
    void *gdata = parse_hex(strtok_r(NULL, " \n", &save), &gbytes);
    gout = ct_tensor_from_data(gdata, gd, gd, gnd, gshape);
    free(gdata);
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
        printf("grad ");
        print_hex(ct_grad(x));
        printf("\n");
        if (grad_mode == 2 && dtype == CT_FLOAT64)
          finite_differences(op, &a, x, (double *)(void *)storage + offset, strides, ndim, gout, ct_grad(x));
      }
    }
  }
  ct_scope_close(scope);
  free(storage);
  ct_clear_error();
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    run_case(line);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}

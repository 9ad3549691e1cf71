// Oracle program for printing (driven by oracle_print.py). One case per stdin line; each
// answer is what ctorch prints, then a line "@@END@@". Cases:
//   T <dtype> <ndim> <shape..> <view> <mode> <n> <values..>
//       tensor from exact values (floats as hex), then <view>: none | perm:<d,d,..> |
//       slice:<dim>,<step>; then <mode>: plain | rg | param | op:<clone|unsqueeze0|
//       transpose01|todouble> (on a requires-grad leaf); printed with ct_print.
//   P <literal> / PT <literal>     ct_tensor_parse / ct_Tensor_parse
//   Z|O <dtype> <ndim> <shape..>   ct_zeros / ct_ones
//   F <value> <dtype> <ndim> <shape..>, A <start> <end> <step> <dtype>,
//   L <start> <end> <steps> <dtype>, E <n> <m> <dtype>
//   S <ndim> <shape..>             ct_print_shape of zeros(shape)
//   X <creation case>              the created values as hex floats (bit-exactness)
// Every repr is also checked for consistency between ct_print, ct_repr_alloc and ct_repr
// with exact and one-byte-short buffers; a disagreement prints "INCONSISTENT: ...".
#define _POSIX_C_SOURCE 200809L // getline, strtok_r
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

static const char *next_tok(char **save) { return strtok_r(NULL, " \n", save); }

static ct_dtype parse_dtype(const char *s) {
  static const char *names[] = {"bool", "int32", "int64", "float32", "float64"};
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (s && !strcmp(s, names[d])) return (ct_dtype)d;
  fprintf(stderr, "bad dtype %s\n", s ? s : "(null)");
  exit(2);
}

static int parse_shape(char **save, int64_t *shape) {
  int ndim = atoi(next_tok(save));
  for (int d = 0; d < ndim; d++) shape[d] = strtoll(next_tok(save), NULL, 10);
  return ndim;
}

static double parse_f64(const char *s) { return strtod(s, NULL); }

// Values arrive as hex floats (exact) or decimal integers; converted to the dtype.
static ct_tensor *parse_values(char **save, ct_dtype dtype, int ndim, const int64_t *shape) {
  int64_t n = strtoll(next_tok(save), NULL, 10);
  if (ct_dtype_is_floating(dtype)) {
    double *v = malloc(sizeof *v * (size_t)(n ? n : 1));
    for (int64_t k = 0; k < n; k++) v[k] = parse_f64(next_tok(save));
    ct_tensor *t = ct_tensor_from_data(v, CT_FLOAT64, dtype, ndim, shape);
    free(v);
    return t;
  }
  int64_t *v = malloc(sizeof *v * (size_t)(n ? n : 1));
  for (int64_t k = 0; k < n; k++) v[k] = strtoll(next_tok(save), NULL, 10);
  ct_tensor *t = ct_tensor_from_data(v, CT_INT64, dtype, ndim, shape);
  free(v);
  return t;
}

static ct_tensor *apply_view(ct_tensor *t, const char *view) {
  if (!strncmp(view, "perm:", 5)) {
    int dims[CT_MAX_DIMS], k = 0;
    char *p = (char *)view + 4; // points at ':' or ','
    while (*p && k < CT_MAX_DIMS) dims[k++] = (int)strtol(p + 1, &p, 10);
    return ct_permute(t, dims);
  }
  if (!strncmp(view, "slice:", 6)) {
    char *p;
    int dim = (int)strtol(view + 6, &p, 10);
    return ct_slice(t, dim, 0, CT_END, strtoll(p + 1, NULL, 10));
  }
  return t;
}

static ct_tensor *apply_mode(ct_tensor *t, const char *mode) {
  if (!strcmp(mode, "rg")) return ct_requires_grad_(t, true);
  if (!strcmp(mode, "param")) return ct_parameter(t);
  if (strncmp(mode, "op:", 3)) return t;
  const char *op = mode + 3;
  t = ct_requires_grad_(t, true);
  if (!strcmp(op, "clone")) return ct_clone(t);
  if (!strcmp(op, "unsqueeze0")) return ct_unsqueeze(t, 0);
  if (!strcmp(op, "transpose01")) return ct_transpose(t, 0, 1);
  if (!strcmp(op, "todouble")) return ct_to_dtype(t, CT_FLOAT64);
  fprintf(stderr, "bad op %s\n", op);
  exit(2);
}

static ct_tensor *tensor_case(char **save) {
  ct_dtype dtype = parse_dtype(next_tok(save));
  int64_t shape[CT_MAX_DIMS];
  int ndim = parse_shape(save, shape);
  const char *view = next_tok(save), *mode = next_tok(save);
  ct_tensor *t = parse_values(save, dtype, ndim, shape);
  return apply_mode(apply_view(t, view), mode);
}

static ct_tensor *creation_case(const char *kind, char **save) {
  int64_t shape[CT_MAX_DIMS];
  if (!strcmp(kind, "Z") || !strcmp(kind, "O")) {
    ct_dtype dtype = parse_dtype(next_tok(save));
    int ndim = parse_shape(save, shape);
    return kind[0] == 'Z' ? ct_zeros(ndim, shape, dtype) : ct_ones(ndim, shape, dtype);
  }
  if (!strcmp(kind, "F")) {
    double value = parse_f64(next_tok(save));
    ct_dtype dtype = parse_dtype(next_tok(save));
    int ndim = parse_shape(save, shape);
    return ct_full(ndim, shape, value, dtype);
  }
  if (!strcmp(kind, "A")) {
    double start = parse_f64(next_tok(save)), end = parse_f64(next_tok(save)), step = parse_f64(next_tok(save));
    return ct_arange(start, end, step, parse_dtype(next_tok(save)));
  }
  if (!strcmp(kind, "L")) {
    double start = parse_f64(next_tok(save)), end = parse_f64(next_tok(save));
    int64_t steps = strtoll(next_tok(save), NULL, 10);
    return ct_linspace(start, end, steps, parse_dtype(next_tok(save)));
  }
  if (!strcmp(kind, "E")) {
    int64_t n = strtoll(next_tok(save), NULL, 10), m = strtoll(next_tok(save), NULL, 10);
    return ct_eye(n, m, parse_dtype(next_tok(save)));
  }
  fprintf(stderr, "bad case kind %s\n", kind);
  exit(2);
}

// ct_repr must agree with ct_repr_alloc, succeed with an exact buffer and fail (keeping
// a truncated prefix) with one byte less.
static void check_consistency(const ct_tensor *t, const char *printed) {
  char *s = ct_repr_alloc(t);
  size_t len = strlen(s);
  char *buf = malloc(len + 1);
  if (strcmp(s, printed)) printf("INCONSISTENT: ct_repr_alloc differs from ct_print\n");
  if (ct_repr(t, buf, len + 1) != CT_OK || strcmp(buf, s)) printf("INCONSISTENT: ct_repr with exact buffer\n");
  if (len > 0 && (ct_repr(t, buf, len) == CT_OK || strncmp(buf, s, len - 1) || buf[len - 1]))
    printf("INCONSISTENT: ct_repr with a short buffer\n");
  free(buf);
  free(s);
}

static void run_case(char *line) {
  char *save;
  const char *kind = strtok_r(line, " \n", &save);
  if (!strcmp(kind, "S")) {
    int64_t shape[CT_MAX_DIMS];
    int ndim = parse_shape(&save, shape);
    ct_print_shape(ct_zeros(ndim, shape, CT_FLOAT32));
    return;
  }
  if (!strcmp(kind, "X")) { // a creation case's values, bit for bit
    ct_tensor *t = creation_case(next_tok(&save), &save);
    int64_t n = ct_numel(t);
    double *v = malloc(sizeof *v * (size_t)(n > 0 ? n : 1));
    if (!t || ct_to_f64_array(t, v) != CT_OK) printf("ERROR: %s", ct_last_error());
    for (int64_t k = 0; k < n; k++) printf("%a ", v[k]);
    printf("\n");
    free(v);
    return;
  }
  ct_tensor *t;
  if (!strcmp(kind, "P") || !strcmp(kind, "PT")) {
    const char *literal = save; // the rest of the line
    t = kind[1] ? ct_Tensor_parse(literal) : ct_tensor_parse(literal);
  } else if (!strcmp(kind, "T")) {
    t = tensor_case(&save);
  } else {
    t = creation_case(kind, &save);
  }
  if (!t) {
    printf("ERROR: %s\n", ct_last_error());
    return;
  }
  fflush(stdout);
  char *printed = ct_repr_alloc(t);
  ct_print(t);
  check_consistency(t, printed);
  free(printed);
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    line[strcspn(line, "\n")] = '\0';
    ct_scope *scope = ct_scope_open();
    run_case(line);
    ct_scope_close(scope);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}

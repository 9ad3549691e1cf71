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
//   X <creation case>              the created values as hex floats (TU_HEX: bit-exactness)
// Every repr is also checked for consistency between ct_print, ct_repr_alloc and ct_repr
// with exact and one-byte-short buffers; a disagreement prints "INCONSISTENT: ...".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// Values arrive as hex floats (exact) or decimal integers; converted to the dtype.
static ct_tensor *parse_values(tu_tokens *tok, ct_dtype dtype, int ndim, const int64_t *shape) {
  int64_t n = tu_next_int(tok);
  if (ct_dtype_is_floating(dtype)) {
    double *v = malloc(sizeof *v * (size_t)(n ? n : 1));
    for (int64_t k = 0; k < n; k++) v[k] = tu_next_double(tok);
    ct_tensor *t = ct_tensor_from_data(v, CT_FLOAT64, dtype, ndim, shape);
    free(v);
    return t;
  }
  int64_t *v = malloc(sizeof *v * (size_t)(n ? n : 1));
  for (int64_t k = 0; k < n; k++) v[k] = tu_next_int(tok);
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

static ct_tensor *tensor_case(tu_tokens *tok) {
  ct_dtype dtype = tu_parse_dtype(tu_need(tok));
  int64_t shape[CT_MAX_DIMS];
  int ndim = tu_read_shape(tok, shape);
  const char *view = tu_need(tok), *mode = tu_need(tok);
  ct_tensor *t = parse_values(tok, dtype, ndim, shape);
  return apply_mode(apply_view(t, view), mode);
}

static ct_tensor *creation_case(const char *kind, tu_tokens *tok) {
  int64_t shape[CT_MAX_DIMS];
  if (!strcmp(kind, "Z") || !strcmp(kind, "O")) {
    ct_dtype dtype = tu_parse_dtype(tu_need(tok));
    int ndim = tu_read_shape(tok, shape);
    return kind[0] == 'Z' ? ct_zeros(ndim, shape, dtype) : ct_ones(ndim, shape, dtype);
  }
  if (!strcmp(kind, "F")) {
    double value = tu_next_double(tok);
    ct_dtype dtype = tu_parse_dtype(tu_need(tok));
    int ndim = tu_read_shape(tok, shape);
    return ct_full(ndim, shape, value, dtype);
  }
  if (!strcmp(kind, "A")) {
    double start = tu_next_double(tok), end = tu_next_double(tok), step = tu_next_double(tok);
    return ct_arange(start, end, step, tu_parse_dtype(tu_need(tok)));
  }
  if (!strcmp(kind, "L")) {
    double start = tu_next_double(tok), end = tu_next_double(tok);
    int64_t steps = tu_next_int(tok);
    return ct_linspace(start, end, steps, tu_parse_dtype(tu_need(tok)));
  }
  if (!strcmp(kind, "E")) {
    int64_t n = tu_next_int(tok), m = tu_next_int(tok);
    return ct_eye(n, m, tu_parse_dtype(tu_need(tok)));
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
  tu_tokens tok = tu_tokens_of(line);
  const char *kind = tu_need(&tok);
  if (!strcmp(kind, "S")) {
    int64_t shape[CT_MAX_DIMS];
    int ndim = tu_read_shape(&tok, shape);
    ct_print_shape(ct_zeros(ndim, shape, CT_FLOAT32));
    return;
  }
  if (!strcmp(kind, "X")) { // a creation case's values, bit for bit
    ct_tensor *t = creation_case(tu_need(&tok), &tok);
    if (t) tu_print_line("", t, TU_HEX);
    else printf("ERROR: %s\n", ct_last_error());
    return;
  }
  ct_tensor *t;
  if (!strcmp(kind, "P") || !strcmp(kind, "PT")) {
    const char *literal = tok.rest; // the rest of the line
    t = kind[1] ? ct_Tensor_parse(literal) : ct_tensor_parse(literal);
  } else if (!strcmp(kind, "T")) {
    t = tensor_case(&tok);
  } else {
    t = creation_case(kind, &tok);
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

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

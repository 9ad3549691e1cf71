#define _POSIX_C_SOURCE 200809L // getline, strtok_r
#include "oracle_io.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_END "@@END@@" // harness.RECORD_END

// ---- the case loop ----

int tu_oracle_main(void (*run_case)(char *line), tu_case_scope scope) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    line[strcspn(line, "\n")] = '\0';
    ct_scope *s = scope == TU_SCOPE_PER_CASE ? ct_scope_open() : NULL;
    run_case(line);
    if (s && ct_scope_close(s) != CT_OK) printf("scope error: %s\n", ct_last_error());
    printf(RECORD_END "\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}

void tu_for_each_command(char *line, void (*run_command)(char *command)) {
  char *save;
  for (char *cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) run_command(cmd);
}

// ---- tokens ----

tu_tokens tu_tokens_of(char *line) { return (tu_tokens){line}; }

char *tu_next(tu_tokens *tok) {
  char *s = tok->rest + strspn(tok->rest, " \t\n");
  if (!*s) return NULL;
  char *end = s + strcspn(s, " \t\n");
  if (*end) *end++ = '\0';
  tok->rest = end;
  return s;
}

int tu_split(char *text, char **tokens, int max) {
  tu_tokens tok = tu_tokens_of(text);
  int n = 0;
  for (char *t; n < max && (t = tu_next(&tok));) tokens[n++] = t;
  return n;
}

_Noreturn void tu_bad_case(const char *what, const char *token) {
  fprintf(stderr, "malformed case: %s %s\n", what, token ? token : "(missing)");
  exit(2);
}

char *tu_need(tu_tokens *tok) {
  char *s = tu_next(tok);
  if (!s) tu_bad_case("expected a token", NULL);
  return s;
}

long long tu_next_int(tu_tokens *tok) { return strtoll(tu_need(tok), NULL, 10); }
double tu_next_double(tu_tokens *tok) { return strtod(tu_need(tok), NULL); }

// ---- reading cases ----

ct_dtype tu_parse_dtype(const char *name) {
  static const char *const codes[CT_NUM_DTYPES] = {"b", "i32", "i64", "f32", "f64"};
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    if (name && (!strcmp(name, codes[d]) || !strcmp(name, ct_dtype_name((ct_dtype)d)))) return (ct_dtype)d;
  tu_bad_case("unknown dtype", name);
}

int tu_read_shape(tu_tokens *tok, int64_t *shape) {
  int ndim = (int)tu_next_int(tok);
  if (ndim < 0 || ndim > CT_MAX_DIMS) tu_bad_case("ndim", "");
  for (int d = 0; d < ndim; d++) shape[d] = tu_next_int(tok);
  return ndim;
}

int tu_parse_shape_list(const char *text, int64_t *shape) {
  if (!strcmp(text, "s")) return 0;
  int n = 0;
  for (char *p = (char *)text; *p && n < CT_MAX_DIMS; p += (*p == ',')) shape[n++] = strtoll(p, &p, 10);
  return n;
}

// One element of a spec, stored at p as dtype.
static void parse_element(const char *tok, ct_dtype dtype, char *p) {
  bool bits = dtype >= CT_FLOAT32 && tok[0] == '0' && tok[1] == 'x' && !strpbrk(tok, "pP");
  if (bits && dtype == CT_FLOAT32) {
    uint32_t u = (uint32_t)strtoul(tok, NULL, 16);
    memcpy(p, &u, 4);
  } else if (bits) {
    uint64_t u = strtoull(tok, NULL, 16);
    memcpy(p, &u, 8);
  } else {
    switch (dtype) {
    case CT_BOOL: *(bool *)p = atoi(tok) != 0; break;
    case CT_INT32: *(int32_t *)p = (int32_t)strtol(tok, NULL, 10); break;
    case CT_INT64: *(int64_t *)p = strtoll(tok, NULL, 10); break;
    case CT_FLOAT32: *(float *)p = (float)strtod(tok, NULL); break;
    default: *(double *)p = strtod(tok, NULL); break;
    }
  }
}

static void free_buffer(void *data, void *ctx) {
  (void)data;
  free(ctx);
}

// Byte offset of the k-th element (row-major) of a strided view.
static int64_t element_offset(int ndim, const int64_t *shape, const int64_t *strides, int64_t k,
                              size_t size) {
  int64_t off = 0;
  for (int d = ndim - 1; d >= 0; d--) {
    off += k % shape[d] * strides[d];
    k /= shape[d];
  }
  return off * (int64_t)size;
}

ct_tensor *tu_read_tensor(tu_tokens *tok, tu_storage how) {
  ct_dtype dtype = tu_parse_dtype(tu_need(tok));
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int ndim = tu_read_shape(tok, shape);
  for (int d = 0; d < ndim; d++) strides[d] = tu_next_int(tok);
  int64_t offset = tu_next_int(tok), len = tu_next_int(tok);
  size_t size = ct_dtype_size(dtype);
  char *buf = malloc((size_t)(len ? len : 1) * size);
  for (int64_t i = 0; i < len; i++) parse_element(tu_need(tok), dtype, buf + i * (int64_t)size);
  char *first = buf + offset * (int64_t)size;
  if (how == TU_WRAP) return ct_from_blob(first, dtype, ndim, shape, strides, free_buffer, buf);
  ct_tensor *t = ct_empty(ndim, shape, dtype);
  char *dst = ct_data_ptr(t);
  for (int64_t k = 0; k < ct_numel(t); k++)
    memcpy(dst + k * (int64_t)size, first + element_offset(ndim, shape, strides, k, size), size);
  free(buf);
  return t;
}

// ---- answers ----

// Python's float.hex(): 0x1.<13 hex digits>p<exp> for normal numbers, 0x0.<13>p-1022 for
// subnormal ones, 0x0.0p+0 for zero.
static void print_hex_float(FILE *out, double v) {
  if (isnan(v)) {
    fprintf(out, " nan");
    return;
  }
  if (isinf(v)) {
    fprintf(out, v < 0 ? " -inf" : " inf");
    return;
  }
  uint64_t b;
  memcpy(&b, &v, 8);
  const char *sign = b >> 63 ? "-" : "";
  int exponent = (int)(b >> 52 & 0x7ff);
  unsigned long long mantissa = b & ((UINT64_C(1) << 52) - 1);
  if (!exponent && !mantissa) fprintf(out, " %s0x0.0p+0", sign);
  else if (!exponent) fprintf(out, " %s0x0.%013llxp-1022", sign, mantissa);
  else fprintf(out, " %s0x1.%013llxp%+d", sign, mantissa, exponent - 1023);
}

static void print_element(FILE *out, const char *p, ct_dtype dtype, tu_float_format fmt) {
  uint32_t u32;
  uint64_t u64;
  float f;
  double v;
  switch (dtype) {
  case CT_BOOL: fprintf(out, " %d", *(const unsigned char *)p); break; // the raw byte: 0 or 1
  case CT_INT32: fprintf(out, " %d", *(const int32_t *)p); break;
  case CT_INT64: fprintf(out, " %lld", (long long)*(const int64_t *)p); break;
  case CT_FLOAT32:
    if (fmt == TU_BITS) {
      memcpy(&u32, p, 4);
      fprintf(out, " %08lx", (unsigned long)u32);
    } else {
      memcpy(&f, p, 4);
      print_hex_float(out, f);
    }
    break;
  default:
    if (fmt == TU_BITS) {
      memcpy(&u64, p, 8);
      fprintf(out, " %016llx", (unsigned long long)u64);
    } else {
      memcpy(&v, p, 8);
      print_hex_float(out, v);
    }
    break;
  }
}

void tu_print_values(FILE *out, const ct_tensor *t, tu_float_format fmt) {
  if (!t) return;
  ct_dtype dtype = ct_get_dtype(t);
  size_t size = ct_dtype_size(dtype);
  const char *base = ct_data_ptr(t);
  for (int64_t k = 0; k < ct_numel(t); k++)
    print_element(out, base + element_offset(ct_dim(t), ct_shape(t), ct_strides(t), k, size), dtype, fmt);
}

void tu_print_line(const char *tag, const ct_tensor *t, tu_float_format fmt) {
  printf("%s", tag);
  tu_print_values(stdout, t, fmt);
  printf("\n");
}

void tu_print_tensor_bits(const char *tag, const ct_tensor *t) {
  char shape[256];
  ct_shape_str(t, shape, sizeof shape);
  printf("%s %s %s", tag, ct_dtype_name(ct_get_dtype(t)), shape);
  tu_print_line("", t, TU_BITS);
}

void tu_print_names(const char *tag, ct_named_list *l) {
  printf("%s", tag);
  for (int i = 0; l && i < l->count; i++) printf(" %s", l->items[i].name);
  printf("\n");
  ct_named_list_free(l);
}

void tu_print_state_dict(ct_module *m) {
  ct_named_list *sd = ct_module_state_dict(m);
  for (int i = 0; sd && i < sd->count; i++) {
    char tag[300];
    snprintf(tag, sizeof tag, "key %s", sd->items[i].name);
    tu_print_tensor_bits(tag, sd->items[i].tensor);
  }
  ct_named_list_free(sd);
}

void tu_print_graph(const ct_node *node, int depth) {
  if (!node) {
    printf("None");
    return;
  }
  if (!strcmp(ct_node_name(node), "AccumulateGrad")) {
    printf("Leaf");
    return;
  }
  printf("%s", ct_node_name(node));
  if (!depth) return;
  printf("(");
  for (int i = 0; i < ct_node_num_next(node); i++) {
    if (i) printf(",");
    tu_print_graph(ct_node_next(node, i), depth - 1);
  }
  printf(")");
}

bool tu_print_result(const ct_tensor *out, int graph_depth) {
  if (!out) {
    printf("err %s\n", ct_last_error());
    return false;
  }
  char shape[256];
  ct_shape_str(out, shape, sizeof shape);
  printf("ok %s %s\nfn ", ct_dtype_name(ct_get_dtype(out)), shape);
  tu_print_graph(ct_grad_fn(out), graph_depth);
  printf("\n");
  tu_print_line("v", out, TU_HEX);
  return true;
}

// ---- gradients ----

double tu_weighted_sum(const ct_tensor *t, const ct_tensor *w) {
  int64_t n = ct_numel(t);
  double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v), *g = malloc((size_t)(n > 0 ? n : 1) * sizeof *g);
  ct_to_f64_array(t, v);
  if (w) ct_to_f64_array(w, g);
  double sum = 0;
  for (int64_t i = 0; i < n; i++) sum += v[i] * (w ? g[i] : 1);
  free(v);
  free(g);
  return sum;
}

void tu_set_no_grad(ct_tensor *x, const int64_t *idx, double value) {
  bool mode = ct_no_grad_enter(); // perturbing a leaf that requires grad, as gradcheck does
  ct_set(x, idx, value);
  ct_grad_mode_restore(mode);
}

void tu_central_differences(ct_tensor *x, double (*objective)(void *ctx), void *ctx, double rel_step,
                            double abs_step, double *out) {
  int nd = ct_dim(x);
  int64_t idx[CT_MAX_DIMS] = {0};
  for (int64_t e = 0; e < ct_numel(x); e++) {
    double v;
    ct_get(x, idx, &v);
    double h = rel_step ? rel_step * fabs(v) + abs_step : abs_step;
    tu_set_no_grad(x, idx, v + h);
    double up = objective(ctx);
    tu_set_no_grad(x, idx, v - h);
    double down = objective(ctx);
    tu_set_no_grad(x, idx, v);
    out[e] = (up - down) / (2 * h);
    for (int d = nd - 1; d >= 0 && ++idx[d] == ct_size(x, d); d--) idx[d] = 0;
  }
}

// ---- op cases ----

static void read_op_inputs(tu_tokens *tok, tu_op_case *c) {
  c->n = (int)tu_next_int(tok);
  if (c->n < 0 || c->n > TU_MAX_INPUTS) tu_bad_case("number of inputs", "");
  for (int k = 0; k < c->n; k++) {
    c->requires_grad[k] = tu_next_int(tok) != 0;
    c->in[k] = tu_read_tensor(tok, TU_WRAP);
    if (c->requires_grad[k]) ct_set_requires_grad(c->in[k], true);
  }
  c->w = !strcmp(tu_need(tok), "W") ? tu_read_tensor(tok, TU_WRAP) : NULL;
  c->fd = tu_next_int(tok) != 0;
}

typedef struct objective_ctx {
  const tu_op_case *c;
  ct_tensor *(*op)(const tu_op_case *c);
} objective_ctx;

// sum(op(inputs) * w) with grad mode off.
static double op_objective(void *ctx) {
  const objective_ctx *o = ctx;
  ct_scope *s = ct_scope_open();
  bool prev = ct_no_grad_enter();
  ct_tensor *out = o->op(o->c);
  ct_grad_mode_restore(prev);
  double sum = tu_weighted_sum(out, o->c->w);
  ct_scope_close(s);
  return sum;
}

// The worst |numeric - analytic| / (1 + |analytic|) over the inputs that require grad.
static double worst_gradient_error(const tu_op_case *c, ct_tensor *(*op)(const tu_op_case *), double h) {
  objective_ctx ctx = {c, op};
  double worst = 0;
  for (int k = 0; k < c->n; k++) {
    if (!c->requires_grad[k]) continue;
    ct_tensor *x = c->in[k], *g = ct_grad(x);
    int64_t n = ct_numel(x);
    double *numeric = malloc((size_t)(n ? n : 1) * sizeof *numeric);
    double *analytic = calloc((size_t)(n ? n : 1), sizeof *analytic);
    tu_central_differences(x, op_objective, &ctx, 0, h, numeric);
    if (g) ct_to_f64_array(g, analytic);
    for (int64_t e = 0; e < n; e++) {
      double diff = fabs(numeric[e] - analytic[e]) / (1 + fabs(analytic[e]));
      if (diff > worst) worst = diff;
    }
    free(numeric);
    free(analytic);
  }
  return worst;
}

static void print_gradients(const tu_op_case *c, ct_tensor *out, ct_tensor *(*op)(const tu_op_case *), double h,
                            double tol) {
  if (ct_backward(out, c->w) != CT_OK) {
    printf("bwerr %s\n", ct_last_error());
    return;
  }
  for (int k = 0; k < c->n; k++) {
    if (!c->requires_grad[k]) continue;
    char tag[16];
    snprintf(tag, sizeof tag, "g%d", k);
    if (ct_grad(c->in[k])) tu_print_line(tag, ct_grad(c->in[k]), TU_HEX);
    else printf("%s None\n", tag);
  }
  if (!c->fd) return;
  double worst = worst_gradient_error(c, op, h);
  if (worst < tol) printf("fd ok\n");
  else printf("fd bad %g\n", worst);
}

void tu_run_op_case(char *line, const tu_op_area *area, void *args) {
  tu_tokens tok = tu_tokens_of(line);
  tu_op_case c = {.args = args};
  snprintf(c.op, sizeof c.op, "%s", tu_need(&tok));
  area->read_args(&tok, args);
  read_op_inputs(&tok, &c);
  ct_tensor *out = area->op(&c);
  tu_print_result(out, area->graph_depth);
  if (area->after_forward) area->after_forward(&c, out);
  if (out && c.w) print_gradients(&c, out, area->op, area->fd_step, area->fd_tol);
}

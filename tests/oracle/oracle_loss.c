// Oracle program for the losses (driven by oracle_loss.py). One case per stdin line:
//   <loss> <reduction 0|1|2> [key=value ...] [flags ...]
// losses: bce bce_logits mse l1 nll ce. Keys: x t w pw go (tensors), ignore (int64),
// ls (label smoothing, decimal). A tensor is "<dtype>:<shape>:<values>" with dtype f32,
// f64 or i64, shape "2,3" ("s" for 0-d, "0" for empty), values comma-separated: floats as
// hex bit patterns, ints in decimal. Flags: gx / gt set requires_grad on x / t; T uses the
// transposes of 2-D x and t (non-contiguous inputs); fd adds central differences of
// sum(out * go) w.r.t. x (and t) in float64.
// Answer lines: "name <grad_fn>", "out <dtype> <shape> <values>", then "gx <values>" /
// "gt <values>" (after backward with go, or implicit 1), "fdx ..." / "fdt ..."; or
// "ERR <message>" for a failing call. Then "@@END@@".
#define _POSIX_C_SOURCE 200809L // getline, strtok_r
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

typedef struct loss_case {
  char loss[32];
  ct_reduction reduction;
  ct_tensor *x, *t, *w, *pw, *go;
  int64_t ignore;
  double ls;
  bool gx, gt, transpose, fd;
} loss_case;

static ct_tensor *parse_tensor(char *spec) {
  char *dt = strtok_r(spec, ":", &spec);
  char *shape_s = strtok_r(NULL, ":", &spec);
  char *vals = spec ? spec : (char *)"";
  int64_t shape[CT_MAX_DIMS];
  int nd = 0;
  if (strcmp(shape_s, "s"))
    for (char *p = shape_s; *p && nd < CT_MAX_DIMS; p += (*p == ',')) shape[nd++] = strtoll(p, &p, 10);
  ct_dtype dtype = !strcmp(dt, "f32") ? CT_FLOAT32 : !strcmp(dt, "f64") ? CT_FLOAT64 : CT_INT64;
  ct_tensor *out = ct_empty(nd, shape, dtype);
  char *data = ct_data_ptr(out);
  int64_t n = ct_numel(out);
  char *p = vals;
  for (int64_t i = 0; i < n; i++) {
    unsigned long long bits = dtype == CT_INT64 ? (unsigned long long)strtoll(p, &p, 10) : strtoull(p, &p, 16);
    if (*p == ',') p++;
    if (dtype == CT_FLOAT32) {
      uint32_t u = (uint32_t)bits;
      memcpy(data + 4 * i, &u, 4);
    } else {
      memcpy(data + 8 * i, &bits, 8);
    }
  }
  return out;
}

static void print_values(const char *tag, ct_tensor *t) {
  ct_tensor *c = ct_contiguous(t);
  printf("%s", tag);
  int64_t n = ct_numel(c);
  const char *data = ct_data_ptr(c);
  for (int64_t i = 0; i < n; i++) {
    if (ct_get_dtype(c) == CT_FLOAT32) {
      uint32_t u;
      memcpy(&u, data + 4 * i, 4);
      printf(" %08" PRIx32, u);
    } else {
      uint64_t u;
      memcpy(&u, data + 8 * i, 8);
      printf(" %016" PRIx64, u);
    }
  }
  printf("\n");
}

static ct_tensor *run_loss(const loss_case *c, ct_tensor *x, ct_tensor *t) {
  const char *l = c->loss;
  if (!strcmp(l, "bce")) return ct_binary_cross_entropy(x, t, c->w, c->reduction);
  if (!strcmp(l, "bce_logits")) return ct_binary_cross_entropy_with_logits(x, t, c->w, c->pw, c->reduction);
  if (!strcmp(l, "mse")) return ct_mse_loss(x, t, c->reduction);
  if (!strcmp(l, "l1")) return ct_l1_loss(x, t, c->reduction);
  if (!strcmp(l, "nll")) return ct_nll_loss(x, t, c->w, c->ignore, c->reduction);
  if (!strcmp(l, "ce")) return ct_cross_entropy(x, t, c->w, c->ignore, c->ls, c->reduction);
  fprintf(stderr, "unknown loss %s\n", l);
  exit(2);
}

// sum(out * go) in double, go absent meaning ones.
static double objective(const loss_case *c, ct_tensor *x, ct_tensor *t) {
  ct_tensor *out = run_loss(c, x, t);
  int64_t n = ct_numel(out);
  double *v = malloc(sizeof(double) * (size_t)(n + 1)), *g = malloc(sizeof(double) * (size_t)(n + 1));
  ct_to_f64_array(out, v);
  if (c->go) ct_to_f64_array(c->go, g);
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += v[i] * (c->go ? g[i] : 1);
  free(v);
  free(g);
  return s;
}

// Central differences of the objective with respect to each element of `which`.
static void print_fd(const char *tag, const loss_case *c, ct_tensor *x, ct_tensor *t, ct_tensor *which) {
  bool prev = ct_no_grad_enter();
  int64_t n = ct_numel(which);
  ct_tensor *fd = ct_empty(1, &n, CT_FLOAT64);
  double *d = ct_data_ptr(fd), *p = ct_data_ptr(which);
  for (int64_t i = 0; i < n; i++) {
    double v = p[i], h = 1e-6 * (v < 0 ? -v : v) + 1e-7;
    p[i] = v + h;
    double up = objective(c, x, t);
    p[i] = v - h;
    double down = objective(c, x, t);
    p[i] = v;
    d[i] = (up - down) / (2 * h);
  }
  ct_grad_mode_restore(prev);
  print_values(tag, fd);
}

static void run_case(char *line) {
  loss_case c = {.ignore = CT_IGNORE_INDEX_DEFAULT};
  char *save, *tok = strtok_r(line, " ", &save);
  snprintf(c.loss, sizeof c.loss, "%s", tok);
  c.reduction = (ct_reduction)atoi(strtok_r(NULL, " ", &save));
  while ((tok = strtok_r(NULL, " ", &save))) {
    char *eq = strchr(tok, '=');
    if (!eq) {
      c.gx |= !strcmp(tok, "gx");
      c.gt |= !strcmp(tok, "gt");
      c.transpose |= !strcmp(tok, "T");
      c.fd |= !strcmp(tok, "fd");
      continue;
    }
    *eq = '\0';
    char *v = eq + 1;
    if (!strcmp(tok, "ignore")) c.ignore = strtoll(v, NULL, 10);
    else if (!strcmp(tok, "ls")) c.ls = strtod(v, NULL);
    else {
      ct_tensor *tt = parse_tensor(v);
      if (!strcmp(tok, "x")) c.x = tt;
      else if (!strcmp(tok, "t")) c.t = tt;
      else if (!strcmp(tok, "w")) c.w = tt;
      else if (!strcmp(tok, "pw")) c.pw = tt;
      else if (!strcmp(tok, "go")) c.go = tt;
    }
  }
  if (c.gx) ct_set_requires_grad(c.x, true);
  if (c.gt) ct_set_requires_grad(c.t, true);
  ct_tensor *x = c.transpose ? ct_t(c.x) : c.x, *t = c.transpose ? ct_t(c.t) : c.t;
  ct_tensor *out = run_loss(&c, x, t);
  if (!out) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  ct_node *fn = ct_grad_fn(out);
  printf("name %s\n", fn ? ct_node_name(fn) : "None");
  char shape[256];
  ct_shape_str(out, shape, sizeof shape);
  printf("out %s %s", ct_dtype_name(ct_get_dtype(out)), shape);
  print_values("", out);
  if (c.gx || c.gt) {
    if (ct_backward(out, c.go) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
      return;
    }
    if (c.gx) print_values("gx", ct_grad(c.x));
    if (c.gt) print_values("gt", ct_grad(c.t));
  }
  if (c.fd) {
    print_fd("fdx", &c, x, t, c.x);
    if (c.gt) print_fd("fdt", &c, x, t, c.t);
  }
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (line[len - 1] == '\n') line[len - 1] = '\0';
    ct_scope *s = ct_scope_open();
    run_case(line);
    ct_scope_close(s);
    printf("@@END@@\n");
    fflush(stdout);
  }
  free(line);
  return 0;
}

// Oracle program for the losses (driven by oracle_loss.py). One case per stdin line:
//   <loss> <reduction 0|1|2> [<key> <value> ...] [<flag> ...]
// losses: bce bce_logits mse l1 nll ce. Keys: x t w pw go (tensor specs, see oracle_io.h),
// ignore (int64), ls (label smoothing, a hex float). Flags: gx / gt set requires_grad on
// x / t; T uses the transposes of 2-D x and t (non-contiguous inputs); fd adds central
// differences of sum(out * go) w.r.t. x (and t) in float64.
// Answer lines: "name <grad_fn>", "out <dtype> <shape> <values>", then "gx <values>" /
// "gt <values>" (after backward with go, or implicit 1), "fdx ..." / "fdt ..."; or
// "ERR <message>" for a failing call. Values are bit patterns (TU_BITS).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

typedef struct loss_case {
  char loss[32];
  ct_reduction reduction;
  ct_tensor *x, *t, *w, *pw, *go;
  ct_tensor *x_in, *t_in; // what the loss gets: x and t, or their transposes
  int64_t ignore;
  double ls;
  bool gx, gt, transpose, fd;
} loss_case;

static ct_tensor *run_loss(const loss_case *c) {
  const char *l = c->loss;
  ct_tensor *x = c->x_in, *t = c->t_in;
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
static double objective(void *ctx) {
  const loss_case *c = ctx;
  return tu_weighted_sum(run_loss(c), c->go);
}

// Central differences of the objective with respect to each element of `which`.
static void print_fd(const char *tag, loss_case *c, ct_tensor *which) {
  bool prev = ct_no_grad_enter();
  int64_t n = ct_numel(which);
  ct_tensor *fd = ct_empty(1, &n, CT_FLOAT64);
  tu_central_differences(which, objective, c, 1e-6, 1e-7, ct_data_ptr(fd));
  ct_grad_mode_restore(prev);
  tu_print_line(tag, fd, TU_BITS);
}

static void read_case(char *line, loss_case *c) {
  tu_tokens tok = tu_tokens_of(line);
  snprintf(c->loss, sizeof c->loss, "%s", tu_need(&tok));
  c->reduction = (ct_reduction)tu_next_int(&tok);
  for (const char *key; (key = tu_next(&tok));) {
    ct_tensor **slot = !strcmp(key, "x")    ? &c->x
                       : !strcmp(key, "t")  ? &c->t
                       : !strcmp(key, "w")  ? &c->w
                       : !strcmp(key, "pw") ? &c->pw
                       : !strcmp(key, "go") ? &c->go
                                            : NULL;
    if (slot) *slot = tu_read_tensor(&tok, TU_COPY);
    else if (!strcmp(key, "ignore")) c->ignore = tu_next_int(&tok);
    else if (!strcmp(key, "ls")) c->ls = tu_next_double(&tok);
    else if (!strcmp(key, "gx")) c->gx = true;
    else if (!strcmp(key, "gt")) c->gt = true;
    else if (!strcmp(key, "T")) c->transpose = true;
    else if (!strcmp(key, "fd")) c->fd = true;
    else tu_bad_case("unknown key", key);
  }
}

static void run_case(char *line) {
  loss_case c = {.ignore = CT_IGNORE_INDEX_DEFAULT};
  read_case(line, &c);
  if (c.gx) ct_set_requires_grad(c.x, true);
  if (c.gt) ct_set_requires_grad(c.t, true);
  c.x_in = c.transpose ? ct_t(c.x) : c.x;
  c.t_in = c.transpose ? ct_t(c.t) : c.t;
  ct_tensor *out = run_loss(&c);
  if (!out) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  ct_node *fn = ct_grad_fn(out);
  printf("name %s\n", fn ? ct_node_name(fn) : "None");
  char shape[256];
  ct_shape_str(out, shape, sizeof shape);
  printf("out %s %s", ct_dtype_name(ct_get_dtype(out)), shape);
  tu_print_line("", out, TU_BITS);
  if (c.gx || c.gt) {
    if (ct_backward(out, c.go) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
      return;
    }
    if (c.gx) tu_print_line("gx", ct_grad(c.x), TU_BITS);
    if (c.gt) tu_print_line("gt", ct_grad(c.t), TU_BITS);
  }
  if (c.fd) {
    print_fd("fdx", &c, c.x);
    if (c.gt) print_fd("fdt", &c, c.t);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

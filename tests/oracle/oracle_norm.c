#define _POSIX_C_SOURCE 200809L // strtok_r
// Oracle program for normalisation, channel dropout, padding and module buffers (driven
// by oracle_norm.py). One case per stdin line.
//
// Functional cases: "<op> [<key> <value>]... [<flag>]..." with op bn ln gn pad do2d.
// Keys: x rm rv w b go (tensor specs, oracle_io.h), train (0/1), mom, eps, p, value (hex
// floats), groups, seed (integers), shape, pads (comma-separated lists). Flags: gx gw gb
// (requires_grad on x / w / b, then backward with go), fd (float64 central differences of
// sum(out * go) for those inputs). Answer lines: "name <graph>", "out <dtype> <shape>
// <values>", "rm <values>" / "rv <values>" (the running statistics afterwards), "gx" /
// "gw" / "gb <values>", "fdx" / "fdw" / "fdb <values>"; or "ERR <message>". Values are
// bit patterns (TU_BITS).
//
// Module cases: "mod <command>; <command>; ..." on one module:
//   new bn1d|bn2d <C> <eps> <momentum|none> <affine> <track>   new ln <eps> <affine> <sizes>
//   new gn <groups> <C> <eps> <affine>                         new do2d <p>
//   seq          (wrap the module in a Sequential as child "0", after a Linear(2, 2))
//   train | eval
//   fwd <spec>   (forward; "out ..." or "ERR ...")     seed <n>   (ct_manual_seed)
//   state        ("key <name> <dtype> <shape> <values>" per state_dict entry)
//   names        ("params ...", "buffers ...")         repr ("repr" then the module's repr)
//   save <dir>   load <dir>   ("ok" or "ERR ...")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

typedef struct norm_case {
  char op[16];
  ct_tensor *x, *rm, *rv, *w, *b, *go;
  bool train, gx, gw, gb, fd;
  double mom, eps, p, value;
  int64_t groups, seed;
  int n_shape, n_pads;
  int64_t shape[CT_MAX_DIMS], pads[2 * CT_MAX_DIMS];
} norm_case;

static int read_list(tu_tokens *tok, int64_t *out, int max) {
  char *text = tu_need(tok);
  if (!strcmp(text, "-")) return 0;
  int n = 0;
  for (char *save, *p = strtok_r(text, ",", &save); p && n < max; p = strtok_r(NULL, ",", &save))
    out[n++] = strtoll(p, NULL, 10);
  return n;
}

static void read_case(char *line, norm_case *c) {
  tu_tokens tok = tu_tokens_of(line);
  snprintf(c->op, sizeof c->op, "%s", tu_need(&tok));
  for (const char *key; (key = tu_next(&tok));) {
    ct_tensor **slot = !strcmp(key, "x")    ? &c->x
                       : !strcmp(key, "rm") ? &c->rm
                       : !strcmp(key, "rv") ? &c->rv
                       : !strcmp(key, "w")  ? &c->w
                       : !strcmp(key, "b")  ? &c->b
                       : !strcmp(key, "go") ? &c->go
                                            : NULL;
    if (slot) *slot = tu_read_tensor(&tok, TU_WRAP);
    else if (!strcmp(key, "train")) c->train = tu_next_int(&tok) != 0;
    else if (!strcmp(key, "mom")) c->mom = tu_next_double(&tok);
    else if (!strcmp(key, "eps")) c->eps = tu_next_double(&tok);
    else if (!strcmp(key, "p")) c->p = tu_next_double(&tok);
    else if (!strcmp(key, "value")) c->value = tu_next_double(&tok);
    else if (!strcmp(key, "groups")) c->groups = tu_next_int(&tok);
    else if (!strcmp(key, "seed")) c->seed = tu_next_int(&tok);
    else if (!strcmp(key, "shape")) c->n_shape = read_list(&tok, c->shape, CT_MAX_DIMS);
    else if (!strcmp(key, "pads")) c->n_pads = read_list(&tok, c->pads, 2 * CT_MAX_DIMS);
    else if (!strcmp(key, "gx")) c->gx = true;
    else if (!strcmp(key, "gw")) c->gw = true;
    else if (!strcmp(key, "gb")) c->gb = true;
    else if (!strcmp(key, "fd")) c->fd = true;
    else tu_bad_case("unknown key", key);
  }
}

static ct_tensor *run_op(const norm_case *c) {
  if (!strcmp(c->op, "bn")) return ct_batch_norm(c->x, c->rm, c->rv, c->w, c->b, c->train, c->mom, c->eps);
  if (!strcmp(c->op, "ln")) return ct_layer_norm(c->x, c->n_shape, c->shape, c->w, c->b, c->eps);
  if (!strcmp(c->op, "gn")) return ct_group_norm(c->x, c->groups, c->w, c->b, c->eps);
  if (!strcmp(c->op, "pad")) return ct_pad(c->x, c->pads, c->n_pads, c->value);
  if (!strcmp(c->op, "do2d")) {
    ct_manual_seed((uint64_t)c->seed);
    return ct_dropout2d(c->x, c->p, c->train);
  }
  tu_bad_case("unknown op", c->op);
}

static double objective(void *ctx) { return tu_weighted_sum(run_op(ctx), ((norm_case *)ctx)->go); }

static void print_fd(const char *tag, norm_case *c, ct_tensor *which) {
  bool prev = ct_no_grad_enter();
  int64_t n = ct_numel(which);
  ct_tensor *fd = ct_empty(1, &n, CT_FLOAT64);
  tu_central_differences(which, objective, c, 1e-6, 1e-7, ct_data_ptr(fd));
  ct_grad_mode_restore(prev);
  tu_print_line(tag, fd, TU_BITS);
}

static void run_case_functional(char *line) {
  norm_case c = {0};
  read_case(line, &c);
  if (c.gx) ct_set_requires_grad(c.x, true);
  if (c.gw) ct_set_requires_grad(c.w, true);
  if (c.gb) ct_set_requires_grad(c.b, true);
  ct_tensor *out = run_op(&c);
  if (!out) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  printf("name ");
  tu_print_graph(ct_grad_fn(out), 1);
  printf("\n");
  tu_print_tensor_bits("out", out);
  if (c.rm) tu_print_line("rm", c.rm, TU_BITS);
  if (c.rv) tu_print_line("rv", c.rv, TU_BITS);
  if (c.gx || c.gw || c.gb) {
    if (ct_backward(out, c.go) != CT_OK) {
      printf("ERR %s\n", ct_last_error());
      return;
    }
    if (c.gx) tu_print_line("gx", ct_grad(c.x), TU_BITS);
    if (c.gw) tu_print_line("gw", ct_grad(c.w), TU_BITS);
    if (c.gb) tu_print_line("gb", ct_grad(c.b), TU_BITS);
  }
  if (c.fd) {
    if (c.gx) print_fd("fdx", &c, c.x);
    if (c.gw) print_fd("fdw", &c, c.w);
    if (c.gb) print_fd("fdb", &c, c.b);
  }
}

// ---- module scripts ----

static ct_module *current;

static ct_module *new_module(tu_tokens *tok) {
  const char *kind = tu_need(tok);
  if (!strcmp(kind, "bn1d") || !strcmp(kind, "bn2d")) {
    int64_t c = tu_next_int(tok);
    ct_batch_norm_options o = ct_batch_norm_defaults();
    o.eps = tu_next_double(tok);
    const char *mom = tu_need(tok);
    if (!strcmp(mom, "none")) o.cumulative_average = true;
    else o.momentum = strtod(mom, NULL);
    o.affine = tu_next_int(tok) != 0;
    o.track_running_stats = tu_next_int(tok) != 0;
    return kind[2] == '1' ? ct_batch_norm1d_new(c, o) : ct_batch_norm2d_new(c, o);
  }
  if (!strcmp(kind, "ln")) {
    double eps = tu_next_double(tok);
    bool affine = tu_next_int(tok) != 0;
    int64_t shape[CT_MAX_DIMS];
    int n = read_list(tok, shape, CT_MAX_DIMS);
    return ct_layer_norm_new(n, shape, eps, affine);
  }
  if (!strcmp(kind, "gn")) {
    int64_t groups = tu_next_int(tok), c = tu_next_int(tok);
    double eps = tu_next_double(tok);
    return ct_group_norm_new(groups, c, eps, tu_next_int(tok) != 0);
  }
  if (!strcmp(kind, "do2d")) return ct_dropout2d_new(tu_next_double(tok));
  tu_bad_case("unknown module", kind);
}

static void run_command(char *command) {
  tu_tokens tok = tu_tokens_of(command);
  const char *cmd = tu_next(&tok);
  if (!cmd) return;
  if (!strcmp(cmd, "new")) {
    current = new_module(&tok);
    if (!current) printf("ERR %s\n", ct_last_error());
  } else if (!current) {
    return; // construction failed: the rest of the script has nothing to act on
  } else if (!strcmp(cmd, "seq")) {
    ct_manual_seed(0);
    current = ct_sequential_new(2, (ct_module *[]){ct_linear_new(2, 2, true), current});
  } else if (!strcmp(cmd, "train")) {
    ct_module_train(current, true);
  } else if (!strcmp(cmd, "eval")) {
    ct_module_eval(current);
  } else if (!strcmp(cmd, "seed")) {
    ct_manual_seed((uint64_t)tu_next_int(&tok));
  } else if (!strcmp(cmd, "fwd")) {
    ct_tensor *out = ct_module_forward(current, tu_read_tensor(&tok, TU_WRAP));
    if (out) tu_print_tensor_bits("out", out);
    else printf("ERR %s\n", ct_last_error());
  } else if (!strcmp(cmd, "state")) {
    tu_print_state_dict(current);
  } else if (!strcmp(cmd, "names")) {
    tu_print_names("params", ct_module_named_parameters(current));
    tu_print_names("buffers", ct_module_named_buffers(current));
  } else if (!strcmp(cmd, "repr")) {
    printf("repr\n");
    ct_module_print(current);
  } else if (!strcmp(cmd, "save") || !strcmp(cmd, "load")) {
    const char *dir = tu_need(&tok);
    ct_status st = cmd[0] == 's' ? ct_module_save(current, dir) : ct_module_load(current, dir);
    if (st == CT_OK) printf("ok\n");
    else printf("ERR %s\n", ct_last_error());
  } else {
    tu_bad_case("unknown module command", cmd);
  }
}

static void run_case(char *line) {
  if (strncmp(line, "mod ", 4)) {
    run_case_functional(line);
    return;
  }
  current = NULL;
  tu_for_each_command(line + 4, run_command);
  ct_module_free(current);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

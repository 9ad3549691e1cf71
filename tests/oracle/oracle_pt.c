// Oracle program for .pt files (driver: oracle_pt.py). One case per stdin line:
//   load <path>            ct_load_pt, then the tree (see dump) or "error <message>";
//                          the same bytes through ct_load_pt_buffer must give the same text
//   roundtrip <in> <out>   ct_load_pt(in) then ct_save_pt(out): "saved" or "error <message>"
//   linear_save <seed> <in> <out> <path>   nn.Linear(in, out) made after manual_seed(seed),
//                          its state dict saved with ct_save_state_dict_pt
//   linear_load <in> <out> <path>   ct_module_load_state_dict_pt into nn.Linear(in, out),
//                          then its state dict dumped
//   optim_save <kind> <path>   an optimizer (make_optimizer) over nn.Linear(3, 2) stepped
//                          twice (stepped_optimizer), its state saved with ct_save_optimizer_state_pt
//   optim_load <kind> <in> <out>   the same optimizer stepped twice loads `in` (state and
//                          every group option), steps once more and saves its state to `out`;
//                          prints "ok" and its parameters' dump
//   sched_save <kind> <out>   a scheduler (stepped_scheduler) stepped 3 times saves its state
//   sched_load <kind> <in> <out>   a fresh one loads `in` (torch's), then saves its state
// The tree's text: tests/util/file_oracle.h.
#define _POSIX_C_SOURCE 200809L // open_memstream
#include "file_oracle.h"
#include "oracle_io.h"
#include "testutil.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load(const char *path) {
  ct_value *v = ct_load_pt(path);
  char *text = v ? tu_dump_value(v) : NULL;
  if (!v)
    tu_print_error_line();
  else
    printf("ok%s\n", text);
  char *first_error = v ? NULL : strdup(ct_last_error());
  size_t size = 0;
  char *bytes = tu_read_file(path, &size);
  ct_value *b = bytes ? ct_load_pt_buffer(bytes, size) : NULL;
  char *btext = b ? tu_dump_value(b) : NULL;
  // The buffer gives the same tree, or fails too (its message names the buffer).
  bool same = v ? b && btext && !strcmp(text, btext) : !b;
  printf("buffer %s\n", same ? "same" : "differs");
  free(bytes);
  free(text);
  free(btext);
  free(first_error);
  ct_value_free(v);
  ct_value_free(b);
}

// "ok" and the tree's text; frees the tree.
static void print_ok_tree(ct_value *v) {
  char *text = tu_dump_value(v);
  printf("ok%s\n", text ? text : "");
  free(text);
  ct_value_free(v);
}

// One step on sum(linear(x)^2), x = arange(6).view(2, 3) / 10, then zero_grad(set_to_none).
static ct_status step_once(ct_module *m, ct_optimizer *opt) {
  ct_tensor *x = ct_div_scalar(ct_view(ct_arange(0, 6, 1, CT_FLOAT32), CT_SHAPE(2, 3)), 10);
  ct_tensor *y = ct_module_forward(m, x);
  ct_status st = y ? ct_backward(ct_sum(ct_mul(y, y)), NULL) : ct_last_status();
  if (st == CT_OK) st = ct_optimizer_step(opt);
  if (st == CT_OK) st = ct_optimizer_zero_grad(opt, true);
  return st;
}

// An optimizer of the given kind over params (n of them), PyTorch's options as in
// oracle_pt.py's make_optimizer: "sgd" (momentum 0.9), "adam", "adamw" (amsgrad),
// "rmsprop" (momentum 0.5, centered), "adagrad" (lr 0.1, lr_decay 0.01), "adamax", "nadam",
// "radam"; a "2g" suffix puts the bias in a second group with options of its own.
static ct_optimizer *make_optimizer(const char *kind, ct_tensor **params, int n) {
  ct_adam_options adamw = ct_adamw_defaults();
  adamw.amsgrad = true;
  ct_sgd_options sgd = ct_sgd_defaults(0.1);
  sgd.momentum = 0.9;
  ct_rmsprop_options rmsprop = ct_rmsprop_defaults();
  rmsprop.momentum = 0.5, rmsprop.centered = !strcmp(kind, "rmsprop");
  ct_adagrad_options adagrad = ct_adagrad_defaults();
  adagrad.lr = 0.1, adagrad.lr_decay = 0.01;
  if (strstr(kind, "2g")) n = 1; // the bias goes to the second group below
  ct_optimizer *opt = !strncmp(kind, "sgd", 3)       ? ct_sgd_new(params, n, sgd)
                      : !strncmp(kind, "adamw", 5)   ? ct_adamw_new(params, n, adamw)
                      : !strncmp(kind, "adamax", 6)  ? ct_adamax_new(params, n, ct_adamax_defaults())
                      : !strncmp(kind, "adam", 4)    ? ct_adam_new(params, n, ct_adam_defaults())
                      : !strncmp(kind, "rmsprop", 7) ? ct_rmsprop_new(params, n, rmsprop)
                      : !strncmp(kind, "adagrad", 7) ? ct_adagrad_new(params, n, adagrad)
                      : !strncmp(kind, "nadam", 5)   ? ct_nadam_new(params, n, ct_nadam_defaults())
                                                     : ct_radam_new(params, n, ct_radam_defaults());
  const ct_group_option sgd_group[] = {
      {.key = "lr", .value = 0.05}, {.key = "momentum", .value = 0.8}, {.key = "nesterov", .value = 1}};
  const ct_group_option adam_group[] = {{.key = "lr", .value = 0.01},
                                        {.key = "betas", .value = 0.8, .value2 = 0.99},
                                        {.key = "amsgrad", .value = 1}};
  const ct_group_option rmsprop_group[] = {
      {.key = "centered", .value = 1}, {.key = "momentum", .value = 0.3}, {.key = "alpha", .value = 0.9}};
  const ct_group_option *group = !strcmp(kind, "sgd2g")    ? sgd_group
                                 : !strcmp(kind, "adam2g") ? adam_group
                                                           : rmsprop_group;
  if (opt && strstr(kind, "2g") && ct_optimizer_add_param_group(opt, &params[1], 1, group, 3) != CT_OK) {
    ct_optimizer_free(opt);
    return NULL;
  }
  return opt;
}

// nn.Linear(3, 2) after manual_seed(0) and its optimizer (make_optimizer), stepped `steps`
// times on sum(linear(x)^2), x = arange(6).view(2, 3) / 10.
static ct_optimizer *stepped_optimizer(const char *kind, int steps, ct_module **model) {
  ct_manual_seed(0);
  ct_module *m = *model = ct_linear_new(3, 2, true);
  int n = 0;
  ct_tensor **params = ct_module_parameters(m, &n);
  ct_optimizer *opt = make_optimizer(kind, params, n);
  free(params);
  for (int i = 0; opt && i < steps; i++)
    step_once(m, opt);
  return opt;
}

// SGD(lr 0.1, momentum 0.9) over nn.Linear(3, 2) and a scheduler as oracle_pt.py's
// make_scheduler: "step", "multistep", "cosine", "onecycle", "sequential"; the scheduler
// stepped `steps` times.
static ct_lr_scheduler *stepped_scheduler(const char *kind, int steps, ct_module **model,
                                          ct_optimizer **opt) {
  ct_manual_seed(0);
  *model = ct_linear_new(3, 2, true);
  int n = 0;
  ct_tensor **params = ct_module_parameters(*model, &n);
  ct_optimizer *o = *opt = make_optimizer("sgd", params, n);
  free(params);
  ct_lr_scheduler *s = NULL;
  if (!strcmp(kind, "step")) {
    s = ct_step_lr_new(o, 2, 0.5);
  } else if (!strcmp(kind, "multistep")) {
    s = ct_multistep_lr_new(o, (int64_t[]){2, 4}, 2, 0.5);
  } else if (!strcmp(kind, "cosine")) {
    s = ct_cosine_annealing_lr_new(o, 5, 0.001);
  } else if (!strcmp(kind, "onecycle")) {
    s = ct_one_cycle_lr_new(o, ct_one_cycle_defaults(0.5, 10));
  } else {
    ct_lr_scheduler *parts[] = {ct_linear_lr_new(o, 0.25, 1.0, 3), ct_cosine_annealing_lr_new(o, 6, 1e-4)};
    s = ct_sequential_lr_new(o, parts, 2, (int64_t[]){3}, 1);
  }
  for (int i = 0; s && i < steps; i++)
    ct_lr_scheduler_step(s);
  return s;
}

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *cmd = tu_need(&tok);
  if (!strcmp(cmd, "load")) {
    load(tu_need(&tok));
  } else if (!strcmp(cmd, "roundtrip")) {
    const char *in = tu_need(&tok), *out = tu_need(&tok);
    ct_value *v = ct_load_pt(in);
    if (!v || ct_save_pt(out, v) != CT_OK)
      tu_print_error_line();
    else
      printf("saved\n");
    ct_value_free(v);
  } else if (!strcmp(cmd, "linear_save")) {
    long long seed = tu_next_int(&tok), in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_manual_seed((uint64_t)seed);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_save_state_dict_pt(m, tu_need(&tok)) != CT_OK)
      tu_print_error_line();
    else
      printf("saved\n");
    ct_module_free(m);
  } else if (!strcmp(cmd, "linear_load")) {
    long long in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_module_load_state_dict_pt(m, tu_need(&tok), true) != CT_OK) {
      tu_print_error_line();
    } else {
      ct_named_list *sd = ct_module_state_dict(m);
      ct_value *dict = ct_value_dict();
      for (int i = 0; sd && i < sd->count; i++) {
        ct_tensor *plain = ct_detach(sd->items[i].tensor);
        ct_value_dict_set_str(dict, sd->items[i].name, ct_value_tensor(plain));
      }
      print_ok_tree(dict);
      ct_named_list_free(sd);
    }
    ct_module_free(m);
  } else if (!strcmp(cmd, "optim_save")) {
    ct_module *m = NULL;
    const char *kind = tu_need(&tok);
    ct_optimizer *opt = stepped_optimizer(kind, 2, &m);
    if (ct_save_optimizer_state_pt(opt, tu_need(&tok)) != CT_OK)
      tu_print_error_line();
    else
      printf("saved\n");
    ct_optimizer_free(opt);
    ct_module_free(m);
  } else if (!strcmp(cmd, "optim_load")) { // the optimizer stepped twice loads the file and steps once more
    ct_module *m = NULL;
    const char *kind = tu_need(&tok), *in = tu_need(&tok), *out = tu_need(&tok);
    ct_optimizer *opt = stepped_optimizer(kind, 2, &m);
    if (ct_optimizer_load_state_pt(opt, in) != CT_OK || step_once(m, opt) != CT_OK ||
        ct_save_optimizer_state_pt(opt, out) != CT_OK) {
      tu_print_error_line();
    } else {
      ct_value *params = ct_value_list();
      for (int i = 0; i < ct_optimizer_num_params(opt); i++)
        ct_value_append(params, ct_value_tensor(ct_detach(ct_optimizer_param(opt, i))));
      print_ok_tree(params);
    }
    ct_optimizer_free(opt);
    ct_module_free(m);
  } else if (!strcmp(cmd, "sched_save") || !strcmp(cmd, "sched_load")) {
    // sched_save: stepped 3 times, its state saved; sched_load: a fresh one loads `in` first.
    ct_module *m = NULL;
    ct_optimizer *opt = NULL;
    bool save = !strcmp(cmd, "sched_save");
    const char *kind = tu_need(&tok), *in = save ? NULL : tu_need(&tok), *out = tu_need(&tok);
    ct_lr_scheduler *s = stepped_scheduler(kind, save ? 3 : 0, &m, &opt);
    ct_value *loaded = in ? ct_load_pt(in) : NULL, *v = NULL;
    if (!s || (in && (!loaded || ct_lr_scheduler_load_state_value(s, loaded) != CT_OK)) ||
        !(v = ct_lr_scheduler_state_value(s)) || ct_save_pt(out, v) != CT_OK)
      tu_print_error_line();
    else
      printf("saved\n");
    ct_value_free(v);
    ct_value_free(loaded);
    ct_lr_scheduler_free(s);
    ct_optimizer_free(opt);
    ct_module_free(m);
  } else {
    tu_bad_case("command", cmd);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

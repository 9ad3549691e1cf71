// Oracle program for .pt files (driver: oracle_pt.py). One case per stdin line:
//   load <path>            ct_load_pt, then the tree (see dump) or "error <message>";
//                          the same bytes through ct_load_pt_buffer must give the same text
//   roundtrip <in> <out>   ct_load_pt(in) then ct_save_pt(out): "saved" or "error <message>"
//   linear_save <seed> <in> <out> <path>   nn.Linear(in, out) made after manual_seed(seed),
//                          its state dict saved with ct_save_state_dict_pt
//   linear_load <in> <out> <path>   ct_module_load_state_dict_pt into nn.Linear(in, out),
//                          then its state dict dumped
//   optim_save <sgd|adam|adamw> <path>   an optimizer over nn.Linear(3, 2) stepped twice
//                          (stepped_optimizer), its state saved with ct_save_optimizer_state_pt
//   optim_load <sgd|adam|adamw> <path>   the same optimizer, not stepped, loads the file;
//                          its state's "state" part is dumped, and the learning rate
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

// nn.Linear(3, 2) after manual_seed(0) and its optimizer ("sgd": momentum 0.9, "adam",
// "adamw": amsgrad), stepped `steps` times on sum(linear(x)^2), x = arange(6).view(2, 3) / 10.
static ct_optimizer *stepped_optimizer(const char *kind, int steps, ct_module **model) {
  ct_manual_seed(0);
  ct_module *m = *model = ct_linear_new(3, 2, true);
  int n = 0;
  ct_tensor **params = ct_module_parameters(m, &n);
  ct_adam_options adamw = ct_adamw_defaults();
  adamw.amsgrad = true;
  ct_sgd_options sgd = ct_sgd_defaults(0.1);
  sgd.momentum = 0.9;
  ct_optimizer *opt = !strcmp(kind, "sgd")    ? ct_sgd_new(params, n, sgd)
                      : !strcmp(kind, "adam") ? ct_adam_new(params, n, ct_adam_defaults())
                                              : ct_adamw_new(params, n, adamw);
  free(params);
  ct_tensor *x = ct_div_scalar(ct_view(ct_arange(0, 6, 1, CT_FLOAT32), CT_SHAPE(2, 3)), 10);
  for (int i = 0; i < steps; i++) {
    ct_tensor *y = ct_module_forward(m, x);
    ct_backward(ct_sum(ct_mul(y, y)), NULL);
    ct_optimizer_step(opt);
    ct_optimizer_zero_grad(opt, true);
  }
  return opt;
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
      char *text = tu_dump_value(dict);
      printf("ok%s\n", text ? text : "");
      free(text);
      ct_value_free(dict);
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
  } else if (!strcmp(cmd, "optim_load")) { // a fresh optimizer loads the file, then its "state" is dumped
    ct_module *m = NULL;
    const char *kind = tu_need(&tok);
    ct_optimizer *opt = stepped_optimizer(kind, 0, &m);
    ct_value *v = NULL;
    if (ct_optimizer_load_state_pt(opt, tu_need(&tok)) != CT_OK || !(v = ct_optimizer_state_value(opt))) {
      tu_print_error_line();
    } else {
      char *text = tu_dump_value(ct_value_get(v, "state"));
      printf("ok%s lr %g\n", text ? text : "", ct_optimizer_get_lr(opt));
      free(text);
    }
    ct_value_free(v);
    ct_optimizer_free(opt);
    ct_module_free(m);
  } else {
    tu_bad_case("command", cmd);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

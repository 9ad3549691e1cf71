// Oracle program for the optimizers (driven by oracle_optim.py). One case per stdin line,
// fields separated by " ; ":
//   <sgd|adam|adamw> <key=value ...>     options: lr momentum dampening wd nesterov maximize
//                                        beta1 beta2 eps amsgrad (decimal)
//   P <tensor> [T]                      a parameter (T: use the transpose of a 2-D tensor,
//                                        a non-contiguous leaf)
//   S                                   a step: the G lines since the previous S set the
//   G <param> <tensor> [T]              gradients (a parameter without a G line has none)
//   R                                   round trip: state_dict, new optimizer over the same
//                                        parameters, load_state_dict, continue with it
// <tensor> is a tensor spec (oracle_io.h). After each S it prints "step <k>" and each
// parameter's values (row-major) as bit patterns.
#define _POSIX_C_SOURCE 200809L // strtok_r
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_PARAMS 16

typedef struct config {
  char kind[8];
  double lr, momentum, dampening, wd, beta1, beta2, eps;
  bool nesterov, maximize, amsgrad;
} config;

static ct_optimizer *make_optimizer(const config *c, ct_tensor **params, int n) {
  if (!strcmp(c->kind, "sgd"))
    return ct_sgd_new(params, n,
                      (ct_sgd_options){.lr = c->lr, .momentum = c->momentum, .dampening = c->dampening,
                                       .weight_decay = c->wd, .nesterov = c->nesterov, .maximize = c->maximize});
  ct_adam_options o = {.lr = c->lr, .beta1 = c->beta1, .beta2 = c->beta2, .eps = c->eps, .weight_decay = c->wd,
                       .amsgrad = c->amsgrad, .maximize = c->maximize};
  return !strcmp(c->kind, "adam") ? ct_adam_new(params, n, o) : ct_adamw_new(params, n, o);
}

static void parse_config(char *field, config *c) {
  char *save, *tok = strtok_r(field, " ", &save);
  snprintf(c->kind, sizeof c->kind, "%s", tok);
  while ((tok = strtok_r(NULL, " ", &save))) {
    char *eq = strchr(tok, '=');
    if (!eq) continue;
    *eq = '\0';
    double v = strtod(eq + 1, NULL);
    if (!strcmp(tok, "lr")) c->lr = v;
    else if (!strcmp(tok, "momentum")) c->momentum = v;
    else if (!strcmp(tok, "dampening")) c->dampening = v;
    else if (!strcmp(tok, "wd")) c->wd = v;
    else if (!strcmp(tok, "beta1")) c->beta1 = v;
    else if (!strcmp(tok, "beta2")) c->beta2 = v;
    else if (!strcmp(tok, "eps")) c->eps = v;
    else if (!strcmp(tok, "nesterov")) c->nesterov = v != 0;
    else if (!strcmp(tok, "maximize")) c->maximize = v != 0;
    else if (!strcmp(tok, "amsgrad")) c->amsgrad = v != 0;
  }
}

// "<tensor> [T]": the tensor, or its transpose (a non-contiguous view).
static ct_tensor *tensor_field(char *rest) {
  tu_tokens tok = tu_tokens_of(rest);
  ct_tensor *t = tu_read_tensor(&tok, TU_COPY);
  const char *flag = tu_next(&tok);
  return flag && !strcmp(flag, "T") ? ct_t(t) : t;
}

static void run_case(char *line) {
  config c = {0};
  ct_tensor *params[MAX_PARAMS], *grads[MAX_PARAMS] = {0};
  int n = 0, steps = 0;
  ct_optimizer *opt = NULL;
  char *save;
  for (char *field = strtok_r(line, ";", &save); field; field = strtok_r(NULL, ";", &save)) {
    while (*field == ' ') field++;
    if (!c.kind[0]) {
      parse_config(field, &c);
    } else if (field[0] == 'P') {
      params[n++] = tensor_field(field + 2);
    } else if (field[0] == 'G') {
      char *rest;
      long k = strtol(field + 2, &rest, 10);
      grads[k] = tensor_field(rest + 1);
    } else if (field[0] == 'S' || field[0] == 'R') {
      if (!opt) {
        opt = make_optimizer(&c, params, n);
        if (!opt) {
          printf("ERR %s\n", ct_last_error());
          return;
        }
      }
      if (field[0] == 'R') {
        ct_optim_state *st = ct_optimizer_state_dict(opt);
        ct_optimizer_free(opt);
        opt = make_optimizer(&c, params, n);
        if (!st || !opt || ct_optimizer_load_state_dict(opt, st) != CT_OK)
          printf("ERR %s\n", ct_last_error());
        ct_optim_state_free(st);
        continue;
      }
      for (int i = 0; i < n; i++) {
        ct_set_grad(params[i], grads[i]);
        grads[i] = NULL;
      }
      ct_scope *s = ct_scope_open(); // steps run inside user scopes: state must outlive them
      if (ct_optimizer_step(opt) != CT_OK) printf("ERR %s\n", ct_last_error());
      ct_scope_close(s);
      printf("step %d\n", ++steps);
      for (int i = 0; i < n; i++) tu_print_line("", params[i], TU_BITS);
    }
  }
  ct_optimizer_free(opt);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

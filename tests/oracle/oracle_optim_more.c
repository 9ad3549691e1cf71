// Oracle program for parameter groups and the optimizers beyond SGD/Adam/AdamW (driven by
// oracle_optim_more.py). One case per stdin line, fields separated by " ; ":
//   <kind> <key=value ...>   the constructor: kind sgd adam adamw rmsprop adagrad adamax
//                            nadam radam; keys are PyTorch's (betas=b1,b2; bools 0/1)
//   O <g> <key=value ...>    group g's overrides (group 0's are the constructor's)
//   P <g> <tensor> [T]       a parameter of group g (T: the transpose, a non-contiguous leaf)
//   G <param> <tensor> [T]   a gradient for the next step (a parameter without one has none)
//   S                        a step: prints "step <k>" and each parameter's bits
//   R                        state_dict round trip into a fresh optimizer over the same groups
//   D                        prints the state dict (see print_state)
#define _POSIX_C_SOURCE 200809L // strtok_r
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_PARAMS 16
#define MAX_GROUPS 4
#define MAX_KEYS 12

typedef struct group_spec {
  ct_group_option opts[MAX_KEYS];
  char keys[MAX_KEYS][32];
  int n_opts;
  ct_tensor *params[MAX_PARAMS];
  int n_params;
} group_spec;

typedef struct config {
  char kind[16];
  group_spec groups[MAX_GROUPS];
  int n_groups;
} config;

// "k=v k=v" into a group's options (betas=a,b a pair).
static void parse_options(char *text, group_spec *g) {
  char *save;
  for (char *tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq || g->n_opts == MAX_KEYS) continue;
    *eq = '\0';
    ct_group_option *o = &g->opts[g->n_opts];
    snprintf(g->keys[g->n_opts], sizeof g->keys[0], "%s", tok);
    o->key = g->keys[g->n_opts++];
    char *comma;
    o->value = strtod(eq + 1, &comma);
    if (*comma == ',') o->value2 = strtod(comma + 1, NULL);
  }
}

// The constructor's options: PyTorch's defaults with group 0's keys applied.
#define APPLY(field, key_name)                                                                              \
  if (!strcmp(o->key, key_name)) field = o->value;
static ct_optimizer *construct(const char *kind, const group_spec *g) {
  ct_sgd_options sgd = ct_sgd_defaults(0);
  ct_adam_options adam = !strcmp(kind, "adamw") ? ct_adamw_defaults() : ct_adam_defaults();
  ct_rmsprop_options rms = ct_rmsprop_defaults();
  ct_adagrad_options ada = ct_adagrad_defaults();
  ct_adamax_options amax = ct_adamax_defaults();
  ct_nadam_options nad = ct_nadam_defaults();
  ct_radam_options rad = ct_radam_defaults();
  for (int i = 0; i < g->n_opts; i++) {
    const ct_group_option *o = &g->opts[i];
    APPLY(sgd.lr, "lr") APPLY(adam.lr, "lr") APPLY(rms.lr, "lr") APPLY(ada.lr, "lr") APPLY(amax.lr, "lr");
    APPLY(nad.lr, "lr") APPLY(rad.lr, "lr");
    APPLY(sgd.weight_decay, "weight_decay") APPLY(adam.weight_decay, "weight_decay");
    APPLY(rms.weight_decay, "weight_decay") APPLY(ada.weight_decay, "weight_decay");
    APPLY(amax.weight_decay, "weight_decay") APPLY(nad.weight_decay, "weight_decay");
    APPLY(rad.weight_decay, "weight_decay");
    APPLY(adam.eps, "eps") APPLY(rms.eps, "eps") APPLY(ada.eps, "eps") APPLY(amax.eps, "eps");
    APPLY(nad.eps, "eps") APPLY(rad.eps, "eps");
    APPLY(sgd.maximize, "maximize") APPLY(adam.maximize, "maximize") APPLY(rms.maximize, "maximize");
    APPLY(ada.maximize, "maximize") APPLY(amax.maximize, "maximize");
    APPLY(sgd.momentum, "momentum") APPLY(rms.momentum, "momentum") APPLY(sgd.dampening, "dampening");
    APPLY(sgd.nesterov, "nesterov") APPLY(adam.amsgrad, "amsgrad") APPLY(rms.alpha, "alpha");
    APPLY(rms.centered, "centered") APPLY(ada.lr_decay, "lr_decay");
    APPLY(ada.initial_accumulator_value, "initial_accumulator_value");
    APPLY(nad.momentum_decay, "momentum_decay");
    if (!strcmp(o->key, "betas")) {
      adam.beta1 = amax.beta1 = nad.beta1 = rad.beta1 = o->value;
      adam.beta2 = amax.beta2 = nad.beta2 = rad.beta2 = o->value2;
    }
  }
  ct_tensor *const *p = g->params;
  int n = g->n_params;
  if (!strcmp(kind, "sgd")) return ct_sgd_new(p, n, sgd);
  if (!strcmp(kind, "adam")) return ct_adam_new(p, n, adam);
  if (!strcmp(kind, "adamw")) return ct_adamw_new(p, n, adam);
  if (!strcmp(kind, "rmsprop")) return ct_rmsprop_new(p, n, rms);
  if (!strcmp(kind, "adagrad")) return ct_adagrad_new(p, n, ada);
  if (!strcmp(kind, "adamax")) return ct_adamax_new(p, n, amax);
  if (!strcmp(kind, "nadam")) return ct_nadam_new(p, n, nad);
  return ct_radam_new(p, n, rad);
}

static ct_optimizer *make_optimizer(const config *c) {
  ct_optimizer *opt = construct(c->kind, &c->groups[0]);
  for (int g = 1; opt && g < c->n_groups; g++) {
    const group_spec *gs = &c->groups[g];
    if (ct_optimizer_add_param_group(opt, gs->params, gs->n_params, gs->opts, gs->n_opts) != CT_OK) {
      ct_optimizer_free(opt);
      return NULL;
    }
  }
  return opt;
}

static void print_number(double v) { printf("%.17g", v); }

// "group <g> <key>=<value> ... params=<i>,<i>" per group, then "state <i> <key> <dtype>
// <bits>" per state entry.
static void print_state(const ct_optimizer *opt) {
  ct_optim_state *st = ct_optimizer_state_dict(opt);
  if (!st) {
    printf("ERR %s\n", ct_last_error());
    return;
  }
  for (int g = 0; g < ct_optim_state_num_groups(st); g++) {
    printf("group %d", g);
    for (int i = 0; i < ct_optim_state_group_num_options(st, g); i++) {
      ct_group_option o;
      ct_optim_state_group_option(st, g, i, &o);
      printf(" %s=", o.key);
      if (o.kind == CT_OPTION_NONE) printf("None");
      else if (o.kind == CT_OPTION_BOOL) printf(o.value != 0 ? "True" : "False");
      else print_number(o.value);
      if (o.kind == CT_OPTION_PAIR) printf(","), print_number(o.value2);
    }
    const int *idx;
    int n;
    ct_optim_state_group_params(st, g, &idx, &n);
    printf(" params=");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", idx[i]);
    printf("\n");
  }
  for (int i = 0; i < ct_optim_state_len(st); i++) {
    int p;
    const char *key;
    ct_tensor *v;
    ct_optim_state_entry(st, i, &p, &key, &v);
    char label[64];
    snprintf(label, sizeof label, "state %d %s %s", p, key, ct_dtype_name(ct_get_dtype(v)));
    tu_print_line(label, v, TU_BITS);
  }
  ct_optim_state_free(st);
}

// "<tensor> [T]": the tensor, or its transpose (a non-contiguous view).
static ct_tensor *tensor_field(char *rest) {
  tu_tokens tok = tu_tokens_of(rest);
  ct_tensor *t = tu_read_tensor(&tok, TU_COPY);
  const char *flag = tu_next(&tok);
  return flag && !strcmp(flag, "T") ? ct_t(t) : t;
}

// Runs S, R or D on the optimizer (made on first use). false: the case ended in an error.
static bool act(char what, config *c, ct_optimizer **opt, ct_tensor **all, int n, ct_tensor **grads, int *steps) {
  if (!*opt && !(*opt = make_optimizer(c))) {
    printf("ERR %s\n", ct_last_error());
    return false;
  }
  if (what == 'D') {
    print_state(*opt);
  } else if (what == 'R') {
    ct_optim_state *st = ct_optimizer_state_dict(*opt);
    ct_optimizer_free(*opt);
    *opt = make_optimizer(c);
    if (!st || !*opt || ct_optimizer_load_state_dict(*opt, st) != CT_OK) printf("ERR %s\n", ct_last_error());
    ct_optim_state_free(st);
  } else {
    for (int i = 0; i < n; i++) {
      ct_set_grad(all[i], grads[i]);
      grads[i] = NULL;
    }
    ct_scope *s = ct_scope_open();
    if (ct_optimizer_step(*opt) != CT_OK) printf("ERR %s\n", ct_last_error());
    ct_scope_close(s);
    printf("step %d\n", ++*steps);
    for (int i = 0; i < n; i++) tu_print_line("", all[i], TU_BITS);
  }
  return true;
}

static void run_case(char *line) {
  config c = {.n_groups = 1};
  ct_tensor *all[MAX_PARAMS], *grads[MAX_PARAMS] = {0};
  int n = 0, steps = 0;
  ct_optimizer *opt = NULL;
  char *save;
  for (char *field = strtok_r(line, ";", &save); field; field = strtok_r(NULL, ";", &save)) {
    while (*field == ' ') field++;
    char *rest;
    if (!c.kind[0]) {
      char *space = strchr(field, ' ');
      snprintf(c.kind, sizeof c.kind, "%.*s", (int)(space ? space - field : (long)strlen(field)), field);
      if (space) parse_options(space + 1, &c.groups[0]);
    } else if (field[0] == 'O') {
      long g = strtol(field + 2, &rest, 10);
      parse_options(rest, &c.groups[g]);
    } else if (field[0] == 'P') {
      long g = strtol(field + 2, &rest, 10);
      if (g + 1 > c.n_groups) c.n_groups = (int)g + 1;
      group_spec *gs = &c.groups[g];
      all[n++] = gs->params[gs->n_params++] = tensor_field(rest + 1);
    } else if (field[0] == 'G') {
      long k = strtol(field + 2, &rest, 10);
      grads[k] = tensor_field(rest + 1);
    } else if (!act(field[0], &c, &opt, all, n, grads, &steps)) {
      return;
    }
  }
  ct_optimizer_free(opt);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the learning-rate schedulers (driven by oracle_lr_scheduler.py). One
// case per stdin line: "<scheduler> <sgd|adam> <steps> <lr,lr,...> [key=value ...]" (lists
// comma-separated). Each step is an optimizer step (gradient 0.5 + group index) then a
// scheduler step. It prints "lr <each group's last lr>" after construction and after each
// step (%.17g), with " m <momentum or beta1>" of group 0 for OneCycleLR, and at the end
// each group's parameter ("p <bits>") and the scheduler's state dict ("state <key> <values>").
#define _POSIX_C_SOURCE 200809L // strtok_r
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

#define MAX_LIST 512

typedef struct args {
  double v[32][MAX_LIST];
  int n[32];
  char key[32][32];
  int count;
} args;

static const double *arg(const args *a, const char *key, int *n) {
  for (int i = 0; i < a->count; i++)
    if (!strcmp(a->key[i], key)) return *n = a->n[i], a->v[i];
  return *n = 0, NULL;
}

static double num(const args *a, const char *key, double fallback) {
  int n;
  const double *v = arg(a, key, &n);
  return n ? v[0] : fallback;
}

static int parse_list(char *text, double *out) {
  int n = 0;
  for (char *save, *t = strtok_r(text, ",", &save); t && n < MAX_LIST; t = strtok_r(NULL, ",", &save))
    out[n++] = strtod(t, NULL);
  return n;
}

static double decay_095(int64_t epoch, void *ctx) { return pow(*(double *)ctx, (double)epoch); }
static double factor_097(int64_t epoch, void *ctx) { return epoch % 3 ? *(double *)ctx : 1.05; }
static double lambda_base = 0.95, mult_base = 0.97;

static ct_lr_scheduler *make(const char *name, ct_optimizer *opt, const args *a) {
  if (!strcmp(name, "step")) return ct_step_lr_new(opt, (int64_t)num(a, "step_size", 1), num(a, "gamma", 0.1));
  if (!strcmp(name, "multistep")) {
    int n;
    const double *m = arg(a, "milestones", &n);
    int64_t ms[MAX_LIST];
    for (int i = 0; i < n; i++) ms[i] = (int64_t)m[i];
    return ct_multistep_lr_new(opt, ms, n, num(a, "gamma", 0.1));
  }
  if (!strcmp(name, "exponential")) return ct_exponential_lr_new(opt, num(a, "gamma", 0.9));
  if (!strcmp(name, "cosine")) return ct_cosine_annealing_lr_new(opt, (int64_t)num(a, "T_max", 10), num(a, "eta_min", 0));
  if (!strcmp(name, "warm"))
    return ct_cosine_annealing_warm_restarts_new(opt, (int64_t)num(a, "T_0", 10), (int64_t)num(a, "T_mult", 1),
                                                 num(a, "eta_min", 0));
  if (!strcmp(name, "linear"))
    return ct_linear_lr_new(opt, num(a, "start_factor", 1.0 / 3), num(a, "end_factor", 1.0),
                            (int64_t)num(a, "total_iters", 5));
  if (num(a, "per_group", 0) != 0) { // group g's base: 0.95 - 0.01*g (LambdaLR), 0.97 - 0.01*g
    static double bases[8];
    ct_lr_lambda fns[8];
    void *ctxs[8];
    const bool lambda = !strcmp(name, "lambda");
    for (int g = 0; g < ct_optimizer_num_groups(opt); g++) {
      bases[g] = (lambda ? 0.95 : 0.97) - 0.01 * g;
      fns[g] = lambda ? decay_095 : factor_097;
      ctxs[g] = &bases[g];
    }
    int n = ct_optimizer_num_groups(opt);
    return lambda ? ct_lambda_lr_new_per_group(opt, fns, ctxs, n) : ct_multiplicative_lr_new_per_group(opt, fns, ctxs, n);
  }
  if (!strcmp(name, "lambda")) return ct_lambda_lr_new(opt, decay_095, &lambda_base);
  if (!strcmp(name, "multiplicative")) return ct_multiplicative_lr_new(opt, factor_097, &mult_base);
  if (!strcmp(name, "onecycle")) {
    ct_one_cycle_options o = ct_one_cycle_defaults(num(a, "max_lr", 0.1), (int64_t)num(a, "total_steps", 100));
    o.pct_start = num(a, "pct_start", 0.3);
    o.anneal_linear = num(a, "linear", 0) != 0;
    o.three_phase = num(a, "three_phase", 0) != 0;
    o.cycle_momentum = num(a, "cycle_momentum", 1) != 0;
    o.div_factor = num(a, "div_factor", 25);
    o.final_div_factor = num(a, "final_div_factor", 1e4);
    o.max_lrs = arg(a, "max_lrs", &o.n_max_lrs);
    return ct_one_cycle_lr_new(opt, o);
  }
  if (!strcmp(name, "plateau")) {
    ct_plateau_options o = ct_plateau_defaults();
    o.mode_max = num(a, "mode_max", 0) != 0;
    o.factor = num(a, "factor", 0.1);
    o.patience = (int64_t)num(a, "patience", 10);
    o.threshold = num(a, "threshold", 1e-4);
    o.threshold_abs = num(a, "threshold_abs", 0) != 0;
    o.cooldown = (int64_t)num(a, "cooldown", 0);
    o.min_lr = num(a, "min_lr", 0);
    o.eps = num(a, "eps", 1e-8);
    o.min_lrs = arg(a, "min_lrs", &o.n_min_lrs);
    return ct_reduce_lr_on_plateau_new(opt, o);
  }
  // sequential: LinearLR(start_factor, total_iters) then CosineAnnealingLR(T_max) then ExponentialLR(gamma)
  ct_lr_scheduler *kids[3] = {
      ct_linear_lr_new(opt, num(a, "start_factor", 0.1), 1.0, (int64_t)num(a, "total_iters", 5)),
      ct_cosine_annealing_lr_new(opt, (int64_t)num(a, "T_max", 10), num(a, "eta_min", 0)),
      ct_exponential_lr_new(opt, num(a, "gamma", 0.9))};
  int n;
  const double *m = arg(a, "milestones", &n);
  int64_t ms[2] = {(int64_t)m[0], (int64_t)m[1]};
  return ct_sequential_lr_new(opt, kids, 3, ms, 2);
}

static void print_lrs(ct_lr_scheduler *s, ct_optimizer *opt, bool momentum) {
  double lrs[8];
  int n = ct_lr_scheduler_get_last_lr(s, lrs, 8);
  printf("lr");
  for (int g = 0; g < n; g++) printf(" %.17g", lrs[g]);
  if (momentum) {
    ct_group_option o;
    if (ct_optimizer_get_group_option(opt, 0, "betas", &o) != CT_OK &&
        ct_optimizer_get_group_option(opt, 0, "momentum", &o) != CT_OK)
      o.value = NAN;
    ct_clear_error();
    printf(" m %.17g", o.value);
  }
  printf("\n");
}

// "state <key> <value,value,...>" per entry of the scheduler's state dict.
static void print_state(const ct_lr_scheduler *s) {
  ct_lr_state *st = ct_lr_scheduler_state_dict(s);
  for (int i = 0; i < ct_lr_state_len(st); i++) {
    const char *key;
    const double *v;
    int n;
    ct_lr_state_entry(st, i, &key, &v, &n);
    printf("state %s ", key);
    for (int j = 0; j < n; j++) printf("%s%.17g", j ? "," : "", v[j]);
    printf("\n");
  }
  ct_lr_state_free(st);
}

static void run_case(char *line) {
  char *save, *name = strtok_r(line, " ", &save), *kind = strtok_r(NULL, " ", &save);
  int steps = atoi(strtok_r(NULL, " ", &save));
  static args a;
  memset(&a, 0, sizeof a);
  double group_lrs[8];
  int n_groups = parse_list(strtok_r(NULL, " ", &save), group_lrs);
  for (char *tok; (tok = strtok_r(NULL, " ", &save)) && a.count < 32;) {
    char *eq = strchr(tok, '=');
    *eq = '\0';
    snprintf(a.key[a.count], sizeof a.key[0], "%s", tok);
    a.n[a.count] = parse_list(eq + 1, a.v[a.count]);
    a.count++;
  }
  ct_tensor *w[8];
  for (int g = 0; g < n_groups; g++) w[g] = ct_requires_grad_(ct_zeros(CT_SHAPE(2), CT_FLOAT32), true);
  ct_optimizer *opt = !strcmp(kind, "sgd") ? ct_sgd_new(w, 1, (ct_sgd_options){.lr = group_lrs[0], .momentum = 0.9})
                                           : ct_adam_new(w, 1, (ct_adam_options){.lr = group_lrs[0], .beta1 = 0.9,
                                                                                   .beta2 = 0.999, .eps = 1e-8});
  for (int g = 1; g < n_groups; g++)
    ct_optimizer_add_param_group(opt, &w[g], 1, (ct_group_option[]){{"lr", group_lrs[g], 0, CT_OPTION_FLOAT}}, 1);
  ct_lr_scheduler *s = make(name, opt, &a);
  if (!s) {
    printf("ERR %s\n", ct_last_error());
    ct_optimizer_free(opt);
    return;
  }
  const bool momentum = !strcmp(name, "onecycle");
  print_lrs(s, opt, momentum);
  int n_metrics, n_epochs;
  const double *metrics = arg(&a, "metrics", &n_metrics), *epochs = arg(&a, "epochs", &n_epochs);
  for (int k = 0; k < steps; k++) {
    for (int g = 0; g < n_groups; g++) ct_set_grad(w[g], ct_full(CT_SHAPE(2), 0.5 + g, CT_FLOAT32));
    ct_optimizer_step(opt); // with the lr (and momentum) the schedule set
    ct_status st = metrics ? ct_lr_scheduler_step_metric(s, metrics[k])
                   : epochs ? ct_lr_scheduler_step_epoch(s, epochs[k])
                            : ct_lr_scheduler_step(s);
    if (st != CT_OK) {
      printf("ERR %s\n", ct_last_error());
      break;
    }
    if (k == steps / 2) { // round trip mid-run: must change nothing
      ct_lr_state *state = ct_lr_scheduler_state_dict(s);
      if (!state || ct_lr_scheduler_load_state_dict(s, state) != CT_OK) printf("ERR %s\n", ct_last_error());
      ct_lr_state_free(state);
    }
    print_lrs(s, opt, momentum);
  }
  for (int g = 0; g < n_groups; g++) tu_print_line("p", w[g], TU_BITS);
  print_state(s);
  ct_lr_scheduler_free(s);
  ct_optimizer_free(opt);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

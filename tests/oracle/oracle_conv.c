// Oracle program for the convolutions: runs the cases written by oracle_conv.py (see its
// docstring for the line formats) and prints results, grad_fn graphs, gradients and
// finite-difference checks, or a layer's repr and initial parameters.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// "<stride0 stride1 pad0 pad1 dil0 dil1 outpad0 outpad1 groups mode>" of an op or layer
// case; mode is explicit, same or valid.
static void read_options(tu_tokens *tok, ct_conv_options *o) {
  *o = ct_conv_defaults();
  int64_t *pairs[4] = {o->stride, o->padding, o->dilation, o->output_padding};
  for (int p = 0; p < 4; p++)
    for (int i = 0; i < 2; i++) pairs[p][i] = tu_next_int(tok);
  o->groups = tu_next_int(tok);
  const char *mode = tu_need(tok);
  o->padding_mode = !strcmp(mode, "same")    ? CT_PADDING_SAME
                    : !strcmp(mode, "valid") ? CT_PADDING_VALID
                                             : CT_PADDING_EXPLICIT;
}

static void read_args(tu_tokens *tok, void *args) { read_options(tok, args); }

static ct_tensor *run_op(const tu_op_case *c) {
  const ct_conv_options *o = c->args;
  ct_tensor *bias = c->n > 2 ? c->in[2] : NULL;
  if (!strcmp(c->op, "conv1d")) return ct_conv1d(c->in[0], c->in[1], bias, *o);
  if (!strcmp(c->op, "conv2d")) return ct_conv2d(c->in[0], c->in[1], bias, *o);
  if (!strcmp(c->op, "conv_transpose2d")) return ct_conv_transpose2d(c->in[0], c->in[1], bias, *o);
  fprintf(stderr, "unknown op %s\n", c->op);
  exit(2);
}

// Convolutions are linear in each input: the difference quotient is exact up to
// rounding, so a step of 1e-3 and a tolerance of 1e-8.
static const tu_op_area CONV = {read_args, run_op, -1, 1e-3, 1e-8, NULL};

// "module <Conv1d|Conv2d|ConvTranspose2d> <seed> <in> <out> <kh> <kw> <options> <bias>":
// the layer made right after ct_manual_seed(seed): "repr <text>", "p <name> <bits>" per
// parameter and "next <bits>" of two more uniform draws, or "err <message>".
static void run_module(tu_tokens *tok) {
  const char *kind = tu_need(tok);
  const uint64_t seed = (uint64_t)tu_next_int(tok);
  const int64_t in = tu_next_int(tok), out = tu_next_int(tok);
  const int64_t kernel[2] = {tu_next_int(tok), tu_next_int(tok)};
  ct_conv_options o;
  read_options(tok, &o);
  o.bias = tu_next_int(tok) != 0;
  ct_manual_seed(seed);
  ct_module *m = !strcmp(kind, "Conv1d")   ? ct_conv1d_new(in, out, kernel[0], o)
                 : !strcmp(kind, "Conv2d") ? ct_conv2d_new(in, out, kernel, o)
                                           : ct_conv_transpose2d_new(in, out, kernel, o);
  if (!m) {
    printf("err %s\n", ct_last_error());
    return;
  }
  char repr[512];
  ct_module_repr(m, repr, sizeof repr);
  printf("repr %s\n", repr);
  ct_named_list *params = ct_module_named_parameters(m);
  for (int i = 0; params && i < params->count; i++) {
    char tag[300];
    snprintf(tag, sizeof tag, "p %s", params->items[i].name);
    tu_print_line(tag, params->items[i].tensor, TU_BITS);
  }
  ct_named_list_free(params);
  ct_module_free(m);
  tu_print_line("next", ct_rand(1, (int64_t[]){2}, CT_FLOAT32), TU_BITS);
}

static void run_case(char *line) {
  if (!strncmp(line, "module ", 7)) {
    tu_tokens tok = tu_tokens_of(line + 7);
    run_module(&tok);
    return;
  }
  ct_conv_options o; // filled by read_args
  tu_run_op_case(line, &CONV, &o);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

// Oracle program for the functions of nn_extra.h (driven by oracle_nn_extra.py): runs each
// op case (tu_run_op_case) and prints the result, its grad_fn graph, gradients and
// finite-difference checks.
// Case line: <op> <p0> <p1> <i0> <i1> <op inputs>  (p0, p1 hex floats; i0, i1 integers)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"

// The op's own arguments: two floats (alpha, bounds, beta ...), two integers (reduction, dim ...).
typedef struct op_args {
  double p0, p1;
  long long i0, i1;
} op_args;

// Leaves holding copies of the case's inputs as gradients: the parameters of clip_grad_*.
static void params_with_grads(const tu_op_case *c, ct_tensor **params) {
  for (int k = 0; k < c->n; k++) {
    params[k] = ct_requires_grad_(ct_zeros_like(c->in[k]), true);
    ct_set_grad(params[k], ct_clone(c->in[k]));
  }
}

// [total norm (when given), every gradient flattened]: one tensor to compare.
static ct_tensor *norm_and_grads(ct_tensor *total, ct_tensor *const *params, int n) {
  ct_tensor *parts[TU_MAX_INPUTS + 1];
  int k = 0;
  if (total) parts[k++] = ct_reshape(total, 1, (int64_t[]){1});
  for (int i = 0; i < n; i++) parts[k++] = ct_reshape(ct_grad(params[i]), 1, (int64_t[]){-1});
  return ct_cat(parts, k, 0);
}

static ct_tensor *clip_op(const tu_op_case *c, bool by_norm) {
  const op_args *a = c->args;
  ct_tensor *params[TU_MAX_INPUTS];
  params_with_grads(c, params);
  if (by_norm) {
    ct_tensor *total = ct_clip_grad_norm_(params, c->n, a->p0, a->p1, a->i0 != 0);
    return total ? norm_and_grads(total, params, c->n) : NULL;
  }
  return ct_clip_grad_value_(params, c->n, a->p0) == CT_OK ? norm_and_grads(NULL, params, c->n) : NULL;
}

// vector_to_parameters(in[0], leaves shaped like in[1..]), answered as their values flattened.
static ct_tensor *vector_to_parameters_op(const tu_op_case *c) {
  ct_tensor *params[TU_MAX_INPUTS], *flat[TU_MAX_INPUTS];
  for (int k = 1; k < c->n; k++) params[k - 1] = ct_requires_grad_(ct_zeros_like(c->in[k]), true);
  if (ct_vector_to_parameters(c->in[0], params, c->n - 1) != CT_OK) return NULL;
  for (int k = 0; k < c->n - 1; k++) flat[k] = ct_reshape(ct_detach(params[k]), 1, (int64_t[]){-1});
  return ct_cat(flat, c->n - 1, 0);
}

// embedding_bag: inputs weight, input, then offsets (i1 bit 0) and per_sample_weights (bit
// 1); bit 2 include_last_offset; i0 the mode; p1 != 0: padding_idx p0.
static ct_tensor *embedding_bag_op(const tu_op_case *c) {
  const op_args *a = c->args;
  int k = 2;
  ct_tensor *offsets = a->i1 & 1 ? c->in[k++] : NULL;
  ct_tensor *psw = a->i1 & 2 ? c->in[k++] : NULL;
  int64_t padding = a->p1 != 0 ? (int64_t)a->p0 : CT_NO_PADDING_IDX;
  return ct_embedding_bag(c->in[1], c->in[0], offsets, (ct_embedding_bag_mode)a->i0, psw, (a->i1 & 4) != 0, padding);
}

static ct_tensor *run_op(const tu_op_case *c) {
  const op_args *a = c->args;
  ct_tensor *const *t = c->in;
  const char *op = c->op;
  if (!strcmp(op, "silu")) return ct_silu(t[0]);
  if (!strcmp(op, "mish")) return ct_mish(t[0]);
  if (!strcmp(op, "elu")) return ct_elu(t[0], a->p0);
  if (!strcmp(op, "hardtanh")) return ct_hardtanh(t[0], a->p0, a->p1);
  if (!strcmp(op, "softplus")) return ct_softplus(t[0], a->p0, a->p1);
  if (!strcmp(op, "smooth_l1")) return ct_smooth_l1_loss(t[0], t[1], (ct_reduction)a->i0, a->p0);
  if (!strcmp(op, "huber")) return ct_huber_loss(t[0], t[1], (ct_reduction)a->i0, a->p0);
  if (!strcmp(op, "kl_div")) return ct_kl_div(t[0], t[1], (ct_reduction)a->i0, a->i1 != 0);
  if (!strcmp(op, "cosine_similarity")) return ct_cosine_similarity(t[0], t[1], (int)a->i0, a->p0);
  if (!strcmp(op, "bilinear")) return ct_bilinear(t[0], t[1], t[2], c->n > 3 ? t[3] : NULL);
  if (!strcmp(op, "embedding_bag")) return embedding_bag_op(c);
  if (!strcmp(op, "clip_norm")) return clip_op(c, true);
  if (!strcmp(op, "clip_value")) return clip_op(c, false);
  if (!strcmp(op, "p2v")) return ct_parameters_to_vector(c->in, c->n);
  if (!strcmp(op, "v2p")) return vector_to_parameters_op(c);
  fprintf(stderr, "unknown op %s\n", op);
  exit(2);
}

static void read_args(tu_tokens *tok, void *args) {
  op_args *a = args;
  a->p0 = tu_next_double(tok);
  a->p1 = tu_next_double(tok);
  a->i0 = tu_next_int(tok);
  a->i1 = tu_next_int(tok);
}

// Smooth functions away from their kinks (the driver keeps inputs off them): a step of
// 1e-6 and a tolerance of 1e-6 on float64.
static const tu_op_area NN_EXTRA = {read_args, run_op, -1, 1e-6, 1e-6, NULL};

static void run_case(char *line) {
  op_args args;
  tu_run_op_case(line, &NN_EXTRA, &args);
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }

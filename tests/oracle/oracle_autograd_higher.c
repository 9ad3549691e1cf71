// Higher-order gradients, autograd.grad and tensor hooks against live PyTorch (driven by
// oracle_autograd_higher.py). Each input line: a scenario name, then float64 values
// (hex) that fill its tensors. Output: what the scenario computes, one `name values...`
// line each, then the record end.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

static void print_tensor(const char *name, ct_tensor *t) {
  printf("%s", name);
  if (!t) {
    printf(" None\n");
    return;
  }
  ct_tensor *c = ct_contiguous(ct_to_dtype(t, CT_FLOAT64));
  const double *v = ct_data_ptr(c);
  for (int64_t i = 0; i < ct_numel(c); i++) printf(" %.17g", v[i]);
  printf("\n");
}

static ct_tensor *from(const double *v, int ndim, const int64_t *shape) {
  return ct_requires_grad_(ct_tensor_from_f64(v, ndim, shape), true);
}

// f = sum(tanh(W x)^2): gradient and Hessian-vector product with u.
static void hvp(const double *v) {
  ct_tensor *w = from(v, 2, (int64_t[]){3, 4}), *x = from(v + 12, 1, (int64_t[]){4});
  ct_tensor *u = ct_tensor_from_f64(v + 16, 1, (int64_t[]){4});
  ct_tensor *h = ct_tanh(ct_mv(w, x));
  ct_tensor *f = ct_sum(ct_mul(h, h)), *g, *hv[2];
  ct_autograd_grad(1, &f, NULL, 1, &x, &(ct_grad_options){.create_graph = true}, &g);
  print_tensor("grad", g);
  ct_tensor *gu = ct_dot(g, u);
  ct_autograd_grad(1, &gu, NULL, 2, (ct_tensor *[]){x, w}, NULL, hv);
  print_tensor("hvp_x", hv[0]);
  print_tensor("hvp_w", hv[1]);
}

// WGAN-style gradient penalty: ((|d out/d x|^2 - 1)^2).mean() backward into the weights.
static void penalty(const double *v) {
  ct_tensor *x = from(v, 2, (int64_t[]){2, 3});
  ct_tensor *w = from(v + 6, 2, (int64_t[]){2, 3}), *b = from(v + 12, 1, (int64_t[]){2});
  ct_tensor *out = ct_sum(ct_softplus(ct_linear(ct_sigmoid(x), w, b), 1, 20)), *gx;
  ct_autograd_grad(1, &out, NULL, 1, &x, &(ct_grad_options){.create_graph = true}, &gx);
  ct_tensor *norm2 = ct_sum_dim(ct_mul(gx, gx), 1, false);
  ct_tensor *p = ct_mean(ct_pow_scalar(ct_sub_scalar(norm2, 1), 2));
  ct_backward(p, NULL);
  print_tensor("penalty", p);
  print_tensor("w.grad", ct_grad(w));
  print_tensor("b.grad", ct_grad(b));
  print_tensor("x.grad", ct_grad(x));
}

// backward(create_graph=True): x.grad carries a graph; differentiate it again.
static void backward_create_graph(const double *v) {
  ct_tensor *x = from(v, 1, (int64_t[]){3});
  ct_tensor *y = ct_sum(ct_mul(ct_exp(x), ct_log_softmax(x, 0)));
  ct_backward_opts(y, NULL, &(ct_grad_options){.create_graph = true});
  print_tensor("x.grad", ct_grad(x));
  ct_tensor *gg = ct_sum(ct_mul(ct_grad(x), ct_grad(x))), *h;
  ct_autograd_grad(1, &gg, NULL, 1, &x, NULL, &h);
  print_tensor("ggrad", h);
  ct_set_grad(x, NULL); // .grad's graph holds x: the cycle PyTorch warns about
}

// Hook order: two hooks on a non-leaf (the first doubles), retain_grad, a leaf hook;
// each hook prints when it runs.
static ct_tensor *hook_log(ct_tensor *grad, void *ctx) {
  print_tensor((const char *)ctx, grad);
  return strcmp((const char *)ctx, "hook_y1") == 0 ? ct_mul_scalar(grad, 2) : NULL;
}

static void hooks(const double *v) {
  ct_tensor *x = from(v, 1, (int64_t[]){3});
  ct_tensor *y = ct_mul(x, x);
  ct_retain_grad(y);
  ct_register_hook(y, hook_log, "hook_y1");
  ct_hook_handle *removed = ct_register_hook(y, hook_log, "hook_removed");
  ct_register_hook(y, hook_log, "hook_y2");
  ct_hook_remove(removed);
  ct_register_hook(x, hook_log, "hook_x");
  ct_tensor *z = ct_sum(ct_mul(ct_sin(y), y));
  ct_backward(z, NULL);
  print_tensor("y.grad", ct_grad(y));
  print_tensor("x.grad", ct_grad(x));
  // autograd.grad with respect to y: hooks on y do not touch the answer in 1.13.
  ct_tensor *z2 = ct_sum(ct_exp(y)), *gy;
  ct_autograd_grad(1, &z2, NULL, 1, &y, NULL, &gy);
  print_tensor("grad_y", gy);
}

// ---- second derivatives of the issue-10 ops (sort, scans, split, flip/roll, einsum, the
// extra activations and losses, group_norm, indexing, in-place writes on views) ----

static ct_tensor *constant(const double *v, int ndim, const int64_t *shape) {
  return ct_tensor_from_f64(v, ndim, shape);
}
static ct_tensor *idx(const int64_t *v, int ndim, const int64_t *shape) { return ct_tensor_from_i64(v, ndim, shape); }

// The gradient of f with respect to xs (create_graph), then the Hessian-vector product of
// its first entry with u, with respect to all of xs.
static void grad_and_hvp(ct_tensor *f, int n, ct_tensor **xs, ct_tensor *u) {
  ct_tensor *g[3], *h[3];
  ct_autograd_grad(1, &f, NULL, n, xs, &(ct_grad_options){.create_graph = true}, g);
  print_tensor("grad", g[0]);
  ct_tensor *gu = ct_sum(ct_mul(g[0], u));
  if (ct_autograd_grad(1, &gu, NULL, n, xs, NULL, h) != CT_OK) return;
  char name[16];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "hvp%d", i);
    print_tensor(name, h[i]);
  }
}

static void hvp_ops(const double *v) {
  ct_tensor *x = from(v, 2, (int64_t[]){2, 5}), *u = constant(v + 10, 2, (int64_t[]){2, 5}), *p[3], *i;
  ct_split(x, 2, 1, p, 3);
  ct_tensor *f1 = ct_sum(ct_mul(ct_tanh(ct_cumprod(x, 1)), ct_silu(ct_flip(x, 1, (int[]){1}))));
  ct_tensor *f2 = ct_sum(ct_mul(ct_mish(ct_sort(x, 1, false, false, &i)),
                                ct_elu(ct_roll(x, 1, (int64_t[]){1}, 1, (int[]){1}), 0.7)));
  ct_tensor *f3 = ct_sum(ct_mul(ct_hardtanh(x, -0.5, 0.5), ct_logcumsumexp(x, 0)));
  ct_tensor *f4 = ct_sum(ct_mul(ct_mul(p[0], p[1]), ct_exp(p[2])));
  ct_tensor *f5 = ct_sum(ct_tanh(ct_einsum("ij,kj->ik", 2, (ct_tensor *[]){x, x})));
  grad_and_hvp(ct_add(ct_add(ct_add(ct_add(f1, f2), f3), f4), f5), 1, &x, u);
}

static void hvp_norm_loss(const double *v) {
  ct_tensor *a = from(v, 3, (int64_t[]){2, 4, 3}), *w = from(v + 24, 1, (int64_t[]){4});
  ct_tensor *u = constant(v + 28, 3, (int64_t[]){2, 4, 3});
  ct_tensor *gn = ct_group_norm(a, 2, w, NULL, 1e-5);
  ct_tensor *f = ct_add(ct_add(ct_smooth_l1_loss(gn, ct_tanh(a), CT_REDUCTION_MEAN, 0.7),
                               ct_huber_loss(gn, ct_mul(a, a), CT_REDUCTION_SUM, 0.6)),
                        ct_kl_div(ct_log_softmax(gn, 1), ct_softmax(a, 1), CT_REDUCTION_BATCHMEAN, false));
  grad_and_hvp(f, 2, (ct_tensor *[]){a, w}, u);
}

static void hvp_index(const double *v) {
  ct_tensor *x = from(v, 2, (int64_t[]){3, 4}), *s = from(v + 12, 2, (int64_t[]){2, 4});
  ct_tensor *u = constant(v + 20, 2, (int64_t[]){3, 4});
  ct_tensor *y = ct_index_put(ct_mul(x, x), 1, (ct_tensor *[]){idx((int64_t[]){2, 0}, 1, (int64_t[]){2})}, ct_exp(s),
                              false);
  ct_tensor *z = ct_index_tensors(y, 2, (ct_tensor *[]){NULL, idx((int64_t[]){2, 0, 2}, 1, (int64_t[]){3})});
  z = ct_scatter(z, 0, idx((int64_t[]){0, 1, 2, 2, 0, 1}, 2, (int64_t[]){2, 3}), ct_narrow(s, 1, 0, 3),
                 CT_SCATTER_ASSIGN);
  ct_tensor *mask = ct_gt_scalar(constant((double[]){1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1}, 2, (int64_t[]){3, 4}), 0.5);
  ct_tensor *m = ct_masked_scatter(x, mask, ct_mul(s, s));
  grad_and_hvp(ct_add(ct_sum(ct_tanh(z)), ct_sum(ct_mul(m, m))), 2, (ct_tensor *[]){x, s}, u);
}

static void hvp_inplace_view(const double *v) {
  ct_tensor *x = from(v, 2, (int64_t[]){3, 4}), *u = constant(v + 12, 2, (int64_t[]){3, 4});
  ct_tensor *y = ct_mul_scalar(x, 1.5);
  ct_mul_(ct_narrow(y, 0, 1, 2), ct_narrow(x, 0, 0, 2));
  ct_copy_(ct_select(y, 1, 0), ct_exp(ct_select(x, 1, 1)));
  grad_and_hvp(ct_sum(ct_mul(ct_sin(y), y)), 1, &x, u);
}

// Gradient penalty through an LSTM (T 2, B 1, I 2, H 2): double backward through the
// fused layer; the parameters are filled from v in named_parameters order.
static void lstm_penalty(const double *v) {
  ct_tensor *x = from(v, 3, (int64_t[]){2, 1, 2});
  ct_rnn_options o = ct_rnn_defaults();
  o.dtype = CT_FLOAT64;
  ct_module *m = ct_lstm_new(2, 2, o);
  const char *names[4] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};
  const int start[5] = {4, 20, 36, 44, 52};
  bool prev = ct_no_grad_enter();
  for (int i = 0; i < 4; i++) {
    ct_tensor *p = ct_module_parameter(m, names[i]);
    ct_copy_(p, ct_reshape(ct_tensor_from_f64(v + start[i], 1, (int64_t[]){start[i + 1] - start[i]}), ct_dim(p),
                           ct_shape(p)));
  }
  ct_grad_mode_restore(prev);
  ct_rnn_output r;
  if (ct_rnn_forward(m, x, NULL, NULL, &r) == CT_OK) {
    ct_tensor *f = ct_add(ct_sum(ct_tanh(r.output)), ct_sum(ct_mul(r.h_n, r.c_n))), *gx;
    if (ct_autograd_grad(1, &f, NULL, 1, &x, &(ct_grad_options){.create_graph = true}, &gx) == CT_OK) {
      ct_tensor *p = ct_sum(ct_mul(gx, gx));
      ct_backward(p, NULL);
      print_tensor("penalty", p);
      print_tensor("x.grad", ct_grad(x));
      for (int i = 0; i < 4; i++) {
        printf("%s.grad", names[i]);
        print_tensor("", ct_grad(ct_module_parameter(m, names[i])));
      }
    }
  }
  ct_module_free(m);
}

int main(void) {
  char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    ct_scope *s = ct_scope_open();
    ct_clear_error();
    char *name = strtok(line, " \n");
    double v[64];
    int n = 0;
    for (char *tok; n < 64 && (tok = strtok(NULL, " \n"));) v[n++] = strtod(tok, NULL);
    if (!name) {
    } else if (!strcmp(name, "hvp")) hvp(v);
    else if (!strcmp(name, "penalty")) penalty(v);
    else if (!strcmp(name, "backward_create_graph")) backward_create_graph(v);
    else if (!strcmp(name, "hooks")) hooks(v);
    else if (!strcmp(name, "hvp_ops")) hvp_ops(v);
    else if (!strcmp(name, "hvp_norm_loss")) hvp_norm_loss(v);
    else if (!strcmp(name, "hvp_index")) hvp_index(v);
    else if (!strcmp(name, "hvp_inplace_view")) hvp_inplace_view(v);
    else if (!strcmp(name, "lstm_penalty")) lstm_penalty(v);
    const char *err = ct_last_error();
    if (err && *err) printf("error %s\n", err);
    printf("@@END@@\n");
    ct_scope_close(s);
  }
  return 0;
}

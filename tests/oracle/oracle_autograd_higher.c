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
    const char *err = ct_last_error();
    if (err && *err) printf("error %s\n", err);
    printf("@@END@@\n");
    ct_scope_close(s);
  }
  return 0;
}

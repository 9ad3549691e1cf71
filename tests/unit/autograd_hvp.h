// The finite-difference Hessian-vector-product check shared by the second-derivative
// tests (test_autograd_higher.c, test_autograd_higher_ops.c; expect_hvp also
// test_autograd_higher_rnn.c): for an op f and a fixed
// random weight w, G(x) = grad(sum(tanh(f(x)) * w), x, create_graph=True); the
// Hessian-vector product grad(sum(G(x) * u), x) must match (G(x + eps u) - G(x - eps u))
// / 2 eps in float64.
#ifndef CTORCH_TESTS_UNIT_AUTOGRAD_HVP_H
#define CTORCH_TESTS_UNIT_AUTOGRAD_HVP_H
#include "unit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_INPUTS 3
typedef ct_tensor *(*op_fn)(ct_tensor **x);

typedef struct op_case {
  const char *name;
  op_fn f;
  int n;                          // differentiable inputs
  int ndim[MAX_INPUTS];
  int64_t shape[MAX_INPUTS][4];
  bool positive;                  // inputs in [0.5, 1.5] (log, sqrt, pow), else normal
} op_case;

// sum(tanh(f(x)) * w), w of f's output shape drawn from a fixed seed. The tanh makes the
// gradient reaching f's backward depend on x, so a backward that drops the history of its
// incoming gradient shows too.
static ct_tensor *weighted(const op_case *c, ct_tensor **x) {
  ct_tensor *y = c->f(x);
  if (!y) fprintf(stderr, "%s: %s\n", c->name, ct_last_error());
  assert_non_null(y);
  ct_manual_seed(7);
  ct_tensor *w = ct_randn(ct_dim(y), ct_shape(y), CT_FLOAT64);
  return ct_sum(ct_mul(ct_tanh(y), w));
}

// The gradients of weighted() at x (create_graph when asked), into g.
static void gradients(const op_case *c, ct_tensor **x, bool create_graph, ct_tensor **g) {
  ct_tensor *l = weighted(c, x);
  ct_grad_options o = {.create_graph = create_graph};
  assert_int_equal(ct_autograd_grad(1, &l, NULL, c->n, x, &o, g), CT_OK);
}

static ct_tensor *leaf(ct_tensor *t) { return ct_requires_grad_(t, true); }

// The analytic Hessian-vector product of input i (NULL: unused, zero) against the
// finite difference, element by element.
static void expect_hvp(const char *name, int i, ct_tensor *analytic, ct_tensor *numeric) {
  int64_t n = ct_numel(numeric);
  const double *nv = ct_data_ptr(ct_contiguous(numeric));
  const double *hv = analytic ? ct_data_ptr(ct_contiguous(analytic)) : NULL;
  for (int64_t k = 0; k < n; k++) {
    double want = nv[k], got = hv ? hv[k] : 0.0;
    if (fabs(got - want) > 1e-5 * (1 + fabs(want))) {
      fprintf(stderr, "%s: input %d element %lld: analytic %.10g numeric %.10g\n", name, i, (long long)k, got, want);
      fail();
    }
  }
}

static inline void check_hvp(const op_case *c) {
  ct_scope *s = ct_scope_open();
  ct_manual_seed(3);
  ct_tensor *x[MAX_INPUTS], *u[MAX_INPUTS], *g[MAX_INPUTS], *h[MAX_INPUTS];
  for (int i = 0; i < c->n; i++) {
    ct_tensor *r = c->positive ? ct_add_scalar(ct_rand(c->ndim[i], c->shape[i], CT_FLOAT64), 0.5)
                               : ct_randn(c->ndim[i], c->shape[i], CT_FLOAT64);
    x[i] = leaf(ct_detach(r));
    u[i] = ct_randn(c->ndim[i], c->shape[i], CT_FLOAT64);
  }
  gradients(c, x, true, g);
  ct_tensor *gu = NULL;
  for (int i = 0; i < c->n; i++) {
    assert_true(ct_requires_grad(g[i]) || (fprintf(stderr, "%s: gradient %d has no graph\n", c->name, i), 0));
    ct_tensor *term = ct_sum(ct_mul(g[i], u[i]));
    gu = gu ? ct_add(gu, term) : term;
  }
  ct_grad_options unused = {.allow_unused = true};
  assert_int_equal(ct_autograd_grad(1, &gu, NULL, c->n, x, &unused, h), CT_OK);
  const double eps = 1e-6;
  ct_tensor *xp[MAX_INPUTS], *xm[MAX_INPUTS], *gp[MAX_INPUTS], *gm[MAX_INPUTS];
  for (int i = 0; i < c->n; i++) {
    xp[i] = leaf(ct_detach(ct_add(x[i], ct_mul_scalar(u[i], eps))));
    xm[i] = leaf(ct_detach(ct_sub(x[i], ct_mul_scalar(u[i], eps))));
  }
  gradients(c, xp, false, gp);
  gradients(c, xm, false, gm);
  for (int i = 0; i < c->n; i++) expect_hvp(c->name, i, h[i], ct_div_scalar(ct_sub(gp[i], gm[i]), 2 * eps));
  ct_scope_close(s);
}

#endif

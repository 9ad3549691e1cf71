// Serial random fills (see distributions.h). Values are drawn into contiguous memory: the
// tensor's own when it is non-overlapping and dense (its memory order is its iteration
// order), else a temporary buffer that is then scattered in iteration order.
#include "core/error_impl.h"
#include "random/distributions.h"
#include "random/fill_order.h"

#define STORE_LOOP(T, out, n, expr)                                     \
  do {                                                                  \
    T *o_ = (T *)(out);                                                 \
    for (int64_t i_ = 0; i_ < (n); i_++) o_[i_] = (T)(expr);            \
  } while (0)

// Runs STORE_LOOP for the element type of `dtype`; `expr` is evaluated once per element.
#define STORE_ANY_DTYPE(dtype, out, n, expr)                                  \
  switch (dtype) {                                                            \
  case CT_BOOL: STORE_LOOP(bool, out, n, expr); break;                        \
  case CT_INT32: STORE_LOOP(int32_t, out, n, expr); break;                    \
  case CT_INT64: STORE_LOOP(int64_t, out, n, expr); break;                    \
  case CT_FLOAT32: STORE_LOOP(float, out, n, expr); break;                    \
  case CT_FLOAT64: STORE_LOOP(double, out, n, expr); break;                   \
  default: break;                                                             \
  }

static inline uint64_t range_draw(ct_generator *g, uint64_t range, bool wide) {
  return wide ? ct__gen_random64(g) % range : ct__gen_random(g) % range;
}

static void draw_into(char *out, int64_t n, ct_dtype dtype, const ct_draw *d, ct_generator *g) {
  switch (d->kind) {
  case CT_DRAW_UNIFORM:
    if (dtype == CT_FLOAT32) ct__gen_uniform24_fill(g, (float *)out, n, (float)d->a, (float)d->b - (float)d->a);
    else ct__gen_uniform53_fill(g, (double *)out, n, d->a, d->b - d->a);
    break;
  case CT_DRAW_NORMAL:
    if (dtype == CT_FLOAT32) STORE_LOOP(float, out, n, ct__gen_normal(g, d->a, d->b));
    else STORE_LOOP(double, out, n, ct__gen_normal(g, d->a, d->b));
    break;
  case CT_DRAW_BERNOULLI: {
    double p = d->a;
    STORE_ANY_DTYPE(dtype, out, n, ct__gen_uniform53(g) < p);
    break;
  }
  case CT_DRAW_RANGE: {
    // int32 and bool never take 64-bit draws (PyTorch's uniform_int_from_to_distribution).
    bool wide = d->range >= (UINT64_C(1) << 32) && dtype != CT_INT32 && dtype != CT_BOOL;
    uint64_t range = d->range, base = (uint64_t)d->base;
    STORE_ANY_DTYPE(dtype, out, n, (int64_t)(range_draw(g, range, wide) + base));
    break;
  }
  }
}

ct_status ct__fill_serial(ct_tensor *t, const ct_draw *draw, ct_generator *g) {
  int64_t n = ct__numel_of(t->ndim, t->shape);
  if (n == 0) return CT_OK;
  if (ct__is_non_overlapping_and_dense(t)) {
    draw_into(ct__data(t), n, t->dtype, draw, g);
    return CT_OK;
  }
  ct_tensor *values = ct__alloc(t->dtype, 1, &n);
  if (!values) return ct_last_status();
  draw_into(ct__data(values), n, t->dtype, draw, g);
  ct_status st = ct__scatter_in_iteration_order(t, values);
  ct__drop(values);
  return st;
}

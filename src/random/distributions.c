// Serial random fills (see distributions.h). Values are drawn by the random kernels of the
// tensor's device into contiguous memory: the tensor's own when it is non-overlapping and
// dense (its memory order is its iteration order), else a temporary buffer that is then
// scattered in iteration order.
#include "core/error_impl.h"
#include "kernels/dispatch.h"
#include "kernels/random.h"
#include "random/device_generator.h"
#include "random/distributions.h"
#include "random/fill_order.h"

// n values of `dtype` in draw order into memory at out on device `index` of `device`, by
// its random kernels from its generator (device_generator.h; g NULL: the default one).
static ct_status draw_into(char *out, int64_t n, ct_dtype dtype, ct_device device, int index, const ct_draw *d,
                           ct_generator *g) {
  const ct_random_kernels *k = ct__kernels(device)->random;
  ct_random_lease lease;
  ct_status st = ct__random_begin(device, index, g, &lease);
  if (st != CT_OK) return st;
  const ct_random_source src = lease.src;
  switch (d->kind) {
  case CT_DRAW_UNIFORM: k->uniform[dtype](out, n, d->a, d->b, &src); break;
  case CT_DRAW_NORMAL: k->normal[dtype](out, n, d->a, d->b, &src); break;
  case CT_DRAW_BERNOULLI: k->bernoulli[dtype](out, n, d->a, &src); break;
  case CT_DRAW_RANGE: k->integers[dtype](out, n, d->range, d->base, &src); break;
  case CT_DRAW_EXPONENTIAL: k->exponential[dtype](out, n, d->a, &src); break;
  }
  ct__random_end(&lease);
  return CT_OK;
}

ct_status ct__fill_serial(ct_tensor *t, const ct_draw *draw, ct_generator *g) {
  int64_t n = ct__numel_of(t->ndim, t->shape);
  if (n == 0) return CT_OK;
  const ct_storage *s = t->storage;
  if (ct__is_non_overlapping_and_dense(t)) return draw_into(ct__data(t), n, t->dtype, s->device, s->device_index, draw, g);
  ct_tensor *values = ct__alloc_on(t->dtype, 1, &n, s->device, s->device_index);
  if (!values) return ct_last_status();
  ct_status st = draw_into(ct__data(values), n, t->dtype, s->device, s->device_index, draw, g);
  if (st == CT_OK) st = ct__scatter_in_iteration_order(t, values);
  ct__drop(values);
  return st;
}

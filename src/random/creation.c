// Random tensor creation: rand, randn, randint, randperm, *_like, bernoulli, and their
// `_on` forms (ctorch/device.h). Each allocates on its device (keeping the input's layout
// for *_like, as empty_like does) and runs an in-place fill there, from that device's
// generator (device_generator.h).
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/device.h"
#include "ctorch/random.h"
#include "random/device_generator.h"
#include "kernels/dispatch.h"
#include "random/fill_order.h"
#include "random/generator.h"
#include "random/inplace.h"

typedef ct_status (*fill_fn)(ct_tensor *t, double a, double b, ct_generator *g);

// Makes a fresh tensor's device the op's (the kernels run there); CPU creations leave the
// thread's op device alone, as before.
static void enter_device_of(const ct_tensor *t) {
  if (t->storage->device != CT_CPU) ct__enter_device_of(t);
}

// New tensor of (ndim, shape, dtype) on device `index` of `device` (resolved) filled by
// `fill`; when `like` is given, with like's shape, dtype, device and memory layout
// (empty_like's preserve_format).
static ct_tensor *create_filled_on(const ct_tensor *like, int ndim, const int64_t *shape, ct_dtype dtype,
                                   ct_device device, int index, fill_fn fill, double a, double b, ct_generator *g) {
  ct_tensor *out = like ? ct__empty_like_layout(like) : ct__alloc_on(dtype, ndim, shape, device, index);
  if (!out) return NULL;
  enter_device_of(out);
  if (fill(out, a, b, g) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}
static ct_tensor *create_filled(const ct_tensor *like, int ndim, const int64_t *shape, ct_dtype dtype,
                                fill_fn fill, double a, double b, ct_generator *g) {
  return create_filled_on(like, ndim, shape, dtype, CT_CPU, 0, fill, a, b, g);
}

static ct_status bernoulli_fill2(ct_tensor *t, double p, double unused, ct_generator *g) {
  (void)unused;
  return ct__bernoulli_fill(t, p, g);
}

ct_tensor *ct_rand_gen(int ndim, const int64_t *shape, ct_dtype dtype, ct_generator *gen) {
  return create_filled(NULL, ndim, shape, dtype, ct__uniform_fill, 0.0, 1.0, gen);
}
ct_tensor *ct_rand(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_rand_gen(ndim, shape, dtype, NULL); }

ct_tensor *ct_randn_gen(int ndim, const int64_t *shape, ct_dtype dtype, ct_generator *gen) {
  return create_filled(NULL, ndim, shape, dtype, ct__normal_fill, 0.0, 1.0, gen);
}
ct_tensor *ct_randn(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_randn_gen(ndim, shape, dtype, NULL); }

ct_tensor *ct_rand_like_gen(const ct_tensor *t, ct_generator *gen) {
  CT_CHECK_NULL(t);
  return create_filled(t, 0, NULL, t->dtype, ct__uniform_fill, 0.0, 1.0, gen);
}
ct_tensor *ct_rand_like(const ct_tensor *t) { return ct_rand_like_gen(t, NULL); }

ct_tensor *ct_randn_like_gen(const ct_tensor *t, ct_generator *gen) {
  CT_CHECK_NULL(t);
  return create_filled(t, 0, NULL, t->dtype, ct__normal_fill, 0.0, 1.0, gen);
}
ct_tensor *ct_randn_like(const ct_tensor *t) { return ct_randn_like_gen(t, NULL); }

// torch.bernoulli(t, p) allocates a contiguous result (LEGACY_CONTIGUOUS_MEMORY_FORMAT) on
// t's device.
ct_tensor *ct_bernoulli_gen(const ct_tensor *t, double p, ct_generator *gen) {
  CT_CHECK_NULL(t);
  return create_filled_on(NULL, t->ndim, t->shape, t->dtype, t->storage->device, t->storage->device_index,
                          bernoulli_fill2, p, 0.0, gen);
}
ct_tensor *ct_bernoulli(const ct_tensor *t, double p) { return ct_bernoulli_gen(t, p, NULL); }

// randint's bounds travel as int64 (not through create_filled's doubles, which would round
// bounds past 2^53).
static ct_tensor *randint_on(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_dtype dtype,
                             ct_device device, int index, ct_generator *gen) {
  ct_tensor *out = ct__alloc_on(dtype, ndim, shape, device, index);
  if (!out) return NULL;
  enter_device_of(out);
  if (ct__random_fill(out, low, high, gen) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}
ct_tensor *ct_randint_gen(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_dtype dtype,
                          ct_generator *gen) {
  return randint_on(low, high, ndim, shape, dtype, CT_CPU, 0, gen);
}
ct_tensor *ct_randint(int64_t low, int64_t high, int ndim, const int64_t *shape) {
  return ct_randint_gen(low, high, ndim, shape, CT_INT64, NULL);
}

// randperm: the identity, then for i = 0..n-2 swap r[i] with r[i + random() % (n - i)]
// (the random kernels' randperm).
static ct_tensor *randperm_on(int64_t n, ct_device device, int index, ct_generator *gen) {
  if (n < 0)
    return ct__error_null(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: [%lld]",
                          (long long)n, (long long)n);
  ct_tensor *out = ct__alloc_on(CT_INT64, 1, &n, device, index);
  if (!out) return NULL;
  enter_device_of(out);
  ct_random_lease lease;
  if (ct__random_begin(device, out->storage->device_index, gen, &lease) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  ct__kernels(device)->random->randperm((int64_t *)(void *)ct__data(out), n, &lease.src);
  ct__random_end(&lease);
  return out;
}
ct_tensor *ct_randperm_gen(int64_t n, ct_generator *gen) { return randperm_on(n, CT_CPU, 0, gen); }
ct_tensor *ct_randperm(int64_t n) { return ct_randperm_gen(n, NULL); }

// ---- on a device: torch.rand(..., device=...) draws there, from the device's generator ----

static bool usable(ct_device device, int *index) { return ct__check_usable(device, *index, index) == CT_OK; }

ct_tensor *ct_rand_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index) {
  return usable(device, &index)
             ? create_filled_on(NULL, ndim, shape, dtype, device, index, ct__uniform_fill, 0.0, 1.0, NULL)
             : NULL;
}
ct_tensor *ct_randn_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index) {
  return usable(device, &index)
             ? create_filled_on(NULL, ndim, shape, dtype, device, index, ct__normal_fill, 0.0, 1.0, NULL)
             : NULL;
}
ct_tensor *ct_randint_on(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_device device, int index) {
  return usable(device, &index) ? randint_on(low, high, ndim, shape, CT_INT64, device, index, NULL) : NULL;
}
ct_tensor *ct_randperm_on(int64_t n, ct_device device, int index) {
  return usable(device, &index) ? randperm_on(n, device, index, NULL) : NULL;
}

// In-place random fills (uniform_, normal_, bernoulli_, random_): argument checks with
// PyTorch's messages in PyTorch's order, the choice of fill path, and autograd rules.
#include <float.h>
#include "autograd/node.h"
#include "core/dtype_impl.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/random.h"
#include "kernels/dispatch.h"
#include "kernels/random.h"
#include "random/device_generator.h"
#include "random/distributions.h"
#include "random/fill_order.h"
#include "random/inplace.h"

// C++ type names, as PyTorch's bounds errors print them.
static const char *cpp_type_name(ct_dtype dtype) {
  static const char *names[CT_NUM_DTYPES] = {"bool", "int", "long", "float", "double"};
  return (unsigned)dtype < CT_NUM_DTYPES ? names[dtype] : "?";
}

static ct_status not_implemented(const char *kernel, ct_dtype dtype) {
  return ct__error(CT_ERR_ARG, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(dtype));
}

// ---- autograd for in-place fills ----

// The gradient of a random fill with respect to what the tensor held before is zero.
static ct_status zero_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  (void)node;
  grad_in[0] = ct_zeros_like(grad);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// False for a NULL t (silently) or a leaf that requires grad, or a view of one, while
// grad mode is on (PyTorch's error); the public fills check this before drawing anything.
static bool can_fill_inplace(const ct_tensor *t) {
  return t && ct__check_device(t) == CT_OK && ct__check_inplace(t) == CT_OK;
}

static ct_tensor *finish_inplace(ct_tensor *t, ct_status st, const char *grad_fn_name) {
  if (st != CT_OK) return NULL;
  ct__bump_version(t);
  if (ct__record(t, grad_fn_name, zero_backward, 1, &t, 0, NULL, NULL) != CT_OK) return NULL;
  return t;
}

// ---- uniform_ ----

static ct_status check_uniform(const ct_tensor *t, double from, double to) {
  if (!ct_dtype_is_floating(t->dtype)) return not_implemented("check_uniform_bounds", t->dtype);
  double max = t->dtype == CT_FLOAT32 ? FLT_MAX : DBL_MAX;
  const char *name = cpp_type_name(t->dtype);
  if (!(from >= -max && from <= max)) return ct__error(CT_ERR_ARG, "from is out of bounds for %s", name);
  if (!(to >= -max && to <= max)) return ct__error(CT_ERR_ARG, "to is out of bounds for %s", name);
  if (from > to)
    return ct__error(CT_ERR_ARG, "uniform_ expects to return a [from, to) range, but found from=%g > to=%g",
                     from, to);
  if (to - from > max)
    return ct__error(CT_ERR_ARG,
                     "uniform_ expects to-from <= std::numeric_limits<%s>::max(), but found to=%g and from=%g "
                     "which result in to-from to exceed the limit",
                     ct__scalar_type_name(t->dtype), to, from);
  return CT_OK;
}

ct_status ct__uniform_fill(ct_tensor *t, double from, double to, ct_generator *g) {
  ct_status st = check_uniform(t, from, to);
  if (st == CT_OK) st = ct__check_no_internal_overlap(t);
  if (st != CT_OK) return st;
  ct_draw d = {.kind = CT_DRAW_UNIFORM, .a = from, .b = to};
  return ct__fill_serial(t, &d, g);
}

ct_tensor *ct_uniform_gen_(ct_tensor *t, double from, double to, ct_generator *gen) {
  if (!can_fill_inplace(t)) return NULL;
  return finish_inplace(t, ct__uniform_fill(t, from, to, gen), "UniformBackward0");
}
ct_tensor *ct_uniform_(ct_tensor *t, double from, double to) { return ct_uniform_gen_(t, from, to, NULL); }

// ---- normal_ ----

ct_status ct__normal_fill(ct_tensor *t, double mean, double std, ct_generator *gen) {
  if (!(std >= 0.0)) return ct__error(CT_ERR_ARG, "normal expects std >= 0.0, but found std %g", std);
  if (!ct_dtype_is_floating(t->dtype)) return not_implemented("normal_kernel_cpu", t->dtype);
  ct_status st = ct__check_no_internal_overlap(t);
  if (st != CT_OK) return st;
  int64_t n = ct__numel_of(t->ndim, t->shape);
  if (n >= CT_NORMAL_BLOCKS_MIN && ct_is_contiguous(t)) { // PyTorch's normal_fill
    ct_random_lease lease;
    if ((st = ct__random_begin(t->storage->device, t->storage->device_index, gen, &lease)) != CT_OK) return st;
    ct__kernels(t->storage->device)->random->normal_blocks[t->dtype](ct__data(t), n, mean, std, &lease.src);
    ct__random_end(&lease);
    return CT_OK;
  }
  ct_draw d = {.kind = CT_DRAW_NORMAL, .a = mean, .b = std};
  return ct__fill_serial(t, &d, gen);
}

ct_tensor *ct_normal_gen_(ct_tensor *t, double mean, double std, ct_generator *gen) {
  if (!can_fill_inplace(t)) return NULL;
  return finish_inplace(t, ct__normal_fill(t, mean, std, gen), "NormalBackward0");
}
ct_tensor *ct_normal_(ct_tensor *t, double mean, double std) { return ct_normal_gen_(t, mean, std, NULL); }

// ---- bernoulli_ ----

ct_status ct__bernoulli_fill(ct_tensor *t, double p, ct_generator *g) {
  if (!(p >= 0.0 && p <= 1.0))
    return ct__error(CT_ERR_ARG, "bernoulli_ expects p to be in [0, 1], but got p=%g", p);
  ct_status st = ct__check_no_internal_overlap(t);
  if (st != CT_OK) return st;
  ct_draw d = {.kind = CT_DRAW_BERNOULLI, .a = p};
  return ct__fill_serial(t, &d, g);
}

ct_tensor *ct_bernoulli_gen_(ct_tensor *t, double p, ct_generator *gen) {
  if (!can_fill_inplace(t)) return NULL;
  return finish_inplace(t, ct__bernoulli_fill(t, p, gen), "BernoulliBackward2");
}
ct_tensor *ct_bernoulli_(ct_tensor *t, double p) { return ct_bernoulli_gen_(t, p, NULL); }

// ---- random_(from, to) ----

// For float dtypes PyTorch moves bounds that the dtype cannot hold exactly inward to the
// nearest representable integers (update_from / update_to in DistributionTemplates.h):
// bound + step (step +1 for from, -1 for to) rounded through the dtype; when rounding
// carried it past the bound (update_from tests <, update_to >=), one ulp of the dtype at
// that magnitude further inward.
static int64_t float_adjusted(int64_t bound, int step, ct_dtype dtype) {
  int digits = dtype == CT_FLOAT32 ? FLT_MANT_DIG : DBL_MANT_DIG;
  int64_t moved = bound + step;
  int64_t rounded = ct__f64_to_i64(dtype == CT_FLOAT32 ? (double)(float)moved : (double)moved);
  if (step > 0 ? rounded >= bound : rounded < bound) return bound;
  uint64_t mag = moved < 0 ? -(uint64_t)moved : (uint64_t)moved;
  int n = 0;
  while (mag >>= 1) n++;
  return rounded + step * (INT64_C(1) << (n - digits + 1));
}

static ct_status check_in_dtype_range(int64_t v, const char *what, ct_dtype dtype) {
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  if (dtype == CT_BOOL) lo = 0, hi = 1;
  if (dtype == CT_INT32) lo = INT32_MIN, hi = INT32_MAX;
  if (v < lo || v > hi) return ct__error(CT_ERR_ARG, "%s is out of bounds for %s", what, cpp_type_name(dtype));
  return CT_OK;
}

ct_status ct__random_fill(ct_tensor *t, int64_t from, int64_t to, ct_generator *g) {
  ct_status st = ct__check_no_internal_overlap(t);
  if (st != CT_OK) return st;
  if (from >= to)
    return ct__error(CT_ERR_ARG, "random_ expects 'from' to be less than 'to', but got from=%lld >= to=%lld",
                     (long long)from, (long long)to);
  if (ct_dtype_is_floating(t->dtype)) {
    from = float_adjusted(from, +1, t->dtype);
    to = float_adjusted(to, -1, t->dtype);
    if (from >= to)
      return ct__error(CT_ERR_ARG,
                       "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
                       "from=%lld >= to=%lld",
                       (long long)from, (long long)to);
  } else if ((st = check_in_dtype_range(from, "from", t->dtype)) != CT_OK ||
             (st = check_in_dtype_range(to - 1, "to - 1", t->dtype)) != CT_OK) {
    return st;
  }
  ct_draw d = {.kind = CT_DRAW_RANGE, .range = (uint64_t)to - (uint64_t)from, .base = from};
  return ct__fill_serial(t, &d, g);
}

ct_tensor *ct_random_gen_(ct_tensor *t, int64_t from, int64_t to, ct_generator *gen) {
  if (!can_fill_inplace(t)) return NULL;
  return finish_inplace(t, ct__random_fill(t, from, to, gen), "RandomBackward0");
}
ct_tensor *ct_random_(ct_tensor *t, int64_t from, int64_t to) { return ct_random_gen_(t, from, to, NULL); }

// Serial (element-by-element) random fills: PyTorch's cpu_serial_kernel distributions.
// Each fill draws one value per element, in the tensor's iteration order (fill_order.h).
#ifndef CTORCH_SRC_RANDOM_DISTRIBUTIONS_H
#define CTORCH_SRC_RANDOM_DISTRIBUTIONS_H
#include "core/tensor_impl.h"
#include "random/generator.h"

typedef enum ct_draw_kind {
  CT_DRAW_UNIFORM,   // a = from, b = to (float dtypes)
  CT_DRAW_NORMAL,    // a = mean, b = std (float dtypes), the cached normal_distribution<double>
  CT_DRAW_BERNOULLI, // a = p (any dtype)
  CT_DRAW_RANGE,     // base + draw % range (any dtype); 64-bit draws when range >= 2^32 (not
                     // for int32 and bool)
  CT_DRAW_EXPONENTIAL, // a = lambda (float dtypes), exponential_distribution<double>
} ct_draw_kind;

typedef struct ct_draw {
  ct_draw_kind kind;
  double a, b;
  uint64_t range;
  int64_t base;
} ct_draw;

/// Fill every element of t (no internal overlap, checked by the caller) serially, from `g`
/// (NULL: the default generator of t's device; device_generator.h).
ct_status ct__fill_serial(ct_tensor *t, const ct_draw *draw, ct_generator *g);
#endif

// multinomial: PyTorch 1.13's argument checks in its order, then its fast path (an
// exponential race: probs / Exp(1), argmax or largest first) or its with-replacement
// kernel, both in the random kernel family.
#include <math.h>
#include <stdlib.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/reduce.h"
#include "ctorch/sampling.h"
#include "ctorch/scope.h"
#include "kernels/dispatch.h"
#include "kernels/random.h"
#include "random/device_generator.h"
#include "random/distributions.h"
#include "random/fill_order.h"
#include "random/generator.h"

// The fast path's checks: finite, non-negative, no row summing to zero.
static ct_status check_fast_path(ct_tensor *probs) {
  double max = 0, min = 0;
  if (ct_item(ct_max(probs), &max) != CT_OK || ct_item(ct_min(probs), &min) != CT_OK) return ct_last_status();
  if (!(max < INFINITY && min >= 0))
    return ct__error(CT_ERR_RUNTIME, "probability tensor contains either `inf`, `nan` or element < 0");
  ct_tensor *sums = probs->ndim == 1 ? ct_sum(probs) : ct_sum_dim(probs, 1, false);
  double *s = sums ? malloc((size_t)(ct_numel(sums) ? ct_numel(sums) : 1) * sizeof *s) : NULL;
  bool zero = false;
  ct_status st = s ? ct_to_f64_array(sums, s) : ct__error(CT_ERR_MEMORY, "out of memory");
  for (int64_t i = 0; st == CT_OK && i < ct_numel(sums); i++) zero |= s[i] == 0;
  free(s);
  if (st == CT_OK && zero) st = ct__error(CT_ERR_RUNTIME, "invalid multinomial distribution (sum of probabilities <= 0)");
  return st;
}

// Without replacement: q ~ Exp(1) laid out like probs and drawn in its
// iteration order, then per row the largest probs / q.
static ct_status sample_race(ct_tensor *out, ct_tensor *probs, int64_t n_dist, int64_t n_cat, int64_t k,
                             ct_generator *g) {
  ct_status st = check_fast_path(probs);
  if (st != CT_OK) return st;
  ct_tensor *q = ct__empty_like_layout(probs);
  ct_draw draw = {.kind = CT_DRAW_EXPONENTIAL, .a = 1.0};
  if (!q || ct__fill_serial(q, &draw, g) != CT_OK) return ct_last_status();
  ct_tensor *p = ct__copy_as(probs, probs->dtype), *qc = ct__copy_as(q, q->dtype);
  if (!p || !qc) return ct_last_status();
  ct__kernels(probs->storage->device)->random->multinomial_pick[probs->dtype]((int64_t *)ct__data(out), ct__data(p),
                                                                              ct__data(qc), n_dist, n_cat, k);
  return CT_OK;
}

static ct_status sample_with_replacement(ct_tensor *out, ct_tensor *probs, int64_t n_dist, int64_t n_cat,
                                         int64_t n_sample, ct_generator *g) {
  void *cum = malloc((size_t)n_cat * ct__dtype_size(probs->dtype) + 1);
  if (!cum) return ct__error(CT_ERR_MEMORY, "out of memory");
  ct_random_lease lease;
  ct_status st = ct__random_begin(probs->storage->device, probs->storage->device_index, g, &lease);
  if (st != CT_OK) {
    free(cum);
    return st;
  }
  int64_t row = probs->ndim == 2 ? probs->strides[0] : 0, col = probs->strides[probs->ndim - 1];
  int bad = ct__kernels(probs->storage->device)
                ->random->multinomial[probs->dtype]((int64_t *)ct__data(out), ct__data(probs), n_dist, n_cat, row, col,
                                                    n_sample, cum, &lease.src);
  ct__random_end(&lease);
  free(cum);
  static const char *const why[] = {"", "encountering probability entry < 0",
                                    "encountering probability entry = infinity or NaN", "sum of probabilities <= 0"};
  return bad ? ct__error(CT_ERR_RUNTIME, "invalid multinomial distribution (%s)", why[bad]) : CT_OK;
}

ct_tensor *ct_multinomial_gen(ct_tensor *probs, int64_t n_sample, bool replacement, ct_generator *gen) {
  CT_CHECK_NULL(probs);
  if (ct__check_device(probs) != CT_OK) return NULL;
  if (probs->ndim < 1 || probs->ndim > 2) return ct__error_null(CT_ERR_ARG, "prob_dist must be 1 or 2 dim");
  if (!ct_dtype_is_floating(probs->dtype))
    return ct__error_null(CT_ERR_ARG, "multinomial only supports floating-point dtypes for input, got: %s",
                          ct__scalar_type_name(probs->dtype));
  if (n_sample <= 0) return ct__error_null(CT_ERR_ARG, "cannot sample n_sample <= 0 samples");
  int64_t n_cat = probs->shape[probs->ndim - 1], n_dist = probs->ndim == 2 ? probs->shape[0] : 1;
  if (!replacement && n_sample > n_cat)
    return ct__error_null(CT_ERR_ARG, "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  if (n_cat > (INT64_C(1) << 24)) return ct__error_null(CT_ERR_ARG, "number of categories cannot exceed 2^24");
  const ct_random_kernels *k = ct__kernels(probs->storage->device)->random;
  if (replacement ? !k->multinomial[probs->dtype] : !k->multinomial_pick[probs->dtype])
    return ct__error_null(CT_ERR_RUNTIME, "multinomial is not implemented for %s tensors in ctorch yet",
                          ct_device_name(probs->storage->device));
  int64_t shape[2] = {n_dist, n_sample};
  ct_tensor *out = probs->ndim == 1 ? ct__alloc(CT_INT64, 1, &n_sample) : ct__alloc(CT_INT64, 2, shape);
  if (!out || ct_numel(out) == 0) return out;
  bool was = ct_no_grad_enter();
  ct_scope *s = ct_scope_open(); // the temporaries
  ct_generator *g = gen; // NULL: the device's default generator
  ct_status st = !s                             ? ct_last_status()
                 : !replacement                  ? sample_race(out, probs, n_dist, n_cat, n_sample, g)
                                                 : sample_with_replacement(out, probs, n_dist, n_cat, n_sample, g);
  if (s) ct_scope_close(s);
  ct_grad_mode_restore(was);
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_multinomial(ct_tensor *probs, int64_t n_sample, bool replacement) {
  return ct_multinomial_gen(probs, n_sample, replacement, NULL);
}

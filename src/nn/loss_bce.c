// Binary cross entropy (F.binary_cross_entropy), PyTorch 1.13's CPU kernel exactly:
// a scalar loop with log (glibc logf for float32), each log clamped at -100, log(1-x)
// rather than log1p, every product rounded (no FMA). Parity sheet section 9.
#include <math.h>
#include <string.h>
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "nn/loss_internal.h"
#include "nn/loss_loops.h"

#define INPUT_RANGE_MESSAGE "all elements of input should be between 0 and 1"
// PyTorch's backward clamp is a float constant, also for float64 inputs.
static const float EPSILON = 1e-12f;

// std::max(a, b) as PyTorch calls it: b only when a < b.
#define MAX_LIKE_STD(a, b) ((a) < (b) ? (b) : (a))

#define DEFINE_BCE_KERNELS(T, SUFFIX, LOG)                                                     \
  static const char *forward_##SUFFIX(const ct_pointwise_args *a, void *out_) {                \
    const T *x = a->x, *t = a->t;                                                              \
    T *out = out_;                                                                             \
    for (int64_t i = 0; i < a->n; i++) {                                                       \
      T xi = x[i];                                                                             \
      if (!(xi >= 0 && xi <= 1)) return INPUT_RANGE_MESSAGE;                                   \
      T log_x = MAX_LIKE_STD(LOG(xi), (T)-100);                                                \
      T log_1mx = MAX_LIKE_STD(LOG(1 - xi), (T)-100);                                          \
      out[i] = (t[i] - 1) * log_1mx - t[i] * log_x;                                            \
    }                                                                                          \
    CT__LOSS_APPLY_WEIGHT(T, a, out);                                                          \
    return NULL;                                                                               \
  }                                                                                            \
  /* (g*(x-t)) / max((1-x)*x, 1e-12f), then * weight, then / numel for 'mean'. */              \
  static void input_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                    \
    const T *x = a->x, *t = a->t;                                                              \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a,                                                               \
                           out[i] = gi * (x[i] - t[i]) / MAX_LIKE_STD((1 - x[i]) * x[i], (T)EPSILON)); \
    CT__LOSS_FINISH_GRAD(T, a, out);                                                           \
  }                                                                                            \
  /* -logit(x) * g, then * weight, then / numel for 'mean'. */                                 \
  static void target_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                   \
    const T *x = a->x;                                                                         \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, out[i] = -LOG(x[i] / (1 - x[i])) * gi);                       \
    CT__LOSS_FINISH_GRAD(T, a, out);                                                           \
  }

DEFINE_BCE_KERNELS(float, f32, logf)
DEFINE_BCE_KERNELS(double, f64, log)

CT__POINTWISE_LOSS(bce,
                   .node_name = {"BinaryCrossEntropyBackward0", "BinaryCrossEntropyBackward0",
                                 "BinaryCrossEntropyBackward0"},
                   .forward = {forward_f32, forward_f64}, .input_grad = {input_grad_f32, input_grad_f64},
                   .target_grad = {target_grad_f32, target_grad_f64})

ct_tensor *ct_binary_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                   ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  if (input->ndim != target->ndim || ct_numel(input) != ct_numel(target) ||
      memcmp(input->shape, target->shape, (size_t)input->ndim * sizeof(int64_t))) {
    char a[256], b[256];
    ct__loss_size_str(target, a, sizeof a);
    ct__loss_size_str(input, b, sizeof b);
    return ct__error_null(CT_ERR_ARG,
                          "Using a target size (%s) that is different to the input size (%s) is deprecated. "
                          "Please ensure they have the same size.",
                          a, b);
  }
  if (ct__check_same_device_args("wrapper__binary_cross_entropy", 3, (const ct_tensor *[]){input, target, weight},
                                 (const char *[]){"self", "target", "weight"}, 3) != CT_OK)
    return NULL;
  if (ct__loss_check_floating(input, "binary_cross_entropy") != CT_OK) return NULL;
  if (target->dtype != input->dtype)
    return ct__error_null(CT_ERR_RUNTIME, "Found dtype %s but expected %s",
                          ct__scalar_type_name(target->dtype), ct__scalar_type_name(input->dtype));
  if (ct__loss_check_weight(weight, "binary_cross_entropy", "weight", input->ndim, input->shape, false) != CT_OK)
    return NULL;
  return ct__pointwise_loss(&bce, input, target, weight, NULL, input->dtype, input->ndim, input->shape,
                            reduction);
}

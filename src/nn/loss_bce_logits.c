// F.binary_cross_entropy_with_logits, with PyTorch 1.13's stable formula:
//   m = max(-x, 0),  lw = (pos_weight - 1) * t + 1 (1 without pos_weight)
//   loss = (1 - t) * x + lw * (log(exp(-m) + exp(-x - m)) + m)
#include <math.h>
#include <string.h>
#include "core/device.h"
#include "core/error_impl.h"
#include "nn/loss_internal.h"
#include "nn/loss_loops.h"

#define DEFINE_LOGITS_KERNELS(T, SUFFIX, EXP, LOG, LOG1P)                                      \
  static const char *forward_##SUFFIX(const ct_pointwise_args *a, void *out_) {                \
    const T *x = a->x, *t = a->t, *pw = a->pw;                                                 \
    T *out = out_;                                                                             \
    for (int64_t i = 0; i < a->n; i++) {                                                       \
      T m = -x[i] > 0 ? -x[i] : 0;                                                             \
      T softplus = LOG(EXP(-m) + EXP(-x[i] - m));                                              \
      if (pw) out[i] = (1 - t[i]) * x[i] + ((pw[i] - 1) * t[i] + 1) * (softplus + m);          \
      else out[i] = (1 - t[i]) * x[i] + m + softplus;                                          \
    }                                                                                          \
    CT__LOSS_APPLY_WEIGHT(T, a, out);                                                          \
    return NULL;                                                                               \
  }                                                                                            \
  /* (sigmoid(x) - t) * g; with pos_weight ((pw*t + 1 - t) * sigmoid(x) - pw*t) * g. */        \
  static void input_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                    \
    const T *x = a->x, *t = a->t, *pw = a->pw;                                                 \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, {                                                             \
      T sig = 1 / (1 + EXP(-x[i]));                                                            \
      if (pw) {                                                                                \
        T pt = pw[i] * t[i];                                                                   \
        out[i] = ((pt + 1 - t[i]) * sig - pt) * gi;                                            \
      } else {                                                                                 \
        out[i] = (sig - t[i]) * gi;                                                            \
      }                                                                                        \
    });                                                                                        \
    CT__LOSS_FINISH_GRAD(T, a, out);                                                           \
  }                                                                                            \
  /* -x * g; with pos_weight (log_sigmoid(-x) - log_sigmoid(x) * pw) * g. */                   \
  static void target_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                   \
    const T *x = a->x, *pw = a->pw;                                                            \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, {                                                             \
      if (pw) {                                                                                \
        T tail = LOG1P(EXP(-(x[i] < 0 ? -x[i] : x[i])));                                       \
        T ls_pos = (x[i] < 0 ? x[i] : 0) - tail, ls_neg = (x[i] > 0 ? -x[i] : 0) - tail;       \
        out[i] = (ls_neg - ls_pos * pw[i]) * gi;                                               \
      } else {                                                                                 \
        out[i] = -x[i] * gi;                                                                   \
      }                                                                                        \
    });                                                                                        \
    CT__LOSS_FINISH_GRAD(T, a, out);                                                           \
  }

DEFINE_LOGITS_KERNELS(float, f32, expf, logf, log1pf)
DEFINE_LOGITS_KERNELS(double, f64, exp, log, log1p)

CT__POINTWISE_LOSS(bce_logits,
                   .node_name = {"BinaryCrossEntropyWithLogitsBackward0",
                                 "BinaryCrossEntropyWithLogitsBackward0",
                                 "BinaryCrossEntropyWithLogitsBackward0"},
                   .forward = {forward_f32, forward_f64}, .input_grad = {input_grad_f32, input_grad_f64},
                   .target_grad = {target_grad_f32, target_grad_f64})

ct_tensor *ct_binary_cross_entropy_with_logits(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                               ct_tensor *pos_weight, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  if (input->ndim != target->ndim || memcmp(input->shape, target->shape, (size_t)input->ndim * sizeof(int64_t))) {
    char a[256], b[256];
    ct__loss_size_str(target, a, sizeof a);
    ct__loss_size_str(input, b, sizeof b);
    return ct__error_null(CT_ERR_ARG, "Target size (%s) must be the same as input size (%s)", a, b);
  }
  // A composite of elementwise ops in PyTorch: TensorIterator's device rule.
  if (ct__check_same_device(NULL, 4, (const ct_tensor *[]){input, target, weight, pos_weight}, false) != CT_OK)
    return NULL;
  const char *op = "binary_cross_entropy_with_logits";
  if (ct__loss_check_floating(input, op) != CT_OK || ct__loss_check_floating(target, op) != CT_OK) return NULL;
  ct_dtype dtype = target->dtype > input->dtype ? target->dtype : input->dtype; // composite ops promote
  if (ct__loss_check_weight(weight, op, "weight", input->ndim, input->shape, false) != CT_OK ||
      ct__loss_check_weight(pos_weight, op, "pos_weight", input->ndim, input->shape, true) != CT_OK)
    return NULL;
  return ct__pointwise_loss(&bce_logits, input, target, weight, pos_weight, dtype, input->ndim,
                            input->shape, reduction);
}

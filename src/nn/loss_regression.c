// Regression losses: F.mse_loss (PyTorch's fused kernel, bit-exact in float32) and
// F.l1_loss (composite sub/abs/mean in PyTorch 1.13; one fused node here).
// Input and target broadcast together, as F.mse_loss / F.l1_loss do after their warning.
#include <math.h>
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/layout.h"
#include "kernels/iter.h"
#include "nn/loss_internal.h"
#include "nn/loss_loops.h"

#define SIGN(T, v) (T)(((v) > 0) - ((v) < 0))

#define DEFINE_REGRESSION_KERNELS(T, SUFFIX)                                                   \
  static const char *mse_forward_##SUFFIX(const ct_pointwise_args *a, void *out_) {            \
    const T *x = a->x, *t = a->t;                                                              \
    T *out = out_;                                                                             \
    for (int64_t i = 0; i < a->n; i++) {                                                       \
      T d = x[i] - t[i];                                                                       \
      out[i] = d * d;                                                                          \
    }                                                                                          \
    return NULL;                                                                               \
  }                                                                                            \
  /* PyTorch: norm * (x - t) * g with norm = 2/numel ('mean') or 2, as the dtype. */           \
  static void mse_input_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                \
    const T *x = a->x, *t = a->t, norm = (T)(2.0 / a->divisor);                                \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, out[i] = norm * (x[i] - t[i]) * gi);                          \
  }                                                                                            \
  static void mse_target_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {               \
    const T *x = a->x, *t = a->t, norm = (T)(2.0 / a->divisor);                                \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, out[i] = norm * (t[i] - x[i]) * gi);                          \
  }                                                                                            \
  static const char *l1_forward_##SUFFIX(const ct_pointwise_args *a, void *out_) {             \
    const T *x = a->x, *t = a->t;                                                              \
    T *out = out_;                                                                             \
    for (int64_t i = 0; i < a->n; i++) out[i] = fabs(x[i] - t[i]);                             \
    return NULL;                                                                               \
  }                                                                                            \
  /* MeanBackward0 (g / numel), AbsBackward0 (* sgn(x - t)), SubBackward0 (-g for t). */       \
  static void l1_input_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                 \
    const T *x = a->x, *t = a->t, div = (T)a->divisor;                                         \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, out[i] = (gi / div) * SIGN(T, x[i] - t[i]));                  \
  }                                                                                            \
  static void l1_target_grad_##SUFFIX(const ct_pointwise_args *a, void *out_) {                \
    const T *x = a->x, *t = a->t, div = (T)a->divisor;                                         \
    T *out = out_;                                                                             \
    CT__LOSS_FOR_EACH_GRAD(T, a, out[i] = -((gi / div) * SIGN(T, x[i] - t[i])));               \
  }

DEFINE_REGRESSION_KERNELS(float, f32)
DEFINE_REGRESSION_KERNELS(double, f64)

CT__POINTWISE_LOSS(mse, .node_name = {"MseLossBackward0", "MseLossBackward0", "MseLossBackward0"},
                   .forward = {mse_forward_f32, mse_forward_f64},
                   .input_grad = {mse_input_grad_f32, mse_input_grad_f64},
                   .target_grad = {mse_target_grad_f32, mse_target_grad_f64})

CT__POINTWISE_LOSS(l1, .node_name = {"AbsBackward0", "MeanBackward0", "SumBackward0"},
                   .forward = {l1_forward_f32, l1_forward_f64},
                   .input_grad = {l1_input_grad_f32, l1_input_grad_f64},
                   .target_grad = {l1_target_grad_f32, l1_target_grad_f64})

// Broadcasts input with target; the loss is computed in the wider float dtype.
static ct_tensor *regression_loss(const ct_pointwise_loss *L, const char *kernel_name, ct_tensor *input,
                                  ct_tensor *target, ct_reduction reduction) {
  CT_CHECK_NULL(input);
  CT_CHECK_NULL(target);
  if (!ct__loss_reduction_ok(reduction)) return NULL;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shapes(input->ndim, input->shape, target->ndim, target->shape, &ndim, shape) != CT_OK)
    return NULL;
  if (ct__check_same_device(NULL, 2, (const ct_tensor *[]){input, target}, false) != CT_OK) return NULL;
  ct_dtype dtype = input->dtype;
  if (ct_dtype_is_floating(target->dtype) && target->dtype > dtype) dtype = target->dtype;
  if (!ct_dtype_is_floating(dtype))
    return ct__error_null(CT_ERR_RUNTIME, "\"%s\" not implemented for '%s'", kernel_name,
                          ct__scalar_type_name(dtype));
  return ct__pointwise_loss(L, input, target, NULL, NULL, dtype, ndim, shape, reduction);
}

ct_tensor *ct_mse_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction) {
  return regression_loss(&mse, "mse_cpu", input, target, reduction);
}

ct_tensor *ct_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction) {
  return regression_loss(&l1, "abs_cpu", input, target, reduction);
}

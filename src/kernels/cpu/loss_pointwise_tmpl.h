// The elementwise losses (kernels/loss.h) for one floating dtype, for loss_pointwise.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     DTYPE  its ct_dtype
// The per-element formulas, loss_of and grad_of, are kernels/loss_elem_tmpl.h's (shared
// with the CUDA kernels).
//
// Every loop body below is an always-inlined function of the loss kind, called with a
// constant kind: each loss gets its own loop.
#define NAME(x) CT_SUFFIXED(x, SFX)

// out[i] *= weight[i] when the loss has a weight.
static inline void NAME(apply_weight)(const ct_pointwise_args *a, T *out) {
  const T *w = a->w;
  if (w)
    for (int64_t i = 0; i < a->n; i++)
      out[i] *= w[i];
}

// ---- forward ----

// out[i] = loss of element i, then * weight (the losses that take one).
INLINE ct_loss_status NAME(losses)(int kind, const ct_pointwise_args *a, T *out) {
  const T *x = a->x, *t = a->t, *pw = a->pw;
  for (int64_t i = 0; i < a->n; i++) {
    if (kind == CT_LOSS_BCE && !(x[i] >= 0 && x[i] <= 1)) return CT_LOSS_INPUT_RANGE;
    out[i] = NAME(loss_of)(kind, x, t, pw, i, (T)a->param);
  }
  if (kind == CT_LOSS_BCE || kind == CT_LOSS_BCE_LOGITS) NAME(apply_weight)(a, out);
  return CT_LOSS_OK;
}

// ---- gradients ----

// The gradient of every element; BCE and BCE with logits then apply the weight and, for
// 'mean', divide by numel (PyTorch's order).
INLINE void NAME(grad)(int kind, bool wrt_target, const ct_pointwise_args *a, T *out) {
  const T *x = a->x, *t = a->t, *pw = a->pw, *g = a->g;
  const T k = kind == CT_LOSS_MSE                                  ? (T)(2.0 / a->divisor)
              : kind == CT_LOSS_SMOOTH_L1 || kind == CT_LOSS_HUBER ? (T)(1.0 / a->divisor)
                                                                   : (T)a->divisor;
  const T param = (T)a->param;
  if (a->g_scalar) {
    const T gi = g[0];
    for (int64_t i = 0; i < a->n; i++)
      out[i] = NAME(grad_of)(kind, wrt_target, x, t, pw, i, gi, k, param);
  } else {
    for (int64_t i = 0; i < a->n; i++)
      out[i] = NAME(grad_of)(kind, wrt_target, x, t, pw, i, g[i], k, param);
  }
  if (kind == CT_LOSS_BCE || kind == CT_LOSS_BCE_LOGITS) {
    NAME(apply_weight)(a, out);
    if (a->divisor != 1)
      for (int64_t i = 0; i < a->n; i++)
        out[i] /= (T)a->divisor;
  }
}

// ---- the table's entry points, per loss kind ----

#define ENTRY_POINTS(kind, KIND)                                                                             \
  static ct_loss_status NAME(kind##_losses)(const ct_pointwise_args *a, void *out) {                         \
    return NAME(losses)(KIND, a, out);                                                                       \
  }                                                                                                          \
  static ct_loss_status NAME(kind##_forward)(const ct_pointwise_args *a, ct_loss_reduction r, void *out) {   \
    return forward_reduced(NAME(kind##_losses), DTYPE, a, r, out);                                           \
  }                                                                                                          \
  static void NAME(kind##_input_grad)(const ct_pointwise_args *a, void *out) {                               \
    NAME(grad)(KIND, false, a, out);                                                                         \
  }                                                                                                          \
  static void NAME(kind##_target_grad)(const ct_pointwise_args *a, void *out) {                              \
    NAME(grad)(KIND, true, a, out);                                                                          \
  }
ENTRY_POINTS(bce, CT_LOSS_BCE)
ENTRY_POINTS(bce_logits, CT_LOSS_BCE_LOGITS)
ENTRY_POINTS(mse, CT_LOSS_MSE)
ENTRY_POINTS(l1, CT_LOSS_L1)
ENTRY_POINTS(smooth_l1, CT_LOSS_SMOOTH_L1)
ENTRY_POINTS(huber, CT_LOSS_HUBER)
#undef ENTRY_POINTS

#undef NAME
#undef T
#undef SFX
#undef DTYPE

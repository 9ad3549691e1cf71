// The elementwise losses (kernels/loss.h) for one floating dtype, for loss_pointwise.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     DTYPE  its ct_dtype
// The math functions are EXP_<SFX>, LOG_<SFX>, LOG1P_<SFX> (glibc's), defined by the
// includer.
//
// Every loop body below is an always-inlined function of the loss kind, called with a
// constant kind: each loss gets its own loop, and the formulas of all losses sit side
// by side.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define EXP CT_SUFFIXED(EXP, SFX)
#define LOG CT_SUFFIXED(LOG, SFX)
#define LOG1P CT_SUFFIXED(LOG1P, SFX)

// out[i] *= weight[i] when the loss has a weight.
static inline void NAME(apply_weight)(const ct_pointwise_args *a, T *out) {
  const T *w = a->w;
  if (w)
    for (int64_t i = 0; i < a->n; i++)
      out[i] *= w[i];
}

// ---- forward ----

// The loss of element i before weights:
//   BCE (PyTorch 1.13's CPU kernel exactly: log clamped at -100, log(1-x) rather than
//   log1p, products rounded): (t - 1) * max(log(1 - x), -100) - t * max(log x, -100)
//   BCE with logits, m = max(-x, 0), lw = (pos_weight - 1) * t + 1 (1 without it):
//   (1 - t) * x + lw * (log(exp(-m) + exp(-x - m)) + m)
//   MSE: (x - t)^2;  L1: |x - t|
//   smooth L1, z = |x - t|: z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
//   Huber: z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
INLINE T NAME(loss_of)(int kind, const T *x, const T *t, const T *pw, int64_t i, T param) {
  switch (kind) {
  case CT_LOSS_BCE: {
    T xi = x[i];
    T log_x = MAX_LIKE_STD(LOG(xi), (T)-100);
    T log_1mx = MAX_LIKE_STD(LOG(1 - xi), (T)-100);
    return (t[i] - 1) * log_1mx - t[i] * log_x;
  }
  case CT_LOSS_BCE_LOGITS: {
    T m = -x[i] > 0 ? -x[i] : 0;
    T softplus = LOG(EXP(-m) + EXP(-x[i] - m));
    if (pw) return (1 - t[i]) * x[i] + ((pw[i] - 1) * t[i] + 1) * (softplus + m);
    return (1 - t[i]) * x[i] + m + softplus;
  }
  case CT_LOSS_MSE: {
    T d = x[i] - t[i];
    return d * d;
  }
  case CT_LOSS_SMOOTH_L1: {
    T z = fabs(x[i] - t[i]);
    return z < param ? (T)0.5 * z * z / param : z - (T)0.5 * param;
  }
  case CT_LOSS_HUBER: {
    T z = fabs(x[i] - t[i]);
    return z < param ? (T)0.5 * z * z : param * (z - (T)0.5 * param);
  }
  default: return fabs(x[i] - t[i]); // CT_LOSS_L1
  }
}

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

// d loss / d input (or target, `wrt_target`) of element i for incoming gradient gi; k is
// MSE's norm (2/numel for 'mean', else 2) or L1's divisor, as T.
//   BCE: input (g*(x-t)) / max((1-x)*x, 1e-12f); target -logit(x) * g
//   BCE with logits: input (sigmoid(x) - t) * g, with pos_weight
//   ((pw*t + 1 - t) * sigmoid(x) - pw*t) * g; target -x * g, with pos_weight
//   (log_sigmoid(-x) - log_sigmoid(x) * pw) * g
//   MSE: ±norm * (x - t) * g;  L1 (MeanBackward0, AbsBackward0, SubBackward0):
//   ±(g / divisor) * sgn(x - t)
//   smooth L1 / Huber (PyTorch's vector formula; k = 1/numel for 'mean', else 1; the
//   target's gradient is the same with x and t swapped): k * s * g with s = |x - t| >= param ?
//   ±1 (smooth L1) or ±delta (Huber) by the sign of x - t (- at 0), else (x - t) / beta
//   or x - t
INLINE T NAME(grad_of)(int kind, bool wrt_target, const T *x, const T *t, const T *pw, int64_t i, T gi, T k,
                       T param) {
  switch (kind) {
  case CT_LOSS_BCE:
    if (wrt_target) return -LOG(x[i] / (1 - x[i])) * gi;
    return gi * (x[i] - t[i]) / MAX_LIKE_STD((1 - x[i]) * x[i], (T)BCE_EPSILON);
  case CT_LOSS_BCE_LOGITS:
    if (wrt_target) {
      if (pw) {
        T tail = LOG1P(EXP(-(x[i] < 0 ? -x[i] : x[i])));
        T ls_pos = (x[i] < 0 ? x[i] : 0) - tail, ls_neg = (x[i] > 0 ? -x[i] : 0) - tail;
        return (ls_neg - ls_pos * pw[i]) * gi;
      }
      return -x[i] * gi;
    } else {
      T sig = 1 / (1 + EXP(-x[i]));
      if (pw) {
        T pt = pw[i] * t[i];
        return ((pt + 1 - t[i]) * sig - pt) * gi;
      }
      return (sig - t[i]) * gi;
    }
  case CT_LOSS_MSE:
    if (wrt_target) return k * (t[i] - x[i]) * gi;
    return k * (x[i] - t[i]) * gi;
  case CT_LOSS_SMOOTH_L1:
  case CT_LOSS_HUBER: {
    T d = wrt_target ? t[i] - x[i] : x[i] - t[i];
    T big = kind == CT_LOSS_HUBER ? param : 1;
    T s = fabs(d) >= param ? (d > 0 ? big : -big) : kind == CT_LOSS_HUBER ? d : d / param;
    return k * s * gi;
  }
  default: // CT_LOSS_L1
    if (wrt_target) return -((gi / k) * SIGN(T, x[i] - t[i]));
    return (gi / k) * SIGN(T, x[i] - t[i]);
  }
}

// The gradient of every element; BCE and BCE with logits then apply the weight and, for
// 'mean', divide by numel (PyTorch's order).
INLINE void NAME(grad)(int kind, bool wrt_target, const ct_pointwise_args *a, T *out) {
  const T *x = a->x, *t = a->t, *pw = a->pw, *g = a->g;
  const T k = kind == CT_LOSS_MSE ? (T)(2.0 / a->divisor)
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
#undef EXP
#undef LOG
#undef LOG1P
#undef T
#undef SFX
#undef DTYPE

// RMSprop, Adagrad, Adamax, NAdam and RAdam updates (kernels/optim.h) for one floating
// dtype, for optim.c. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
// FMA_<SFX> and SQRT_<SFX> come from the includer. Each loop is the element-wise form of
// PyTorch 1.13's _single_tensor_<name>: one kernel per tensor op, each rounded to T; Python
// scalars rounded to T once; `add(x, alpha=a)` is fma(x, a, self), `addcmul(t1, t2,
// value=v)` is fma(v*t1, t2, self) and `addcdiv(t1, t2, value=v)` is self + (v*t1)/t2, as
// PyTorch's AVX2 kernels compute them. Flags are loop-invariant branches.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define FMA CT_SUFFIXED(FMA, SFX)
#define SQRT CT_SUFFIXED(SQRT, SFX)

// ---- RMSprop ----
//   g = ±grad (+ wd*param);  sq = sq*alpha + (1-alpha)*g*g
//   centered: ga = ga*alpha + (1-alpha)*g;  avg = sqrt(sq - ga*ga) + eps  (else sqrt(sq) + eps)
//   momentum: buf = buf*mom + g/avg;  param -= lr*buf.  Else param += (-lr*g)/avg
typedef struct NAME(rmsprop_args) {
  T *p, *sq, *ga, *buf;
  const T *g;
  const ct_rmsprop_step *s;
} NAME(rmsprop_args);

static void NAME(rmsprop_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(rmsprop_args) *a = args;
  const ct_rmsprop_step *s = a->s;
  T *restrict p = a->p, *restrict sq = a->sq, *restrict ga = a->ga, *restrict buf = a->buf;
  const T *restrict g = a->g;
  const T sign = s->maximize ? -1 : 1, wd = (T)s->weight_decay, alpha = (T)s->alpha;
  const T one_minus_alpha = (T)(1 - s->alpha), eps = (T)s->eps, mom = (T)s->momentum, neg_lr = (T)(-s->lr);
  const bool decay = s->weight_decay != 0, centered = s->centered, momentum = s->momentum > 0;
  for (int64_t i = lo; i < hi; i++) {
    T gi = g[i] * sign;
    if (decay) gi = FMA(p[i], wd, gi);
    const T sqi = FMA(one_minus_alpha * gi, gi, sq[i] * alpha);
    sq[i] = sqi;
    T avg;
    if (centered) {
      const T gai = FMA(gi, one_minus_alpha, ga[i] * alpha);
      ga[i] = gai;
      avg = SQRT(FMA(-gai, gai, sqi));
    } else {
      avg = SQRT(sqi);
    }
    avg = avg + eps;
    if (momentum) {
      const T b = buf[i] * mom + gi / avg;
      buf[i] = b;
      p[i] = FMA(b, neg_lr, p[i]);
    } else {
      p[i] = p[i] + (neg_lr * gi) / avg;
    }
  }
}

static void NAME(rmsprop)(void *param, const void *grad, void *square_avg, void *grad_avg, void *buf, int64_t n,
                          const ct_rmsprop_step *s) {
  const NAME(rmsprop_args) a = {.p = param, .g = grad, .sq = square_avg, .ga = grad_avg, .buf = buf, .s = s};
  for_chunks(n, NAME(rmsprop_range), &a);
}

// ---- Adagrad ----
//   g = ±grad (+ wd*param);  sum = sum + g*g;  param += (-clr*g)/(sqrt(sum) + eps)
typedef struct NAME(adagrad_args) {
  T *p, *sum;
  const T *g;
  const ct_adagrad_step *s;
} NAME(adagrad_args);

static void NAME(adagrad_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adagrad_args) *a = args;
  const ct_adagrad_step *s = a->s;
  T *restrict p = a->p, *restrict sum = a->sum;
  const T *restrict g = a->g;
  const T sign = s->maximize ? -1 : 1, wd = (T)s->weight_decay, eps = (T)s->eps, neg_clr = (T)(-s->clr);
  const bool decay = s->weight_decay != 0;
  for (int64_t i = lo; i < hi; i++) {
    T gi = g[i] * sign;
    if (decay) gi = FMA(p[i], wd, gi);
    const T si = FMA(gi, gi, sum[i]);
    sum[i] = si;
    p[i] = p[i] + (neg_clr * gi) / (SQRT(si) + eps);
  }
}

static void NAME(adagrad)(void *param, const void *grad, void *sum, int64_t n, const ct_adagrad_step *s) {
  const NAME(adagrad_args) a = {.p = param, .g = grad, .sum = sum, .s = s};
  for_chunks(n, NAME(adagrad_range), &a);
}

// ---- Adamax ----
//   g = ±grad (+ wd*param);  m = m*b1 + (1-b1)*g;  u = max(u*b2, |g| + eps) (nan wins);
//   param += (-clr*m)/u
typedef struct NAME(adamax_args) {
  T *p, *m, *u;
  const T *g;
  const ct_adamax_step *s;
} NAME(adamax_args);

static void NAME(adamax_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adamax_args) *a = args;
  const ct_adamax_step *s = a->s;
  T *restrict p = a->p, *restrict m = a->m, *restrict u = a->u;
  const T *restrict g = a->g;
  const T sign = s->maximize ? -1 : 1, wd = (T)s->weight_decay, b1 = (T)s->beta1, one_minus_b1 = (T)(1 - s->beta1);
  const T b2 = (T)s->beta2, eps = (T)s->eps, neg_clr = (T)(-s->clr);
  const bool decay = s->weight_decay != 0;
  for (int64_t i = lo; i < hi; i++) {
    T gi = g[i] * sign;
    if (decay) gi = FMA(p[i], wd, gi);
    const T mi = FMA(gi, one_minus_b1, m[i] * b1);
    m[i] = mi;
    const T decayed = u[i] * b2, fresh = (gi < 0 ? -gi : gi) + eps;
    const T ui = (decayed > fresh || decayed != decayed) ? decayed : fresh; // torch.amax propagates nan
    u[i] = ui;
    p[i] = p[i] + (neg_clr * mi) / ui;
  }
}

static void NAME(adamax)(void *param, const void *grad, void *exp_avg, void *exp_inf, int64_t n,
                         const ct_adamax_step *s) {
  const NAME(adamax_args) a = {.p = param, .g = grad, .m = exp_avg, .u = exp_inf, .s = s};
  for_chunks(n, NAME(adamax_range), &a);
}

// ---- NAdam and RAdam: the running moments they share ----
//   g = grad (+ wd*param);  m = m*b1 + (1-b1)*g;  v = v*b2 + (1-b2)*g*g
typedef struct NAME(moments) {
  T wd, b1, one_minus_b1, b2, one_minus_b2;
  bool decay;
} NAME(moments);

INLINE NAME(moments) NAME(moments_of)(double weight_decay, double beta1, double beta2) {
  return (NAME(moments)){.wd = (T)weight_decay, .b1 = (T)beta1, .one_minus_b1 = (T)(1 - beta1), .b2 = (T)beta2,
                         .one_minus_b2 = (T)(1 - beta2), .decay = weight_decay != 0};
}

/// Element i's gradient (with weight decay) into *gi; m[i] and v[i] updated.
INLINE void NAME(update_moments)(const NAME(moments) *k, const T *restrict p, const T *restrict g, T *restrict m,
                                 T *restrict v, int64_t i, T *gi) {
  T gd = g[i];
  if (k->decay) gd = FMA(p[i], k->wd, gd);
  m[i] = FMA(gd, k->one_minus_b1, m[i] * k->b1);
  v[i] = FMA(k->one_minus_b2 * gd, gd, v[i] * k->b2);
  *gi = gd;
}

typedef struct NAME(moment_args) {
  T *p, *m, *v;
  const T *g;
  const void *s; // ct_nadam_step or ct_radam_step
} NAME(moment_args);

// NAdam:  denom = sqrt(v / bc2) + eps;  param += (gv*g)/denom;  param += (av*m)/denom
static void NAME(nadam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(moment_args) *a = args;
  const ct_nadam_step *s = a->s;
  T *restrict p = a->p, *restrict m = a->m, *restrict v = a->v;
  const NAME(moments) k = NAME(moments_of)(s->weight_decay, s->beta1, s->beta2);
  const T bc2 = (T)s->bias_correction2, eps = (T)s->eps;
  const T grad_value = (T)s->grad_value, avg_value = (T)s->avg_value;
  for (int64_t i = lo; i < hi; i++) {
    T gi;
    NAME(update_moments)(&k, p, a->g, m, v, i, &gi);
    const T denom = SQRT(v[i] / bc2) + eps;
    const T pi = p[i] + (grad_value * gi) / denom;
    p[i] = pi + (avg_value * m[i]) / denom;
  }
}

static void NAME(nadam)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                        const ct_nadam_step *s) {
  const NAME(moment_args) a = {.p = param, .g = grad, .m = exp_avg, .v = exp_avg_sq, .s = s};
  for_chunks(n, NAME(nadam_range), &a);
}

// RAdam:  c = m / bc1;  rectify: param -= ((c*lr) * (reciprocal(sqrt(v) + eps) * sqrt(bc2))) * rect
//                       else:    param -= c*lr
static void NAME(radam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(moment_args) *a = args;
  const ct_radam_step *s = a->s;
  T *restrict p = a->p, *restrict m = a->m, *restrict v = a->v;
  const NAME(moments) k = NAME(moments_of)(s->weight_decay, s->beta1, s->beta2);
  const T bc1 = (T)s->bias_correction1, lr = (T)s->lr, eps = (T)s->eps;
  const T sqrt_bc2 = (T)s->sqrt_bias_correction2, rect = (T)s->rect;
  const bool rectify = s->rectify;
  for (int64_t i = lo; i < hi; i++) {
    T gi;
    NAME(update_moments)(&k, p, a->g, m, v, i, &gi);
    T update = (m[i] / bc1) * lr;
    if (rectify) {
      const T adaptive = ((T)1 / (SQRT(v[i]) + eps)) * sqrt_bc2; // Python's scalar / tensor
      update = (update * adaptive) * rect;
    }
    p[i] = p[i] - update;
  }
}

static void NAME(radam)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                        const ct_radam_step *s) {
  const NAME(moment_args) a = {.p = param, .g = grad, .m = exp_avg, .v = exp_avg_sq, .s = s};
  for_chunks(n, NAME(radam_range), &a);
}

#undef NAME
#undef FMA
#undef SQRT
#undef T
#undef SFX

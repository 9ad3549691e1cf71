// The optimizer updates (kernels/optim.h) for one floating dtype, for optim.c. Included
// once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
// The math functions are FMA_<SFX> and SQRT_<SFX>, defined by the includer.
//
// The loop bodies take their flags as arguments and are always inlined into call sites
// that pass constants, so each flag combination gets its own branch-free loop that the
// compiler vectorises.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define FMA CT_SUFFIXED(FMA, SFX)
#define SQRT CT_SUFFIXED(SQRT, SFX)

// SGD (torch/optim/sgd.py, _single_tensor_sgd):
//   d = ±grad; d = d + wd*param; buf = buf*mom + (1-dampening)*d (or d on the first step);
//   d = nesterov ? d + mom*buf : buf; param = param - lr*d
typedef struct NAME(sgd_consts) {
  T sign, wd, mom, keep, neg_lr;
} NAME(sgd_consts);

typedef struct NAME(sgd_args) {
  T *p;
  const T *g;
  T *buf;
  const ct_sgd_step *s;
} NAME(sgd_args);

INLINE void NAME(sgd_loop)(int64_t lo, int64_t hi, T *restrict p, const T *restrict g, T *restrict buf,
                           NAME(sgd_consts) k, const bool decay, const bool momentum, const bool first,
                           const bool nesterov) {
  for (int64_t i = lo; i < hi; i++) {
    T d = g[i] * k.sign;
    if (decay) d = FMA(p[i], k.wd, d);
    if (momentum) {
      const T b = first ? d : FMA(d, k.keep, buf[i] * k.mom);
      buf[i] = b;
      d = nesterov ? FMA(b, k.mom, d) : b;
    }
    p[i] = FMA(d, k.neg_lr, p[i]);
  }
}

static void NAME(sgd_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(sgd_args) *a = args;
  const ct_sgd_step *s = a->s;
  T *p = a->p, *buf = a->buf;
  const T *g = a->g;
  const NAME(sgd_consts) k = {.sign = s->maximize ? -1 : 1,
                              .wd = (T)s->weight_decay,
                              .mom = (T)s->momentum,
                              .keep = (T)(1 - s->dampening),
                              .neg_lr = (T)(-s->lr)};
  const bool decay = s->weight_decay != 0;
  if (s->momentum == 0) {
    if (decay)
      NAME(sgd_loop)(lo, hi, p, g, buf, k, true, false, false, false);
    else
      NAME(sgd_loop)(lo, hi, p, g, buf, k, false, false, false, false);
  } else if (s->first) {
    NAME(sgd_loop)(lo, hi, p, g, buf, k, decay, true, true, s->nesterov);
  } else if (s->nesterov) {
    NAME(sgd_loop)(lo, hi, p, g, buf, k, decay, true, false, true);
  } else if (decay) {
    NAME(sgd_loop)(lo, hi, p, g, buf, k, true, true, false, false);
  } else {
    NAME(sgd_loop)(lo, hi, p, g, buf, k, false, true, false, false);
  }
}

static void NAME(sgd)(void *param, const void *grad, void *buf, int64_t n, const ct_sgd_step *s) {
  const NAME(sgd_args) a = {.p = param, .g = grad, .buf = buf, .s = s};
  for_chunks(n, NAME(sgd_range), &a);
}

// Adam / AdamW (torch/optim/adam.py, adamw.py, _single_tensor_*), step already
// incremented:
//   AdamW: param *= 1 - lr*wd.  Adam: grad += wd*param.
//   m = m*b1 + (1-b1)*g;  v = v*b2 + ((1-b2)*g)*g;  vmax = max(vmax, v) with amsgrad
//   denom = sqrt(v)/sqrt(1-b2^step) + eps;  param += (-(lr/(1-b1^step)) * m) / denom
typedef struct NAME(adam_consts) {
  T sign, wd, decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, neg_step_size;
} NAME(adam_consts);

typedef struct NAME(adam_args) {
  T *p, *m, *v, *vmax;
  const T *g;
  const ct_adam_step *s;
  NAME(adam_consts) k;
} NAME(adam_args);

INLINE void NAME(adam_loop)(int64_t lo, int64_t hi, T *restrict p, const T *restrict g, T *restrict m,
                            T *restrict v, T *restrict vmax, NAME(adam_consts) k, const bool coupled,
                            const bool decoupled, const bool amsgrad) {
  for (int64_t i = lo; i < hi; i++) {
    T gi = g[i] * k.sign, pi = p[i];
    if (coupled) gi = FMA(pi, k.wd, gi);
    if (decoupled) pi = pi * k.decay;
    const T mi = FMA(gi, k.one_minus_b1, m[i] * k.b1);
    const T vi = FMA(k.one_minus_b2 * gi, gi, v[i] * k.b2);
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (amsgrad) {
      const T a = vmax[i];
      second = ((a > vi) | (a != a)) ? a : vi; // torch.maximum propagates nan
      vmax[i] = second;
    }
    const T denom = SQRT(second) / k.bc2_sqrt + k.eps;
    p[i] = pi + (k.neg_step_size * mi) / denom;
  }
}

static void NAME(adam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adam_args) *a = args;
  const ct_adam_step *s = a->s;
  T *p = a->p, *m = a->m, *v = a->v, *vmax = a->vmax;
  const T *g = a->g;
  const NAME(adam_consts) k = a->k;
  const bool wd = s->weight_decay != 0, coupled = wd && !s->decoupled;
  const bool decoupled = wd && s->decoupled;
  if (s->amsgrad) {
    if (coupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, true, false, true);
    else if (decoupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, false, true, true);
    else
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, false, false, true);
  } else {
    if (coupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, true, false, false);
    else if (decoupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, false, true, false);
    else
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, k, false, false, false);
  }
}

static void NAME(adam)(void *param, const void *grad, void *m, void *v, void *vmax, int64_t n,
                       const ct_adam_step *s) {
  // Python computes these in double; each reaches the kernel rounded to T.
  const double bc1 = 1 - pow(s->beta1, s->step), bc2 = 1 - pow(s->beta2, s->step);
  const NAME(adam_args) a = {
      .p = param,
      .g = grad,
      .m = m,
      .v = v,
      .vmax = vmax,
      .s = s,
      .k = {.sign = s->maximize ? -1 : 1,
            .wd = (T)s->weight_decay,
            .decay = (T)(1 - s->lr * s->weight_decay),
            .b1 = (T)s->beta1,
            .one_minus_b1 = (T)(1 - s->beta1),
            .b2 = (T)s->beta2,
            .one_minus_b2 = (T)(1 - s->beta2),
            .bc2_sqrt = (T)sqrt(bc2),
            .eps = (T)s->eps,
            .neg_step_size = (T)(-(s->lr / bc1))},
  };
  for_chunks(n, NAME(adam_range), &a);
}

#undef NAME
#undef FMA
#undef SQRT
#undef T
#undef SFX

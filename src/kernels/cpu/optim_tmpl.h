// The SGD and Adam updates (kernels/optim.h) for one floating dtype, for optim.c: the
// per-element steps of kernels/optim_step_tmpl.h (from kernels/optim_steps.h) run
// over a range of elements. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
//
// The loops take their flags as arguments and are always inlined into call sites that
// pass constants, so each flag combination gets its own branch-free loop that the
// compiler vectorises.
#define NAME(x) CT_SUFFIXED(x, SFX)

typedef struct NAME(sgd_args) {
  T *p;
  const T *g;
  T *buf;
  NAME(sgd_consts) k;
} NAME(sgd_args);

INLINE void NAME(sgd_loop)(int64_t lo, int64_t hi, T *restrict p, const T *restrict g, T *restrict buf,
                           const NAME(sgd_consts) * k, const bool decay, const bool momentum,
                           const bool first, const bool nesterov) {
  for (int64_t i = lo; i < hi; i++)
    NAME(sgd_step)(i, p, g, buf, k, decay, momentum, first, nesterov);
}

static void NAME(sgd_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(sgd_args) *a = args;
  T *p = a->p, *buf = a->buf;
  const T *g = a->g;
  const NAME(sgd_consts) k = a->k;
  if (!k.momentum) {
    if (k.decay)
      NAME(sgd_loop)(lo, hi, p, g, buf, &k, true, false, false, false);
    else
      NAME(sgd_loop)(lo, hi, p, g, buf, &k, false, false, false, false);
  } else if (k.first) {
    NAME(sgd_loop)(lo, hi, p, g, buf, &k, k.decay, true, true, k.nesterov);
  } else if (k.nesterov) {
    NAME(sgd_loop)(lo, hi, p, g, buf, &k, k.decay, true, false, true);
  } else if (k.decay) {
    NAME(sgd_loop)(lo, hi, p, g, buf, &k, true, true, false, false);
  } else {
    NAME(sgd_loop)(lo, hi, p, g, buf, &k, false, true, false, false);
  }
}

static void NAME(sgd)(void *param, const void *grad, void *buf, int64_t n, const ct_sgd_step *s) {
  NAME(sgd_args) a = {.p = param, .g = grad, .buf = buf};
  NAME(sgd_consts_of)(&a.k, s);
  for_chunks(n, NAME(sgd_range), &a);
}

typedef struct NAME(adam_args) {
  T *p, *m, *v, *vmax;
  const T *g;
  NAME(adam_consts) k;
} NAME(adam_args);

INLINE void NAME(adam_loop)(int64_t lo, int64_t hi, T *restrict p, const T *restrict g, T *restrict m,
                            T *restrict v, T *restrict vmax, const NAME(adam_consts) * k, const bool coupled,
                            const bool decoupled, const bool amsgrad) {
  for (int64_t i = lo; i < hi; i++)
    NAME(adam_step)(i, p, g, m, v, vmax, k, coupled, decoupled, amsgrad);
}

static void NAME(adam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adam_args) *a = args;
  T *p = a->p, *m = a->m, *v = a->v, *vmax = a->vmax;
  const T *g = a->g;
  const NAME(adam_consts) k = a->k;
  if (k.amsgrad) {
    if (k.coupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, true, false, true);
    else if (k.decoupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, false, true, true);
    else
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, false, false, true);
  } else {
    if (k.coupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, true, false, false);
    else if (k.decoupled)
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, false, true, false);
    else
      NAME(adam_loop)(lo, hi, p, g, m, v, vmax, &k, false, false, false);
  }
}

static void NAME(adam)(void *param, const void *grad, void *m, void *v, void *vmax, int64_t n,
                       const ct_adam_step *s) {
  NAME(adam_args) a = {.p = param, .g = grad, .m = m, .v = v, .vmax = vmax};
  NAME(adam_consts_of)(&a.k, s);
  for_chunks(n, NAME(adam_range), &a);
}

#undef NAME

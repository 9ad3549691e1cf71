// The RMSprop, Adagrad, Adamax, NAdam and RAdam updates (kernels/optim.h) for one
// floating dtype, for optim.c: the per-element steps of kernels/optim_step_tmpl.h
// (from kernels/optim_steps.h) run over a range of elements. Included once per
// dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
// Flags are loop-invariant branches.
#define NAME(x) CT_SUFFIXED(x, SFX)

typedef struct NAME(rmsprop_args) {
  T *p, *sq, *ga, *buf;
  const T *g;
  NAME(rmsprop_consts) k;
} NAME(rmsprop_args);

static void NAME(rmsprop_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(rmsprop_args) *a = args;
  T *restrict p = a->p, *restrict sq = a->sq, *restrict ga = a->ga, *restrict buf = a->buf;
  const T *restrict g = a->g;
  const NAME(rmsprop_consts) k = a->k;
  for (int64_t i = lo; i < hi; i++)
    NAME(rmsprop_step)(i, p, g, sq, ga, buf, &k, k.decay, k.centered, k.momentum);
}

static void NAME(rmsprop)(void *param, const void *grad, void *square_avg, void *grad_avg, void *buf,
                          int64_t n, const ct_rmsprop_step *s) {
  NAME(rmsprop_args) a = {.p = param, .g = grad, .sq = square_avg, .ga = grad_avg, .buf = buf};
  NAME(rmsprop_consts_of)(&a.k, s);
  for_chunks(n, NAME(rmsprop_range), &a);
}

typedef struct NAME(adagrad_args) {
  T *p, *sum;
  const T *g;
  NAME(adagrad_consts) k;
} NAME(adagrad_args);

static void NAME(adagrad_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adagrad_args) *a = args;
  T *restrict p = a->p, *restrict sum = a->sum;
  const T *restrict g = a->g;
  const NAME(adagrad_consts) k = a->k;
  for (int64_t i = lo; i < hi; i++)
    NAME(adagrad_step)(i, p, g, sum, &k, k.decay);
}

static void NAME(adagrad)(void *param, const void *grad, void *sum, int64_t n, const ct_adagrad_step *s) {
  NAME(adagrad_args) a = {.p = param, .g = grad, .sum = sum};
  NAME(adagrad_consts_of)(&a.k, s);
  for_chunks(n, NAME(adagrad_range), &a);
}

typedef struct NAME(adamax_args) {
  T *p, *m, *u;
  const T *g;
  NAME(adamax_consts) k;
} NAME(adamax_args);

static void NAME(adamax_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(adamax_args) *a = args;
  T *restrict p = a->p, *restrict m = a->m, *restrict u = a->u;
  const T *restrict g = a->g;
  const NAME(adamax_consts) k = a->k;
  for (int64_t i = lo; i < hi; i++)
    NAME(adamax_step)(i, p, g, m, u, &k, k.decay);
}

static void NAME(adamax)(void *param, const void *grad, void *exp_avg, void *exp_inf, int64_t n,
                         const ct_adamax_step *s) {
  NAME(adamax_args) a = {.p = param, .g = grad, .m = exp_avg, .u = exp_inf};
  NAME(adamax_consts_of)(&a.k, s);
  for_chunks(n, NAME(adamax_range), &a);
}

typedef struct NAME(nadam_args) {
  T *p, *m, *v;
  const T *g;
  NAME(nadam_consts) k;
} NAME(nadam_args);

static void NAME(nadam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(nadam_args) *a = args;
  T *restrict p = a->p, *restrict m = a->m, *restrict v = a->v;
  const T *restrict g = a->g;
  const NAME(nadam_consts) k = a->k;
  for (int64_t i = lo; i < hi; i++)
    NAME(nadam_step)(i, p, g, m, v, &k);
}

static void NAME(nadam)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                        const ct_nadam_step *s) {
  NAME(nadam_args) a = {.p = param, .g = grad, .m = exp_avg, .v = exp_avg_sq};
  NAME(nadam_consts_of)(&a.k, s);
  for_chunks(n, NAME(nadam_range), &a);
}

typedef struct NAME(radam_args) {
  T *p, *m, *v;
  const T *g;
  NAME(radam_consts) k;
} NAME(radam_args);

static void NAME(radam_range)(int64_t lo, int64_t hi, const void *args) {
  const NAME(radam_args) *a = args;
  T *restrict p = a->p, *restrict m = a->m, *restrict v = a->v;
  const T *restrict g = a->g;
  const NAME(radam_consts) k = a->k;
  for (int64_t i = lo; i < hi; i++)
    NAME(radam_step)(i, p, g, m, v, &k, k.rectify);
}

static void NAME(radam)(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n,
                        const ct_radam_step *s) {
  NAME(radam_args) a = {.p = param, .g = grad, .m = exp_avg, .v = exp_avg_sq};
  NAME(radam_consts_of)(&a.k, s);
  for_chunks(n, NAME(radam_range), &a);
}

#undef NAME

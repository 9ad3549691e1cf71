// var/std, norm and logsumexp loops and the elementwise loops of their gradients for one
// floating dtype, for reduce_stats.c. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     W  lanes of the p=2 norm loop
// The math functions are MATH(EXP) ... : EXP_<SFX> and friends, defined by the includer.
#define NAME(x) CT_SUFFIXED(x, SFX)
#define MATH(f) CT_SUFFIXED(f, SFX)
#define LOAD NAME(load)

// ---- reductions ----

// Welford's online variance in double, PyTorch's WelfordOps (m2 update fused, as GCC
// compiles it in PyTorch's AVX2 kernels); divisor n - correction, 0 when negative.
static void NAME(var)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    double mean = 0, m2 = 0;
    int64_t count = 0;
    CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, {
      double x = (double)v;
      double delta = x - mean;
      mean = mean + delta / (double)++count;
      m2 = fma(delta, x - mean, m2);
    });
    double dof = (double)count - c->param;
    double var = m2 / (dof > 0 ? dof : 0.0);
    T r = (T)(c->flags & CT_RED_SQRT ? sqrt(var) : var);
    STORE(data[0] + j * strides[0], r);
  }
}

// ops {out (double), input, mean (double)}: sum of squared deviations in double,
// PyTorch's all-reduce std/var second pass (unfused multiply-add).
static void NAME(sq_dev_sum)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    double mean = load_f64(data[2] + j * strides[2]), s = 0;
    CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, {
      double dx = (double)v - mean;
      s += dx * dx;
    });
    STORE(data[0] + j * strides[0], s);
  }
}

// p-norms, accumulated in T like PyTorch's CPU norm kernels. p = 2 over a contiguous run
// follows its vectorised last-dim loop: W lanes of fused x*x sums, lanes added left to
// right, then the tail.
static T NAME(norm2_contiguous)(const T *x, int64_t len) {
  T lanes[W] = {0};
  int64_t i = 0;
  for (; i + W <= len; i += W)
    for (int l = 0; l < W; l++)
      lanes[l] = MATH(FMA)(x[i + l], x[i + l], lanes[l]);
  T acc = lanes[0];
  for (int l = 1; l < W; l++)
    acc = acc + lanes[l];
  for (; i < len; i++)
    acc = MATH(FMA)(x[i], x[i], acc);
  return acc;
}

static T NAME(norm_run)(const char *p, int64_t len, int64_t stride, double pd, T acc) {
  const T pt = (T)pd;
  for (int64_t i = 0; i < len; i++) {
    T x = LOAD(p + i * stride), a = MATH(FABS)(x);
    if (pd == 2)
      acc = MATH(FMA)(x, x, acc);
    else if (pd == 1)
      acc = acc + a;
    else if (pd == 0)
      acc = acc + (T)(x != 0);
    else if (pd == INFINITY)
      acc = (a > acc || isnan(a)) ? a : acc;
    else if (pd == -INFINITY)
      acc = (a < acc || isnan(a)) ? a : acc;
    else
      acc = acc + MATH(POW)(a, pt);
  }
  return acc;
}

static void NAME(norm)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  const double p = c->param;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    const char *base = data[1] + j * strides[1];
    T acc = p == -INFINITY ? (T)INFINITY : (T)0;
    if (p == 2 && runs == 1 && c->stride == (int64_t)sizeof(T))
      acc = NAME(norm2_contiguous)((const T *)(const void *)base, c->len);
    else
      for (int64_t k = 0; k < runs; k++)
        acc = NAME(norm_run)(ct__red_run_ptr(c, base, k), c->len, c->stride, p, acc);
    T r = acc;
    if (p == 2)
      r = MATH(SQRT)(acc);
    else if (p != 0 && p != 1 && !isinf(p))
      r = MATH(POW)(acc, (T)1 / (T)p);
    STORE(data[0] + j * strides[0], r);
  }
}

// ---- loops along one dim ----

// ops {grad_in kept view, input kept view, grad, result}. Without a zero in the slice:
// grad * (result / x); otherwise grad * (exclusive prefix product * exclusive suffix
// product), PyTorch's prod_safe_zeros_backward (which it uses when any zero exists).
static void NAME(prod_backward)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  for (int64_t j = 0; j < n; j++) {
    char *gin = data[0] + j * strides[0];
    const char *x = data[1] + j * strides[1];
    T g = LOAD(data[2] + j * strides[2]), r = LOAD(data[3] + j * strides[3]);
    bool zero = false;
    for (int64_t i = 0; i < c->len; i++)
      zero |= LOAD(x + i * c->stride) == 0;
    if (!zero) {
      for (int64_t i = 0; i < c->len; i++) {
        T v = g * (r / LOAD(x + i * c->stride));
        STORE(gin + i * c->stride2, v);
      }
      continue;
    }
    T prefix = 1;
    for (int64_t i = 0; i < c->len; i++) {
      STORE(gin + i * c->stride2, prefix);
      prefix = prefix * LOAD(x + i * c->stride);
    }
    T suffix = 1;
    for (int64_t i = c->len - 1; i >= 0; i--) {
      T v = g * (LOAD(gin + i * c->stride2) * suffix);
      STORE(gin + i * c->stride2, v);
      suffix = suffix * LOAD(x + i * c->stride);
    }
  }
}

// ---- elementwise loops (operands broadcast by the iterator) ----

// Gradient of the p-norm, PyTorch's norm_backward for finite p other than 0. sgn(x) is
// the real sign.
#define SGN(x) ((T)((x > 0) - (x < 0)))
static inline T NAME(norm_grad_of)(T x, T g, T nrm, double p) {
  return p == 1   ? SGN(x) * g
         : p == 2 ? g * (nrm == 0 ? (T)0 : x / nrm)
         : p < 1  ? (SGN(x) * (x == 0 ? (T)0 : MATH(POW)(MATH(FABS)(x), (T)(p - 1))) * g) *
                       MATH(POW)(nrm, (T)(1 - p))
         : p < 2 ? (SGN(x) * MATH(POW)(MATH(FABS)(x), (T)(p - 1))) *
                       (nrm == 0 ? (T)0 : g / MATH(POW)(nrm, (T)(p - 1)))
                 : (x * MATH(POW)(MATH(FABS)(x), (T)(p - 2))) *
                       (nrm == 0 ? (T)0 : g / MATH(POW)(nrm, (T)(p - 1)));
}

// One formula of ops {out, a, b} or {out, a, b, d} (see ew_inputs) per element; prm and
// flags come from the ctx.
static inline __attribute__((always_inline)) T NAME(ew_formula)(int op, T a, T b, T d, double prm,
                                                                int flags) {
  switch (op) {
  // logsumexp: exp(x - m), then log(sum) + m, m = max or 0 where the max is infinite;
  // its gradient g * exp(x - result)
  case EW_EXP_SUB: return MATH(EXP)(a - (isinf(b) ? (T)0 : b));
  case EW_LOG_ADD: return MATH(LOG)(a) + (isinf(b) ? (T)0 : b);
  case EW_EXP_GRAD: return b * MATH(EXP)(a - d);
  // var/std: c = (2/dof) * (std ? masked g / (2 r) : g); grad = c * (x - mean)
  case EW_VAR_COEF: return (T)prm * ((flags & CT_RED_SQRT) ? (b == 0 ? (T)0 : a / (b * 2)) : a);
  case EW_SUB_MUL: return d * (a - b);
  default: return NAME(norm_grad_of)(a, b, d, prm); // EW_NORM_GRAD: x = a, g = b, norm = d
  }
}

static inline __attribute__((always_inline)) void NAME(ew_loop)(int op, char **data, const int64_t *strides,
                                                                int64_t n, void *vctx) {
  const double prm = ((const ct_reduce_ctx *)vctx)->param;
  const int flags = ((const ct_reduce_ctx *)vctx)->flags;
  for (int64_t i = 0; i < n; i++) {
    T a = LOAD(data[1] + i * strides[1]), b = LOAD(data[2] + i * strides[2]);
    T d = ew_inputs(op) == 3 ? LOAD(data[3] + i * strides[3]) : (T)0;
    T r = NAME(ew_formula)(op, a, b, d, prm, flags);
    STORE(data[0] + i * strides[0], r);
  }
}

static void NAME(exp_sub)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_EXP_SUB, data, strides, n, vctx);
}
static void NAME(log_add)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_LOG_ADD, data, strides, n, vctx);
}
static void NAME(exp_grad)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_EXP_GRAD, data, strides, n, vctx);
}
static void NAME(var_coef)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_VAR_COEF, data, strides, n, vctx);
}
static void NAME(sub_mul)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_SUB_MUL, data, strides, n, vctx);
}
static void NAME(norm_grad)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(ew_loop)(EW_NORM_GRAD, data, strides, n, vctx);
}

#undef SGN
#undef NAME
#undef MATH
#undef LOAD
#undef T
#undef SFX
#undef W

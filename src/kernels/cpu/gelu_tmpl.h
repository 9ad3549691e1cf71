// GELU (exact, erf form) forward and backward loops for one floating dtype, for gelu.c:
// PyTorch 1.13's GeluKernelImpl / GeluBackwardKernelImpl as cpu_kernel_vec runs them on
// AVX2. A contiguous run (an operand of the backward may instead be one broadcast value,
// stride 0) goes through the vector formula on blocks of two vectors and the scalar
// formula, with glibc's erf/exp, on the run's tail; strided runs are all scalar.
// Included once per dtype with:
//   T  the element type    SFX  its suffix    V  its AVX2 vector    VL  lanes per vector
//   VOP(op)  the intrinsic of op on V    VERF / VEXP  the vector erf and exp PyTorch uses
//   ERF / EXP / FMA  glibc's scalar erf, exp and fma
#define NAME(x) CT_SUFFIXED(x, SFX)

// x * 0.5 * (1 + erf(x * sqrt(1/2))), in PyTorch's order (no fused multiply-adds).
static inline T NAME(gelu_one)(T x) { return x * (T)0.5 * ((T)1 + ERF(x * (T)GELU_SQRT1_2)); }

// dy * (cdf + x * pdf): cdf = 0.5 * (1 + erf(x * sqrt(1/2))),
// pdf = (2/sqrt(pi) * sqrt(1/2) * 0.5) * exp(x * x * -0.5). PyTorch's compiler fuses the
// sum with one of its products: cdf's in the scalar code, x * pdf in the vector code.
static inline T NAME(gelu_grad_one)(T dy, T x) {
  const T pdf = (T)GELU_BETA * EXP(x * x * (T)-0.5);
  return dy * FMA((T)0.5, (T)1 + ERF(x * (T)GELU_SQRT1_2), x * pdf);
}

#if GELU_VECTOR
static inline V NAME(gelu_vec)(V x) {
  V e = VERF(VOP(mul)(x, VOP(set1)((T)GELU_SQRT1_2)));
  return VOP(mul)(VOP(mul)(x, VOP(set1)((T)0.5)), VOP(add)(VOP(set1)((T)1), e));
}

static inline V NAME(gelu_grad_vec)(V dy, V x) {
  V e = VERF(VOP(mul)(x, VOP(set1)((T)GELU_SQRT1_2)));
  V cdf = VOP(mul)(VOP(set1)((T)0.5), VOP(add)(VOP(set1)((T)1), e));
  V pdf = VOP(mul)(VOP(set1)((T)GELU_BETA), VEXP(VOP(mul)(VOP(mul)(x, x), VOP(set1)((T)-0.5))));
  return VOP(mul)(dy, VOP(fmadd)(x, pdf, cdf));
}
#endif

static void NAME(gelu_aten)(char **data, const int64_t *s, int64_t n, void *ctx) {
  (void)ctx;
  const int64_t es = (int64_t)sizeof(T);
  int64_t i = 0;
  if (s[0] == es && s[1] == es) {
    T *o = (T *)data[0];
    const T *x = (const T *)data[1];
#if GELU_VECTOR
    for (; i + 2 * VL <= n; i += 2 * VL) {
      VOP(storeu)(o + i, NAME(gelu_vec)(VOP(loadu)(x + i)));
      VOP(storeu)(o + i + VL, NAME(gelu_vec)(VOP(loadu)(x + i + VL)));
    }
#endif
    for (; i < n; i++) o[i] = NAME(gelu_one)(x[i]);
    return;
  }
  for (; i < n; i++) *(T *)(data[0] + i * s[0]) = NAME(gelu_one)(*(const T *)(data[1] + i * s[1]));
}

// Operands: out, grad_out, x.
static void NAME(gelu_backward_aten)(char **data, const int64_t *s, int64_t n, void *ctx) {
  (void)ctx;
  const int64_t es = (int64_t)sizeof(T);
  const bool dy_one = s[1] == 0, x_one = s[2] == 0;
  int64_t i = 0;
  if (s[0] == es && (s[1] == es || dy_one) && (s[2] == es || x_one) && !(dy_one && x_one)) {
    T *o = (T *)data[0];
    const T *dy = (const T *)data[1], *x = (const T *)data[2];
#if GELU_VECTOR
#define GELU_LOAD(p, one, j) ((one) ? VOP(set1)(*(p)) : VOP(loadu)((p) + (j)))
    for (; i + 2 * VL <= n; i += 2 * VL) {
      VOP(storeu)(o + i, NAME(gelu_grad_vec)(GELU_LOAD(dy, dy_one, i), GELU_LOAD(x, x_one, i)));
      VOP(storeu)(o + i + VL, NAME(gelu_grad_vec)(GELU_LOAD(dy, dy_one, i + VL), GELU_LOAD(x, x_one, i + VL)));
    }
#undef GELU_LOAD
#endif
    for (; i < n; i++) o[i] = NAME(gelu_grad_one)(dy[dy_one ? 0 : i], x[x_one ? 0 : i]);
    return;
  }
  for (; i < n; i++)
    *(T *)(data[0] + i * s[0]) =
        NAME(gelu_grad_one)(*(const T *)(data[1] + i * s[1]), *(const T *)(data[2] + i * s[2]));
}

#undef NAME
#undef T
#undef SFX
#undef V
#undef VL
#undef VOP
#undef VERF
#undef VEXP
#undef ERF
#undef EXP
#undef FMA

// CPU transcendental loops: exp, log, log1p, sin, cos, tanh, sigmoid, softplus, silu, mish, elu,
// sqrt, rsqrt and float pow.
//
// PyTorch's AVX2 kernels come in two kinds, and these loops reproduce both:
// * "vml" ops (exp, log, log1p, sin, cos, tanh) call SLEEF's u10 functions on every
//   element, whatever the layout: here SLEEF's 8/4-lane AVX2 versions on blocks and the
//   1-lane purecfma versions (same bits) on the rest. Strided runs go through a buffer.
// * "cpu_kernel_vec" ops (sigmoid, softplus, pow) use the vector formula on blocks of two
//   vectors (16 floats / 8 doubles) of a contiguous run and the scalar formula, with
//   glibc's functions, on the run's tail and on strided runs.
// Without SLEEF (or AVX2+FMA) everything uses libm.
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/elementwise_loops.h"

#if defined(CTORCH_HAVE_SLEEF) && defined(__AVX2__) && defined(__FMA__)
#define EW_SLEEF 1
#include <immintrin.h>
#include <sleef.h>
// AVX2 and SLEEF names by element suffix, so that each vector formula is written once.
#define V_f32 __m256
#define V_f64 __m256d
#define VLANES_f32 8
#define VLANES_f64 4
#define VOP_f32(op) _mm256_##op##_ps
#define VOP_f64(op) _mm256_##op##_pd
#define VSLEEF_f32(fn) Sleef_##fn##f8_u10avx2
#define VSLEEF_f64(fn) Sleef_##fn##d4_u10avx2
#else
#define EW_SLEEF 0
#endif

// ---- one-element math, shared with the backward loops ----
// SLEEF's 1-lane u10 functions (the same bits as its vector ones), or libm without SLEEF.
#if EW_SLEEF
#define ONE_F32(fn) Sleef_##fn##f1_u10purecfma
#define ONE_F64(fn) Sleef_##fn##d1_u10purecfma
#else
#define ONE_F32(fn) fn##f
#define ONE_F64(fn) fn
#endif
#define SCALAR_MATH(NAME)                                            \
  float ct__cpu_##NAME##f(float x) { return ONE_F32(NAME)(x); }      \
  double ct__cpu_##NAME(double x) { return ONE_F64(NAME)(x); }
SCALAR_MATH(exp)
SCALAR_MATH(log)
SCALAR_MATH(sin)
SCALAR_MATH(cos)
float ct__cpu_powf(float x, float y) { return ONE_F32(pow)(x, y); }
double ct__cpu_pow(double x, double y) { return ONE_F64(pow)(x, y); }

// ---- vml ops: contiguous runs, then strided runs through a stack buffer ----
#if EW_SLEEF
#define VEC_MAP(S, VF, o, x, i, n) \
  for (; (i) + VLANES_##S <= (n); (i) += VLANES_##S) VOP_##S(storeu)((o) + (i), VF(VOP_##S(loadu)((x) + (i))))
#else
#define VEC_MAP(S, VF, o, x, i, n) (void)0
#endif

#define EW_BUFFER 256

#define VML_OP(NAME, VF, VD, SF, SD)                                                   \
  static void NAME##_run_f32(float *o, const float *x, int64_t n) {                   \
    int64_t i = 0;                                                                     \
    VEC_MAP(f32, VF, o, x, i, n);                                                       \
    for (; i < n; i++) o[i] = SF(x[i]);                                                \
  }                                                                                    \
  static void NAME##_run_f64(double *o, const double *x, int64_t n) {                 \
    int64_t i = 0;                                                                     \
    VEC_MAP(f64, VD, o, x, i, n);                                                       \
    for (; i < n; i++) o[i] = SD(x[i]);                                                \
  }                                                                                    \
  VML_LOOP(NAME, f32, float)                                                           \
  VML_LOOP(NAME, f64, double)

// Contiguous: one call. Strided: gather a chunk, map it in place, scatter it.
#define VML_LOOP(NAME, S, T)                                                           \
  static void NAME##_##S(char **data, const int64_t *s, int64_t n, void *ctx) {       \
    (void)ctx;                                                                         \
    if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {                    \
      NAME##_run_##S((T *)data[0], (const T *)data[1], n);                             \
      return;                                                                          \
    }                                                                                  \
    T buf[EW_BUFFER];                                                                  \
    char *o = data[0];                                                                 \
    const char *x = data[1];                                                           \
    for (int64_t done = 0; done < n; done += EW_BUFFER) {                              \
      int64_t m = n - done < EW_BUFFER ? n - done : EW_BUFFER;                         \
      for (int64_t k = 0; k < m; k++, x += s[1]) buf[k] = *(const T *)x;               \
      NAME##_run_##S(buf, buf, m);                                                     \
      for (int64_t k = 0; k < m; k++, o += s[0]) *(T *)o = buf[k];                     \
    }                                                                                  \
  }

VML_OP(exp, Sleef_expf8_u10avx2, Sleef_expd4_u10avx2, ct__cpu_expf, ct__cpu_exp)
VML_OP(log, Sleef_logf8_u10avx2, Sleef_logd4_u10avx2, ct__cpu_logf, ct__cpu_log)
VML_OP(log1p, Sleef_log1pf8_u10avx2, Sleef_log1pd4_u10avx2, ONE_F32(log1p), ONE_F64(log1p))
VML_OP(sin, Sleef_sinf8_u10avx2, Sleef_sind4_u10avx2, ct__cpu_sinf, ct__cpu_sin)
VML_OP(cos, Sleef_cosf8_u10avx2, Sleef_cosd4_u10avx2, ct__cpu_cosf, ct__cpu_cos)
VML_OP(tanh, Sleef_tanhf8_u10avx2, Sleef_tanhd4_u10avx2, ONE_F32(tanh), ONE_F64(tanh))

// ---- exact ops: plain loops the compiler vectorises ----
#define EXACT_OPS(S, T)                                                                 \
  EW_UNARY_LOOP(sqrt_##S, T, T, _Generic(a, float: sqrtf, double: sqrt)(a))            \
  EW_UNARY_LOOP(rsqrt_##S, T, T, (T)1 / _Generic(a, float: sqrtf, double: sqrt)(a))
EW_FOR_FLOATS(EXACT_OPS)

// ---- cpu_kernel_vec ops: vector formula on blocks of two vectors, scalar on the rest ----
// KERNEL_VEC(NAME, S, T, BLOCK, VECTOR_BODY, SCALAR_EXPR): VECTOR_BODY processes
// x[i..i+BLOCK) into o[...]; SCALAR_EXPR computes one element `a` with libm.
#define KERNEL_VEC_UNARY(NAME, S, T, BLOCK, VECTOR_BODY, SCALAR_EXPR)                   \
  static void NAME##_##S(char **data, const int64_t *s, int64_t n, void *ctx) {        \
    EW_LOAD_PARAMS(T);                                                                  \
    if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {                     \
      T *o = (T *)data[0];                                                              \
      const T *x = (const T *)data[1];                                                  \
      int64_t i = 0;                                                                    \
      if (EW_SLEEF)                                                                     \
        for (; i + (BLOCK) <= n; i += (BLOCK)) { VECTOR_BODY; }                         \
      for (; i < n; i++) {                                                              \
        const T a = x[i];                                                               \
        o[i] = (SCALAR_EXPR);                                                           \
      }                                                                                 \
      return;                                                                           \
    }                                                                                   \
    EW_UNARY_STRIDED_PASS_(T, T, SCALAR_EXPR)                                           \
  }

#if EW_SLEEF
// 1 / (1 + exp(0 - x)) on one vector at offset j.
#define SIGMOID_V(S, j)                                                                \
  VOP_##S(storeu)(o + (j), VOP_##S(div)(VOP_##S(set1)(1), VOP_##S(add)(VOP_##S(set1)(1), \
                  VSLEEF_##S(exp)(VOP_##S(sub)(VOP_##S(setzero)(), VOP_##S(loadu)(x + (j)))))))
// x * beta > threshold ? x : log1p(exp(x * beta)) / beta
#define SOFTPLUS_V(S, j)                                                               \
  do {                                                                                 \
    V_##S v = VOP_##S(loadu)(x + (j)), beta = VOP_##S(set1)(p0);                       \
    V_##S vb = VOP_##S(mul)(v, beta);                                                  \
    V_##S r = VOP_##S(div)(VSLEEF_##S(log1p)(VSLEEF_##S(exp)(vb)), beta);              \
    V_##S big = VOP_##S(cmp)(vb, VOP_##S(set1)(p1), _CMP_GT_OQ);                       \
    VOP_##S(storeu)(o + (j), VOP_##S(blendv)(r, v, big));                             \
  } while (0)
#define POWS_V(S, j) VOP_##S(storeu)(o + (j), VSLEEF_##S(pow)(VOP_##S(loadu)(x + (j)), VOP_##S(set1)(e)))
// x / (1 + exp(-x)) (PyTorch negates by flipping the sign bit)
#define SILU_V(S, j)                                                                   \
  do {                                                                                 \
    V_##S v = VOP_##S(loadu)(x + (j));                                                 \
    V_##S e = VSLEEF_##S(exp)(VOP_##S(xor)(v, VOP_##S(set1)(-0.0)));                   \
    VOP_##S(storeu)(o + (j), VOP_##S(div)(v, VOP_##S(add)(VOP_##S(set1)(1), e)));      \
  } while (0)
// x * tanh(log1p(exp(x)))
#define MISH_V(S, j)                                                                   \
  do {                                                                                 \
    V_##S v = VOP_##S(loadu)(x + (j));                                                 \
    VOP_##S(storeu)(o + (j), VOP_##S(mul)(v, VSLEEF_##S(tanh)(VSLEEF_##S(log1p)(VSLEEF_##S(exp)(v))))); \
  } while (0)
// x > 0 ? x : (exp(x) - 1) * alpha
#define ELU_V(S, j)                                                                    \
  do {                                                                                 \
    V_##S v = VOP_##S(loadu)(x + (j));                                                 \
    V_##S neg = VOP_##S(mul)(VOP_##S(sub)(VSLEEF_##S(exp)(v), VOP_##S(set1)(1)), VOP_##S(set1)(p0)); \
    V_##S pos = VOP_##S(cmp)(v, VOP_##S(setzero)(), _CMP_GT_OQ);                        \
    VOP_##S(storeu)(o + (j), VOP_##S(blendv)(neg, v, pos));                           \
  } while (0)
#else
#define SILU_V(S, j) (void)0
#define MISH_V(S, j) (void)0
#define ELU_V(S, j) (void)0
#define SIGMOID_V(S, j) (void)0
#define SOFTPLUS_V(S, j) (void)0
#define POWS_V(S, j) (void)0
#endif

KERNEL_VEC_UNARY(sigmoid, f32, float, 16, SIGMOID_V(f32, i); SIGMOID_V(f32, i + 8),
                 1.f / (1.f + expf(-a)))
KERNEL_VEC_UNARY(sigmoid, f64, double, 8, SIGMOID_V(f64, i); SIGMOID_V(f64, i + 4),
                 1. / (1. + exp(-a)))
KERNEL_VEC_UNARY(softplus, f32, float, 16, SOFTPLUS_V(f32, i); SOFTPLUS_V(f32, i + 8),
                 a * p0 > p1 ? a : log1pf(expf(a * p0)) / p0)
KERNEL_VEC_UNARY(softplus, f64, double, 8, SOFTPLUS_V(f64, i); SOFTPLUS_V(f64, i + 4),
                 a * p0 > p1 ? a : log1p(exp(a * p0)) / p0)

KERNEL_VEC_UNARY(silu, f32, float, 16, SILU_V(f32, i); SILU_V(f32, i + 8), a / (1.f + expf(-a)))
KERNEL_VEC_UNARY(silu, f64, double, 8, SILU_V(f64, i); SILU_V(f64, i + 4), a / (1. + exp(-a)))
KERNEL_VEC_UNARY(mish, f32, float, 16, MISH_V(f32, i); MISH_V(f32, i + 8), a * tanhf(log1pf(expf(a))))
KERNEL_VEC_UNARY(mish, f64, double, 8, MISH_V(f64, i); MISH_V(f64, i + 4), a * tanh(log1p(exp(a))))
KERNEL_VEC_UNARY(elu, f32, float, 16, ELU_V(f32, i); ELU_V(f32, i + 8), a <= 0 ? (expf(a) - 1.f) * p0 : a)
KERNEL_VEC_UNARY(elu, f64, double, 8, ELU_V(f64, i); ELU_V(f64, i + 4), a <= 0 ? (exp(a) - 1.) * p0 : a)

// ---- pow by a scalar: PyTorch's fast paths, else SLEEF blocks + (float)pow(double) ----
static inline float pow_tail_f32(float a, double e) { return (float)pow((double)a, e); }
static inline double pow_tail_f64(double a, double e) { return pow(a, e); }

#define POW_SCALAR(S, T, VBODY)                                                         \
  EW_UNARY_LOOP(pow_sq_##S, T, T, a * a)                                                \
  EW_UNARY_LOOP(pow_cube_##S, T, T, a * a * a)                                          \
  EW_UNARY_LOOP(pow_inv_sq_##S, T, T, (T)1 / (a * a))                                   \
  EW_UNARY_LOOP(pow_inv_##S, T, T, (T)1 / a)                                            \
  EW_UNARY_LOOP(pow_one_##S, T, T, ((void)a, (T)1))                                     \
  EW_UNARY_LOOP(pow_copy_##S, T, T, a)                                                  \
  static void pow_general_##S(char **data, const int64_t *s, int64_t n, void *ctx) {   \
    const double e = ((const ct_ew_params *)ctx)->f64[0];                               \
    int64_t i = 0;                                                                      \
    if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {                     \
      T *o = (T *)data[0];                                                              \
      const T *x = (const T *)data[1];                                                  \
      if (EW_SLEEF)                                                                     \
        for (; i + 64 / (int64_t)sizeof(T) <= n; i += 64 / (int64_t)sizeof(T)) { VBODY; } \
      for (; i < n; i++) o[i] = pow_tail_##S(x[i], e);                                  \
      return;                                                                           \
    }                                                                                   \
    char *o = data[0];                                                                  \
    const char *x = data[1];                                                            \
    for (; i < n; i++, o += s[0], x += s[1]) *(T *)o = pow_tail_##S(*(const T *)x, e);  \
  }                                                                                     \
  static void pow_scalar_##S(char **data, const int64_t *s, int64_t n, void *ctx) {   \
    const double e = ((const ct_ew_params *)ctx)->f64[0];                               \
    ct_loop_fn f = e == 2 ? pow_sq_##S : e == 3 ? pow_cube_##S : e == -2 ? pow_inv_sq_##S \
                 : e == 0.5 ? sqrt_##S : e == -0.5 ? rsqrt_##S : e == -1 ? pow_inv_##S  \
                 : e == 0 ? pow_one_##S : e == 1 ? pow_copy_##S : pow_general_##S;     \
    f(data, s, n, ctx);                                                                 \
  }
POW_SCALAR(f32, float, POWS_V(f32, i); POWS_V(f32, i + 8))
POW_SCALAR(f64, double, POWS_V(f64, i); POWS_V(f64, i + 4))

// ---- pow of two tensors: SLEEF on blocks (also with a broadcast operand), powf/pow else ----
#if EW_SLEEF
#define POWT_LOAD(S, p, j, sc) ((sc) ? VOP_##S(set1)(*(p)) : VOP_##S(loadu)((p) + (j)))
#define POWT_V(S, j) VOP_##S(storeu)(o + (j), VSLEEF_##S(pow)(POWT_LOAD(S, x, j, sx), POWT_LOAD(S, y, j, sy)))
#else
#define POWT_V(S, j) (void)0
#endif

#define POW_TENSOR(S, T, VBODY, LIBM)                                                   \
  void ct__cpu_pow_##S(char **data, const int64_t *s, int64_t n, void *ctx) {          \
    (void)ctx;                                                                          \
    const int64_t es = (int64_t)sizeof(T);                                              \
    bool sx = s[1] == 0, sy = s[2] == 0;                                                \
    if (s[0] == es && (s[1] == es || sx) && (s[2] == es || sy) && !(sx && sy)) {        \
      T *o = (T *)data[0];                                                              \
      const T *x = (const T *)data[1], *y = (const T *)data[2];                         \
      int64_t i = 0;                                                                    \
      if (EW_SLEEF)                                                                     \
        for (; i + 64 / es <= n; i += 64 / es) { VBODY; }                               \
      for (; i < n; i++) o[i] = LIBM(x[sx ? 0 : i], y[sy ? 0 : i]);                     \
      return;                                                                           \
    }                                                                                   \
    char *o = data[0];                                                                  \
    const char *x = data[1], *y = data[2];                                              \
    for (int64_t i = 0; i < n; i++, o += s[0], x += s[1], y += s[2])                    \
      *(T *)o = LIBM(*(const T *)x, *(const T *)y);                                     \
  }
POW_TENSOR(f32, float, POWT_V(f32, i); POWT_V(f32, i + 8), powf)
POW_TENSOR(f64, double, POWT_V(f64, i); POWT_V(f64, i + 4), pow)

const ct_loop_fn ct__cpu_ew_math[CT_EW_MATH_COUNT][CT_NUM_DTYPES] = {
    [CT_EW_EXP] = DTYPE_ROW_FLOAT(exp),
    [CT_EW_LOG] = DTYPE_ROW_FLOAT(log),
    [CT_EW_LOG1P] = DTYPE_ROW_FLOAT(log1p),
    [CT_EW_SQRT] = DTYPE_ROW_FLOAT(sqrt),
    [CT_EW_RSQRT] = DTYPE_ROW_FLOAT(rsqrt),
    [CT_EW_SIN] = DTYPE_ROW_FLOAT(sin),
    [CT_EW_COS] = DTYPE_ROW_FLOAT(cos),
    [CT_EW_TANH] = DTYPE_ROW_FLOAT(tanh),
    [CT_EW_SIGMOID] = DTYPE_ROW_FLOAT(sigmoid),
    [CT_EW_GELU] = DTYPE_ROW_FLOAT(ct__cpu_gelu),
    [CT_EW_SOFTPLUS] = DTYPE_ROW_FLOAT(softplus),
    [CT_EW_SILU] = DTYPE_ROW_FLOAT(silu),
    [CT_EW_MISH] = DTYPE_ROW_FLOAT(mish),
    [CT_EW_ELU] = DTYPE_ROW_FLOAT(elu),
    [CT_EW_POW_SCALAR] = {NULL, ct__cpu_pow_scalar_i32, ct__cpu_pow_scalar_i64, pow_scalar_f32, pow_scalar_f64},
};

// The CPU recurrent-cell kernel family (kernels/rnn.h): rnn_cells_tmpl.h once per
// floating dtype. Sigmoid and tanh run over contiguous spans of a row's gates, through
// SLEEF's AVX2 functions where the build has them (libm otherwise).
#include "kernels/cpu/dtype_rows.h"
#include "kernels/rnn.h"
#include <math.h>

#define INLINE static inline __attribute__((always_inline))

#if defined(CTORCH_HAVE_SLEEF) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <sleef.h>
#define ONE_EXP_f32 Sleef_expf1_u10purecfma
#define ONE_EXP_f64 Sleef_expd1_u10purecfma
#define ONE_TANH_f32 Sleef_tanhf1_u10purecfma
#define ONE_TANH_f64 Sleef_tanhd1_u10purecfma
// 1 / (1 + exp(-x)) and tanh(x) over 8 floats / 4 doubles at a time.
#define VECTOR_SPANS(S, V, LANES, OP, EXP, TANH)                                                             \
  INLINE int64_t sigmoid_vec_##S(S##_t *x, int64_t n) {                                                      \
    int64_t i = 0;                                                                                           \
    const V one = OP(set1)(1);                                                                               \
    for (; i + LANES <= n; i += LANES)                                                                       \
      OP(storeu)(x + i, OP(div)(one, OP(add)(one, EXP(OP(sub)(OP(setzero)(), OP(loadu)(x + i))))));          \
    return i;                                                                                                \
  }                                                                                                          \
  INLINE int64_t tanh_vec_##S(S##_t *x, int64_t n) {                                                         \
    int64_t i = 0;                                                                                           \
    for (; i + LANES <= n; i += LANES)                                                                       \
      OP(storeu)(x + i, TANH(OP(loadu)(x + i)));                                                             \
    return i;                                                                                                \
  }
typedef float f32_t;
typedef double f64_t;
#define OP_PS(op) _mm256_##op##_ps
#define OP_PD(op) _mm256_##op##_pd
VECTOR_SPANS(f32, __m256, 8, OP_PS, Sleef_expf8_u10avx2, Sleef_tanhf8_u10avx2)
VECTOR_SPANS(f64, __m256d, 4, OP_PD, Sleef_expd4_u10avx2, Sleef_tanhd4_u10avx2)
#else
#define ONE_EXP_f32 expf
#define ONE_EXP_f64 exp
#define ONE_TANH_f32 tanhf
#define ONE_TANH_f64 tanh
#define sigmoid_vec_f32(x, n) ((void)(x), (void)(n), (int64_t)0)
#define sigmoid_vec_f64(x, n) ((void)(x), (void)(n), (int64_t)0)
#define tanh_vec_f32(x, n) ((void)(x), (void)(n), (int64_t)0)
#define tanh_vec_f64(x, n) ((void)(x), (void)(n), (int64_t)0)
#endif

INLINE void SIGMOID_SPAN_f32(float *x, int64_t n) {
  for (int64_t i = sigmoid_vec_f32(x, n); i < n; i++)
    x[i] = 1 / (1 + ONE_EXP_f32(-x[i]));
}
INLINE void SIGMOID_SPAN_f64(double *x, int64_t n) {
  for (int64_t i = sigmoid_vec_f64(x, n); i < n; i++)
    x[i] = 1 / (1 + ONE_EXP_f64(-x[i]));
}
INLINE void TANH_SPAN_f32(float *x, int64_t n) {
  for (int64_t i = tanh_vec_f32(x, n); i < n; i++)
    x[i] = ONE_TANH_f32(x[i]);
}
INLINE void TANH_SPAN_f64(double *x, int64_t n) {
  for (int64_t i = tanh_vec_f64(x, n); i < n; i++)
    x[i] = ONE_TANH_f64(x[i]);
}

#define T float
#define SFX f32
#include "kernels/cpu/rnn_cells_tmpl.h"
#define T double
#define SFX f64
#include "kernels/cpu/rnn_cells_tmpl.h"

extern const ct_rnn_product_fn ct__cpu_rnn_products[CT_NUM_DTYPES]; // rnn_gemm.c

const ct_rnn_kernels ct__cpu_rnn_kernels = {
    .step = DTYPE_ROW_FLOAT(step),
    .step_backward = DTYPE_ROW_FLOAT(step_backward),
    .hidden_product = ct__cpu_rnn_products,
};

// max/min kernels: values (amax/amin, max()), first index (max(dim), argmax), and the
// loops of their gradients (ties share the gradient; indices scatter it back).
#include <math.h>
#include "kernels/cpu/reduce_impl.h"

// "v beats best" for a nan-propagating max/min: a nan always wins (and then stays).
#define BEATS_MAX(v, best, ISNAN) ((v) > (best) || ISNAN(v))
#define BEATS_MIN(v, best, ISNAN) ((v) < (best) || ISNAN(v))
#define NEVER_NAN(v) false

// Values only. Contiguous float runs use the vector helpers of reduce_impl.h; the
// others a plain loop (an accumulator that became nan stays nan: max's nan rule).
#define DEFINE_EXTREME(OP, SUF, T, BEATS, ISNAN, CONTIGUOUS_RUN)                               \
  static inline T OP##_run_##SUF(const char *p, int64_t len, int64_t stride, T acc) {          \
    if (stride == (int64_t)sizeof(T)) return CONTIGUOUS_RUN((const T *)(const void *)p, len, acc); \
    for (int64_t i = 0; i < len; i++) {                                                        \
      T v;                                                                                     \
      memcpy(&v, p + i * stride, sizeof v);                                                    \
      acc = BEATS(v, acc, ISNAN) ? v : acc;                                                    \
    }                                                                                          \
    return acc;                                                                                \
  }                                                                                            \
  static void OP##_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {         \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      const char *base = data[1] + j * strides[1];                                             \
      T acc;                                                                                   \
      memcpy(&acc, base, sizeof acc); /* the op layer never reduces empty runs here */         \
      for (int64_t k = 0; k < runs; k++) acc = OP##_run_##SUF(ct__red_run_ptr(c, base, k), c->len, c->stride, acc); \
      memcpy(data[0] + j * strides[0], &acc, sizeof acc);                                      \
    }                                                                                          \
  }

// Plain loops for the integer types (the compiler vectorises these).
#define DEFINE_INT_RUNS(SUF, T)                                                                \
  static inline T max_contiguous_##SUF(const T *x, int64_t n, T acc) {                         \
    for (int64_t i = 0; i < n; i++) acc = x[i] > acc ? x[i] : acc;                             \
    return acc;                                                                                \
  }                                                                                            \
  static inline T min_contiguous_##SUF(const T *x, int64_t n, T acc) {                         \
    for (int64_t i = 0; i < n; i++) acc = x[i] < acc ? x[i] : acc;                             \
    return acc;                                                                                \
  }
DEFINE_INT_RUNS(b, bool)
DEFINE_INT_RUNS(i32, int32_t)
DEFINE_INT_RUNS(i64, int64_t)
#define max_contiguous_f32 ct__max_run_f32
#define min_contiguous_f32 ct__min_run_f32
#define max_contiguous_f64 ct__max_run_f64
#define min_contiguous_f64 ct__min_run_f64

#define DEFINE_EXTREMES(SUF, T, ISNAN)                                      \
  DEFINE_EXTREME(max, SUF, T, BEATS_MAX, ISNAN, max_contiguous_##SUF)        \
  DEFINE_EXTREME(min, SUF, T, BEATS_MIN, ISNAN, min_contiguous_##SUF)
DEFINE_EXTREMES(b, bool, NEVER_NAN)
DEFINE_EXTREMES(i32, int32_t, NEVER_NAN)
DEFINE_EXTREMES(i64, int64_t, NEVER_NAN)
DEFINE_EXTREMES(f32, float, isnan)
DEFINE_EXTREMES(f64, double, isnan)

// ops {indices, values, input}, one run per output: PyTorch's max(dim) loop, which
// keeps the first extreme and stops at the first nan.
#define DEFINE_ARG(OP, SUF, T, KEEP, ISNAN)                                                           \
  static void arg##OP##_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {    \
    const ct_reduce_ctx *c = vctx;                                                             \
    for (int64_t j = 0; j < n; j++) {                                                          \
      const char *p = data[2] + j * strides[2];                                                \
      T best;                                                                                  \
      memcpy(&best, p, sizeof best);                                                           \
      int64_t index = 0;                                                                       \
      for (int64_t i = 0; i < c->len; i++) {                                                   \
        T v;                                                                                   \
        memcpy(&v, p + i * c->stride, sizeof v);                                               \
        if (!(KEEP)) {                                                                         \
          best = v;                                                                            \
          index = i;                                                                           \
          if (ISNAN(v)) break;                                                                   \
        }                                                                                      \
      }                                                                                        \
      memcpy(data[0] + j * strides[0], &index, sizeof index);                                  \
      memcpy(data[1] + j * strides[1], &best, sizeof best);                                    \
    }                                                                                          \
  }
#define DEFINE_ARGS(SUF, T, ISNAN) \
  DEFINE_ARG(max, SUF, T, v <= best, ISNAN) DEFINE_ARG(min, SUF, T, v >= best, ISNAN)
DEFINE_ARGS(b, bool, NEVER_NAN)
DEFINE_ARGS(i32, int32_t, NEVER_NAN)
DEFINE_ARGS(i64, int64_t, NEVER_NAN)
DEFINE_ARGS(f32, float, isnan)
DEFINE_ARGS(f64, double, isnan)

// Whether x counts as "the" extreme value v for the gradient (CT_RED_SEL_* flags).
#define SEL_MATCH(T, x, v, flags)                                                              \
  ((flags) & CT_RED_SEL_ABS      ? (fabs(x) == (v) || isnan(x))                                \
   : (flags) & CT_RED_SEL_NANVAL ? (isnan(v) ? isnan(x) : (x) == (v))                          \
                                 : (x) == (v))

// ops {q, input, value, grad}: q = grad / number of matches (PyTorch divides the
// gradient by mask.sum(), an int64 converted to the float type).
#define DEFINE_SELECT_COUNT(SUF, T)                                                            \
  static void select_count_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) { \
    const ct_reduce_ctx *c = vctx;                                                             \
    int64_t runs = ct__red_runs(c);                                                            \
    for (int64_t j = 0; j < n; j++) {                                                          \
      T v, g;                                                                                  \
      memcpy(&v, data[2] + j * strides[2], sizeof v);                                          \
      memcpy(&g, data[3] + j * strides[3], sizeof g);                                          \
      int64_t count = 0;                                                                       \
      CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, x,                                \
                       count += SEL_MATCH(T, x, v, c->flags) ? 1 : 0);                         \
      T q = g / (T)count;                                                                      \
      memcpy(data[0] + j * strides[0], &q, sizeof q);                                          \
    }                                                                                          \
  }

// ops {out, input, value, q} over the input's shape: q where x matches, else 0; in the
// multiply form (amax, norm) it is q * mask, so a nan/inf q spreads like PyTorch's.
#define DEFINE_SELECT_GRAD(SUF, T)                                                             \
  static void select_grad_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) {  \
    const int flags = ((const ct_reduce_ctx *)vctx)->flags;                                    \
    for (int64_t i = 0; i < n; i++) {                                                          \
      T x, v, q, r;                                                                            \
      memcpy(&x, data[1] + i * strides[1], sizeof x);                                          \
      memcpy(&v, data[2] + i * strides[2], sizeof v);                                          \
      memcpy(&q, data[3] + i * strides[3], sizeof q);                                          \
      bool match = SEL_MATCH(T, x, v, flags);                                                  \
      if (flags & CT_RED_SEL_FILL) r = match ? q : (T)0;                                       \
      else r = q * (T)match;                                                                   \
      if (flags & CT_RED_SEL_ABS) r = (T)((x > 0) - (x < 0)) * r;                              \
      memcpy(data[0] + i * strides[0], &r, sizeof r);                                          \
    }                                                                                          \
  }

// ops {grad_in kept view, grad, indices}: grad_in[index * stride2] = grad.
#define DEFINE_SCATTER(SUF, T)                                                                 \
  static void scatter_index_##SUF(char **data, const int64_t *strides, int64_t n, void *vctx) { \
    const ct_reduce_ctx *c = vctx;                                                             \
    for (int64_t j = 0; j < n; j++) {                                                          \
      int64_t index;                                                                           \
      memcpy(&index, data[2] + j * strides[2], sizeof index);                                  \
      memcpy(data[0] + j * strides[0] + index * c->stride2, data[1] + j * strides[1], sizeof(T)); \
    }                                                                                          \
  }

#define DEFINE_GRADS(SUF, T) DEFINE_SELECT_COUNT(SUF, T) DEFINE_SELECT_GRAD(SUF, T) DEFINE_SCATTER(SUF, T)
DEFINE_GRADS(f32, float)
DEFINE_GRADS(f64, double)

const ct_loop_fn ct__cpu_max_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(max);
const ct_loop_fn ct__cpu_min_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(min);
const ct_loop_fn ct__cpu_argmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(argmax);
const ct_loop_fn ct__cpu_argmin_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(argmin);
const ct_loop_fn ct__cpu_select_count_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(select_count);
const ct_loop_fn ct__cpu_select_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(select_grad);
const ct_loop_fn ct__cpu_scatter_index_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(scatter_index);

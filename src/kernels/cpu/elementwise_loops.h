// Loop skeletons shared by the CPU elementwise kernels. Each macro defines one static
// loop for one element type from an expression; the expression is inlined into every
// path (no per-element calls). Paths: all operands contiguous, one input a broadcast
// scalar (stride 0) with the rest contiguous, and a generic strided loop.
//
// Expressions see the current elements as `a`, `b` (`c` for 4-operand loops) and the op
// arguments as `p0`, `p1` (read once from the ct_ew_params in ctx, in the loop's type).
#ifndef CTORCH_SRC_KERNELS_CPU_ELEMENTWISE_LOOPS_H
#define CTORCH_SRC_KERNELS_CPU_ELEMENTWISE_LOOPS_H
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include "kernels/cpu/dtype_rows.h"
#include "kernels/elementwise.h"

/// Argument k of the params in type T.
#define EW_PARAM(T, prm, k) \
  _Generic((T)0, float: (prm)->f32[k], double: (prm)->f64[k], default: (T)(prm)->i64[k])

#define EW_LOAD_PARAMS(T)                                          \
  const ct_ew_params *prm_ = (const ct_ew_params *)ctx;            \
  const T p0 = EW_PARAM(T, prm_, 0), p1 = EW_PARAM(T, prm_, 1);    \
  (void)p0;                                                        \
  (void)p1

// The contiguous paths of the loops below: out[i] = EXPR after LOAD declares the
// elements at index i (a broadcast scalar is read once, before the loop, so the compiler
// can vectorise).
#define EW_CONTIGUOUS_PASS_(TO, LOAD, EXPR)                                               \
  do {                                                                                    \
    TO *o_ = (TO *)data[0];                                                               \
    for (int64_t i = 0; i < n; i++) {                                                     \
      LOAD;                                                                               \
      o_[i] = (TO)(EXPR);                                                                 \
    }                                                                                     \
    return;                                                                               \
  } while (0)

/// The strided path of a unary loop (also used by elementwise_math.c's vector loops).
#define EW_UNARY_STRIDED_PASS_(TO, TI, EXPR)                                              \
  char *o_ = data[0];                                                                     \
  const char *x_ = data[1];                                                               \
  for (int64_t i = 0; i < n; i++, o_ += s[0], x_ += s[1]) {                               \
    const TI a = *(const TI *)x_;                                                         \
    *(TO *)o_ = (TO)(EXPR);                                                               \
  }

/// out (TO) = EXPR(a) for a of type TI.
#define EW_UNARY_LOOP(NAME, TO, TI, EXPR)                                                 \
  static void NAME(char **data, const int64_t *s, int64_t n, void *ctx) {                \
    EW_LOAD_PARAMS(TI);                                                                   \
    if (s[0] == (int64_t)sizeof(TO) && s[1] == (int64_t)sizeof(TI)) {                     \
      const TI *x_ = (const TI *)data[1];                                                 \
      EW_CONTIGUOUS_PASS_(TO, const TI a = x_[i], EXPR);                                  \
    }                                                                                     \
    EW_UNARY_STRIDED_PASS_(TO, TI, EXPR)                                                  \
  }

/// out (TO) = EXPR(a, b) for a, b of type TI.
#define EW_BINARY_LOOP(NAME, TO, TI, EXPR)                                                \
  static void NAME(char **data, const int64_t *s, int64_t n, void *ctx) {                \
    EW_LOAD_PARAMS(TI);                                                                   \
    const int64_t eo_ = (int64_t)sizeof(TO), ei_ = (int64_t)sizeof(TI);                   \
    if (s[0] == eo_ && s[1] == ei_ && s[2] == ei_) {                                      \
      const TI *x_ = (const TI *)data[1], *y_ = (const TI *)data[2];                      \
      EW_CONTIGUOUS_PASS_(TO, const TI a = x_[i]; const TI b = y_[i], EXPR);              \
    }                                                                                     \
    if (s[0] == eo_ && s[1] == ei_ && s[2] == 0) { /* b broadcast */                      \
      const TI *x_ = (const TI *)data[1];                                                 \
      const TI b = *(const TI *)data[2];                                                  \
      EW_CONTIGUOUS_PASS_(TO, const TI a = x_[i], EXPR);                                  \
    }                                                                                     \
    if (s[0] == eo_ && s[1] == 0 && s[2] == ei_) { /* a broadcast */                      \
      const TI *y_ = (const TI *)data[2];                                                 \
      const TI a = *(const TI *)data[1];                                                  \
      EW_CONTIGUOUS_PASS_(TO, const TI b = y_[i], EXPR);                                  \
    }                                                                                     \
    char *o_ = data[0];                                                                   \
    const char *x_ = data[1], *y_ = data[2];                                              \
    for (int64_t i = 0; i < n; i++, o_ += s[0], x_ += s[1], y_ += s[2]) {                 \
      const TI a = *(const TI *)x_, b = *(const TI *)y_;                                  \
      *(TO *)o_ = (TO)(EXPR);                                                             \
    }                                                                                     \
  }

/// out (TO) = EXPR(a, b, c) for a of type TA and b, c of type TI (4 operands).
#define EW_TERNARY_LOOP(NAME, TO, TA, TI, EXPR)                                           \
  static void NAME(char **data, const int64_t *s, int64_t n, void *ctx) {                \
    EW_LOAD_PARAMS(TI);                                                                   \
    if (s[0] == (int64_t)sizeof(TO) && s[1] == (int64_t)sizeof(TA) &&                     \
        s[2] == (int64_t)sizeof(TI) && s[3] == (int64_t)sizeof(TI)) {                     \
      const TA *x_ = (const TA *)data[1];                                                 \
      const TI *y_ = (const TI *)data[2], *z_ = (const TI *)data[3];                      \
      EW_CONTIGUOUS_PASS_(TO, const TA a = x_[i]; const TI b = y_[i]; const TI c = z_[i], EXPR); \
    }                                                                                     \
    char *o_ = data[0];                                                                   \
    const char *x_ = data[1], *y_ = data[2], *z_ = data[3];                               \
    for (int64_t i = 0; i < n; i++, o_ += s[0], x_ += s[1], y_ += s[2], z_ += s[3]) {     \
      const TA a = *(const TA *)x_;                                                       \
      const TI b = *(const TI *)y_, c = *(const TI *)z_;                                  \
      *(TO *)o_ = (TO)(EXPR);                                                             \
    }                                                                                     \
  }

/// Instantiate MACRO(suffix, type) for the dtypes in ct_dtype order.
#define EW_FOR_FLOATS(MACRO) MACRO(f32, float) MACRO(f64, double)
#define EW_FOR_INTS(MACRO) MACRO(i32, int32_t) MACRO(i64, int64_t)


#endif

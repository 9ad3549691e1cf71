// Python's floor division and modulo of one element (PyTorch's div_floor and remainder
// formulas), shared by the forward loops (elementwise_binary.c) and the remainder
// gradient (elementwise_grad.c).
//
// Integer versions never see b == 0 from op code (it raises PyTorch's ZeroDivisionError
// first); b == -1 is spelled out so INT_MIN / -1 wraps instead of trapping.
#ifndef CTORCH_SRC_KERNELS_CPU_PYTHON_DIVISION_H
#define CTORCH_SRC_KERNELS_CPU_PYTHON_DIVISION_H
#include <math.h>
#include <stdint.h>
#include "kernels/cpu/elementwise_loops.h"

// Float: Python's rounding of the quotient, and the sign of b for the remainder.
#define PY_DIVISION_FLOAT(S, T)                                                   \
  static inline T floordiv1_##S(T a, T b) {                                       \
    if (b == 0) return a / b;                                                     \
    T mod = _Generic(a, float: fmodf, double: fmod)(a, b);                        \
    T div = (a - mod) / b;                                                        \
    if (mod != 0 && (b < 0) != (mod < 0)) div -= (T)1;                            \
    if (div == 0) return _Generic(a, float: copysignf, double: copysign)(0, a / b); \
    T fl = _Generic(a, float: floorf, double: floor)(div);                        \
    if (div - fl > (T)0.5) fl += (T)1;                                            \
    return fl;                                                                    \
  }                                                                               \
  static inline T remainder1_##S(T a, T b) {                                       \
    T mod = _Generic(a, float: fmodf, double: fmod)(a, b);                        \
    return (mod != 0 && (b < 0) != (mod < 0)) ? mod + b : mod;                    \
  }
EW_FOR_FLOATS(PY_DIVISION_FLOAT)

// Integer: truncating C division corrected towards negative infinity; U is the unsigned
// type the negation wraps in.
#define PY_DIVISION_INT(S, T, U)                                                  \
  static inline T floordiv1_##S(T a, T b) {                                       \
    if (b == 0) return 0;                                                         \
    if (b == -1) return (T)(0 - (U)a);                                            \
    T q = a / b, r = a % b;                                                       \
    return (r != 0 && (r < 0) != (b < 0)) ? (T)(q - 1) : q;                       \
  }                                                                               \
  static inline T remainder1_##S(T a, T b) {                                       \
    if (b == 0 || b == -1) return 0;                                              \
    T r = a % b;                                                                  \
    return (r != 0 && (r < 0) != (b < 0)) ? (T)(r + b) : r;                       \
  }
PY_DIVISION_INT(i32, int32_t, uint32_t)
PY_DIVISION_INT(i64, int64_t, uint64_t)

#endif

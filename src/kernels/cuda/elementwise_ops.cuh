// The elementwise ops as device functors (used by elementwise.cu): Op<T>::make(ctx) reads
// the loop's ct_ew_params on the host; operator() computes one element. Formulas as in
// kernels/elementwise.h (and the CPU loops'); math uses CUDA's libm.
#ifndef CTORCH_SRC_KERNELS_CUDA_ELEMENTWISE_OPS_CUH
#define CTORCH_SRC_KERNELS_CUDA_ELEMENTWISE_OPS_CUH
#include <math.h>
#include <type_traits>
#include "kernels/elementwise.h"

namespace ct_cuda_ew {

template <typename T> inline T param(const void *ctx, int k) {
  const ct_ew_params *p = static_cast<const ct_ew_params *>(ctx);
  if constexpr (std::is_same_v<T, float>) return p->f32[k];
  else if constexpr (std::is_same_v<T, double>) return p->f64[k];
  else return static_cast<T>(p->i64[k]);
}

template <typename T> constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T> using unsigned_of = std::make_unsigned_t<std::conditional_t<is_int<T>, T, int>>;

// No parameters / one or two (p0, p1).
#define OP0(NAME, ...)                                                                   \
  template <typename T> struct NAME {                                                    \
    static NAME make(const void *) { return {}; }                                        \
    __device__ auto operator()(__VA_ARGS__) const
#define OP_P(NAME, ...)                                                                  \
  template <typename T> struct NAME {                                                    \
    T p0, p1;                                                                            \
    static NAME make(const void *ctx) { return {param<T>(ctx, 0), param<T>(ctx, 1)}; }   \
    __device__ auto operator()(__VA_ARGS__) const

// ---- Python division (kernels/cpu/python_division.h) ----
template <typename T> __device__ T floordiv(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    T mod = fmod(a, b), div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
    if (div == 0) return copysign(T(0), a / b);
    T fl = floor(div);
    if (div - fl > T(0.5)) fl += T(1);
    return fl;
  } else {
    using U = unsigned_of<T>;
    if (b == 0) return 0;
    if (b == -1) return (T)(U(0) - (U)a);
    T q = a / b, r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? (T)(q - 1) : q;
  }
}
template <typename T> __device__ T remainder(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T mod = fmod(a, b);
    return (mod != 0 && (b < 0) != (mod < 0)) ? mod + b : mod;
  } else {
    if (b == 0 || b == -1) return 0;
    T r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? (T)(r + b) : r;
  }
}
// Integer power by squaring, wrapping; negative exponents as PyTorch's powi.
template <typename T> __device__ T int_pow(T a, T b) {
  using U = unsigned_of<T>;
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b % 2) ? -1 : 1) : 0;
  U result = 1, base = (U)a;
  for (T e = b; e; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return (T)result;
}
template <typename T> __device__ T sigmoid(T x) { return T(1) / (T(1) + exp(-x)); }
template <typename T> __device__ T tanh_softplus(T x) { return tanh(log1p(exp(x))); }
// x ** e with the shortcuts PyTorch's pow(Tensor, Scalar) takes.
template <typename T> __device__ T pow_scalar(T x, T e) {
  if constexpr (is_int<T>) return int_pow(x, e);
  else
    return e == 2 ? x * x : e == 3 ? x * x * x : e == 1 ? x : e == 0 ? T(1) : e == T(0.5) ? sqrt(x)
         : e == T(-0.5) ? T(1) / sqrt(x) : e == -1 ? T(1) / x : e == -2 ? T(1) / (x * x) : pow(x, e);
}

// ---- binary ----
template <typename T> struct Add {
  T alpha;
  static Add make(const void *ctx) { return {param<T>(ctx, 0)}; }
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a || (alpha && b);
    else if constexpr (is_int<T>) return (T)((unsigned_of<T>)a + (unsigned_of<T>)alpha * (unsigned_of<T>)b);
    else return alpha == T(1) ? a + b : fma(b, alpha, a);
  }
};
OP0(Mul, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else if constexpr (is_int<T>) return (T)((unsigned_of<T>)a * (unsigned_of<T>)b);
  else return a * b;
}};
OP0(Div, T a, T b) { return a / b; }};
OP0(FloorDiv, T a, T b) { return floordiv(a, b); }};
OP0(Remainder, T a, T b) { return remainder(a, b); }};
OP0(Pow, T a, T b) {
  if constexpr (is_int<T>) return int_pow(a, b);
  else return pow(a, b);
}};
OP0(Maximum, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else return a != a ? a : (b != b ? b : (a < b ? b : a));
}};
OP0(Minimum, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else return a != a ? a : (b != b ? b : (b < a ? b : a));
}};

// ---- compare (bool results) ----
OP0(Eq, T a, T b) { return a == b; }};
OP0(Ne, T a, T b) { return a != b; }};
OP0(Lt, T a, T b) { return a < b; }};
OP0(Le, T a, T b) { return a <= b; }};
OP0(Gt, T a, T b) { return a > b; }};
OP0(Ge, T a, T b) { return a >= b; }};
OP0(LogicalAnd, T a, T b) { return a != T(0) && b != T(0); }};
OP0(LogicalOr, T a, T b) { return a != T(0) || b != T(0); }};

// ---- unary ----
OP0(Neg, T a) {
  if constexpr (is_int<T>) return (T)(unsigned_of<T>(0) - (unsigned_of<T>)a);
  else return -a;
}};
OP0(Abs, T a) {
  if constexpr (is_int<T>) return a < 0 ? (T)(unsigned_of<T>(0) - (unsigned_of<T>)a) : a;
  else return fabs(a);
}};
OP0(Sign, T a) {
  if constexpr (std::is_same_v<T, bool>) return a;
  else return (T)((T(0) < a) - (a < T(0)));
}};
OP0(Floor, T a) {
  if constexpr (is_int<T>) return a;
  else return floor(a);
}};
OP0(Ceil, T a) {
  if constexpr (is_int<T>) return a;
  else return ceil(a);
}};
OP0(Round, T a) {
  if constexpr (is_int<T>) return a;
  else return rint(a); // half to even
}};
OP_P(Clamp, T a) { return (a < p0 ? p0 : a) > p1 ? p1 : (a < p0 ? p0 : a); }};
OP_P(LeakyRelu, T a) { return a > 0 ? a : a * p0; }};

// ---- math ----
OP0(Exp, T a) { return exp(a); }};
OP0(Log, T a) { return log(a); }};
OP0(Log1p, T a) { return log1p(a); }};
OP0(Sqrt, T a) { return sqrt(a); }};
OP0(Rsqrt, T a) { return T(1) / sqrt(a); }};
OP0(Sin, T a) { return sin(a); }};
OP0(Cos, T a) { return cos(a); }};
OP0(Tanh, T a) { return tanh(a); }};
OP0(Sigmoid, T a) { return sigmoid(a); }};
OP0(Gelu, T a) { return a * T(0.5) * (T(1) + erf(a * T(M_SQRT1_2))); }};
OP_P(Softplus, T a) { return a * p0 > p1 ? a : log1p(exp(a * p0)) / p0; }};
OP_P(PowScalar, T a) { return pow_scalar(a, p0); }};
OP0(Silu, T a) { return a / (T(1) + exp(-a)); }};
OP0(Mish, T a) { return a * tanh_softplus(a); }};
OP_P(Elu, T a) { return a <= 0 ? (exp(a) - T(1)) * p0 : a; }};

// ---- backward of unary ops: (g, saved) ----
OP0(GradLog1p, T g, T x) { return g / (x + 1); }};
OP0(GradSqrt, T g, T y) { return g / (2 * y); }};
OP0(GradRsqrt, T g, T y) { return (T(-0.5) * g) * (y * y * y); }};
OP0(GradSin, T g, T x) { return g * cos(x); }};
OP0(GradCos, T g, T x) { return g * -sin(x); }};
OP0(GradTanh, T g, T y) { return g * (1 - y * y); }};
OP0(GradSigmoid, T g, T y) { return g * (1 - y) * y; }};
OP0(GradRelu, T g, T y) { return y <= 0 ? T(0) : g; }};
OP_P(GradLeakyRelu, T g, T x) { return x > 0 ? g : g * p0; }};
OP0(GradGelu, T g, T x) {
  const T cdf = T(0.5) * (T(1) + erf(x * T(M_SQRT1_2)));
  const T pdf = exp(T(-0.5) * x * x) * T(M_2_SQRTPI * M_SQRT1_2 * 0.5);
  return g * (cdf + x * pdf);
}};
OP_P(GradSoftplus, T g, T x) { return x * p0 > p1 ? g : g * exp(x * p0) / (exp(x * p0) + 1); }};
OP_P(GradClamp, T g, T x) { return x >= p0 && x <= p1 ? g : T(0); }};
OP0(GradAbs, T g, T x) { return g * (T)((T(0) < x) - (x < T(0))); }};
OP_P(GradPowScalar, T g, T x) { return g * (p0 * pow_scalar(x, p0 - 1)); }};
OP0(GradSilu, T g, T x) { return g * sigmoid(x) * (1 + x * (1 - sigmoid(x))); }};
OP0(GradMish, T g, T x) {
  const T t = tanh_softplus(x);
  return g * (t + x * sigmoid(x) * (1 - t * t));
}};
OP_P(GradElu, T g, T x) { return x > 0 ? g : g * p0 * exp(x); }};
OP_P(GradHardtanh, T g, T x) { return x > p0 && x < p1 ? g : T(0); }};

// ---- backward of binary ops: (g, a, b) ----
OP0(Grad2DivOther, T g, T a, T b) { return -g * ((a / b) / b); }};
OP0(Grad2PowSelf, T g, T a, T b) { return b == 0 ? T(0) : g * (b * pow(a, b - 1)); }};
OP0(Grad2PowExponent, T log_self, T exponent, T result) {
  return log_self == T(-INFINITY) && exponent >= 0 ? T(0) : result * log_self;
}};
OP0(Grad2MaxA, T g, T a, T b) { return a == b ? g / 2 : (a < b ? T(0) : g); }};
OP0(Grad2MaxB, T g, T a, T b) { return a == b ? g / 2 : (a > b ? T(0) : g); }};
OP0(Grad2RemOther, T g, T a, T b) { return -g * floordiv(a, b); }};

#undef OP0
#undef OP_P
} // namespace ct_cuda_ew

#endif

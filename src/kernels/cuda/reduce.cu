// Reductions (kernels/reduce.h) on the device. Each output of a run is reduced by one
// thread block: thread t folds elements t, t + B, t + 2B ... in order, then the block
// combines its B partial results in a fixed tree in shared memory. No atomics: the
// order depends only on the geometry, so results are the same on every run (they may
// differ from the CPU's cascade by rounding). Softmax rows are one thread per
// (outer, inner) position, walking the dim in order.
#include <type_traits>
#include "kernels/cuda/loops.cuh"
#include "kernels/cuda/dtype_rows.cuh"
#include "kernels/reduce.h"

namespace {

constexpr int kReduceThreads = 256;

// What a reduction kernel needs of ct_reduce_ctx, by value.
struct Geometry {
  int64_t len, stride, total;
  int nouter;
  int64_t outer_shape[CT_MAX_DIMS], outer_stride[CT_MAX_DIMS];
  double param;
  int flags;
};

Geometry geometry_of(const void *vctx) {
  const ct_reduce_ctx *c = static_cast<const ct_reduce_ctx *>(vctx);
  Geometry g;
  g.len = c->len, g.stride = c->stride, g.nouter = c->nouter, g.param = c->param, g.flags = c->flags;
  g.total = c->len;
  for (int d = 0; d < c->nouter; d++) {
    g.outer_shape[d] = c->outer_shape[d], g.outer_stride[d] = c->outer_stride[d];
    g.total *= c->outer_shape[d];
  }
  return g;
}

// Element e (row-major over the outer reduced dims, the run innermost) of the output
// whose first element is at base (as ct__red_run_ptr).
__device__ const char *element(const Geometry &g, const char *base, int64_t e) {
  int64_t k = e / g.len, off = (e % g.len) * g.stride;
  for (int d = g.nouter - 1; d >= 0; d--) {
    off += (k % g.outer_shape[d]) * g.outer_stride[d];
    k /= g.outer_shape[d];
  }
  return base + off;
}

template <typename T> __device__ T load(const char *p) { return *reinterpret_cast<const T *>(p); }

// R: Acc (a trivially copyable partial result), identity(), take(x, e), combine(a, b),
// finish(operands, j, acc) writing output j. combine must not depend on the order of its
// arguments' elements except through the indices they carry (argmax).
// Reductions that compare elements with a per-output value (sq_dev_sum's mean,
// select_count's extreme) have a member `value`, set from operand value_op per output.
template <class R, class = void> struct has_value : std::false_type {};
template <class R> struct has_value<R, std::void_t<decltype(R::value)>> : std::true_type {};

template <typename T, class R> __global__ void reduce_kernel(Run run, Geometry g, R r, int value_op) {
  __shared__ typename R::Acc part[kReduceThreads];
  for (int64_t j = blockIdx.x; j < run.n; j += gridDim.x) {
    const char *base = run.op[1].ptr + j * run.op[1].stride;
    R rj = r;
    if constexpr (has_value<R>::value) rj.value = run.op[value_op].load<decltype(rj.value)>(j);
    typename R::Acc acc = rj.identity();
    for (int64_t e = threadIdx.x; e < g.total; e += blockDim.x) acc = rj.combine(acc, rj.take(load<T>(element(g, base, e)), e));
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = kReduceThreads / 2; s > 0; s >>= 1) {
      if ((int)threadIdx.x < s) part[threadIdx.x] = rj.combine(part[threadIdx.x], part[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) rj.finish(run.op, j, part[0]);
    __syncthreads();
  }
}

template <typename T, class R>
void launch_reduce(char **data, const int64_t *strides, int64_t n, int nops, const size_t *sizes, void *ctx, R r,
                   int value_op = 0) {
  if (n <= 0) return;
  Run run;
  run.n = n;
  for (int k = 0; k < nops; k++) run.op[k] = make_operand(data, strides, k, sizes[k]);
  unsigned blocks = (unsigned)(n < 65535 ? n : 65535);
  reduce_kernel<T><<<blocks, kReduceThreads, 0, CT_CUDA_STREAM>>>(run, geometry_of(ctx), r, value_op);
  CT_CUDA_CHECK_LAUNCH("reduction");
}

template <typename T> constexpr bool is_float = std::is_floating_point_v<T>;
// Sums and products of bool/int inputs are int64 (wrapping, computed unsigned).
template <typename T> using acc_of = std::conditional_t<is_float<T>, T, uint64_t>;
template <typename T> using out_of = std::conditional_t<is_float<T>, T, int64_t>;

template <typename T> struct Sum {
  using Acc = acc_of<T>;
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc take(T x, int64_t) const { return Acc(x); }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const { *o[0].at<out_of<T>>(j) = (out_of<T>)a; }
};
template <typename T> struct Prod {
  using Acc = acc_of<T>;
  __device__ Acc identity() const { return Acc(1); }
  __device__ Acc take(T x, int64_t) const { return Acc(x); }
  __device__ Acc combine(Acc a, Acc b) const { return a * b; }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const { *o[0].at<out_of<T>>(j) = (out_of<T>)a; }
};

template <typename T> __device__ bool is_nan(T x) {
  if constexpr (is_float<T>) return x != x;
  else return false;
}

// max/min (nan propagating). An empty partial (no element yet) carries `any` false.
template <typename T, bool IsMax> struct Extreme {
  struct Acc {
    T v;
    bool any;
  };
  __device__ Acc identity() const { return {T(0), false}; }
  __device__ Acc take(T x, int64_t) const { return {x, true}; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (!a.any) return b;
    if (!b.any || is_nan(a.v)) return a;
    if (is_nan(b.v)) return b;
    return (IsMax ? b.v > a.v : b.v < a.v) ? b : a;
  }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const { *o[0].at<T>(j) = a.v; }
};

// argmax/argmin: ops {indices, values, input}; the first extreme, the first nan before all.
template <typename T, bool IsMax> struct ArgExtreme {
  struct Acc {
    T v;
    int64_t i; // -1: empty
  };
  __device__ Acc identity() const { return {T(0), -1}; }
  __device__ Acc take(T x, int64_t e) const { return {x, e}; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an || bn) return an && (!bn || a.i < b.i) ? a : b;
    if (a.v == b.v) return a.i < b.i ? a : b;
    return (IsMax ? a.v > b.v : a.v < b.v) ? a : b;
  }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const {
    *o[0].at<int64_t>(j) = a.i;
    *o[1].at<T>(j) = a.v;
  }
};

// Welford partials in double, merged with Chan's formula.
struct Moments {
  double mean, m2;
  int64_t n;
};
__device__ Moments merge_moments(Moments a, Moments b) {
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  const int64_t n = a.n + b.n;
  const double delta = b.mean - a.mean, nb_over_n = (double)b.n / (double)n;
  return {a.mean + delta * nb_over_n, a.m2 + b.m2 + delta * delta * (double)a.n * nb_over_n, n};
}
template <typename T> struct Var {
  double correction;
  bool take_sqrt;
  using Acc = Moments;
  __device__ Acc identity() const { return {0, 0, 0}; }
  __device__ Acc take(T x, int64_t) const { return {(double)x, 0, 1}; }
  __device__ Acc combine(Acc a, Acc b) const { return merge_moments(a, b); }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const {
    const double dof = (double)a.n - correction, var = a.m2 / (dof > 0 ? dof : 0.0);
    *o[0].at<T>(j) = (T)(take_sqrt ? sqrt(var) : var);
  }
};

// ops {out (double), input, mean (double)}: sum of (x - mean)^2 in double; `value` is
// the output's mean (set per output by reduce_with_value_kernel).
template <typename T> struct SqDevSum {
  double value;
  using Acc = double;
  __device__ Acc identity() const { return 0; }
  __device__ Acc take(T x, int64_t) const {
    const double dx = (double)x - value;
    return dx * dx;
  }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const { *o[0].at<double>(j) = a; }
};

// p-norms accumulated in T: p = 0 counts non-zeros, 1 sums |x|, 2 sums x^2 (then sqrt),
// +-inf take max/min |x| (nan propagating), others sum |x|^p (then ^(1/p)).
template <typename T> struct Norm {
  double p;
  using Acc = T;
  __device__ Acc identity() const { return p == -INFINITY ? T(INFINITY) : T(0); }
  __device__ Acc take(T x, int64_t) const {
    const T a = fabs(x);
    return p == 2 ? x * x : p == 1 ? a : p == 0 ? T(x != 0) : isinf(p) ? a : pow(a, (T)p);
  }
  __device__ Acc combine(Acc a, Acc b) const {
    if (p == INFINITY) return (b > a || b != b) && a == a ? b : a;
    if (p == -INFINITY) return (b < a || b != b) && a == a ? b : a;
    return a + b;
  }
  __device__ void finish(const Operand *o, int64_t j, Acc a) const {
    T r = a;
    if (p == 2) r = sqrt(a);
    else if (p != 0 && p != 1 && !isinf(p)) r = pow(a, T(1) / (T)p);
    *o[0].at<T>(j) = r;
  }
};

// Whether x counts as the extreme value v for the gradient (CT_RED_SEL_* flags).
template <typename T> __device__ bool sel_match(T x, T v, int flags) {
  return flags & CT_RED_SEL_ABS      ? (fabs(x) == v || x != x)
         : flags & CT_RED_SEL_NANVAL ? (v != v ? x != x : x == v)
                                     : x == v;
}

// ops {q, input, value, grad}: q = grad / number of matches; `value` is the output's
// extreme value (set per output).
template <typename T> struct SelectCount {
  int flags;
  T value;
  using Acc = int64_t;
  __device__ Acc identity() const { return 0; }
  __device__ Acc take(T x, int64_t) const { return sel_match(x, value, flags) ? 1 : 0; }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void finish(const Operand *o, int64_t j, Acc count) const {
    *o[0].at<T>(j) = o[3].load<T>(j) / (T)count;
  }
};

// ---- loops ----

template <typename T> void sum_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(out_of<T>), sizeof(T)};
  launch_reduce<T>(d, s, n, 2, sizes, ctx, Sum<T>{});
}
template <typename T> void prod_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(out_of<T>), sizeof(T)};
  launch_reduce<T>(d, s, n, 2, sizes, ctx, Prod<T>{});
}
template <typename T, bool IsMax> void extreme_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(T), sizeof(T)};
  launch_reduce<T>(d, s, n, 2, sizes, ctx, Extreme<T, IsMax>{});
}
// ops {indices, values, input}: the input is operand 2; the kernel reads operand 1 as its
// input, so the operands are reordered to {indices, input, values} and back in finish.
template <typename T, bool IsMax> struct ArgExtremeReordered : ArgExtreme<T, IsMax> {
  __device__ void finish(const Operand *o, int64_t j, typename ArgExtreme<T, IsMax>::Acc a) const {
    *o[0].at<int64_t>(j) = a.i;
    *o[2].at<T>(j) = a.v;
  }
};
template <typename T, bool IsMax> void arg_extreme_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  char *data[3] = {d[0], d[2], d[1]};
  const int64_t strides[3] = {s[0], s[2], s[1]};
  const size_t sizes[3] = {sizeof(int64_t), sizeof(T), sizeof(T)};
  launch_reduce<T>(data, strides, n, 3, sizes, ctx, ArgExtremeReordered<T, IsMax>{});
}
template <typename T> void var_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const ct_reduce_ctx *c = static_cast<const ct_reduce_ctx *>(ctx);
  const size_t sizes[2] = {sizeof(T), sizeof(T)};
  launch_reduce<T>(d, s, n, 2, sizes, ctx, Var<T>{c->param, (c->flags & CT_RED_SQRT) != 0});
}
template <typename T> void sq_dev_sum_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(double), sizeof(T), sizeof(double)};
  launch_reduce<T>(d, s, n, 3, sizes, ctx, SqDevSum<T>{0}, 2);
}
template <typename T> void norm_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(T), sizeof(T)};
  launch_reduce<T>(d, s, n, 2, sizes, ctx, Norm<T>{static_cast<const ct_reduce_ctx *>(ctx)->param});
}
template <typename T> void select_count_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[4] = {sizeof(T), sizeof(T), sizeof(T), sizeof(T)};
  SelectCount<T> r{static_cast<const ct_reduce_ctx *>(ctx)->flags, T(0)};
  launch_reduce<T>(d, s, n, 4, sizes, ctx, r, 2);
}

// ---- loops along one dim: one thread per output ----

// ops {grad_in kept view, grad, indices}: grad_in[index * stride2] = grad.
template <typename T> struct ScatterIndex {
  int64_t stride2;
  __device__ void operator()(const Operand *o, int64_t j) const {
    const int64_t index = o[2].load<int64_t>(j);
    *reinterpret_cast<T *>(o[0].ptr + j * o[0].stride + index * stride2) = o[1].load<T>(j);
  }
};
template <typename T> void scatter_index_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), sizeof(int64_t)};
  launch_run(d, s, n, 3, sizes, ScatterIndex<T>{static_cast<const ct_reduce_ctx *>(ctx)->stride2});
}

// ops {grad_in kept view, input kept view, grad, result}: as the CPU loop (result / x
// without a zero in the slice, else exclusive prefix times suffix products).
template <typename T> struct ProdBackward {
  int64_t len, stride, stride2;
  __device__ void operator()(const Operand *o, int64_t j) const {
    char *gin = o[0].ptr + j * o[0].stride;
    const char *x = o[1].ptr + j * o[1].stride;
    const T g = o[2].load<T>(j), r = o[3].load<T>(j);
    bool zero = false;
    for (int64_t i = 0; i < len; i++) zero |= load<T>(x + i * stride) == T(0);
    if (!zero) {
      for (int64_t i = 0; i < len; i++) *reinterpret_cast<T *>(gin + i * stride2) = g * (r / load<T>(x + i * stride));
      return;
    }
    T prefix = 1;
    for (int64_t i = 0; i < len; i++) {
      *reinterpret_cast<T *>(gin + i * stride2) = prefix;
      prefix = prefix * load<T>(x + i * stride);
    }
    T suffix = 1;
    for (int64_t i = len - 1; i >= 0; i--) {
      T *out = reinterpret_cast<T *>(gin + i * stride2);
      *out = g * (*out * suffix);
      suffix = suffix * load<T>(x + i * stride);
    }
  }
};
template <typename T> void prod_backward_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const ct_reduce_ctx *c = static_cast<const ct_reduce_ctx *>(ctx);
  const size_t sizes[4] = {sizeof(T), sizeof(T), sizeof(T), sizeof(T)};
  launch_run(d, s, n, 4, sizes, ProdBackward<T>{c->len, c->stride, c->stride2});
}

// ---- elementwise loops over full-size operands ----

enum EwFormula { kDivScalar, kExpSub, kLogAdd, kExpGrad, kVarCoef, kSubMul, kNormGrad, kSelectGrad };

template <typename T> __device__ T sgn(T x) { return (T)((x > 0) - (x < 0)); }

// Gradient of the p-norm (finite p other than 0), PyTorch's norm_backward.
template <typename T> __device__ T norm_grad_of(T x, T g, T nrm, double p) {
  return p == 1   ? sgn(x) * g
         : p == 2 ? g * (nrm == 0 ? T(0) : x / nrm)
         : p < 1  ? (sgn(x) * (x == 0 ? T(0) : pow(fabs(x), (T)(p - 1))) * g) * pow(nrm, (T)(1 - p))
         : p < 2  ? (sgn(x) * pow(fabs(x), (T)(p - 1))) * (nrm == 0 ? T(0) : g / pow(nrm, (T)(p - 1)))
                  : (x * pow(fabs(x), (T)(p - 2))) * (nrm == 0 ? T(0) : g / pow(nrm, (T)(p - 1)));
}

template <typename T, EwFormula F> struct ReduceEw {
  double param;
  int flags;
  __device__ void operator()(const Operand *o, int64_t i) const {
    const T a = o[1].load<T>(i);
    T r;
    if constexpr (F == kDivScalar) {
      r = a / (T)param;
    } else {
      const T b = o[2].load<T>(i);
      if constexpr (F == kExpSub) r = exp(a - (isinf(b) ? T(0) : b));
      else if constexpr (F == kLogAdd) r = log(a) + (isinf(b) ? T(0) : b);
      else if constexpr (F == kVarCoef) r = (T)param * ((flags & CT_RED_SQRT) ? (b == 0 ? T(0) : a / (b * 2)) : a);
      else {
        const T c = o[3].load<T>(i);
        if constexpr (F == kExpGrad) r = b * exp(a - c);
        else if constexpr (F == kSubMul) r = c * (a - b);
        else if constexpr (F == kNormGrad) r = norm_grad_of(a, b, c, param);
        else { // select_grad: {out, x, v, q}
          const bool match = sel_match(a, b, flags);
          r = (flags & CT_RED_SEL_FILL) ? (match ? c : T(0)) : c * (T)match;
          if (flags & CT_RED_SEL_ABS) r = sgn(a) * r;
        }
      }
    }
    *o[0].at<T>(i) = r;
  }
};

template <EwFormula F> constexpr int ew_operands = F == kDivScalar ? 2 : (F == kExpSub || F == kLogAdd || F == kVarCoef) ? 3 : 4;

template <typename T, EwFormula F> void reduce_ew_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  const ct_reduce_ctx *c = static_cast<const ct_reduce_ctx *>(ctx);
  const size_t sizes[4] = {sizeof(T), sizeof(T), sizeof(T), sizeof(T)};
  launch_run(d, s, n, ew_operands<F>, sizes, ReduceEw<T, F>{c->param, c->flags});
}

// ---- softmax over contiguous [outer, dim, inner] blocks: one thread per (outer, inner) ----

template <typename T, bool IsLog> __global__ void softmax_kernel(T *y, const T *x, int64_t outer, int64_t dim, int64_t inner) {
  CT_GRID_STRIDE(t, outer * inner) {
    const int64_t o = t / inner, k = t % inner;
    const T *xr = x + o * dim * inner + k;
    T *yr = y + o * dim * inner + k;
    T m = xr[0];
    for (int64_t i = 1; i < dim; i++) m = (xr[i * inner] > m || xr[i * inner] != xr[i * inner]) ? xr[i * inner] : m;
    T sum = 0;
    for (int64_t i = 0; i < dim; i++) sum += exp(xr[i * inner] - m);
    if (IsLog) {
      const T ls = log(sum);
      for (int64_t i = 0; i < dim; i++) yr[i * inner] = (xr[i * inner] - m) - ls;
    } else {
      for (int64_t i = 0; i < dim; i++) yr[i * inner] = exp(xr[i * inner] - m) / sum;
    }
  }
}

// softmax: gin = (g - sum(g*y)) * y; log_softmax: gin = g - exp(y) * sum(g).
template <typename T, bool IsLog>
__global__ void softmax_backward_kernel(T *gin, const T *g, const T *y, int64_t outer, int64_t dim, int64_t inner) {
  CT_GRID_STRIDE(t, outer * inner) {
    const int64_t off = (t / inner) * dim * inner + t % inner;
    T sum = 0;
    for (int64_t i = 0; i < dim; i++) sum += IsLog ? g[off + i * inner] : g[off + i * inner] * y[off + i * inner];
    for (int64_t i = 0; i < dim; i++) {
      const int64_t p = off + i * inner;
      gin[p] = IsLog ? g[p] - exp(y[p]) * sum : (g[p] - sum) * y[p];
    }
  }
}

template <typename T, bool IsLog> void softmax_loop(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner) {
  if (outer * inner == 0 || dim == 0) return;
  softmax_kernel<T, IsLog><<<grid_for(outer * inner), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      reinterpret_cast<T *>(out), reinterpret_cast<const T *>(in), outer, dim, inner);
  CT_CUDA_CHECK_LAUNCH("softmax");
}
template <typename T, bool IsLog>
void softmax_backward_loop(char *gin, const char *g, const char *y, int64_t outer, int64_t dim, int64_t inner) {
  if (outer * inner == 0 || dim == 0) return;
  softmax_backward_kernel<T, IsLog><<<grid_for(outer * inner), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      reinterpret_cast<T *>(gin), reinterpret_cast<const T *>(g), reinterpret_cast<const T *>(y), outer, dim, inner);
  CT_CUDA_CHECK_LAUNCH("softmax backward");
}

// ---- table rows ----
template <typename T> constexpr ct_loop_fn max_of = extreme_loop<T, true>;
template <typename T> constexpr ct_loop_fn min_of = extreme_loop<T, false>;
template <typename T> constexpr ct_loop_fn argmax_of = arg_extreme_loop<T, true>;
template <typename T> constexpr ct_loop_fn argmin_of = arg_extreme_loop<T, false>;
template <typename T> constexpr ct_loop_fn div_scalar_of = reduce_ew_loop<T, kDivScalar>;
template <typename T> constexpr ct_loop_fn exp_sub_of = reduce_ew_loop<T, kExpSub>;
template <typename T> constexpr ct_loop_fn log_add_of = reduce_ew_loop<T, kLogAdd>;
template <typename T> constexpr ct_loop_fn var_coef_of = reduce_ew_loop<T, kVarCoef>;
template <typename T> constexpr ct_loop_fn sub_mul_of = reduce_ew_loop<T, kSubMul>;
template <typename T> constexpr ct_loop_fn select_grad_of = reduce_ew_loop<T, kSelectGrad>;
template <typename T> constexpr ct_loop_fn exp_grad_of = reduce_ew_loop<T, kExpGrad>;
template <typename T> constexpr ct_loop_fn norm_grad_of_loop = reduce_ew_loop<T, kNormGrad>;

const ct_loop_fn sum_row[] = CUDA_ROW_ALL(sum_loop), prod_row[] = CUDA_ROW_ALL(prod_loop),
                 max_row[] = CUDA_ROW_ALL(max_of), min_row[] = CUDA_ROW_ALL(min_of),
                 argmax_row[] = CUDA_ROW_ALL(argmax_of), argmin_row[] = CUDA_ROW_ALL(argmin_of),
                 var_row[] = CUDA_ROW_FLOAT(var_loop), sq_dev_sum_row[] = CUDA_ROW_FLOAT(sq_dev_sum_loop),
                 norm_row[] = CUDA_ROW_FLOAT(norm_loop), select_count_row[] = CUDA_ROW_FLOAT(select_count_loop),
                 scatter_index_row[] = CUDA_ROW_FLOAT(scatter_index_loop),
                 prod_backward_row[] = CUDA_ROW_FLOAT(prod_backward_loop),
                 div_scalar_row[] = CUDA_ROW_FLOAT(div_scalar_of), exp_sub_row[] = CUDA_ROW_FLOAT(exp_sub_of),
                 log_add_row[] = CUDA_ROW_FLOAT(log_add_of), var_coef_row[] = CUDA_ROW_FLOAT(var_coef_of),
                 sub_mul_row[] = CUDA_ROW_FLOAT(sub_mul_of), select_grad_row[] = CUDA_ROW_FLOAT(select_grad_of),
                 exp_grad_row[] = CUDA_ROW_FLOAT(exp_grad_of), norm_grad_row[] = CUDA_ROW_FLOAT(norm_grad_of_loop);
const ct_softmax_fn softmax_row[] = {nullptr, nullptr, nullptr, softmax_loop<float, false>, softmax_loop<double, false>};
const ct_softmax_fn log_softmax_row[] = {nullptr, nullptr, nullptr, softmax_loop<float, true>,
                                         softmax_loop<double, true>};
const ct_softmax_backward_fn softmax_backward_row[] = {nullptr, nullptr, nullptr, softmax_backward_loop<float, false>,
                                                       softmax_backward_loop<double, false>};
const ct_softmax_backward_fn log_softmax_backward_row[] = {nullptr, nullptr, nullptr,
                                                           softmax_backward_loop<float, true>,
                                                           softmax_backward_loop<double, true>};

} // namespace

extern "C" {
extern const ct_reduce_kernels ct__cuda_reduce_kernels;
const ct_reduce_kernels ct__cuda_reduce_kernels = {
    sum_row,          prod_row,          max_row,         min_row,         argmax_row,
    argmin_row,       var_row,           sq_dev_sum_row,  norm_row,        select_count_row,
    scatter_index_row, prod_backward_row, div_scalar_row, exp_sub_row,     log_add_row,
    var_coef_row,     sub_mul_row,       select_grad_row, exp_grad_row,    norm_grad_row,
    softmax_row,      log_softmax_row,   softmax_backward_row, log_softmax_backward_row,
};
}

// Elementwise loops (kernels/elementwise.h) on the device: one functor per op, applied by
// the templates below per dtype. Integer arithmetic wraps (computed unsigned), floor
// division and remainder follow Python (as kernels/cpu/python_division.h), max/min
// propagate NaN. Float add with alpha != 1 is one fused multiply-add, as PyTorch's CUDA
// kernel compiles it (the CPU fuses on its vector blocks).
#include <type_traits>
#include "kernels/cuda/elementwise_ops.cuh"
#include "kernels/cuda/dtype_rows.cuh"
#include "kernels/cuda/loops.cuh"
#include "kernels/elementwise.h"

namespace {

using ct_cuda_ew::param;

// out (type O) = op(a, b) over operands 0, 1, 2.
template <typename O, typename T, class Op> struct Binary {
  Op op;
  __device__ void operator()(const Operand *o, int64_t i) const { *o[0].at<O>(i) = op(o[1].load<T>(i), o[2].load<T>(i)); }
};
template <typename O, typename T, class Op> struct Unary {
  Op op;
  __device__ void operator()(const Operand *o, int64_t i) const { *o[0].at<O>(i) = op(o[1].load<T>(i)); }
};
template <typename T, class Op> struct Ternary {
  Op op;
  __device__ void operator()(const Operand *o, int64_t i) const {
    *o[0].at<T>(i) = op(o[1].load<T>(i), o[2].load<T>(i), o[3].load<T>(i));
  }
};

// Op<T> is built from the loop's ct_ew_params (Op<T>::make(ctx)).
template <typename T, template <typename> class Op>
void binary_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), sizeof(T)};
  launch_run(data, s, n, 3, sizes, Binary<T, T, Op<T>>{Op<T>::make(ctx)});
}
template <typename T, template <typename> class Op>
void compare_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(bool), sizeof(T), sizeof(T)};
  launch_run(data, s, n, 3, sizes, Binary<bool, T, Op<T>>{Op<T>::make(ctx)});
}
template <typename T, template <typename> class Op>
void unary_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(T), sizeof(T)};
  launch_run(data, s, n, 2, sizes, Unary<T, T, Op<T>>{Op<T>::make(ctx)});
}
template <typename T, template <typename> class Op>
void grad_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), sizeof(T)};
  launch_run(data, s, n, 3, sizes, Binary<T, T, Op<T>>{Op<T>::make(ctx)});
}
template <typename T, template <typename> class Op>
void grad2_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[4] = {sizeof(T), sizeof(T), sizeof(T), sizeof(T)};
  launch_run(data, s, n, 4, sizes, Ternary<T, Op<T>>{Op<T>::make(ctx)});
}

template <typename T> struct WhereOp {
  __device__ void operator()(const Operand *o, int64_t i) const {
    *o[0].at<T>(i) = o[1].load<bool>(i) ? o[2].load<T>(i) : o[3].load<T>(i);
  }
};
template <typename T> void where_loop(char **data, const int64_t *s, int64_t n, void *) {
  const size_t sizes[4] = {sizeof(T), sizeof(bool), sizeof(T), sizeof(T)};
  launch_run(data, s, n, 4, sizes, WhereOp<T>{});
}

template <typename T> struct LogicalNot {
  __device__ void operator()(const Operand *o, int64_t i) const { *o[0].at<bool>(i) = o[1].load<T>(i) == T(0); }
};
template <typename T> void logical_not_loop(char **data, const int64_t *s, int64_t n, void *) {
  const size_t sizes[2] = {sizeof(bool), sizeof(T)};
  launch_run(data, s, n, 2, sizes, LogicalNot<T>{});
}

// any_zero: one device flag per call, set by any thread that sees a zero, copied back
// into the host bool (ctx) before returning.
template <typename T> __global__ void any_zero_kernel(const char *x, int64_t stride, int64_t n, int *flag) {
  CT_GRID_STRIDE(i, n) if (*reinterpret_cast<const T *>(x + i * stride) == T(0)) *flag = 1;
}
template <typename T> void any_zero_loop(char **data, const int64_t *s, int64_t n, void *ctx) {
  if (n <= 0) return;
  int *flag = static_cast<int *>(ct__cuda_temp_alloc(sizeof(int))), found = 0;
  if (!flag) {
    ct__cuda_note_error(cudaErrorMemoryAllocation, "any_zero");
    return;
  }
  cudaMemsetAsync(flag, 0, sizeof(int), CT_CUDA_STREAM);
  any_zero_kernel<T><<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(data[0], s[0], n, flag);
  CT_CUDA_CHECK_LAUNCH("any_zero");
  ct__cuda_note_error(cudaMemcpyAsync(&found, flag, sizeof(int), cudaMemcpyDeviceToHost, CT_CUDA_STREAM), "any_zero");
  ct__cuda_temp_free(flag);
  ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "any_zero");
  if (found) *static_cast<bool *>(ctx) = true;
}

// ---- tables ----
// A row of one op over the dtypes; entries the CPU leaves NULL stay NULL.
#define ALL_ROW(LOOP, OP) {LOOP<bool, OP>, LOOP<int32_t, OP>, LOOP<int64_t, OP>, LOOP<float, OP>, LOOP<double, OP>}
#define NUMERIC_ROW(LOOP, OP) {nullptr, LOOP<int32_t, OP>, LOOP<int64_t, OP>, LOOP<float, OP>, LOOP<double, OP>}
#define FLOAT_ROW(LOOP, OP) {nullptr, nullptr, nullptr, LOOP<float, OP>, LOOP<double, OP>}

using namespace ct_cuda_ew; // the op functors

const ct_loop_fn binary_table[CT_EW_BINARY_COUNT][CT_NUM_DTYPES] = {
    ALL_ROW(binary_loop, Add),       ALL_ROW(binary_loop, Mul),       FLOAT_ROW(binary_loop, Div),
    NUMERIC_ROW(binary_loop, FloorDiv), NUMERIC_ROW(binary_loop, Remainder), NUMERIC_ROW(binary_loop, Pow),
    ALL_ROW(binary_loop, Maximum),   ALL_ROW(binary_loop, Minimum),
};
const ct_loop_fn compare_table[CT_EW_COMPARE_COUNT][CT_NUM_DTYPES] = {
    ALL_ROW(compare_loop, Eq), ALL_ROW(compare_loop, Ne), ALL_ROW(compare_loop, Lt),
    ALL_ROW(compare_loop, Le), ALL_ROW(compare_loop, Gt), ALL_ROW(compare_loop, Ge),
    ALL_ROW(compare_loop, LogicalAnd), ALL_ROW(compare_loop, LogicalOr),
};
const ct_loop_fn unary_table[CT_EW_UNARY_COUNT][CT_NUM_DTYPES] = {
    NUMERIC_ROW(unary_loop, Neg),   NUMERIC_ROW(unary_loop, Abs),  ALL_ROW(unary_loop, Sign),
    NUMERIC_ROW(unary_loop, Floor), NUMERIC_ROW(unary_loop, Ceil), NUMERIC_ROW(unary_loop, Round),
    NUMERIC_ROW(unary_loop, Clamp), FLOAT_ROW(unary_loop, LeakyRelu),
};
const ct_loop_fn math_table[CT_EW_MATH_COUNT][CT_NUM_DTYPES] = {
    FLOAT_ROW(unary_loop, Exp),      FLOAT_ROW(unary_loop, Log),      FLOAT_ROW(unary_loop, Log1p),
    FLOAT_ROW(unary_loop, Sqrt),     FLOAT_ROW(unary_loop, Rsqrt),    FLOAT_ROW(unary_loop, Sin),
    FLOAT_ROW(unary_loop, Cos),      FLOAT_ROW(unary_loop, Tanh),     FLOAT_ROW(unary_loop, Sigmoid),
    FLOAT_ROW(unary_loop, Gelu),     FLOAT_ROW(unary_loop, Softplus), NUMERIC_ROW(unary_loop, PowScalar),
    FLOAT_ROW(unary_loop, Silu),     FLOAT_ROW(unary_loop, Mish),     FLOAT_ROW(unary_loop, Elu),
};
const ct_loop_fn grad_table[CT_EW_GRAD_COUNT][CT_NUM_DTYPES] = {
    FLOAT_ROW(grad_loop, GradLog1p),     FLOAT_ROW(grad_loop, GradSqrt),      FLOAT_ROW(grad_loop, GradRsqrt),
    FLOAT_ROW(grad_loop, GradSin),       FLOAT_ROW(grad_loop, GradCos),       FLOAT_ROW(grad_loop, GradTanh),
    FLOAT_ROW(grad_loop, GradSigmoid),   FLOAT_ROW(grad_loop, GradRelu),      FLOAT_ROW(grad_loop, GradLeakyRelu),
    FLOAT_ROW(grad_loop, GradGelu),      FLOAT_ROW(grad_loop, GradSoftplus),  FLOAT_ROW(grad_loop, GradClamp),
    FLOAT_ROW(grad_loop, GradAbs),       FLOAT_ROW(grad_loop, GradPowScalar), FLOAT_ROW(grad_loop, GradSilu),
    FLOAT_ROW(grad_loop, GradMish),      FLOAT_ROW(grad_loop, GradElu),       FLOAT_ROW(grad_loop, GradHardtanh),
};
const ct_loop_fn grad2_table[CT_EW_GRAD2_COUNT][CT_NUM_DTYPES] = {
    FLOAT_ROW(grad2_loop, Grad2DivOther), FLOAT_ROW(grad2_loop, Grad2PowSelf), FLOAT_ROW(grad2_loop, Grad2PowExponent),
    FLOAT_ROW(grad2_loop, Grad2MaxA),     FLOAT_ROW(grad2_loop, Grad2MaxB),    FLOAT_ROW(grad2_loop, Grad2RemOther),
};
const ct_loop_fn where_row[CT_NUM_DTYPES] = CUDA_ROW_ALL(where_loop);
const ct_loop_fn logical_not_row[CT_NUM_DTYPES] = CUDA_ROW_ALL(logical_not_loop);
const ct_loop_fn any_zero_row[CT_NUM_DTYPES] = CUDA_ROW_ALL(any_zero_loop);

} // namespace

extern "C" {
extern const ct_elementwise_kernels ct__cuda_elementwise_kernels;
const ct_elementwise_kernels ct__cuda_elementwise_kernels = {
    binary_table, compare_table, unary_table, math_table, grad_table, grad2_table,
    where_row,    logical_not_row, any_zero_row,
};
}

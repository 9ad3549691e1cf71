// Conversion, fill and accumulate loops (ct_copy_kernels) on the device, with the CPU's
// C conversion rules (float->int truncates, nonzero->true).
#include "kernels/cuda/loops.cuh"
#include "kernels/dispatch.h"

namespace {

template <typename D, typename S> struct Cast {
  __device__ void operator()(const Operand *o, int64_t i) const { *o[0].at<D>(i) = static_cast<D>(o[1].load<S>(i)); }
};

template <typename T> struct Fill {
  T value;
  __device__ void operator()(const Operand *o, int64_t i) const { *o[0].at<T>(i) = value; }
};

template <typename T> struct Accumulate {
  __device__ void operator()(const Operand *o, int64_t i) const {
    T *out = o[0].at<T>(i);
    *out = static_cast<T>(*out + o[1].load<T>(i));
  }
};
template <> struct Accumulate<bool> {
  __device__ void operator()(const Operand *o, int64_t i) const {
    bool *out = o[0].at<bool>(i);
    *out = *out || o[1].load<bool>(i);
  }
};

template <typename D, typename S> void cast_loop(char **data, const int64_t *strides, int64_t n, void *) {
  const size_t sizes[2] = {sizeof(D), sizeof(S)};
  launch_run(data, strides, n, 2, sizes, Cast<D, S>{});
}

template <typename T> void fill_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
  const size_t sizes[1] = {sizeof(T)};
  launch_run(data, strides, n, 1, sizes, Fill<T>{*static_cast<const T *>(ctx)});
}

template <typename T> void accumulate_loop(char **data, const int64_t *strides, int64_t n, void *) {
  const size_t sizes[2] = {sizeof(T), sizeof(T)};
  launch_run(data, strides, n, 2, sizes, Accumulate<T>{});
}

#define CAST_FROM(S) cast_loop<D, S>,
template <typename D> struct CastRow {
  ct_loop_fn row[CT_NUM_DTYPES] = {CT_CUDA_FOR_DTYPES(CAST_FROM)};
};
#undef CAST_FROM

ct_copy_kernels make_copy_kernels() {
  ct_copy_kernels k = {};
  int d = 0;
#define ROW(D)                                                                   \
  {                                                                              \
    CastRow<D> r;                                                                \
    for (int s = 0; s < CT_NUM_DTYPES; s++) k.cast[d][s] = r.row[s];             \
    k.fill[d] = fill_loop<D>;                                                    \
    k.accumulate[d] = accumulate_loop<D>;                                        \
    d++;                                                                         \
  }
  CT_CUDA_FOR_DTYPES(ROW)
#undef ROW
  return k;
}

} // namespace

extern "C" {
extern const ct_copy_kernels ct__cuda_copy_kernels;
const ct_copy_kernels ct__cuda_copy_kernels = make_copy_kernels();
}

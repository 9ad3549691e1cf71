// Pooling (kernels/pool.h) on the device, with the CPU loops' window bounds, tie/NaN rules
// and arithmetic (kernels/cpu/pool_max_tmpl.h, pool_avg_tmpl.h), so results are the CPU's
// bits: forwards run one thread per output element; backwards one thread per (n, c)
// plane, accumulating in the CPU's row-major order of outputs.
#include <math.h>
#include <type_traits>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/dtype_rows.cuh"
#include "kernels/pool.h"

namespace {

// A 4-D operand: its data and sizes, strides in elements.
struct Geom {
  char *data;
  int64_t n, c, h, w, sn, sc, sh, sw;
  template <typename T> __device__ T *plane(int64_t p) const {
    return reinterpret_cast<T *>(data) + (p / c) * sn + (p % c) * sc;
  }
};
Geom geom_of(const ct_operand *op) {
  const int64_t es = (int64_t)ct_elem_size(op->dtype);
  return {op->data,           op->shape[0],       op->shape[1],       op->shape[2],       op->shape[3],
          op->strides[0] / es, op->strides[1] / es, op->strides[2] / es, op->strides[3] / es};
}

__device__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
__device__ int64_t adaptive_start(int64_t a, int64_t b, int64_t c) { return (a / b) * c + ((a % b) * c) / b; }
__device__ int64_t adaptive_end(int64_t a, int64_t b, int64_t c) { return 1 + ((a + 1) * c - 1) / b; }

// ---- max ----

template <typename T>
__global__ void max_kernel(Geom gx, Geom gy, Geom gi, bool with_indices, ct_pool_window w) {
  const int64_t per_plane = gy.h * gy.w;
  CT_GRID_STRIDE(t, gx.n * gx.c * per_plane) {
    const int64_t p = t / per_plane, oh = (t % per_plane) / gy.w, ow = t % gy.w;
    const T *x = gx.plane<T>(p);
    const int64_t kh = w.kernel[0], kw = w.kernel[1], dh = w.dilation[0], dw = w.dilation[1];
    int64_t ih0 = oh * w.stride[0] - w.padding[0], iw0 = ow * w.stride[1] - w.padding[1];
    const int64_t ih1 = min64(ih0 + (kh - 1) * dh + 1, gx.h), iw1 = min64(iw0 + (kw - 1) * dw + 1, gx.w);
    if (ih0 < 0) ih0 += (-ih0 + dh - 1) / dh * dh;
    if (iw0 < 0) iw0 += (-iw0 + dw - 1) / dw * dw;
    int64_t best = ih0 * gx.w + iw0;
    T m = -(T)INFINITY;
    for (int64_t ih = ih0; ih < ih1; ih += dh)
      for (int64_t iw = iw0; iw < iw1; iw += dw) {
        const T v = x[ih * gx.sh + iw * gx.sw];
        if (v > m || v != v) m = v, best = ih * gx.w + iw;
      }
    gy.plane<T>(p)[oh * gy.sh + ow * gy.sw] = m;
    if (with_indices) gi.plane<int64_t>(p)[oh * gi.sh + ow * gi.sw] = best;
  }
}
template <typename T>
void max_pool(const ct_operand *in, const ct_operand *out, const ct_operand *indices, const ct_pool_window *w) {
  const Geom gx = geom_of(in), gy = geom_of(out), gi = indices->data ? geom_of(indices) : gy;
  const int64_t total = gx.n * gx.c * gy.h * gy.w;
  if (total <= 0) return;
  max_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(gx, gy, gi, indices->data != nullptr, *w);
  CT_CUDA_CHECK_LAUNCH("max_pool");
}

template <typename T> __global__ void max_backward_kernel(Geom gy, Geom gi, Geom gx) {
  const bool flat = gx.sh == gx.w * gx.sw;
  const int64_t plane_size = gx.h * gx.w;
  CT_GRID_STRIDE(p, gx.n * gx.c) {
    const T *g = gy.plane<T>(p);
    const int64_t *idx = gi.plane<int64_t>(p);
    T *gin = gx.plane<T>(p);
    for (int64_t ih = 0; ih < gx.h; ih++)
      for (int64_t iw = 0; iw < gx.w; iw++) gin[ih * gx.sh + iw * gx.sw] = 0;
    for (int64_t oh = 0; oh < gy.h; oh++)
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const int64_t at = idx[oh * gi.sh + ow * gi.sw];
        if (at < 0 || at >= plane_size) continue;
        gin[flat ? at * gx.sw : at / gx.w * gx.sh + at % gx.w * gx.sw] += g[oh * gy.sh + ow * gy.sw];
      }
  }
}
template <typename T>
void max_pool_backward(const ct_operand *grad_out, const ct_operand *indices, const ct_operand *grad_in) {
  const Geom gy = geom_of(grad_out), gi = geom_of(indices), gx = geom_of(grad_in);
  if (gx.n * gx.c <= 0) return;
  max_backward_kernel<T><<<grid_for(gx.n * gx.c), kBlockThreads, 0, CT_CUDA_STREAM>>>(gy, gi, gx);
  CT_CUDA_CHECK_LAUNCH("max_pool backward");
}

// ---- average ----

struct AvgWindow {
  int64_t ih0, ih1, iw0, iw1, divisor;
};
__device__ AvgWindow avg_window_at(int64_t oh, int64_t ow, int64_t h, int64_t wd, const ct_pool_window &w,
                                   bool count_include_pad) {
  int64_t ih0 = oh * w.stride[0] - w.padding[0], iw0 = ow * w.stride[1] - w.padding[1];
  int64_t ih1 = min64(ih0 + w.kernel[0], h + w.padding[0]), iw1 = min64(iw0 + w.kernel[1], wd + w.padding[1]);
  const int64_t padded_size = (ih1 - ih0) * (iw1 - iw0);
  ih0 = max64(ih0, 0), iw0 = max64(iw0, 0), ih1 = min64(ih1, h), iw1 = min64(iw1, wd);
  return {ih0, ih1, iw0, iw1, count_include_pad ? padded_size : (ih1 - ih0) * (iw1 - iw0)};
}

template <typename T>
__global__ void avg_kernel(Geom gx, Geom gy, ct_pool_window w, bool count_include_pad, bool channels_last) {
  const int64_t per_plane = gy.h * gy.w;
  CT_GRID_STRIDE(t, gx.n * gx.c * per_plane) {
    const int64_t p = t / per_plane, oh = (t % per_plane) / gy.w, ow = t % gy.w;
    const T *x = gx.plane<T>(p);
    T *dst = gy.plane<T>(p) + oh * gy.sh + ow * gy.sw;
    const AvgWindow b = avg_window_at(oh, ow, gx.h, gx.w, w, count_include_pad);
    if (b.ih0 >= b.ih1 || b.iw0 >= b.iw1) {
      *dst = 0;
      continue;
    }
    T sum = 0;
    for (int64_t ih = b.ih0; ih < b.ih1; ih++)
      for (int64_t iw = b.iw0; iw < b.iw1; iw++) sum += x[ih * gx.sh + iw * gx.sw];
    const T average = sum / (T)b.divisor;
    *dst = channels_last ? average : (T)0 + average;
  }
}
template <typename T>
void avg_pool(const ct_operand *in, const ct_operand *out, const ct_pool_window *w, bool count_include_pad,
              bool channels_last) {
  const Geom gx = geom_of(in), gy = geom_of(out);
  const int64_t total = gx.n * gx.c * gy.h * gy.w;
  if (total <= 0) return;
  avg_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(gx, gy, *w, count_include_pad, channels_last);
  CT_CUDA_CHECK_LAUNCH("avg_pool");
}

template <typename T> __device__ void zero_plane(T *x, const Geom &g) {
  for (int64_t ih = 0; ih < g.h; ih++)
    for (int64_t iw = 0; iw < g.w; iw++) x[ih * g.sh + iw * g.sw] = 0;
}

template <typename T> __global__ void avg_backward_kernel(Geom gy, Geom gx, ct_pool_window w, bool count_include_pad) {
  CT_GRID_STRIDE(p, gx.n * gx.c) {
    const T *g = gy.plane<T>(p);
    T *gin = gx.plane<T>(p);
    zero_plane(gin, gx);
    for (int64_t oh = 0; oh < gy.h; oh++)
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const AvgWindow b = avg_window_at(oh, ow, gx.h, gx.w, w, count_include_pad);
        const T delta = g[oh * gy.sh + ow * gy.sw] / (T)b.divisor;
        for (int64_t ih = b.ih0; ih < b.ih1; ih++)
          for (int64_t iw = b.iw0; iw < b.iw1; iw++) gin[ih * gx.sh + iw * gx.sw] += delta;
      }
  }
}
template <typename T>
void avg_pool_backward(const ct_operand *grad_out, const ct_operand *grad_in, const ct_pool_window *w,
                       bool count_include_pad) {
  const Geom gy = geom_of(grad_out), gx = geom_of(grad_in);
  if (gx.n * gx.c <= 0) return;
  avg_backward_kernel<T><<<grid_for(gx.n * gx.c), kBlockThreads, 0, CT_CUDA_STREAM>>>(gy, gx, *w, count_include_pad);
  CT_CUDA_CHECK_LAUNCH("avg_pool backward");
}

// ---- adaptive average: the CPU's channels-last kernel divides once by kh*kw for the
// channels its 256-bit vectors cover, others divide by kh, then kw ----

template <typename T> __device__ T adaptive_divide(T v, int64_t kh, int64_t kw, bool once) {
  return once ? v / (T)(kh * kw) : v / (T)kh / (T)kw;
}
template <typename T> __device__ bool divides_once(bool channels_last, int64_t c, int64_t channels) {
  const int64_t lanes = 32 / (int64_t)sizeof(T);
  return channels_last && c < channels - channels % lanes;
}

template <typename T> __global__ void adaptive_kernel(Geom gx, Geom gy, bool channels_last) {
  const int64_t per_plane = gy.h * gy.w;
  CT_GRID_STRIDE(t, gx.n * gx.c * per_plane) {
    const int64_t p = t / per_plane, oh = (t % per_plane) / gy.w, ow = t % gy.w;
    const T *x = gx.plane<T>(p);
    const int64_t ih0 = adaptive_start(oh, gy.h, gx.h), ih1 = adaptive_end(oh, gy.h, gx.h);
    const int64_t iw0 = adaptive_start(ow, gy.w, gx.w), iw1 = adaptive_end(ow, gy.w, gx.w);
    T sum = 0;
    for (int64_t ih = ih0; ih < ih1; ih++)
      for (int64_t iw = iw0; iw < iw1; iw++) sum += x[ih * gx.sh + iw * gx.sw];
    gy.plane<T>(p)[oh * gy.sh + ow * gy.sw] =
        adaptive_divide(sum, ih1 - ih0, iw1 - iw0, divides_once<T>(channels_last, p % gx.c, gx.c));
  }
}
template <typename T> void adaptive_avg_pool(const ct_operand *in, const ct_operand *out, bool channels_last) {
  const Geom gx = geom_of(in), gy = geom_of(out);
  const int64_t total = gx.n * gx.c * gy.h * gy.w;
  if (total <= 0) return;
  adaptive_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(gx, gy, channels_last);
  CT_CUDA_CHECK_LAUNCH("adaptive_avg_pool");
}

template <typename T> __global__ void adaptive_backward_kernel(Geom gy, Geom gx, bool channels_last) {
  CT_GRID_STRIDE(p, gx.n * gx.c) {
    const T *g = gy.plane<T>(p);
    T *gin = gx.plane<T>(p);
    const bool once = divides_once<T>(channels_last, p % gx.c, gx.c);
    zero_plane(gin, gx);
    for (int64_t oh = 0; oh < gy.h; oh++) {
      const int64_t ih0 = adaptive_start(oh, gy.h, gx.h), ih1 = adaptive_end(oh, gy.h, gx.h);
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const int64_t iw0 = adaptive_start(ow, gy.w, gx.w), iw1 = adaptive_end(ow, gy.w, gx.w);
        const T delta = adaptive_divide(g[oh * gy.sh + ow * gy.sw], ih1 - ih0, iw1 - iw0, once);
        for (int64_t ih = ih0; ih < ih1; ih++)
          for (int64_t iw = iw0; iw < iw1; iw++) gin[ih * gx.sh + iw * gx.sw] += delta;
      }
    }
  }
}
template <typename T>
void adaptive_avg_pool_backward(const ct_operand *grad_out, const ct_operand *grad_in, bool channels_last) {
  const Geom gy = geom_of(grad_out), gx = geom_of(grad_in);
  if (gx.n * gx.c <= 0) return;
  adaptive_backward_kernel<T><<<grid_for(gx.n * gx.c), kBlockThreads, 0, CT_CUDA_STREAM>>>(gy, gx, channels_last);
  CT_CUDA_CHECK_LAUNCH("adaptive_avg_pool backward");
}

const ct_max_pool_fn max_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(max_pool);
const ct_max_pool_backward_fn max_backward_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(max_pool_backward);
const ct_avg_pool_fn avg_row[CT_NUM_DTYPES] = {nullptr, nullptr, avg_pool<int64_t>, avg_pool<float>, avg_pool<double>};
const ct_avg_pool_backward_fn avg_backward_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(avg_pool_backward);
const ct_adaptive_avg_pool_fn adaptive_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(adaptive_avg_pool);
const ct_adaptive_avg_pool_backward_fn adaptive_backward_row[CT_NUM_DTYPES] =
    CUDA_ROW_FLOAT(adaptive_avg_pool_backward);

} // namespace

extern "C" {
extern const ct_pool_kernels ct__cuda_pool_kernels;
const ct_pool_kernels ct__cuda_pool_kernels = {max_row,          max_backward_row, avg_row,
                                               avg_backward_row, adaptive_row,     adaptive_backward_row};
}

// Loss loops (kernels/loss.h) on the device: per-element kernels running the elementwise
// losses' formulas that the CPU loops run too (kernels/loss_elem_tmpl.h), nll with the
// CPU loops' formulas (kernels/cpu/loss_nll_tmpl.h), and reduced
// losses summed by one block in a fixed tree (the CPU sums in PyTorch's cascade: the
// same to rounding). What the host must know comes back before returning: BCE's input
// range error, nll's first out-of-range target and total weight.
#include <math.h>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/loss.h"
#include "kernels/loss_elems.h"

namespace {

constexpr int kSumThreads = 256;

// out[i] = the weighted loss; *range_error = 1 for a BCE input outside [0, 1].
template <typename T>
__global__ void losses_kernel(int kind, const T *x, const T *t, const T *w, const T *pw, int64_t n, T param, T *out,
                              int *range_error) {
  CT_GRID_STRIDE(i, n) {
    if (kind == CT_LOSS_BCE && !(x[i] >= 0 && x[i] <= 1)) *range_error = 1;
    T l = loss_of(kind, x, t, pw, i, param);
    if (w && (kind == CT_LOSS_BCE || kind == CT_LOSS_BCE_LOGITS)) l *= w[i];
    out[i] = l;
  }
}

// One block: out[0] = sum of v[0..n) (thread t folds t, t + B, ... then a fixed tree),
// divided by n for 'mean'.
template <typename T> __global__ void sum_kernel(const T *v, int64_t n, bool mean, T *out) {
  __shared__ T part[kSumThreads];
  T acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += kSumThreads) acc += v[i];
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kSumThreads / 2; s > 0; s >>= 1) {
    if ((int)threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = mean ? part[0] / (T)n : part[0];
}

template <typename T, int Kind>
ct_loss_status forward(const ct_pointwise_args *a, ct_loss_reduction reduction, void *out) {
  T *losses = static_cast<T *>(out), *scratch = nullptr;
  int *flag = nullptr;
  if (reduction != CT_LOSS_REDUCE_NONE) {
    scratch = static_cast<T *>(ct__cuda_temp_alloc((size_t)(a->n > 0 ? a->n : 1) * sizeof(T)));
    if (!scratch) return CT_LOSS_NO_MEMORY;
    losses = scratch;
  }
  if (Kind == CT_LOSS_BCE) {
    flag = static_cast<int *>(ct__cuda_temp_alloc(sizeof(int)));
    if (!flag) {
      if (scratch) ct__cuda_temp_free(scratch);
      return CT_LOSS_NO_MEMORY;
    }
    cudaMemsetAsync(flag, 0, sizeof(int), CT_CUDA_STREAM);
  }
  if (a->n > 0)
    losses_kernel<T><<<grid_for(a->n), kBlockThreads, 0, CT_CUDA_STREAM>>>(
        Kind, static_cast<const T *>(a->x), static_cast<const T *>(a->t), static_cast<const T *>(a->w),
        static_cast<const T *>(a->pw), a->n, (T)a->param, losses, flag);
  CT_CUDA_CHECK_LAUNCH("loss");
  ct_loss_status status = CT_LOSS_OK;
  if (flag) {
    int range_error = 0;
    ct__cuda_note_error(cudaMemcpyAsync(&range_error, flag, sizeof(int), cudaMemcpyDeviceToHost, CT_CUDA_STREAM),
                        "loss");
    ct__cuda_temp_free(flag);
    ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "loss");
    if (range_error) status = CT_LOSS_INPUT_RANGE;
  }
  if (scratch) {
    if (status == CT_LOSS_OK) {
      sum_kernel<T><<<1, kSumThreads, 0, CT_CUDA_STREAM>>>(scratch, a->n, reduction == CT_LOSS_REDUCE_MEAN,
                                                           static_cast<T *>(out));
      CT_CUDA_CHECK_LAUNCH("loss sum");
    }
    ct__cuda_temp_free(scratch);
  }
  return status;
}

template <typename T>
__global__ void grad_kernel(int kind, bool wrt_target, ct_pointwise_args a, T k, T param, T *out) {
  const T *x = static_cast<const T *>(a.x), *t = static_cast<const T *>(a.t), *pw = static_cast<const T *>(a.pw);
  const T *w = static_cast<const T *>(a.w), *g = static_cast<const T *>(a.g);
  CT_GRID_STRIDE(i, a.n) {
    T r = grad_of(kind, wrt_target, x, t, pw, i, a.g_scalar ? g[0] : g[i], k, param);
    if (kind == CT_LOSS_BCE || kind == CT_LOSS_BCE_LOGITS) {
      if (w) r *= w[i];
      if (a.divisor != 1) r /= (T)a.divisor;
    }
    out[i] = r;
  }
}

template <typename T, int Kind, bool WrtTarget> void grad(const ct_pointwise_args *a, void *out) {
  if (a->n <= 0) return;
  const T k = Kind == CT_LOSS_MSE                              ? (T)(2.0 / a->divisor)
              : Kind == CT_LOSS_SMOOTH_L1 || Kind == CT_LOSS_HUBER ? (T)(1.0 / a->divisor)
                                                               : (T)a->divisor;
  grad_kernel<T><<<grid_for(a->n), kBlockThreads, 0, CT_CUDA_STREAM>>>(Kind, WrtTarget, *a, k, (T)a->param,
                                                                       static_cast<T *>(out));
  CT_CUDA_CHECK_LAUNCH("loss gradient");
}

// ---- nll_loss ----

// Per target i: its weighted loss, weight and smoothing term (and, for 'none', its
// output); the first out-of-range target's index (atomicMin: the smallest, whatever the
// order).
template <typename T>
__global__ void nll_terms_kernel(ct_nll_args a, T *out, T *loss, T *weight, T *smooth,
                                 unsigned long long *first_bad) {
  const T *x = static_cast<const T *>(a.x), *w = static_cast<const T *>(a.w);
  const bool none = a.reduction == CT_LOSS_REDUCE_NONE, smoothing = a.smoothing > 0;
  CT_GRID_STRIDE(i, a.n * a.m) {
    const int64_t b = i / a.m, pos = i % a.m, t = a.target[i];
    const T *row = x + b * a.c * a.m + pos; // row[k * m] = class k
    T li = 0, wi = 0, si = 0;
    if (t != a.ignore) {
      if (t < 0 || t >= a.c) {
        atomicMin(first_bad, (unsigned long long)i);
        continue;
      }
      wi = w ? w[t] : T(1);
      li = -row[t * a.m] * wi;
      if (smoothing)
        for (int64_t k = 0; k < a.c; k++) si -= w ? row[k * a.m] * w[k] : row[k * a.m];
    }
    if (none)
      out[i] = smoothing && t != a.ignore ? (T)(1 - a.smoothing) * li + si * (T)(a.smoothing / (double)a.c) : li;
    loss[i] = li, weight[i] = wi, smooth[i] = si;
  }
}

// One block: the total weight into *total (every reduction: the contract's 'mean'
// denominator) and, unless 'none', the reduced loss into out[0].
template <typename T>
__global__ void nll_reduce_kernel(ct_nll_args a, const T *loss, const T *weight, const T *smooth, T *out,
                                  double *total) {
  __shared__ T part[3][kSumThreads];
  const int64_t count = a.n * a.m;
  T l = 0, wsum = 0, s = 0;
  for (int64_t i = threadIdx.x; i < count; i += kSumThreads) l += loss[i], wsum += weight[i], s += smooth[i];
  part[0][threadIdx.x] = l, part[1][threadIdx.x] = wsum, part[2][threadIdx.x] = s;
  __syncthreads();
  for (int h = kSumThreads / 2; h > 0; h >>= 1) {
    if ((int)threadIdx.x < h)
      for (int q = 0; q < 3; q++) part[q][threadIdx.x] += part[q][threadIdx.x + h];
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  T lsum = part[0][0], tw = part[1][0], ssum = part[2][0];
  *total = tw;
  if (a.reduction == CT_LOSS_REDUCE_NONE) return;
  if (count == 0 && a.reduction == CT_LOSS_REDUCE_MEAN) { // PyTorch fills a positive nan
    out[0] = T(NAN);
    return;
  }
  if (a.reduction == CT_LOSS_REDUCE_MEAN) lsum /= tw, ssum /= tw;
  if (a.smoothing > 0) lsum = (T)(1 - a.smoothing) * lsum + ssum * (T)(a.smoothing / (double)a.c);
  out[0] = lsum;
}

template <typename T> int64_t nll_forward(const ct_nll_args *a, void *out, double *total_weight) {
  const int64_t count = a->n * a->m;
  // Device scratch: the first bad index, the total weight, then 3 * count terms.
  struct Header {
    unsigned long long first_bad;
    double total;
  };
  const size_t bytes = sizeof(Header) + 3 * (size_t)count * sizeof(T);
  char *scratch = static_cast<char *>(ct__cuda_temp_alloc(bytes));
  if (!scratch) {
    ct__cuda_note_error(cudaErrorMemoryAllocation, "nll_loss");
    *total_weight = 0;
    return -1;
  }
  Header h = {~0ull, 0};
  cudaMemcpyAsync(scratch, &h, sizeof h, cudaMemcpyHostToDevice, CT_CUDA_STREAM);
  T *terms = reinterpret_cast<T *>(scratch + sizeof(Header));
  Header *dh = reinterpret_cast<Header *>(scratch);
  if (count > 0)
    nll_terms_kernel<T><<<grid_for(count), kBlockThreads, 0, CT_CUDA_STREAM>>>(
        *a, static_cast<T *>(out), terms, terms + count, terms + 2 * count, &dh->first_bad);
  CT_CUDA_CHECK_LAUNCH("nll_loss");
  nll_reduce_kernel<T><<<1, kSumThreads, 0, CT_CUDA_STREAM>>>(*a, terms, terms + count, terms + 2 * count,
                                                             static_cast<T *>(out), &dh->total);
  CT_CUDA_CHECK_LAUNCH("nll_loss sum");
  ct__cuda_note_error(cudaMemcpyAsync(&h, scratch, sizeof h, cudaMemcpyDeviceToHost, CT_CUDA_STREAM), "nll_loss");
  ct__cuda_temp_free(scratch);
  ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "nll_loss");
  *total_weight = h.total;
  return h.first_bad == ~0ull ? -1 : (int64_t)h.first_bad;
}

template <typename T> __global__ void nll_backward_kernel(ct_nll_args a, const T *g, T scaled, T *gin) {
  const T *w = static_cast<const T *>(a.w);
  const bool none = a.reduction == CT_LOSS_REDUCE_NONE, smoothing = a.smoothing > 0;
  const T keep = (T)(1 - a.smoothing), spread = (T)(a.smoothing / (double)a.c);
  CT_GRID_STRIDE(i, a.n * a.m) {
    const int64_t b = i / a.m, pos = i % a.m, t = a.target[i];
    if (t == a.ignore) continue;
    T *row = gin + b * a.c * a.m + pos;
    const T gi = none ? -g[i] : scaled;
    if (!smoothing) {
      row[t * a.m] = w ? w[t] * gi : gi;
      continue;
    }
    for (int64_t k = 0; k < a.c; k++) row[k * a.m] = (w ? w[k] * gi : gi) * spread;
    row[t * a.m] += (w ? w[t] * gi : gi) * keep;
  }
}

// The scaled gradient -(g[0] / total) or -g[0] of a reduced loss, computed on the device.
template <typename T> __global__ void nll_scale_kernel(const T *g, bool mean, T total, T *scaled) {
  *scaled = -(mean ? g[0] / total : g[0]);
}

template <typename T> void nll_backward(const ct_nll_args *a, const void *g, double total_weight, void *gin) {
  const int64_t count = a->n * a->m;
  ct__cuda_note_error(cudaMemsetAsync(gin, 0, (size_t)(count * a->c) * sizeof(T), CT_CUDA_STREAM), "nll_loss");
  if (count == 0) return;
  T scaled = 0;
  if (a->reduction != CT_LOSS_REDUCE_NONE) { // g is one device value: scale it on the device, read it back
    T *d = static_cast<T *>(ct__cuda_temp_alloc(sizeof(T)));
    if (!d) {
      ct__cuda_note_error(cudaErrorMemoryAllocation, "nll_loss backward");
      return;
    }
    nll_scale_kernel<T><<<1, 1, 0, CT_CUDA_STREAM>>>(static_cast<const T *>(g), a->reduction == CT_LOSS_REDUCE_MEAN,
                                                      (T)total_weight, d);
    cudaMemcpyAsync(&scaled, d, sizeof(T), cudaMemcpyDeviceToHost, CT_CUDA_STREAM);
    ct__cuda_temp_free(d);
    ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "nll_loss backward");
  }
  nll_backward_kernel<T><<<grid_for(count), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a, static_cast<const T *>(g), scaled,
                                                                               static_cast<T *>(gin));
  CT_CUDA_CHECK_LAUNCH("nll_loss backward");
}

template <typename T, int Kind> constexpr ct_pointwise_loss_loops loops_of = {forward<T, Kind>, grad<T, Kind, false>,
                                                                              grad<T, Kind, true>};
#define ROW(KIND) {{}, {}, {}, loops_of<float, KIND>, loops_of<double, KIND>}
const ct_pointwise_loss_loops pointwise_table[CT_POINTWISE_LOSS_COUNT][CT_NUM_DTYPES] = {
    ROW(CT_LOSS_BCE), ROW(CT_LOSS_BCE_LOGITS), ROW(CT_LOSS_MSE),
    ROW(CT_LOSS_L1),  ROW(CT_LOSS_SMOOTH_L1),  ROW(CT_LOSS_HUBER),
};
#undef ROW
const ct_nll_forward_fn nll_forward_row[CT_NUM_DTYPES] = {nullptr, nullptr, nullptr, nll_forward<float>,
                                                          nll_forward<double>};
const ct_nll_backward_fn nll_backward_row[CT_NUM_DTYPES] = {nullptr, nullptr, nullptr, nll_backward<float>,
                                                            nll_backward<double>};

} // namespace

extern "C" {
extern const ct_loss_kernels ct__cuda_loss_kernels;
const ct_loss_kernels ct__cuda_loss_kernels = {pointwise_table, nll_forward_row, nll_backward_row};
}

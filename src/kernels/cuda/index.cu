// Index loops (kernels/index.h) on the device. Gathers, masked_fill and wrap_negative run
// one thread per element; the scatters whose indices may repeat (scatter, scatter_add,
// scatter_mul) run in index order on one thread, as the CPU loops, so repeated indices
// combine in the same order (deterministic, no atomics); scatter_add_rows gives each
// column of the rows its own thread, which walks the indices in order. Scans, mask
// positions and repeat positions answer the host: their small results come back before
// returning.
#include <stdlib.h>
#include <type_traits>
#include "kernels/cuda/loops.cuh"
#include "kernels/index.h"

namespace {

// Element types by size: gathers and scatters only move bytes.
template <typename T> struct Gather {
  int64_t step;
  __device__ void operator()(const Operand *o, int64_t i) const {
    *o[0].at<T>(i) = *reinterpret_cast<const T *>(o[1].ptr + i * o[1].stride + o[2].load<int64_t>(i) * step);
  }
};
template <typename T> void gather(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), sizeof(int64_t)};
  launch_run(d, s, n, 3, sizes, Gather<T>{static_cast<const ct_index_step *>(ctx)->stride});
}

// Combining scatters: *(dst + index * step) = combine(old, src); integers wrap (unsigned).
enum Combine { kAssign, kAdd, kMul };
template <typename T, Combine C> __device__ T combine(T a, T b) {
  if constexpr (C == kAssign) return b;
  else if constexpr (std::is_same_v<T, bool>) return C == kAdd ? (a || b) : (a && b);
  else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return (T)(C == kAdd ? (U)a + (U)b : (U)a * (U)b);
  } else return C == kAdd ? a + b : a * b;
}
template <typename T, Combine C> struct Scatter {
  int64_t step;
  __device__ void operator()(const Operand *o, int64_t i) const {
    T *p = reinterpret_cast<T *>(o[0].ptr + i * o[0].stride + o[2].load<int64_t>(i) * step);
    *p = combine<T, C>(*p, o[1].load<T>(i));
  }
};
template <typename T, Combine C> void scatter(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), sizeof(int64_t)};
  launch_run(d, s, n, 3, sizes, Scatter<T, C>{static_cast<const ct_index_step *>(ctx)->stride}, true);
}

// ---- whole rows ----

// Row k of the output = row ix_k of base, bytes moved 8, 4 or 1 at a time (row_bytes is a
// whole number of elements; strides are multiples of the element size). An index outside
// [0, limit) (limit >= 0) copies nothing and records its position (the smallest).
template <typename W>
__global__ void gather_rows_kernel(Run run, const char *base, int64_t stride, int64_t words, int64_t limit,
                                   unsigned long long *first_bad) {
  CT_GRID_STRIDE(t, run.n * words) {
    const int64_t k = t / words, w = t % words, ix = run.op[1].load<int64_t>(k);
    if (limit >= 0 && (uint64_t)ix >= (uint64_t)limit) {
      if (w == 0) atomicMin(first_bad, (unsigned long long)k);
      continue;
    }
    reinterpret_cast<W *>(run.op[0].ptr + k * run.op[0].stride)[w] =
        reinterpret_cast<const W *>(base + ix * stride)[w];
  }
}
template <typename W> void launch_gather_rows(const Run &run, const ct_index_rows *r, unsigned long long *bad) {
  const int64_t words = r->row_bytes / (int64_t)sizeof(W);
  if (run.n * words > 0)
    gather_rows_kernel<W><<<grid_for(run.n * words), kBlockThreads, 0, CT_CUDA_STREAM>>>(run, r->base, r->stride, words,
                                                                                         r->limit, bad);
}
bool aligned_to(const ct_index_rows *r, const Run &run, int64_t w) {
  return r->row_bytes % w == 0 && r->stride % w == 0 && run.op[0].stride % w == 0 &&
         (uintptr_t)r->base % (uintptr_t)w == 0 && (uintptr_t)run.op[0].ptr % (uintptr_t)w == 0;
}
void gather_rows(char **d, const int64_t *s, int64_t n, void *ctx) {
  ct_index_rows *r = static_cast<ct_index_rows *>(ctx);
  if (n <= 0) return;
  Run run;
  run.n = n;
  run.op[0] = make_operand(d, s, 0, 1);
  run.op[1] = make_operand(d, s, 1, sizeof(int64_t));
  unsigned long long *bad = nullptr;
  if (r->limit >= 0) {
    bad = static_cast<unsigned long long *>(ct__cuda_temp_alloc(sizeof *bad));
    if (!bad) {
      ct__cuda_note_error(cudaErrorMemoryAllocation, "gather_rows");
      return;
    }
    cudaMemsetAsync(bad, 0xff, sizeof *bad, CT_CUDA_STREAM);
  }
  if (aligned_to(r, run, 8)) launch_gather_rows<uint64_t>(run, r, bad);
  else if (aligned_to(r, run, 4)) launch_gather_rows<uint32_t>(run, r, bad);
  else launch_gather_rows<uint8_t>(run, r, bad);
  CT_CUDA_CHECK_LAUNCH("gather_rows");
  if (!bad) return;
  unsigned long long first = ~0ull;
  cudaMemcpyAsync(&first, bad, sizeof first, cudaMemcpyDeviceToHost, CT_CUDA_STREAM);
  ct__cuda_temp_free(bad);
  ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "gather_rows");
  if (first != ~0ull && !r->bad_found) { // the index value at that position, for the message
    int64_t ix = 0;
    if (run.op[1].by_value) memcpy(&ix, run.op[1].value, sizeof ix);
    else cudaMemcpy(&ix, d[1] + (int64_t)first * s[1], sizeof ix, cudaMemcpyDeviceToHost);
    r->bad_found = true, r->bad = ix;
  }
}

// Column e of every row: thread e adds the n source rows into their indexed rows in order.
template <typename T>
__global__ void scatter_add_rows_kernel(Run run, char *base, int64_t stride, int64_t len, int64_t skip) {
  CT_GRID_STRIDE(e, len) {
    for (int64_t k = 0; k < run.n; k++) {
      const int64_t ix = run.op[1].load<int64_t>(k);
      if (ix == skip) continue;
      T *dst = reinterpret_cast<T *>(base + ix * stride) + e;
      *dst = combine<T, kAdd>(*dst, reinterpret_cast<const T *>(run.op[0].ptr + k * run.op[0].stride)[e]);
    }
  }
}
template <typename T> void scatter_add_rows(char **d, const int64_t *s, int64_t n, void *ctx) {
  const ct_index_rows *r = static_cast<const ct_index_rows *>(ctx);
  const int64_t len = r->row_bytes / (int64_t)sizeof(T);
  if (n <= 0 || len <= 0) return;
  Run run;
  run.n = n;
  run.op[0] = make_operand(d, s, 0, sizeof(T));
  run.op[1] = make_operand(d, s, 1, sizeof(int64_t));
  scatter_add_rows_kernel<T><<<grid_for(len), kBlockThreads, 0, CT_CUDA_STREAM>>>(run, r->base, r->stride, len, r->skip);
  CT_CUDA_CHECK_LAUNCH("scatter_add_rows");
}

// ---- masked_fill, wrap_negative ----

template <typename T> struct MaskedFill {
  T value;
  __device__ void operator()(const Operand *o, int64_t i) const {
    *o[0].at<T>(i) = o[2].load<uint8_t>(i) ? value : o[1].load<T>(i);
  }
};
template <typename T> void masked_fill(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[3] = {sizeof(T), sizeof(T), 1};
  T value;
  memcpy(&value, ctx, sizeof value);
  launch_run(d, s, n, 3, sizes, MaskedFill<T>{value});
}

struct WrapNegative {
  int64_t size;
  __device__ void operator()(const Operand *o, int64_t i) const {
    const int64_t v = o[1].load<int64_t>(i);
    *o[0].at<int64_t>(i) = v < 0 ? v + size : v;
  }
};
void wrap_negative(char **d, const int64_t *s, int64_t n, void *ctx) {
  const size_t sizes[2] = {sizeof(int64_t), sizeof(int64_t)};
  launch_run(d, s, n, 2, sizes, WrapNegative{*static_cast<const int64_t *>(ctx)});
}

// ---- scan: min, max and the first value outside [lo, hi), one block ----

constexpr int kScanThreads = 256;
struct ScanResult {
  int64_t min, max;
  unsigned long long first_bad; // position; ~0: none
};
__global__ void scan_kernel(Operand x, int64_t n, int64_t lo, int64_t hi, ScanResult *out) {
  __shared__ ScanResult part[kScanThreads];
  ScanResult r = {INT64_MAX, INT64_MIN, ~0ull};
  for (int64_t k = threadIdx.x; k < n; k += kScanThreads) {
    const int64_t v = x.load<int64_t>(k);
    r.min = v < r.min ? v : r.min;
    r.max = v > r.max ? v : r.max;
    if ((v < lo || v >= hi) && (unsigned long long)k < r.first_bad) r.first_bad = (unsigned long long)k;
  }
  part[threadIdx.x] = r;
  __syncthreads();
  for (int h = kScanThreads / 2; h > 0; h >>= 1) {
    if ((int)threadIdx.x < h) {
      ScanResult &a = part[threadIdx.x];
      const ScanResult &b = part[threadIdx.x + h];
      a.min = b.min < a.min ? b.min : a.min;
      a.max = b.max > a.max ? b.max : a.max;
      a.first_bad = b.first_bad < a.first_bad ? b.first_bad : a.first_bad;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = part[0];
}
void scan(char **d, const int64_t *s, int64_t n, void *ctx) {
  ct_index_scan *r = static_cast<ct_index_scan *>(ctx);
  if (n <= 0) return;
  ScanResult res = {INT64_MAX, INT64_MIN, ~0ull}; // unchanged if the copy back fails
  ScanResult *dres = static_cast<ScanResult *>(ct__cuda_temp_alloc(sizeof *dres));
  if (!dres) {
    ct__cuda_note_error(cudaErrorMemoryAllocation, "index scan");
    return;
  }
  const Operand x = make_operand(d, s, 0, sizeof(int64_t));
  scan_kernel<<<1, kScanThreads, 0, CT_CUDA_STREAM>>>(x, n, r->lo, r->hi, dres);
  CT_CUDA_CHECK_LAUNCH("index scan");
  cudaMemcpyAsync(&res, dres, sizeof res, cudaMemcpyDeviceToHost, CT_CUDA_STREAM);
  ct__cuda_temp_free(dres);
  ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "index scan");
  r->min = res.min < r->min ? res.min : r->min;
  r->max = res.max > r->max ? res.max : r->max;
  if (!r->bad_found && res.first_bad != ~0ull) { // the value, for the message (a host scalar has it by value)
    int64_t v = 0;
    if (x.by_value) memcpy(&v, x.value, sizeof v);
    else ct__cuda_note_error(cudaMemcpy(&v, d[0] + (int64_t)res.first_bad * s[0], sizeof v, cudaMemcpyDeviceToHost),
                             "index scan");
    r->bad_found = true, r->bad = v;
  }
}

// ---- positions: computed on the host from a copy (their count decides the output's size) ----

int64_t mask_positions(const bool *mask, int64_t n, int64_t *out) {
  if (n <= 0) return 0;
  uint8_t *m = static_cast<uint8_t *>(malloc((size_t)n));
  int64_t *pos = out ? static_cast<int64_t *>(malloc((size_t)n * sizeof(int64_t))) : nullptr;
  if (!m || (out && !pos)) {
    free(m), free(pos);
    ct__cuda_note_error(cudaErrorMemoryAllocation, "mask_positions (host copy)");
    return 0;
  }
  ct__cuda_note_error(cudaMemcpy(m, mask, (size_t)n, cudaMemcpyDeviceToHost), "mask_positions");
  int64_t count = 0;
  for (int64_t k = 0; k < n; k++)
    if (m[k]) {
      if (pos) pos[count] = k;
      count++;
    }
  if (out && count)
    ct__cuda_note_error(cudaMemcpy(out, pos, (size_t)count * sizeof(int64_t), cudaMemcpyHostToDevice),
                        "mask_positions");
  free(m), free(pos);
  return count;
}

__global__ void repeat_kernel(const int64_t *counts, const int64_t *starts, int64_t n, int64_t *out) {
  CT_GRID_STRIDE(i, n) {
    for (int64_t k = 0; k < counts[i]; k++) out[starts[i] + k] = i;
  }
}
void repeat_positions(const int64_t *counts, int64_t n, int64_t *out) {
  if (n <= 0) return;
  int64_t *h = static_cast<int64_t *>(malloc((size_t)n * sizeof(int64_t)));
  int64_t *starts = h ? static_cast<int64_t *>(ct__cuda_temp_alloc((size_t)n * sizeof(int64_t))) : nullptr;
  if (!starts) {
    free(h);
    ct__cuda_note_error(cudaErrorMemoryAllocation, "repeat_positions");
    return;
  }
  ct__cuda_note_error(cudaMemcpy(h, counts, (size_t)n * sizeof(int64_t), cudaMemcpyDeviceToHost), "repeat_positions");
  for (int64_t i = 0, sum = 0; i < n; i++) { // exclusive prefix sums: where row i starts
    const int64_t c = h[i];
    h[i] = sum;
    sum += c;
  }
  cudaMemcpyAsync(starts, h, (size_t)n * sizeof(int64_t), cudaMemcpyHostToDevice, CT_CUDA_STREAM);
  repeat_kernel<<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(counts, starts, n, out);
  CT_CUDA_CHECK_LAUNCH("repeat_positions");
  ct__cuda_temp_free(starts);
  ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "repeat_positions"); // h is read by the copy
  free(h);
}

// ---- tables: byte movers by element size, arithmetic by dtype ----
const ct_loop_fn gather_row[CT_NUM_DTYPES] = {gather<uint8_t>, gather<uint32_t>, gather<uint64_t>, gather<uint32_t>,
                                              gather<uint64_t>};
const ct_loop_fn scatter_row[CT_NUM_DTYPES] = {scatter<uint8_t, kAssign>, scatter<uint32_t, kAssign>,
                                               scatter<uint64_t, kAssign>, scatter<uint32_t, kAssign>,
                                               scatter<uint64_t, kAssign>};
const ct_loop_fn scatter_add_row[CT_NUM_DTYPES] = {scatter<bool, kAdd>, scatter<int32_t, kAdd>,
                                                   scatter<int64_t, kAdd>, scatter<float, kAdd>,
                                                   scatter<double, kAdd>};
const ct_loop_fn scatter_mul_row[CT_NUM_DTYPES] = {scatter<bool, kMul>, scatter<int32_t, kMul>,
                                                   scatter<int64_t, kMul>, scatter<float, kMul>,
                                                   scatter<double, kMul>};
const ct_loop_fn scatter_add_rows_row[CT_NUM_DTYPES] = {scatter_add_rows<bool>, scatter_add_rows<int32_t>,
                                                        scatter_add_rows<int64_t>, scatter_add_rows<float>,
                                                        scatter_add_rows<double>};
const ct_loop_fn masked_fill_row[CT_NUM_DTYPES] = {masked_fill<uint8_t>, masked_fill<uint32_t>,
                                                   masked_fill<uint64_t>, masked_fill<uint32_t>,
                                                   masked_fill<uint64_t>};

} // namespace

extern "C" {
extern const ct_index_kernels ct__cuda_index_kernels;
const ct_index_kernels ct__cuda_index_kernels = {
    gather_row,      scatter_add_row, scatter_row,   scatter_mul_row,  gather_rows,     scatter_add_rows_row,
    masked_fill_row, scan,            wrap_negative, mask_positions,   repeat_positions,
};
}

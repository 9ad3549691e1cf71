// Multinomial sampling on the device (kernels/random.h), the CPU kernels' contract with
// Philox draws: one thread per row of probabilities. With replacement, the row's running
// sums in the dtype divided by the total (kept in device scratch; the caller's host `cum`
// is not used), then sample s of row r places the 53-bit uniform of block
// offset + r * n_sample + s by binary search; offset advances by n_dist * n_sample.
// Without replacement (the exponential race), q = p / q, then k times the first largest
// q not yet taken (larger first, ties to the lower index, as the CPU's order).
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/philox.h"
#include "kernels/random.h"
#include <math.h>

namespace {

template <typename T>
__global__ void with_replacement_kernel(int64_t *out, const T *probs, int64_t n_dist, int64_t n_cat,
                                        int64_t row_stride, int64_t col_stride, int64_t n_sample, T *cum_rows,
                                        int *bad, uint64_t seed, uint64_t offset) {
  CT_GRID_STRIDE(r, n_dist) {
    T *cum = cum_rows + r * n_cat, sum = 0;
    int code = 0;
    for (int64_t j = 0; j < n_cat && !code; j++) {
      const T v = probs[r * row_stride + j * col_stride];
      if (!(v >= 0))
        code = 1; // NaN too, as PyTorch checks v >= 0 first
      else if (!isfinite(v))
        code = 2;
      sum += v;
      cum[j] = sum;
    }
    if (!code && !(sum > 0)) code = 3;
    bad[r] = code;
    if (code) continue;
    for (int64_t j = 0; j < n_cat; j++)
      cum[j] /= sum;
    cum[n_cat - 1] = 1; // the last bucket ends at 1 exactly
    for (int64_t s = 0; s < n_sample; s++) {
      uint32_t u[4];
      ct_philox_block(seed, offset + (uint64_t)(r * n_sample + s), u);
      const double x = ct_philox_unit_f64(u[0], u[1]);
      int64_t left = 0, right = n_cat;
      while (right > left) {
        const int64_t mid = left + (right - left) / 2;
        if (cum[mid] < x)
          left = mid + 1;
        else
          right = mid;
      }
      out[r * n_sample + s] = left;
    }
  }
}

// Returns the code of the first bad row (0: none); scratch errors go to the runtime.
template <typename T>
int with_replacement(int64_t *out, const void *probs, int64_t n_dist, int64_t n_cat, int64_t row_stride,
                     int64_t col_stride, int64_t n_sample, void *host_cum, const ct_random_source *src) {
  (void)host_cum;
  ct_philox_state *st = static_cast<ct_philox_state *>(src->state);
  const uint64_t offset = st->offset;
  st->offset += (uint64_t)(n_dist * n_sample);
  if (n_dist <= 0) return 0;
  const size_t cum_bytes = ((size_t)(n_dist * n_cat) * sizeof(T) + 7) / 8 * 8;
  char *scratch = static_cast<char *>(ct__cuda_temp_alloc(cum_bytes + (size_t)n_dist * sizeof(int)));
  if (!scratch) {
    ct__cuda_note_error(cudaErrorMemoryAllocation, "multinomial");
    return 0;
  }
  int *bad = reinterpret_cast<int *>(scratch + cum_bytes);
  with_replacement_kernel<T><<<grid_for(n_dist), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      out, static_cast<const T *>(probs), n_dist, n_cat, row_stride, col_stride, n_sample,
      reinterpret_cast<T *>(scratch), bad, st->seed, offset);
  CT_CUDA_CHECK_LAUNCH("multinomial");
  int *codes = static_cast<int *>(malloc((size_t)n_dist * sizeof(int))), first = 0;
  if (codes) {
    ct__cuda_note_error(
        cudaMemcpyAsync(codes, bad, (size_t)n_dist * sizeof(int), cudaMemcpyDeviceToHost, CT_CUDA_STREAM),
        "multinomial");
    ct__cuda_note_error(cudaStreamSynchronize(CT_CUDA_STREAM), "multinomial");
    for (int64_t r = 0; r < n_dist && !first; r++)
      first = codes[r];
    free(codes);
  }
  ct__cuda_temp_free(scratch);
  return first;
}

template <typename T>
__global__ void pick_kernel(int64_t *out, const T *p, T *q, int64_t n_dist, int64_t n_cat, int64_t k) {
  CT_GRID_STRIDE(r, n_dist) {
    T *row = q + r * n_cat;
    for (int64_t j = 0; j < n_cat; j++)
      row[j] = p[r * n_cat + j] / row[j];
    for (int64_t s = 0; s < k; s++) { // the first largest, then marked taken (-1)
      int64_t best = -1;
      for (int64_t j = 0; j < n_cat; j++)
        if (row[j] >= 0 && (best < 0 || row[j] > row[best])) best = j;
      out[r * k + s] = best < 0 ? 0 : best;
      if (best >= 0) row[best] = -1;
    }
  }
}

template <typename T>
void pick(int64_t *out, const void *p, void *q, int64_t n_dist, int64_t n_cat, int64_t k) {
  if (n_dist <= 0) return;
  pick_kernel<T><<<grid_for(n_dist), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      out, static_cast<const T *>(p), static_cast<T *>(q), n_dist, n_cat, k);
  CT_CUDA_CHECK_LAUNCH("multinomial");
}

} // namespace

extern "C" {
extern const ct_random_multinomial_fn ct__cuda_multinomial[CT_NUM_DTYPES];
extern const ct_random_pick_largest_fn ct__cuda_multinomial_pick[CT_NUM_DTYPES];
const ct_random_multinomial_fn ct__cuda_multinomial[CT_NUM_DTYPES] = {
    nullptr, nullptr, nullptr, with_replacement<float>, with_replacement<double>};
const ct_random_pick_largest_fn ct__cuda_multinomial_pick[CT_NUM_DTYPES] = {nullptr, nullptr, nullptr,
                                                                            pick<float>, pick<double>};
}

// Random fills (kernels/random.h) on the device from a counter-based generator: the
// source's state is a ct_philox_state, element i takes block (offset + i) of the seed's
// Philox4x32-10 stream (kernels/cuda/philox.h), and offset advances by n. The numbers are
// therefore independent of the launch geometry, and differ from the CPU's mt19937 (as
// PyTorch's CUDA numbers differ from its CPU numbers). randperm is a serial Fisher-Yates
// on one thread; multinomial is random_multinomial.cu's.
#include <math.h>
#include <type_traits>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/philox.h"
#include "kernels/random.h"

extern "C" {
extern const ct_random_multinomial_fn ct__cuda_multinomial[CT_NUM_DTYPES];      // random_multinomial.cu
extern const ct_random_pick_largest_fn ct__cuda_multinomial_pick[CT_NUM_DTYPES]; // random_multinomial.cu
}

namespace {

// What a distribution makes of element i's block.
template <typename T, class D> __global__ void fill_kernel(T *out, int64_t n, uint64_t seed, uint64_t offset, D d) {
  CT_GRID_STRIDE(i, n) {
    uint32_t u[4];
    ct_philox_block(seed, offset + (uint64_t)i, u);
    out[i] = d(u);
  }
}

template <typename T, class D> void fill(void *out, int64_t n, const ct_random_source *src, D d, const char *what) {
  ct_philox_state *s = static_cast<ct_philox_state *>(src->state);
  if (n > 0) {
    fill_kernel<T><<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(static_cast<T *>(out), n, s->seed, s->offset, d);
    CT_CUDA_CHECK_LAUNCH(what);
  }
  s->offset += (uint64_t)n;
}

// U in [0, 1): 24 bits (float32) or 53 bits (float64).
template <typename T> __device__ T unit(const uint32_t *u) {
  if constexpr (std::is_same_v<T, float>) return ct_philox_unit_f32(u[0]);
  else return ct_philox_unit_f64(u[0], u[1]);
}

template <typename T> struct Uniform {
  T from, range;
  __device__ T operator()(const uint32_t *u) const { return fma(unit<T>(u), range, from); }
};
template <typename T> void uniform(void *out, int64_t n, double from, double to, const ct_random_source *src) {
  fill<T>(out, n, src, Uniform<T>{(T)from, (T)to - (T)from}, "uniform");
}

// Box-Muller in double from two 53-bit uniforms, one value per element.
template <typename T> struct Normal {
  double mean, std;
  __device__ T operator()(const uint32_t *u) const {
    const double u1 = ct_philox_unit_f64(u[0], u[1]), u2 = ct_philox_unit_f64(u[2], u[3]);
    const double r = sqrt(-2.0 * log(1.0 - u1));
    return (T)(mean + std * (r * cos(2.0 * M_PI * u2)));
  }
};
template <typename T> void normal(void *out, int64_t n, double mean, double std, const ct_random_source *src) {
  fill<T>(out, n, src, Normal<T>{mean, std}, "normal");
}

template <typename T> struct Bernoulli {
  double p;
  __device__ T operator()(const uint32_t *u) const { return (T)(ct_philox_unit_f64(u[0], u[1]) < p); }
};
template <typename T> void bernoulli(void *out, int64_t n, double p, const ct_random_source *src) {
  fill<T>(out, n, src, Bernoulli<T>{p}, "bernoulli");
}

// base + draw % range: one 32-bit output below 2^32, else 64 bits of two.
template <typename T> struct Integers {
  uint64_t range;
  int64_t base;
  __device__ T operator()(const uint32_t *u) const {
    const uint64_t draw = range < (1ull << 32) ? u[0] : (((uint64_t)u[0] << 32) | u[1]);
    return (T)(int64_t)((uint64_t)base + draw % range);
  }
};
template <typename T> void integers(void *out, int64_t n, uint64_t range, int64_t base, const ct_random_source *src) {
  fill<T>(out, n, src, Integers<T>{range, base}, "random integers");
}

template <typename T> struct Exponential {
  double lambda;
  __device__ T operator()(const uint32_t *u) const {
    return (T)(-1.0 / lambda * log(1.0 - ct_philox_unit_f64(u[0], u[1])));
  }
};
template <typename T> void exponential(void *out, int64_t n, double lambda, const ct_random_source *src) {
  fill<T>(out, n, src, Exponential<T>{lambda}, "exponential");
}

// Fisher-Yates on one thread, the CPU's order of swaps: swap i takes u[0] of block
// offset + i (64 bits of two outputs when n - i >= 2^32).
__global__ void randperm_kernel(int64_t *out, int64_t n, uint64_t seed, uint64_t offset) {
  for (int64_t i = 0; i < n; i++) out[i] = i;
  for (int64_t i = 0; i + 1 < n; i++) {
    uint32_t u[4];
    ct_philox_block(seed, offset + (uint64_t)i, u);
    const uint64_t range = (uint64_t)(n - i), draw = range < (1ull << 32) ? u[0] : (((uint64_t)u[0] << 32) | u[1]);
    const int64_t j = i + (int64_t)(draw % range), t = out[i];
    out[i] = out[j], out[j] = t;
  }
}
void randperm(int64_t *out, int64_t n, const ct_random_source *src) {
  ct_philox_state *s = static_cast<ct_philox_state *>(src->state);
  if (n > 0) {
    randperm_kernel<<<1, 1, 0, CT_CUDA_STREAM>>>(out, n, s->seed, s->offset);
    CT_CUDA_CHECK_LAUNCH("randperm");
  }
  s->offset += (uint64_t)n;
}

ct_random_kernels make_random_kernels() {
  ct_random_kernels k = {};
  k.counter_based = true;
  k.uniform[CT_FLOAT32] = uniform<float>, k.uniform[CT_FLOAT64] = uniform<double>;
  k.normal[CT_FLOAT32] = normal<float>, k.normal[CT_FLOAT64] = normal<double>;
  k.normal_blocks[CT_FLOAT32] = normal<float>, k.normal_blocks[CT_FLOAT64] = normal<double>; // no blocks on a GPU
  k.bernoulli[CT_BOOL] = bernoulli<bool>, k.bernoulli[CT_INT32] = bernoulli<int32_t>;
  k.bernoulli[CT_INT64] = bernoulli<int64_t>, k.bernoulli[CT_FLOAT32] = bernoulli<float>;
  k.bernoulli[CT_FLOAT64] = bernoulli<double>;
  k.integers[CT_BOOL] = integers<bool>, k.integers[CT_INT32] = integers<int32_t>;
  k.integers[CT_INT64] = integers<int64_t>, k.integers[CT_FLOAT32] = integers<float>;
  k.integers[CT_FLOAT64] = integers<double>;
  k.exponential[CT_FLOAT32] = exponential<float>, k.exponential[CT_FLOAT64] = exponential<double>;
  k.randperm = randperm;
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    k.multinomial[d] = ct__cuda_multinomial[d], k.multinomial_pick[d] = ct__cuda_multinomial_pick[d];
  return k;
}

} // namespace

extern "C" {
extern const ct_random_kernels ct__cuda_random_kernels;
const ct_random_kernels ct__cuda_random_kernels = make_random_kernels();
}

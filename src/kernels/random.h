// Random kernel family (kernels/cpu/random_*.c): the loops that turn a generator's raw
// 32-bit outputs into values, PyTorch 1.13's CPU distributions bit for bit. The generator
// itself (mt19937 state, seeding, the state blob) lives in src/random; a kernel sees it
// as a ct_random_source and takes its outputs in order, exactly as many as PyTorch's
// kernel takes, so the generator ends in PyTorch's state.
//
// Every fill writes n contiguous elements of one dtype in draw order (the caller maps
// draw order to the tensor's iteration order).
#ifndef CTORCH_SRC_KERNELS_RANDOM_H
#define CTORCH_SRC_KERNELS_RANDOM_H
#include "ctorch/dtype.h"
#include <stdbool.h>
#include <stdint.h>

/// The second value of the last Box-Muller pair drawn by the serial normal, kept by the
/// generator between calls (PyTorch's next_double_normal_sample).
typedef struct ct_normal_cache {
  double value;
  bool valid;
} ct_normal_cache;

/// What a random kernel knows of a generator.
typedef struct ct_random_source {
  void *state; ///< the generator (opaque)
  /// Writes the generator's next n 32-bit outputs to out, in order.
  void (*next_u32)(void *state, uint32_t *out, int64_t n);
  ct_normal_cache *normal; ///< the generator's serial-normal cache
} ct_random_source;

/// A device generator (CUDA): counter-based Philox4x32-10 (kernels/cuda/philox.h). Its
/// ct_random_source has next_u32 NULL and `state` pointing to this struct, which the
/// caller owns (one per device, like PyTorch's CUDA generators): element i of a fill
/// draws the 128-bit block (offset + i) of the seed's stream and the kernel advances
/// offset by n before returning. Seeding (cuda_manual_seed) sets seed and zeroes offset.
typedef struct ct_philox_state {
  uint64_t seed;
  uint64_t offset; ///< 128-bit blocks drawn so far
} ct_philox_state;

/// out = from + (to - from) * U, U uniform on [0, 1): float32 from 24 bits of one draw,
/// float64 from 53 bits of two (fma, with the bounds rounded to the dtype first).
typedef void (*ct_random_uniform_fn)(void *out, int64_t n, double from, double to,
                                     const ct_random_source *src);
/// out = normal(mean, std) values. `normal`: one Box-Muller value per element, the second
/// of each pair cached in src->normal (PyTorch's serial kernel). `normal_blocks`: n >= 16
/// (CT_NORMAL_BLOCKS_MIN) uniforms transformed 16 at a time, the last block re-drawn when
/// n is not a multiple of 16 (PyTorch's normal_fill for contiguous tensors).
typedef void (*ct_random_normal_fn)(void *out, int64_t n, double mean, double std,
                                    const ct_random_source *src);
/// out = (U < p) for a 53-bit uniform U of two draws, in any dtype.
typedef void (*ct_random_bernoulli_fn)(void *out, int64_t n, double p, const ct_random_source *src);
/// out = base + draw % range, in any dtype; 64-bit draws when range >= 2^32 (never for
/// int32 and bool).
typedef void (*ct_random_integers_fn)(void *out, int64_t n, uint64_t range, int64_t base,
                                      const ct_random_source *src);
/// out[0..n) = a random permutation of 0..n-1 (int64): the identity, then for i < n - 1
/// swap out[i] with out[i + draw % (n - i)].
typedef void (*ct_random_randperm_fn)(int64_t *out, int64_t n, const ct_random_source *src);

/// out = -1/lambda * log(1 - U) computed in double, U a 53-bit uniform of two draws
/// (PyTorch's serial exponential_distribution<double>, the CPU path without MKL).
typedef void (*ct_random_exponential_fn)(void *out, int64_t n, double lambda, const ct_random_source *src);
/// Multinomial draws with replacement (PyTorch's multinomial_with_replacement kernel): for
/// each of n_dist rows of n_cat probabilities (element strides row_stride, col_stride) the
/// running sums in the dtype, divided by the total, then n_sample draws each placed by a
/// binary search of a 53-bit uniform; out is [n_dist, n_sample] int64. cum is scratch for
/// n_cat elements. Returns 0, or at the first bad row (nothing more drawn) 1 for a
/// negative entry, 2 for inf/NaN, 3 for a sum <= 0.
typedef int (*ct_random_multinomial_fn)(int64_t *out, const void *probs, int64_t n_dist, int64_t n_cat,
                                        int64_t row_stride, int64_t col_stride, int64_t n_sample, void *cum,
                                        const ct_random_source *src);
/// Multinomial without replacement from exponentials (PyTorch's fast path): for rows of
/// contiguous probs p and exponential draws q (both [n_dist, n_cat]), q = p / q in the
/// dtype, then per row the k indices of the largest q, largest first (ties: lower index
/// first). out is [n_dist, k] int64.
typedef void (*ct_random_pick_largest_fn)(int64_t *out, const void *p, void *q, int64_t n_dist, int64_t n_cat,
                                          int64_t k);
/// The smallest n for normal_blocks.
#define CT_NORMAL_BLOCKS_MIN 16

typedef struct ct_random_kernels {
  /// The family draws from a ct_philox_state (the CUDA backend), not a CPU generator: the
  /// random layer then passes the device's own generator (random/device_generator.h).
  bool counter_based;
  ct_random_uniform_fn uniform[CT_NUM_DTYPES];      ///< floating dtypes
  ct_random_normal_fn normal[CT_NUM_DTYPES];        ///< floating dtypes
  ct_random_normal_fn normal_blocks[CT_NUM_DTYPES]; ///< floating dtypes
  ct_random_bernoulli_fn bernoulli[CT_NUM_DTYPES];  ///< every dtype
  ct_random_integers_fn integers[CT_NUM_DTYPES];    ///< every dtype
  ct_random_randperm_fn randperm;
  ct_random_exponential_fn exponential[CT_NUM_DTYPES];         ///< floating dtypes
  ct_random_multinomial_fn multinomial[CT_NUM_DTYPES];         ///< floating dtypes
  ct_random_pick_largest_fn multinomial_pick[CT_NUM_DTYPES];   ///< floating dtypes
} ct_random_kernels;

#endif

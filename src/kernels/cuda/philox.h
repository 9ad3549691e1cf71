// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
// counter-based generator of the CUDA random kernels (random.cu): block i of a stream is a
// pure function of (seed, i), so any thread can draw any element and the numbers do not
// depend on the launch geometry. Plain C for the host (the unit test checks the published
// known-answer vectors) and the device.
#ifndef CTORCH_SRC_KERNELS_CUDA_PHILOX_H
#define CTORCH_SRC_KERNELS_CUDA_PHILOX_H
#include <stdint.h>

#ifdef __CUDACC__
#define CT_PHILOX_FN __host__ __device__ static inline
#else
#define CT_PHILOX_FN static inline
#endif

/// The 128-bit block of counter ctr under key (10 rounds).
CT_PHILOX_FN void ct_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; round++) {
    if (round > 0) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u; // the Weyl key schedule
    const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    const uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    c0 = hi1 ^ c1 ^ k0, c1 = lo1, c2 = hi0 ^ c3 ^ k1, c3 = lo0;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

/// Block `index` of the stream of `seed`: counter (index, 0), key seed.
CT_PHILOX_FN void ct_philox_block(uint64_t seed, uint64_t index, uint32_t out[4]) {
  const uint32_t ctr[4] = {(uint32_t)index, (uint32_t)(index >> 32), 0, 0};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  ct_philox4x32_10(ctr, key, out);
}

/// Uniform on [0, 1) from the top 24 bits of one output (float32) or 53 bits of two.
CT_PHILOX_FN float ct_philox_unit_f32(uint32_t u) { return (float)(u >> 8) * (1.0f / 16777216.0f); }
CT_PHILOX_FN double ct_philox_unit_f64(uint32_t hi, uint32_t lo) {
  return (double)((((uint64_t)hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

#undef CT_PHILOX_FN
#endif

// MT19937 as PyTorch's CPU generator runs it (ATen's mt19937 engine): seeded with a 32-bit
// value, twisted lazily before the first output and after every 624 outputs. `left` and
// `next` follow PyTorch's bookkeeping exactly so the state blob (generator.c) round-trips.
#ifndef CTORCH_SRC_RANDOM_MT19937_H
#define CTORCH_SRC_RANDOM_MT19937_H
#include <stdint.h>

#define CT_MT_N 624
#define CT_MT_M 397

typedef struct ct_mt19937 {
  uint32_t state[CT_MT_N];
  int32_t left;  // outputs until the next twist, plus one; 1 right after seeding
  uint32_t next; // index of the next state word to output
} ct_mt19937;

/// Knuth's initialisation from the low 32 bits of `seed`.
void ct__mt_seed(ct_mt19937 *mt, uint32_t seed);
/// Regenerate all 624 words (called when `left` runs out).
void ct__mt_twist(ct_mt19937 *mt);

/// n consecutive outputs into out (the same values as n calls of ct__mt_next, faster).
void ct__mt_fill(ct_mt19937 *mt, uint32_t *out, int64_t n);

static inline uint32_t ct__mt_temper(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  return y ^ (y >> 18);
}

/// One tempered 32-bit output.
static inline uint32_t ct__mt_next(ct_mt19937 *mt) {
  if (--mt->left == 0) ct__mt_twist(mt);
  return ct__mt_temper(mt->state[mt->next++]);
}

#endif

// MT19937 seeding and twist (see mt19937.h).
#include "random/mt19937.h"

void ct__mt_seed(ct_mt19937 *mt, uint32_t seed) {
  mt->state[0] = seed;
  for (uint32_t i = 1; i < CT_MT_N; i++)
    mt->state[i] = 1812433253u * (mt->state[i - 1] ^ (mt->state[i - 1] >> 30)) + i;
  mt->left = 1;
  mt->next = 0;
}

// Combines the top bit of u with the low 31 bits of v, shifted and conditionally xored.
static inline uint32_t twist(uint32_t u, uint32_t v) {
  uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
  return (y >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

void ct__mt_twist(ct_mt19937 *mt) {
  uint32_t *s = mt->state;
  int i = 0;
  for (; i < CT_MT_N - CT_MT_M; i++) s[i] = s[i + CT_MT_M] ^ twist(s[i], s[i + 1]);
  for (; i < CT_MT_N - 1; i++) s[i] = s[i + CT_MT_M - CT_MT_N] ^ twist(s[i], s[i + 1]);
  s[CT_MT_N - 1] = s[CT_MT_M - 1] ^ twist(s[CT_MT_N - 1], s[0]);
  mt->left = CT_MT_N;
  mt->next = 0;
}

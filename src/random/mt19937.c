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

void ct__mt_fill(ct_mt19937 *mt, uint32_t *out, int64_t n) {
  while (n > 0) {
    // left - 1 outputs remain before the next twist. ct__mt_next twists on the draw that
    // takes left to 0 and leaves left = 624 after reading word 0; left = 625 here does the same.
    if (mt->left == 1) {
      ct__mt_twist(mt);
      mt->left = CT_MT_N + 1;
    }
    int64_t k = mt->left - 1 < n ? mt->left - 1 : n;
    const uint32_t *s = mt->state + mt->next;
    for (int64_t i = 0; i < k; i++) out[i] = ct__mt_temper(s[i]);
    mt->next += (uint32_t)k;
    mt->left -= (int32_t)k;
    out += k;
    n -= k;
  }
}

// The generator object (PyTorch's CPUGeneratorImpl): mt19937 state, seeding, raw 32/64-bit
// draws. Distributions are the random kernel family's loops (kernels/random.h), which see
// a generator through ct__random_source.
#ifndef CTORCH_SRC_RANDOM_GENERATOR_H
#define CTORCH_SRC_RANDOM_GENERATOR_H
#include <stdbool.h>
#include "ctorch/random.h"
#include "kernels/random.h"
#include "random/mt19937.h"

struct ct_generator {
  ct_mt19937 mt;
  uint64_t initial_seed;
  // The second value of the last Box-Muller pair drawn by the serial normal.
  ct_normal_cache normal;
  // Never produced by CPU kernels; kept so PyTorch state blobs round-trip.
  float next_float_normal;
  bool has_next_float_normal;
};

/// `gen`, or the default generator when NULL.
ct_generator *ct__generator_or_default(ct_generator *gen);

/// The generator as the random kernels see it (valid while g is).
ct_random_source ct__random_source(ct_generator *g);

static inline uint32_t ct__gen_random(ct_generator *g) { return ct__mt_next(&g->mt); }

static inline uint64_t ct__gen_random64(ct_generator *g) {
  uint64_t hi = ct__mt_next(&g->mt);
  uint64_t lo = ct__mt_next(&g->mt);
  return hi << 32 | lo;
}

#endif

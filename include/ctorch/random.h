/// @file random.h
/// @brief PyTorch-identical random numbers: generators, manual_seed, rand, randn, randint,
/// randperm, bernoulli and the in-place fills uniform_ / normal_.
///
/// ctorch reproduces PyTorch 1.13's CPU generator (mt19937 with PyTorch's seeding, 32- and
/// 64-bit draws and the cached normal value) and its CPU kernels (the AVX2 kernel copy, which
/// any x86-64 CPU with AVX2+FMA runs). After the same ct_manual_seed() / torch.manual_seed()
/// every function here produces the same bits as PyTorch, for float32, float64 and int64,
/// for every size and memory layout.
///
/// Every function that draws takes an optional generator in its `_gen` variant; NULL (and
/// the plain variant) means the default (global) generator. A generator must not be used by
/// two threads at the same time (the default one included).
///
/// ```c
/// ct_manual_seed(0);
/// ct_tensor *x = ct_rand(CT_SHAPE(3), CT_FLOAT32);     // tensor([0.4963, 0.7682, 0.0885])
/// ct_generator *g = ct_generator_new();
/// ct_generator_manual_seed(g, 42);
/// ct_tensor *p = ct_randperm_gen(10, g);
/// ct_generator_free(g);
/// ```
#ifndef CTORCH_RANDOM_H
#define CTORCH_RANDOM_H
#include <stddef.h>
#include <stdint.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A random number generator (PyTorch's CPUGeneratorImpl). Opaque.
typedef struct ct_generator ct_generator;

/// Size in bytes of a generator state blob (same as torch.get_rng_state().numel()).
#define CT_GENERATOR_STATE_SIZE 5056

// ---- generators ----

/// The default generator used when a function is given no generator (torch.default_generator).
/// Seeded from /dev/urandom at first use unless ct_manual_seed() is called first. Never NULL;
/// not to be freed.
CT_API ct_generator *ct_default_generator(void);
/// New generator, seeded like torch.Generator() (initial seed 67280421310721). Free it with
/// ct_generator_free(). NULL (with an error message) when out of memory.
CT_API ct_generator *ct_generator_new(void);
/// Free a generator from ct_generator_new(). NULL and the default generator are ignored.
CT_API void ct_generator_free(ct_generator *gen);
/// Seed `gen` (NULL: the default generator) like Generator.manual_seed(seed): the initial seed
/// becomes `seed`, mt19937 is seeded with its low 32 bits and the cached normal is cleared.
/// A negative seed passed as int64 wraps modulo 2^64, as in PyTorch. Returns the generator.
CT_API ct_generator *ct_generator_manual_seed(ct_generator *gen, uint64_t seed);
/// Re-seed `gen` (NULL: default) from /dev/urandom, like Generator.seed(); returns the seed.
CT_API uint64_t ct_generator_seed(ct_generator *gen);
/// The seed `gen` (NULL: default) was last seeded with (Generator.initial_seed()).
CT_API uint64_t ct_generator_initial_seed(const ct_generator *gen);
/// One 32-bit draw of `gen` (NULL: default): PyTorch's generator->random().
CT_API uint32_t ct_generator_random(ct_generator *gen);
/// One 64-bit draw (two 32-bit draws a, b; returns (a << 32) | b): generator->random64().
/// The DataLoader's per-epoch seeds are ct_generator_random64(g) % (1ULL << 63).
CT_API uint64_t ct_generator_random64(ct_generator *gen);

/// Copy the state of `gen` (NULL: default) into buf[CT_GENERATOR_STATE_SIZE] (cap must be at
/// least that). The layout is PyTorch's, byte for byte, so a blob is interchangeable with
/// torch.get_rng_state() / Generator.get_state() on x86-64 (little-endian):
///   offset    0  uint64  initial seed
///   offset    8  int32   left: draws until the next twist, plus one (1..624)
///   offset   12  int32   seeded (1)
///   offset   16  uint64  next: index of the next state word to output (0..624)
///   offset   24  uint64  state[624], each the zero-extended 32-bit mt19937 word
///   offset 5016  double  unused (0)
///   offset 5024  double  cached double normal sample
///   offset 5032  double  unused (0)
///   offset 5040  int32   1 when the cached double normal is valid
///   offset 5048  float   cached float normal sample
///   offset 5052  uint8   1 when the cached float normal is valid
/// All other bytes are zero.
CT_API ct_status ct_generator_get_state(const ct_generator *gen, void *buf, size_t cap);
/// Restore a state blob of CT_GENERATOR_STATE_SIZE bytes (or PyTorch's legacy 5048 bytes,
/// which carries no float normal sample). Errors like PyTorch on a wrong size or an invalid
/// mt19937 state; `gen` is unchanged on error.
CT_API ct_status ct_generator_set_state(ct_generator *gen, const void *buf, size_t size);

/// torch.manual_seed(seed): seed the default generator.
CT_API void ct_manual_seed(uint64_t seed);
/// torch.seed(): seed the default generator from /dev/urandom; returns the seed.
CT_API uint64_t ct_seed(void);
/// torch.initial_seed(): the default generator's seed.
CT_API uint64_t ct_initial_seed(void);
/// torch.get_rng_state() into buf (see ct_generator_get_state).
CT_API ct_status ct_get_rng_state(void *buf, size_t cap);
/// torch.set_rng_state(blob) (see ct_generator_set_state).
CT_API ct_status ct_set_rng_state(const void *buf, size_t size);

// ---- creation ----

/// torch.rand(shape, dtype): uniform on [0, 1). dtype float32 or float64.
CT_API ct_tensor *ct_rand(int ndim, const int64_t *shape, ct_dtype dtype);
/// ct_rand drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_rand_gen(int ndim, const int64_t *shape, ct_dtype dtype, ct_generator *gen);
/// torch.randn(shape, dtype): standard normal. dtype float32 or float64.
CT_API ct_tensor *ct_randn(int ndim, const int64_t *shape, ct_dtype dtype);
/// ct_randn drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_randn_gen(int ndim, const int64_t *shape, ct_dtype dtype, ct_generator *gen);
/// torch.randint(low, high, shape): int64 integers in [low, high) (PyTorch's modulo rule).
CT_API ct_tensor *ct_randint(int64_t low, int64_t high, int ndim, const int64_t *shape);
/// randint with a dtype (any ctorch dtype; bounds must fit it, as in PyTorch) and generator.
CT_API ct_tensor *ct_randint_gen(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_dtype dtype,
                                 ct_generator *gen);
/// torch.randperm(n): a random permutation of 0..n-1, int64.
CT_API ct_tensor *ct_randperm(int64_t n);
/// ct_randperm drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_randperm_gen(int64_t n, ct_generator *gen);
/// torch.rand_like(t): like ct_rand with t's shape and dtype; keeps t's memory layout
/// (strides) like PyTorch's empty_like, which decides the order values are drawn in.
CT_API ct_tensor *ct_rand_like(const ct_tensor *t);
/// ct_rand_like drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_rand_like_gen(const ct_tensor *t, ct_generator *gen);
/// torch.randn_like(t): like ct_randn with t's shape, dtype and memory layout.
CT_API ct_tensor *ct_randn_like(const ct_tensor *t);
/// ct_randn_like drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_randn_like_gen(const ct_tensor *t, ct_generator *gen);
/// torch.bernoulli(t, p): a contiguous tensor of t's shape and dtype holding 0/1, 1 with
/// probability p (each element: uniform53(random64()) < p, as F.dropout draws its mask).
CT_API ct_tensor *ct_bernoulli(const ct_tensor *t, double p);
/// ct_bernoulli drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_bernoulli_gen(const ct_tensor *t, double p, ct_generator *gen);

// ---- in-place fills (return t, or NULL on error) ----
// These error like PyTorch on a leaf that requires grad while grad mode is on; on a tensor
// computed from one, they record UniformBackward0 / NormalBackward0 / BernoulliBackward2
// (whose gradient is zero). Values are drawn in the tensor's memory order.

/// t.uniform_(from, to). float32: fmaf(x24, (float)to - (float)from, (float)from).
CT_API ct_tensor *ct_uniform_(ct_tensor *t, double from, double to);
/// ct_uniform_ drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_uniform_gen_(ct_tensor *t, double from, double to, ct_generator *gen);
/// t.normal_(mean, std).
CT_API ct_tensor *ct_normal_(ct_tensor *t, double mean, double std);
/// ct_normal_ drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_normal_gen_(ct_tensor *t, double mean, double std, ct_generator *gen);
/// t.bernoulli_(p) with a scalar p in [0, 1]. Any dtype.
CT_API ct_tensor *ct_bernoulli_(ct_tensor *t, double p);
/// ct_bernoulli_ drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_bernoulli_gen_(ct_tensor *t, double p, ct_generator *gen);
/// t.random_(from, to): integers in [from, to) stored in t's dtype (any dtype).
CT_API ct_tensor *ct_random_(ct_tensor *t, int64_t from, int64_t to);
/// ct_random_ drawing from `gen` (NULL: the default generator).
CT_API ct_tensor *ct_random_gen_(ct_tensor *t, int64_t from, int64_t to, ct_generator *gen);

#ifdef __cplusplus
}
#endif
#endif

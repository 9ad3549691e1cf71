// Generators: the default (global) one, seeding, 32/64-bit draws, the random kernels'
// view of a generator, and the state blob.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error_impl.h"
#include "random/device_generator.h"
#include "random/generator.h"

// torch.Generator() starts from this seed (c10's default_rng_seed_val).
#define CT_DEFAULT_RNG_SEED UINT64_C(67280421310721)

static ct_generator default_generator;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void generator_reset(ct_generator *g, uint64_t seed) {
  ct__mt_seed(&g->mt, (uint32_t)seed);
  g->initial_seed = seed;
  g->normal = (ct_normal_cache){.value = 0.0, .valid = false};
  g->has_next_float_normal = false;
  g->next_float_normal = 0.0f;
}

// 64 bits from /dev/urandom, as PyTorch seeds its default generator; a clock mix otherwise.
static uint64_t nondeterministic_seed(void) {
  uint64_t s = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    size_t got = fread(&s, sizeof s, 1, f);
    fclose(f);
    if (got == 1) return s;
  }
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  s = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&s;
  return s;
}

static void default_init(void) { generator_reset(&default_generator, nondeterministic_seed()); }

ct_generator *ct_default_generator(void) {
  pthread_once(&default_once, default_init);
  return &default_generator;
}

ct_generator *ct__generator_or_default(ct_generator *gen) { return gen ? gen : ct_default_generator(); }

ct_generator *ct_generator_new(void) {
  ct_generator *g = malloc(sizeof *g);
  if (!g) return ct__error_null(CT_ERR_MEMORY, "out of memory allocating a generator");
  generator_reset(g, CT_DEFAULT_RNG_SEED);
  return g;
}

void ct_generator_free(ct_generator *gen) {
  if (gen && gen != &default_generator) free(gen);
}

ct_generator *ct_generator_manual_seed(ct_generator *gen, uint64_t seed) {
  ct_generator *g = ct__generator_or_default(gen);
  generator_reset(g, seed);
  return g;
}

uint64_t ct_generator_seed(ct_generator *gen) {
  uint64_t s = nondeterministic_seed();
  ct_generator_manual_seed(gen, s);
  return s;
}

uint64_t ct_generator_initial_seed(const ct_generator *gen) {
  return gen ? gen->initial_seed : ct_default_generator()->initial_seed;
}

uint32_t ct_generator_random(ct_generator *gen) { return ct__gen_random(ct__generator_or_default(gen)); }
uint64_t ct_generator_random64(ct_generator *gen) { return ct__gen_random64(ct__generator_or_default(gen)); }

static void next_u32(void *g, uint32_t *out, int64_t n) { ct__mt_fill(&((ct_generator *)g)->mt, out, n); }

ct_random_source ct__random_source(ct_generator *g) {
  return (ct_random_source){.state = g, .next_u32 = next_u32, .normal = &g->normal};
}

// torch.manual_seed and torch.seed also seed every device's generator (manual_seed_all).
void ct_manual_seed(uint64_t seed) {
  ct_generator_manual_seed(NULL, seed);
  ct__device_generators_seed(CT_NUM_DEVICES, -1, seed);
}
uint64_t ct_seed(void) {
  uint64_t s = ct_generator_seed(NULL);
  ct__device_generators_seed(CT_NUM_DEVICES, -1, s);
  return s;
}
uint64_t ct_initial_seed(void) { return ct_generator_initial_seed(NULL); }

// ---- state blob: PyTorch's CPUGeneratorImplState layout (see random.h) ----

enum {
  OFF_SEED = 0,
  OFF_LEFT = 8,
  OFF_SEEDED = 12,
  OFF_NEXT = 16,
  OFF_STATE = 24,
  OFF_NORMAL_Y = 5024,
  OFF_NORMAL_VALID = 5040,
  LEGACY_SIZE = 5048,
  OFF_FLOAT_NORMAL = 5048,
  OFF_FLOAT_VALID = 5052,
};

#define PUT(buf, off, value) memcpy((char *)(buf) + (off), &(value), sizeof(value))
#define GET(buf, off, var) memcpy(&(var), (const char *)(buf) + (off), sizeof(var))

ct_status ct_generator_get_state(const ct_generator *gen, void *buf, size_t cap) {
  const ct_generator *g = gen ? gen : ct_default_generator();
  if (!buf) return ct__error(CT_ERR_ARG, "get_state: buffer is NULL");
  if (cap < CT_GENERATOR_STATE_SIZE)
    return ct__error(CT_ERR_ARG, "get_state: buffer of %zu bytes is smaller than the %d-byte state", cap,
                     CT_GENERATOR_STATE_SIZE);
  memset(buf, 0, CT_GENERATOR_STATE_SIZE);
  int32_t seeded = 1, valid = g->normal.valid;
  uint64_t next = g->mt.next;
  PUT(buf, OFF_SEED, g->initial_seed);
  PUT(buf, OFF_LEFT, g->mt.left);
  PUT(buf, OFF_SEEDED, seeded);
  PUT(buf, OFF_NEXT, next);
  for (int i = 0; i < CT_MT_N; i++) {
    uint64_t w = g->mt.state[i];
    PUT(buf, OFF_STATE + 8 * i, w);
  }
  if (valid) PUT(buf, OFF_NORMAL_Y, g->normal.value);
  PUT(buf, OFF_NORMAL_VALID, valid);
  if (g->has_next_float_normal) {
    uint8_t one = 1;
    PUT(buf, OFF_FLOAT_NORMAL, g->next_float_normal);
    PUT(buf, OFF_FLOAT_VALID, one);
  }
  return CT_OK;
}

ct_status ct_generator_set_state(ct_generator *gen, const void *buf, size_t size) {
  ct_generator *g = ct__generator_or_default(gen);
  if (!buf) return ct__error(CT_ERR_ARG, "set_state: state is NULL");
  if (size != LEGACY_SIZE && size != CT_GENERATOR_STATE_SIZE)
    return ct__error(CT_ERR_ARG,
                     "Expected either a CPUGeneratorImplStateLegacy of size %d or a CPUGeneratorImplState of "
                     "size %d but found the input RNG state size to be %zu",
                     LEGACY_SIZE, CT_GENERATOR_STATE_SIZE, size);
  ct_generator n;
  int32_t left, seeded, normal_valid;
  uint64_t next;
  GET(buf, OFF_SEED, n.initial_seed);
  GET(buf, OFF_LEFT, left);
  GET(buf, OFF_SEEDED, seeded);
  GET(buf, OFF_NEXT, next);
  // PyTorch's validity rule, plus: the outputs left before the next twist must stay inside
  // the state array (PyTorch would read past it).
  if (!seeded || left < 1 || left > CT_MT_N || next > CT_MT_N || next + (uint64_t)left > CT_MT_N + 1)
    return ct__error(CT_ERR_ARG, "Invalid mt19937 state");
  n.mt.left = left;
  n.mt.next = (uint32_t)next;
  for (int i = 0; i < CT_MT_N; i++) {
    uint64_t w;
    GET(buf, OFF_STATE + 8 * i, w);
    n.mt.state[i] = (uint32_t)w;
  }
  GET(buf, OFF_NORMAL_VALID, normal_valid);
  n.normal.valid = normal_valid != 0;
  n.normal.value = 0.0;
  if (n.normal.valid) GET(buf, OFF_NORMAL_Y, n.normal.value);
  n.has_next_float_normal = false;
  n.next_float_normal = 0.0f;
  if (size == CT_GENERATOR_STATE_SIZE) {
    uint8_t float_valid;
    GET(buf, OFF_FLOAT_VALID, float_valid);
    n.has_next_float_normal = float_valid != 0;
    if (n.has_next_float_normal) GET(buf, OFF_FLOAT_NORMAL, n.next_float_normal);
  }
  *g = n;
  return CT_OK;
}

ct_status ct_get_rng_state(void *buf, size_t cap) { return ct_generator_get_state(NULL, buf, cap); }
ct_status ct_set_rng_state(const void *buf, size_t size) { return ct_generator_set_state(NULL, buf, size); }

// Samplers (torch/utils/data/sampler.py). PyTorch's samplers are Python generator
// functions: each draw happens when the consumer asks for the index that needs it. A
// sampler here is the same state machine: an iteration is a series of chunks (a randint
// of 32, a randperm(n), one multinomial), each drawn when the previous one is used up, so
// a generator shared with other code sees the draws in PyTorch's order.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/checked.h"
#include "core/error_impl.h"
#include "ctorch/random.h"
#include "ctorch/sampler.h"
#include "ctorch/scope.h"
#include "data/sampler_impl.h"

typedef enum sampler_kind { SEQUENTIAL, RANDOM, WEIGHTED, SUBSET_RANDOM, FROM_SOURCE } sampler_kind;

#define REPLACEMENT_CHUNK 32 // RandomSampler draws randint 32 at a time

struct ct_sampler {
  sampler_kind kind;
  const ct_dataset *source; // SEQUENTIAL, RANDOM
  bool replacement;
  int64_t num_samples;      // RANDOM: 0 means len(source); WEIGHTED: the count
  ct_generator *generator;  // borrowed; NULL: the default one (RANDOM: a private one per iteration)
  double *values;           // WEIGHTED: the weights
  int64_t *indices;         // SUBSET_RANDOM: the indices
  int64_t count;            // number of weights or indices
  const ct__sampler_source *list_source; // FROM_SOURCE: its callbacks and their ctx
  void *list_ctx;
  // The iteration.
  bool started, finished;    // finished: no chunk is left to draw
  int64_t n;                 // len(source) when the iteration's first chunk was drawn
  int64_t chunks;            // chunks drawn
  int64_t *chunk;            // the current chunk's indices
  int64_t chunk_len, chunk_pos, chunk_cap;
  ct_generator *private_gen; // RANDOM without a generator: seeded from the default generator
};

static ct_sampler *new_sampler(sampler_kind kind) {
  ct_sampler *s = calloc(1, sizeof *s);
  if (!s) return ct__error_null(CT_ERR_MEMORY, "out of memory creating a sampler");
  s->kind = kind;
  return s;
}

static int64_t source_len(const ct_dataset *source) {
  int64_t n = source->length(source->ctx);
  if (n < 0) ct__error(CT_ERR_ARG, "dataset length is negative (%lld)", (long long)n);
  return n;
}

static ct_status check_source(const ct_dataset *source, const char *what) {
  if (!source) return ct__error(CT_ERR_ARG, "%s: data_source is NULL", what);
  if (!source->length || !source->get_item)
    return ct__error(CT_ERR_ARG, "%s: dataset needs length and get_item callbacks", what);
  return CT_OK;
}

ct_sampler *ct_sequential_sampler_new(const ct_dataset *data_source) {
  if (check_source(data_source, "SequentialSampler") != CT_OK) return NULL;
  ct_sampler *s = new_sampler(SEQUENTIAL);
  if (s) s->source = data_source;
  return s;
}

ct_sampler *ct_random_sampler_new(const ct_dataset *data_source, bool replacement, int64_t num_samples,
                                  ct_generator *generator) {
  if (check_source(data_source, "RandomSampler") != CT_OK) return NULL;
  int64_t effective = num_samples ? num_samples : source_len(data_source);
  if (effective <= 0 && (num_samples || effective == 0))
    return ct__error_null(CT_ERR_ARG, "num_samples should be a positive integer value, but got num_samples=%lld",
                          (long long)effective);
  if (effective < 0) return NULL; // negative length: source_len said so
  ct_sampler *s = new_sampler(RANDOM);
  if (!s) return NULL;
  s->source = data_source;
  s->replacement = replacement;
  s->num_samples = num_samples;
  s->generator = generator;
  return s;
}

// Python's repr of a shape tuple: "()", "(3, 4)".
static void format_tuple(char *out, int ndim, const int64_t *shape) {
  int len = sprintf(out, "(");
  for (int d = 0; d < ndim; d++) len += sprintf(out + len, "%s%lld", d ? ", " : "", (long long)shape[d]);
  sprintf(out + len, ")");
}

ct_sampler *ct_weighted_random_sampler_new(const ct_tensor *weights, int64_t num_samples, bool replacement,
                                           ct_generator *generator) {
  if (num_samples <= 0)
    return ct__error_null(CT_ERR_ARG, "num_samples should be a positive integer value, but got num_samples=%lld",
                          (long long)num_samples);
  if (!weights) return NULL;
  if (ct_dim(weights) != 1) {
    char shape[CT_MAX_DIMS * 22 + 3];
    format_tuple(shape, ct_dim(weights), ct_shape(weights));
    return ct__error_null(CT_ERR_ARG, "weights should be a 1d sequence but given weights have shape %s", shape);
  }
  ct_sampler *s = new_sampler(WEIGHTED);
  if (!s) return NULL;
  s->count = ct_numel(weights);
  s->num_samples = num_samples;
  s->replacement = replacement;
  s->generator = generator;
  if (!(s->values = malloc((size_t)(s->count ? s->count : 1) * sizeof *s->values)) ||
      ct_to_f64_array(weights, s->values) != CT_OK) {
    if (!s->values) ct__error(CT_ERR_MEMORY, "out of memory copying the sampler's weights");
    ct_sampler_free(s);
    return NULL;
  }
  return s;
}

ct_sampler *ct_subset_random_sampler_new(const int64_t *indices, int64_t n, ct_generator *generator) {
  if (n < 0) return ct__error_null(CT_ERR_ARG, "SubsetRandomSampler: negative number of indices (%lld)", (long long)n);
  if (n && !indices) return ct__error_null(CT_ERR_ARG, "SubsetRandomSampler: indices is NULL");
  int64_t bytes;
  if (!ct__mul_ok(n ? n : 1, (int64_t)sizeof *indices, &bytes))
    return ct__error_null(CT_ERR_MEMORY, "SubsetRandomSampler: %lld indices are too many", (long long)n);
  ct_sampler *s = new_sampler(SUBSET_RANDOM);
  if (!s) return NULL;
  if (!(s->indices = malloc((size_t)bytes))) {
    ct_sampler_free(s);
    return ct__error_null(CT_ERR_MEMORY, "out of memory copying the sampler's indices");
  }
  if (n) memcpy(s->indices, indices, (size_t)n * sizeof *indices);
  s->count = n;
  s->generator = generator;
  return s;
}

ct_sampler *ct__sampler_from_source(const ct__sampler_source *source, void *ctx) {
  ct_sampler *s = new_sampler(FROM_SOURCE);
  if (!s) {
    source->free_ctx(ctx);
    return NULL;
  }
  s->list_source = source;
  s->list_ctx = ctx;
  return s;
}

void *ct__sampler_source_ctx(const ct_sampler *s, const ct__sampler_source *source) {
  return s && s->kind == FROM_SOURCE && s->list_source == source ? s->list_ctx : NULL;
}

void ct_sampler_free(ct_sampler *s) {
  if (!s) return;
  if (s->kind == FROM_SOURCE) s->list_source->free_ctx(s->list_ctx);
  ct_generator_free(s->private_gen);
  free(s->values);
  free(s->indices);
  free(s->chunk);
  free(s);
}

int64_t ct_sampler_len(const ct_sampler *s) {
  if (!s) {
    ct__error(CT_ERR_ARG, "sampler is NULL");
    return -1;
  }
  switch (s->kind) {
  case SEQUENTIAL: return source_len(s->source);
  case RANDOM: return s->num_samples ? s->num_samples : source_len(s->source);
  case WEIGHTED: return s->num_samples;
  case SUBSET_RANDOM: return s->count;
  case FROM_SOURCE: return s->list_source->length(s->list_ctx);
  }
  return -1;
}

ct_status ct_sampler_start(ct_sampler *s) {
  if (!s) return ct__error(CT_ERR_ARG, "sampler is NULL");
  s->started = true;
  s->finished = false;
  s->chunks = 0;
  s->chunk_len = s->chunk_pos = 0;
  return CT_OK;
}

// Room for `len` indices in the chunk buffer.
static ct_status reserve_chunk(ct_sampler *s, int64_t len) {
  if (len <= s->chunk_cap) return CT_OK;
  int64_t bytes;
  if (!ct__mul_ok(len, (int64_t)sizeof *s->chunk, &bytes))
    return ct__error(CT_ERR_MEMORY, "sampler: a draw of %lld indices is too large", (long long)len);
  int64_t *chunk = realloc(s->chunk, (size_t)bytes);
  if (!chunk) return ct__error(CT_ERR_MEMORY, "out of memory drawing sampler indices");
  s->chunk = chunk;
  s->chunk_cap = len;
  return CT_OK;
}

// Draws (randint or randperm) into the chunk buffer, of which `keep` indices are used.
static ct_status draw_chunk(ct_sampler *s, bool permutation, int64_t len, int64_t keep, ct_generator *gen) {
  ct_status st = reserve_chunk(s, len);
  if (st != CT_OK) return st;
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  ct_tensor *drawn = permutation ? ct_randperm_gen(len, gen) : ct_randint_gen(0, s->n, 1, &len, CT_INT64, gen);
  st = !drawn ? ct_last_status() : len ? ct_to_i64_array(drawn, s->chunk) : CT_OK;
  ct_scope_close(scope);
  s->chunk_len = st == CT_OK ? keep : 0;
  s->chunk_pos = 0;
  return st;
}

// RandomSampler.__iter__: the next chunk of its loops.
static ct_status random_chunk(ct_sampler *s) {
  if (s->chunks == 0) { // the generator function's first run: its preamble
    if ((s->n = source_len(s->source)) < 0) return CT_ERR_ARG;
    if (!s->generator) {
      uint64_t seed = ct_generator_random64(NULL) % (UINT64_C(1) << 63);
      if (!s->private_gen && !(s->private_gen = ct_generator_new())) return ct_last_status();
      ct_generator_manual_seed(s->private_gen, seed);
    }
  }
  ct_generator *gen = s->generator ? s->generator : s->private_gen;
  int64_t total = s->num_samples ? s->num_samples : s->n, k = s->chunks++;
  if (s->replacement) {
    int64_t full = total / REPLACEMENT_CHUNK, len = k < full ? REPLACEMENT_CHUNK : total % REPLACEMENT_CHUNK;
    s->finished = k == full;
    return draw_chunk(s, false, len, len, gen);
  }
  if (s->n == 0) return ct__error(CT_ERR_ARG, "integer division or modulo by zero");
  int64_t full = total / s->n;
  s->finished = k == full;
  return draw_chunk(s, true, s->n, k < full ? s->n : total % s->n, gen);
}

static ct_status next_chunk(ct_sampler *s) {
  switch (s->kind) {
  case SEQUENTIAL: // one chunk that is its own index: see ct_sampler_next
    s->finished = true;
    if ((s->n = source_len(s->source)) < 0) return CT_ERR_ARG;
    s->chunk_len = s->n;
    s->chunk_pos = 0;
    return CT_OK;
  case RANDOM: return random_chunk(s);
  case WEIGHTED: {
    s->finished = true;
    ct_status st = reserve_chunk(s, s->num_samples);
    if (st == CT_OK)
      st = ct__weighted_draw(s->values, s->count, s->num_samples, s->replacement, s->generator, s->chunk);
    s->chunk_len = st == CT_OK ? s->num_samples : 0;
    s->chunk_pos = 0;
    return st;
  }
  case SUBSET_RANDOM: {
    s->finished = true;
    s->n = s->count;
    ct_status st = draw_chunk(s, true, s->count, s->count, s->generator);
    for (int64_t i = 0; st == CT_OK && i < s->count; i++) s->chunk[i] = s->indices[s->chunk[i]];
    return st;
  }
  case FROM_SOURCE: {
    s->finished = true;
    int64_t len = s->list_source->length(s->list_ctx);
    ct_status st = reserve_chunk(s, len);
    if (st == CT_OK) st = s->list_source->draw(s->list_ctx, s->chunk);
    s->chunk_len = st == CT_OK ? len : 0;
    s->chunk_pos = 0;
    return st;
  }
  }
  return CT_OK;
}

ct_batch_result ct_sampler_next(ct_sampler *s, int64_t *index) {
  if (!s || !index) {
    ct__error(CT_ERR_ARG, "sampler next: NULL argument");
    return CT_BATCH_ERROR;
  }
  if (!s->started) ct_sampler_start(s);
  while (s->chunk_pos == s->chunk_len) {
    if (s->finished) {
      s->started = false; // the next call starts a new iteration
      return CT_BATCH_END;
    }
    if (next_chunk(s) != CT_OK) {
      s->started = false;
      return CT_BATCH_ERROR;
    }
  }
  int64_t pos = s->chunk_pos++;
  *index = s->kind == SEQUENTIAL ? pos : s->chunk[pos];
  return CT_BATCH_READY;
}

// A sorted vocabulary with an unknown-word fallback. Lookups go through a hash table of
// the indices (open addressing, at most half full): one string comparison per found word
// instead of a binary search's log2(size) (a data loader looks up every word of a sample).
#include <stdlib.h>
#include <string.h>
#include "core/checked.h"
#include "core/error_impl.h"
#include "ctorch/data.h"

struct ct_vocab {
  int64_t size;
  char **words; // sorted, distinct, owned
  int64_t unk_index;
  int64_t *slots; // word index or -1 (empty); mask + 1 of them, a power of two
  uint64_t mask;
};

static int compare_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void ct_vocab_free(ct_vocab *v) {
  if (!v) return;
  for (int64_t i = 0; i < v->size; i++) free(v->words[i]);
  free(v->words);
  free(v->slots);
  free(v);
}

static uint64_t hash_word(const char *w) { // FNV-1a
  uint64_t h = UINT64_C(14695981039346656037);
  for (; *w; w++) h = (h ^ (unsigned char)*w) * UINT64_C(1099511628211);
  return h;
}

// The slot holding `word`, or the empty slot where it would go.
static uint64_t slot_of(const ct_vocab *v, const char *word) {
  uint64_t s = hash_word(word) & v->mask;
  while (v->slots[s] >= 0 && strcmp(v->words[v->slots[s]], word)) s = (s + 1) & v->mask;
  return s;
}

static int64_t find(const ct_vocab *v, const char *word) { return v->slots[slot_of(v, word)]; }

// Indexes the (sorted, distinct) words; false when out of memory.
static bool build_slots(ct_vocab *v) {
  uint64_t cap = 8;
  while (cap < 2 * (uint64_t)v->size) cap *= 2;
  v->slots = malloc(cap * sizeof *v->slots);
  if (!v->slots) return false;
  v->mask = cap - 1;
  for (uint64_t s = 0; s < cap; s++) v->slots[s] = -1;
  for (int64_t i = 0; i < v->size; i++) v->slots[slot_of(v, v->words[i])] = i;
  return true;
}

ct_vocab *ct_vocab_new(const char *const *words, int64_t n, const char *const *specials, int n_specials,
                       const char *unk_token) {
  if (n < 0) return ct__error_null(CT_ERR_ARG, "vocab: the number of words is negative (%lld)", (long long)n);
  if (n_specials < 0) return ct__error_null(CT_ERR_ARG, "vocab: the number of specials is negative (%d)", n_specials);
  if (n && !words) return ct__error_null(CT_ERR_ARG, "vocab: words is NULL but %lld words were announced", (long long)n);
  if (n_specials && !specials)
    return ct__error_null(CT_ERR_ARG, "vocab: specials is NULL but %d specials were announced", n_specials);
  if (!unk_token) return ct__error_null(CT_ERR_ARG, "vocab: unk_token is NULL");
  int64_t total, bytes;
  if (!ct__add_ok(n, n_specials, &total) || !ct__mul_ok(total, (int64_t)sizeof(char *), &bytes))
    return ct__error_null(CT_ERR_MEMORY, "vocab: %lld words and %d specials are too many", (long long)n, n_specials);
  ct_vocab *v = calloc(1, sizeof *v);
  if (v) v->words = malloc((size_t)(total ? total : 1) * sizeof *v->words);
  if (!v || !v->words) {
    free(v);
    return ct__error_null(CT_ERR_MEMORY, "out of memory building a vocabulary");
  }
  for (int64_t i = 0; i < total; i++) {
    const char *w = i < n ? words[i] : specials[i - n];
    if (!w) {
      ct_vocab_free(v);
      return i < n ? ct__error_null(CT_ERR_ARG, "vocab: word %lld is NULL", (long long)i)
                   : ct__error_null(CT_ERR_ARG, "vocab: special %lld is NULL", (long long)(i - n));
    }
    v->words[v->size] = malloc(strlen(w) + 1);
    if (!v->words[v->size]) {
      ct_vocab_free(v);
      return ct__error_null(CT_ERR_MEMORY, "out of memory building a vocabulary");
    }
    strcpy(v->words[v->size++], w);
  }
  qsort(v->words, (size_t)v->size, sizeof *v->words, compare_words);
  int64_t kept = 0;
  for (int64_t i = 0; i < v->size; i++) {
    if (kept && !strcmp(v->words[kept - 1], v->words[i])) free(v->words[i]);
    else v->words[kept++] = v->words[i];
  }
  v->size = kept;
  if (!build_slots(v)) {
    ct_vocab_free(v);
    return ct__error_null(CT_ERR_MEMORY, "out of memory building a vocabulary");
  }
  v->unk_index = find(v, unk_token);
  if (v->unk_index < 0) {
    ct_vocab_free(v);
    return ct__error_null(CT_ERR_ARG, "vocab: unknown token '%s' is not in the vocabulary", unk_token);
  }
  return v;
}

int64_t ct_vocab_size(const ct_vocab *v) { return v ? v->size : -1; }

int64_t ct_vocab_index(const ct_vocab *v, const char *word) {
  if (!v || !word) return -1;
  int64_t i = find(v, word);
  return i >= 0 ? i : v->unk_index;
}

const char *ct_vocab_word(const ct_vocab *v, int64_t i) {
  return v && i >= 0 && i < v->size ? v->words[i] : NULL;
}

// A sorted vocabulary with binary-search lookup and an unknown-word fallback.
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "ctorch/data.h"

struct ct_vocab {
  int64_t size;
  char **words; // sorted, distinct, owned
  int64_t unk_index;
};

static int compare_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void ct_vocab_free(ct_vocab *v) {
  if (!v) return;
  for (int64_t i = 0; i < v->size; i++) free(v->words[i]);
  free(v->words);
  free(v);
}

static int64_t find(const ct_vocab *v, const char *word) {
  int64_t lo = 0, hi = v->size - 1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int c = strcmp(v->words[mid], word);
    if (!c) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

ct_vocab *ct_vocab_new(const char *const *words, int64_t n, const char *const *specials, int n_specials,
                       const char *unk_token) {
  if (n < 0 || n_specials < 0 || (n && !words) || (n_specials && !specials) || !unk_token)
    return ct__error_null(CT_ERR_ARG, "vocab: invalid arguments");
  ct_vocab *v = calloc(1, sizeof *v);
  int64_t total = n + n_specials;
  if (v) v->words = malloc((size_t)(total ? total : 1) * sizeof *v->words);
  if (!v || !v->words) {
    free(v);
    return ct__error_null(CT_ERR_MEMORY, "out of memory building a vocabulary");
  }
  for (int64_t i = 0; i < total; i++) {
    const char *w = i < n ? words[i] : specials[i - n];
    if (!w) {
      ct_vocab_free(v);
      return ct__error_null(CT_ERR_ARG, "vocab: word %lld is NULL", (long long)i);
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

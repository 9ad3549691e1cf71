// Reading and holding the word-window demo's sentences (see word_window_corpus.h).
#define _POSIX_C_SOURCE 200809L
#include "word_window_corpus.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *lower_copy(const char *word, size_t len) {
  char *w = malloc(len + 1);
  if (!w) return NULL;
  for (size_t i = 0; i < len; i++) w[i] = (char)tolower((unsigned char)word[i]);
  w[len] = '\0';
  return w;
}

void corpus_free(corpus *c) {
  for (int64_t s = 0; s < c->count; s++) {
    for (int64_t i = 0; i < c->sentences[s].length; i++) free(c->sentences[s].words[i]);
    free(c->sentences[s].words);
    free(c->sentences[s].labels);
  }
  free(c->sentences);
  *c = (corpus){0};
}

static sentence *corpus_add_sentence(corpus *c) {
  sentence *grown = realloc(c->sentences, (size_t)(c->count + 1) * sizeof *grown);
  if (!grown) return NULL;
  c->sentences = grown;
  c->sentences[c->count] = (sentence){0};
  return &c->sentences[c->count++];
}

static int sentence_add_word(sentence *s, const char *word, size_t len, int64_t label) {
  char **words = realloc(s->words, (size_t)(s->length + 1) * sizeof *words);
  if (words) s->words = words;
  int64_t *labels = realloc(s->labels, (size_t)(s->length + 1) * sizeof *labels);
  if (labels) s->labels = labels;
  char *w = lower_copy(word, len);
  if (!words || !labels || !w) {
    free(w);
    return -1;
  }
  s->words[s->length] = w;
  s->labels[s->length++] = label;
  return 0;
}

// preprocess_sentence: lower-case and split on whitespace; label = word is a location.
int add_text_sentence(corpus *c, const char *text, const char *const *locations, int n_locations) {
  sentence *s = corpus_add_sentence(c);
  if (!s) return -1;
  for (const char *p = text; *p;) {
    while (*p && isspace((unsigned char)*p)) p++;
    const char *start = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (p == start) break;
    char *w = lower_copy(start, (size_t)(p - start));
    if (!w) return -1;
    int64_t label = 0;
    for (int k = 0; k < n_locations; k++)
      if (!strcmp(w, locations[k])) label = 1;
    free(w);
    if (sentence_add_word(s, start, (size_t)(p - start), label)) return -1;
  }
  return 0;
}

int conll_read(corpus *c, FILE *f, const char *name) {
  char line[4096];
  long lineno = 0;
  sentence *current = NULL;
  int status = 0;
  while (status == 0 && fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strcspn(line, "\r\n");
    if (!line[len] && !feof(f)) {
      fprintf(stderr, "word_window: %s:%ld: line longer than %zu characters\n", name, lineno, sizeof line - 2);
      status = -1;
      break;
    }
    line[len] = '\0';
    if (len == 0) {
      current = NULL;
      continue;
    }
    char *tab = strchr(line, '\t');
    if (!tab || tab == line || !tab[1]) {
      fprintf(stderr, "word_window: %s:%ld: expected 'word<TAB>label', got '%s'\n", name, lineno, line);
      status = -1;
      break;
    }
    if (!current && !(current = corpus_add_sentence(c))) status = -1;
    else if (sentence_add_word(current, line, (size_t)(tab - line), strstr(tab + 1, "LOC") != NULL)) status = -1;
    if (status) fprintf(stderr, "word_window: %s:%ld: out of memory\n", name, lineno);
  }
  if (status == 0 && c->count == 0) {
    fprintf(stderr, "word_window: %s: no sentences found\n", name);
    status = -1;
  }
  return status;
}

int load_conll(corpus *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "word_window: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  int status = conll_read(c, f, path);
  fclose(f);
  return status;
}

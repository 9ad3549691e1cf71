// The word-window demo's data: sentences as lower-cased words with 0/1 location labels,
// from text (the notebook's sentences) or from a CoNLL-style file ("word<TAB>label" per
// line, labels containing LOC mark locations, blank lines between sentences).
#ifndef CTORCH_EXAMPLES_WORD_WINDOW_CORPUS_H
#define CTORCH_EXAMPLES_WORD_WINDOW_CORPUS_H
#include <stdint.h>
#include <stdio.h>

typedef struct sentence {
  int64_t length;
  char **words;
  int64_t *labels;
} sentence;

typedef struct corpus {
  int64_t count;
  sentence *sentences;
} corpus;

/// Frees every sentence; the corpus is empty afterwards.
void corpus_free(corpus *c);
/// Appends `text` lower-cased and split on whitespace (the notebook's preprocess_sentence);
/// a word's label is 1 when it is one of `locations`. 0, or -1 when out of memory.
int add_text_sentence(corpus *c, const char *text, const char *const *locations, int n_locations);
/// Appends the sentences of a CoNLL-style stream; `name` is used in messages. 0, or -1
/// after a message on stderr (malformed line with its number, no sentences, out of memory).
int conll_read(corpus *c, FILE *f, const char *name);
/// conll_read of the file at `path`.
int load_conll(corpus *c, const char *path);

#endif

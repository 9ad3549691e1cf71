// libFuzzer target for the word-window demo's CoNLL corpus reader (conll_read). Any bytes
// must either read or be refused with a message; never crash, overflow or leak. A corpus
// that reads holds non-empty sentences of non-empty lower-case words labelled 0 or 1.
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "word_window_corpus.h"

static void check_corpus(const corpus *c) {
  if (c->count <= 0) abort();
  for (int64_t s = 0; s < c->count; s++) {
    const sentence *sen = &c->sentences[s];
    if (sen->length <= 0) abort();
    for (int64_t i = 0; i < sen->length; i++) {
      if (!sen->words[i][0] || (sen->labels[i] != 0 && sen->labels[i] != 1)) abort();
      for (const char *p = sen->words[i]; *p; p++)
        if (isupper((unsigned char)*p)) abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0; // fmemopen refuses an empty buffer; the empty file is a unit test's case
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  corpus c = {0};
  if (conll_read(&c, f, "fuzz") == 0) check_corpus(&c);
  corpus_free(&c);
  fclose(f);
  return 0;
}

// libFuzzer target for the digits example's reader (digits_read), on gzip streams and on
// plain text (zlib reads both). Any bytes must either read or be refused with a message;
// never crash, overflow or leak. Images that read have pixels in [0, 1] and labels 0-9.
#define _POSIX_C_SOURCE 200809L
#include "digits_data.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void check_digits(const digits *d) {
  if (d->count <= 0) abort();
  for (int64_t i = 0; i < d->count; i++) {
    if (d->labels[i] < 0 || d->labels[i] > 9) abort();
    for (int k = 0; k < DIGITS_PIXELS; k++) {
      float p = d->pixels[i * DIGITS_PIXELS + k];
      if (!(p >= 0.0f && p <= 1.0f)) abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *tmp = tmpfile();
  if (!tmp) return 0;
  if (fwrite(data, 1, size, tmp) != size || fflush(tmp) || fseek(tmp, 0, SEEK_SET)) {
    fclose(tmp);
    return 0;
  }
  gzFile f = gzdopen(dup(fileno(tmp)), "rb");
  if (f) {
    digits d = {0};
    if (digits_read(&d, f, "fuzz") == 0) check_digits(&d);
    digits_free(&d);
    gzclose(f);
  }
  fclose(tmp);
  return 0;
}

// Reader of the digits csv (see digits_data.h).
#include "digits_data.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The digits are 0.3 MB of text; a file this big is something else.
#define MAX_TEXT (64 << 20)

void digits_free(digits *d) {
  free(d->pixels);
  free(d->labels);
  *d = (digits){0};
}

static int grow(digits *d, int64_t *capacity) {
  if (d->count < *capacity) return 0;
  int64_t n = *capacity ? 2 * *capacity : 2048;
  float *pixels = realloc(d->pixels, (size_t)n * DIGITS_PIXELS * sizeof *pixels);
  if (pixels) d->pixels = pixels;
  int64_t *labels = pixels ? realloc(d->labels, (size_t)n * sizeof *labels) : NULL;
  if (labels) d->labels = labels;
  if (!pixels || !labels) return -1;
  *capacity = n;
  return 0;
}

// Parses one row into pixels[64] (divided by 16) and *label. NULL, or what is wrong with it.
static const char *parse_row(char *line, float *pixels, int64_t *label, char *why, size_t cap) {
  char *p = line;
  for (int k = 0; k <= DIGITS_PIXELS; k++) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    while (*end == ' ' || *end == '\t')
      end++;
    bool last = k == DIGITS_PIXELS;
    if (end == p || errno == ERANGE || !isfinite(v) || (last ? *end != '\0' : *end != ',')) {
      // Say whether the row is short, long, or holds something that is not a number.
      int values = 1;
      for (const char *q = line; *q; q++)
        values += *q == ',';
      if (values != DIGITS_PIXELS + 1)
        snprintf(why, cap, "expected %d comma-separated values (64 pixels, then the label), found %d",
                 DIGITS_PIXELS + 1, values);
      else
        snprintf(why, cap, "value %d is not a number", k + 1);
      return why;
    }
    if (!last && (v < 0 || v > 16)) {
      snprintf(why, cap, "pixel %d is %g (pixels are 0 to 16)", k + 1, v);
      return why;
    }
    if (last && (v < 0 || v > 9 || v != floor(v))) {
      snprintf(why, cap, "label %g is not a digit 0 to 9", v);
      return why;
    }
    if (last)
      *label = (int64_t)v;
    else
      pixels[k] = (float)(v / 16.0);
    p = end + 1;
  }
  return NULL;
}

// The whole decompressed stream in one buffer (NUL-terminated), or NULL after a message.
static char *read_all(gzFile f, const char *name, size_t *size) {
  size_t cap = 1 << 20, n = 0;
  char *text = malloc(cap + 1);
  for (;;) {
    if (!text) {
      fprintf(stderr, "digits_cnn: out of memory reading %s\n", name);
      return NULL;
    }
    int got = gzread(f, text + n, (unsigned)(cap - n));
    if (got < 0) break;
    n += (size_t)got;
    if (n < cap) break; // end of the stream
    if (cap >= MAX_TEXT) {
      fprintf(stderr, "digits_cnn: %s: more than %d MiB of text: not a digits file\n", name, MAX_TEXT >> 20);
      free(text);
      return NULL;
    }
    char *bigger = realloc(text, 2 * cap + 1);
    if (!bigger) free(text);
    text = bigger;
    cap *= 2;
  }
  int err;
  const char *message = gzerror(f, &err);
  if (err != Z_OK) { // Z_BUF_ERROR: the gzip stream stops in the middle
    fprintf(stderr, "digits_cnn: cannot read %s: %s\n", name,
            err == Z_ERRNO       ? strerror(errno)
            : err == Z_BUF_ERROR ? "truncated gzip data"
                                 : message);
    free(text);
    return NULL;
  }
  text[n] = '\0';
  *size = n;
  return text;
}

int digits_read(digits *d, gzFile f, const char *name) {
  size_t size;
  char *text = read_all(f, name, &size);
  if (!text) return -1;
  char why[128];
  int64_t capacity = d->count, lineno = 0;
  int status = 0;
  for (char *line = text; status == 0 && line < text + size;) {
    lineno++;
    char *newline = memchr(line, '\n', (size_t)(text + size - line));
    char *next = newline ? newline + 1 : text + size;
    size_t n = (size_t)((newline ? newline : text + size) - line);
    if (memchr(line, '\0', n)) {
      fprintf(stderr, "digits_cnn: %s:%lld: not text (a NUL byte)\n", name, (long long)lineno);
      status = -1;
      break;
    }
    line[n] = '\0';
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
      line[--n] = '\0';
    if (strspn(line, " \t") < n) { // blank lines are skipped
      if (grow(d, &capacity)) {
        fprintf(stderr, "digits_cnn: out of memory reading %s\n", name);
        status = -1;
      } else if (parse_row(line, d->pixels + d->count * DIGITS_PIXELS, d->labels + d->count, why,
                           sizeof why)) {
        fprintf(stderr, "digits_cnn: %s:%lld: %s\n", name, (long long)lineno, why);
        status = -1;
      } else {
        d->count++;
      }
    }
    line = next;
  }
  free(text);
  if (status == 0 && d->count == 0) {
    fprintf(stderr, "digits_cnn: %s: no images\n", name);
    status = -1;
  }
  return status;
}

int digits_load(digits *d, const char *path) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "digits_cnn: cannot read %s: %s\n", path, errno ? strerror(errno) : "out of memory");
    return -1;
  }
  int status = digits_read(d, f, path);
  gzclose(f);
  return status;
}

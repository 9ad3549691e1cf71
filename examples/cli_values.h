// Command-line values of the examples: each parser accepts the whole text or nothing, so
// `--epochs abc` is an error (the caller prints it with the usage line, exit status 2),
// never 0 epochs.
#ifndef CTORCH_EXAMPLES_CLI_VALUES_H
#define CTORCH_EXAMPLES_CLI_VALUES_H
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/// A whole decimal number >= min that fits a long.
static inline bool cli_parse_long(const char *text, long min, long *out) {
  char *end;
  errno = 0;
  if (!isdigit((unsigned char)text[0])) return false;
  long v = strtol(text, &end, 10);
  if (*end || errno || v < min) return false;
  *out = v;
  return true;
}

/// A seed: a whole decimal number from 0 to 2^64 - 1.
static inline bool cli_parse_seed(const char *text, unsigned long long *out) {
  char *end;
  errno = 0;
  if (!isdigit((unsigned char)text[0])) return false; // strtoull would wrap a negative number
  unsigned long long v = strtoull(text, &end, 10);
  if (*end || errno) return false;
  *out = v;
  return true;
}

/// A finite number >= 0 (a learning rate).
static inline bool cli_parse_rate(const char *text, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end || errno || !isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

/// A directory name (--logdir): any non-empty text.
static inline bool cli_parse_dir(const char *text, const char **out) {
  if (!text[0]) return false;
  *out = text;
  return true;
}

#endif

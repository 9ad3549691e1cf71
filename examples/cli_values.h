// Command-line values of the examples: each parser accepts the whole text or nothing, so
// `--epochs abc` is an error (the caller prints it with the usage line, exit status 2),
// never 0 epochs.
#ifndef CTORCH_EXAMPLES_CLI_VALUES_H
#define CTORCH_EXAMPLES_CLI_VALUES_H
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/// --device: "cpu" (false) or "cuda" (true).
static inline bool cli_parse_device(const char *text, bool *cuda) {
  if (strcmp(text, "cpu") && strcmp(text, "cuda")) return false;
  *cuda = !strcmp(text, "cuda");
  return true;
}

/// What an option's value is, and so which parser reads it.
typedef enum cli_kind {
  CLI_COUNT, ///< a whole number >= min (long)
  CLI_SEED,  ///< 0 to 2^64 - 1 (unsigned long long)
  CLI_RATE,  ///< a finite number >= 0 (double)
  CLI_TEXT,  ///< any text, such as a file name (const char *)
  CLI_DIR,   ///< a directory name: any non-empty text (const char *)
  CLI_DEVICE, ///< cpu or cuda (bool *: true for cuda)
} cli_kind;

/// One "--name value" option of an example.
typedef struct cli_option {
  const char *name; ///< "--steps"
  cli_kind kind;
  long min;         ///< CLI_COUNT's smallest value
  void *out;        ///< where the value goes: long *, unsigned long long *, double *, const char ** or bool *
} cli_option;

/// Reads argv's "--name value" pairs into opts. Returns -1 when the program goes on;
/// otherwise its exit status: 0 after --help / -h (help() prints on stdout), 2 after a
/// message on stderr ("<program>: --steps 'x': expected a whole number, 0 or more", an
/// unknown argument, a missing value) and usage(stderr).
static inline int cli_parse_options(int argc, char **argv, const char *program, const cli_option *opts, int n,
                                    void (*usage)(FILE *), void (*help)(void)) {
  for (int i = 1; i < argc; i++) {
    const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
      help();
      return 0;
    }
    const cli_option *o = NULL;
    for (int k = 0; k < n && !o; k++)
      if (!strcmp(name, opts[k].name)) o = &opts[k];
    char expected[64] = "";
    if (!o) {
      fprintf(stderr, "%s: unknown argument '%s'\n", program, name);
    } else if (!value) {
      fprintf(stderr, "%s: %s needs a value\n", program, name);
    } else if (o->kind == CLI_COUNT && !cli_parse_long(value, o->min, (long *)o->out)) {
      snprintf(expected, sizeof expected, "a whole number, %ld or more", o->min);
    } else if (o->kind == CLI_SEED && !cli_parse_seed(value, (unsigned long long *)o->out)) {
      snprintf(expected, sizeof expected, "a whole number from 0 to 18446744073709551615");
    } else if (o->kind == CLI_RATE && !cli_parse_rate(value, (double *)o->out)) {
      snprintf(expected, sizeof expected, "a number, 0 or more");
    } else if (o->kind == CLI_DIR && !cli_parse_dir(value, (const char **)o->out)) {
      snprintf(expected, sizeof expected, "a directory");
    } else if (o->kind == CLI_DEVICE && !cli_parse_device(value, (bool *)o->out)) {
      snprintf(expected, sizeof expected, "cpu or cuda");
    } else if (o->kind == CLI_TEXT) {
      *(const char **)o->out = value;
    }
    if (expected[0] && value) fprintf(stderr, "%s: %s '%s': expected %s\n", program, name, value, expected);
    if (!o || !value || expected[0]) {
      usage(stderr);
      return 2;
    }
    i++;
  }
  return -1;
}

#endif

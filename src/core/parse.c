// torch.tensor(nested list) for C: parsing "[[0, 1], [2, 3.5]]" literals.
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"

typedef struct parser {
  const char *s;
  const char *start; // the literal's first character: error offsets count from it
  int ndim;                   // depth fixed by the first leaf reached
  int64_t shape[CT_MAX_DIMS]; // -1 until the first list at that depth closes
  double *values;
  int64_t *ints; // exact int/bool literals: int64 results must not pass through double
  size_t count, capacity;
  bool saw_float, saw_int, saw_bool;
} parser;

// Records "tensor literal: <what> at offset N" for the current position, naming the
// character found there or the end of the input.
static bool syntax_error(const parser *p, const char *what) {
  long offset = (long)(p->s - p->start);
  if (*p->s) ct__error(CT_ERR_ARG, "tensor literal: %s at offset %ld, found '%c'", what, offset, *p->s);
  else ct__error(CT_ERR_ARG, "tensor literal: %s at offset %ld, found the end of the input", what, offset);
  return false;
}

static void skip_ws(parser *p) {
  while (isspace((unsigned char)*p->s)) p->s++;
}

static bool push_value(parser *p, double v, int64_t iv) {
  if (p->count == p->capacity) {
    size_t cap = p->capacity ? 2 * p->capacity : 64;
    double *vals = realloc(p->values, cap * sizeof *vals);
    if (vals) p->values = vals;
    int64_t *ints = vals ? realloc(p->ints, cap * sizeof *ints) : NULL;
    if (ints) p->ints = ints;
    if (!vals || !ints) {
      ct__error(CT_ERR_MEMORY, "out of memory parsing a tensor literal");
      return false;
    }
    p->capacity = cap;
  }
  p->ints[p->count] = iv;
  p->values[p->count++] = v;
  return true;
}

static bool parse_scalar(parser *p) {
  skip_ws(p);
  const char *s = p->s;
  if (!strncmp(s, "True", 4) || !strncmp(s, "False", 5)) {
    bool v = s[0] == 'T';
    p->s += v ? 4 : 5;
    p->saw_bool = true;
    return push_value(p, v, v);
  }
  char *end;
  double v = strtod(s, &end);
  if (end == s) return syntax_error(p, "expected a number, True or False");
  bool is_float = false;
  for (const char *c = s; c < end; c++)
    if (*c == '.' || *c == 'e' || *c == 'E' || *c == 'n' || *c == 'N' || *c == 'i' || *c == 'I') is_float = true;
  int64_t iv = 0; // unused for float literals (the tensor is then floating)
  if (!is_float) {
    char *iend;
    errno = 0;
    long long exact = strtoll(s, &iend, 0);
    if (errno == ERANGE) {
      ct__error(CT_ERR_ARG, "Overflow when unpacking long");
      return false;
    }
    iv = exact;
    is_float = iend != end; // e.g. a hex float: strtod read more than an integer
  }
  if (is_float) p->saw_float = true;
  else p->saw_int = true;
  p->s = end;
  return push_value(p, v, iv);
}

static bool parse_level(parser *p, int depth) {
  skip_ws(p);
  if (*p->s != '[') {
    if (p->ndim < 0) p->ndim = depth;
    if (depth != p->ndim) {
      syntax_error(p, "expected a nested list");
      return false;
    }
    return parse_scalar(p);
  }
  if (depth >= CT_MAX_DIMS) {
    ct__error(CT_ERR_ARG, "tensor literal: more than %d dimensions", CT_MAX_DIMS);
    return false;
  }
  p->s++;
  int64_t n = 0;
  skip_ws(p);
  if (*p->s == ']') {
    p->s++;
    if (p->ndim < 0) p->ndim = depth + 1;
  } else {
    for (;;) {
      if (!parse_level(p, depth + 1)) return false;
      n++;
      skip_ws(p);
      if (*p->s == ',') {
        p->s++;
        skip_ws(p);
        if (*p->s == ']') { // trailing comma
          p->s++;
          break;
        }
        continue;
      }
      if (*p->s == ']') {
        p->s++;
        break;
      }
      syntax_error(p, "expected ',' or ']'");
      return false;
    }
  }
  if (depth >= p->ndim) {
    ct__error(CT_ERR_ARG, "tensor literal: lists nested unevenly");
    return false;
  }
  if (p->shape[depth] < 0) p->shape[depth] = n;
  else if (p->shape[depth] != n) {
    ct__error(CT_ERR_ARG, "expected sequence of length %lld at dim %d (got %lld)", (long long)p->shape[depth],
              depth, (long long)n);
    return false;
  }
  return true;
}

static ct_tensor *parse(const char *literal, bool force_float) {
  if (!literal) return ct__error_null(CT_ERR_ARG, "tensor literal is NULL");
  parser p = {.s = literal, .start = literal, .ndim = -1};
  for (int i = 0; i < CT_MAX_DIMS; i++) p.shape[i] = -1;
  ct_tensor *out = NULL;
  if (parse_level(&p, 0)) {
    skip_ws(&p);
    if (*p.s) {
      syntax_error(&p, "unexpected characters after the value");
    } else {
      for (int i = 0; i < p.ndim; i++)
        if (p.shape[i] < 0) p.shape[i] = 0;
      ct_dtype dtype = force_float || p.saw_float ? CT_FLOAT32 : p.saw_int ? CT_INT64 : p.saw_bool ? CT_BOOL : CT_FLOAT32;
      out = dtype == CT_INT64 ? ct_tensor_from_data(p.ints, CT_INT64, dtype, p.ndim, p.shape)
                              : ct_tensor_from_data(p.values, CT_FLOAT64, dtype, p.ndim, p.shape);
    }
  }
  free(p.values);
  free(p.ints);
  return out;
}

ct_tensor *ct_tensor_parse(const char *literal) { return parse(literal, false); }
ct_tensor *ct_Tensor_parse(const char *literal) { return parse(literal, true); }

// The header dictionary of a .npy file: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// NumPy reads it with ast.literal_eval. The reader here takes the subset that can describe
// a ctorch tensor and reports everything else with NumPy's messages. It never reads past
// `len` bytes and does not recurse, so any byte string is safe to give it.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/checked.h"
#include "io/io_util.h"
#include "io/npy_format.h"

typedef struct cursor {
  const char *p, *end;
} cursor;


const char *ct__npy_printable(const void *bytes, size_t n, char *buf, size_t cap) {
  const char *p = bytes;
  size_t o = 0, i = 0;
  for (; i < n && o + 8 < cap; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch >= 0x20 && ch < 0x7f) buf[o++] = (char)ch;
    else o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
  }
  if (i < n) o += (size_t)snprintf(buf + o, cap - o, "...");
  buf[o] = '\0';
  return buf;
}
static const char *printable(npy_span s, char *buf, size_t cap) { return ct__npy_printable(s.p, s.n, buf, cap); }

// Python's whitespace between tokens: blanks, line breaks, form feeds, '\' line
// continuations and '#' comments.
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
static void skip_space(cursor *c) {
  while (c->p < c->end) {
    if (is_space(*c->p)) {
      c->p++;
    } else if (*c->p == '\\' && c->end - c->p > 1 && (c->p[1] == '\n' || c->p[1] == '\r')) {
      c->p += 2;
    } else if (*c->p == '#') {
      while (c->p < c->end && *c->p != '\n' && *c->p != '\r') c->p++;
    } else {
      break;
    }
  }
}
static bool at(const cursor *c, char ch) { return c->p < c->end && *c->p == ch; }

// The header without the blanks and newline that pad it, as messages show it.
static npy_span trimmed(npy_span s) {
  while (s.n && is_space(*s.p)) {
    s.p++;
    s.n--;
  }
  while (s.n && is_space(s.p[s.n - 1])) s.n--;
  return s;
}

// Skips a '...' or "..." literal (escapes skipped over, no line breaks).
static bool skip_string(cursor *c) {
  char quote = *c->p++;
  while (c->p < c->end && *c->p != quote) {
    if (*c->p == '\n' || *c->p == '\r') return false;
    c->p += (*c->p == '\\' && c->end - c->p > 1) ? 2 : 1;
  }
  if (c->p >= c->end) return false;
  c->p++;
  return true;
}

// Finds the extent of one dict value: everything up to the ',' or '}' that ends it at
// bracket depth 0, less trailing blanks and comments. Brackets must balance. The value's
// meaning is checked per key later.
static bool value_extent(cursor *c, npy_span *out) {
  enum { MAX_DEPTH = 64 };
  char closers[MAX_DEPTH];
  int depth = 0;
  const char *start = c->p, *last = c->p;
  while (c->p < c->end) {
    char ch = *c->p;
    const char *before = c->p;
    skip_space(c);
    if (c->p != before) continue;
    if (ch == '\'' || ch == '"') {
      if (!skip_string(c)) return false;
      last = c->p;
      continue;
    }
    if (ch == '(' || ch == '[' || ch == '{') {
      if (depth == MAX_DEPTH) return false;
      closers[depth++] = ch == '(' ? ')' : ch == '[' ? ']' : '}';
    } else if (ch == ')' || ch == ']' || ch == '}') {
      if (depth == 0) {
        if (ch != '}') return false;
        break;
      }
      if (closers[--depth] != ch) return false;
    } else if (ch == ',' && depth == 0) {
      break;
    } else if (ch == ':' && depth == 0) {
      return false; // a value cannot hold a ':' (a missing ',' before the next key)
    }
    last = ++c->p;
  }
  if (c->p >= c->end) return false;
  out->p = start;
  out->n = (size_t)(last - start);
  return out->n > 0;
}

// A dict key: a plain quoted string without escapes, copied (cut to fit) into buf.
static bool read_key(cursor *c, char *buf, size_t cap) {
  if (!at(c, '\'') && !at(c, '"')) return false;
  const char *start = c->p + 1;
  if (!skip_string(c)) return false;
  size_t n = (size_t)(c->p - 1 - start);
  for (size_t i = 0; i < n; i++)
    if (start[i] < 0x20 || start[i] > 0x7e || start[i] == '\\') return false;
  if (n >= cap) n = cap - 1;
  memcpy(buf, start, n);
  buf[n] = '\0';
  return true;
}

// ---- values ----

typedef struct dtype_code {
  char kind;
  int size;
  ct_dtype dtype;
} dtype_code;

static const dtype_code dtype_codes[] = {
    {'f', 4, CT_FLOAT32}, {'f', 8, CT_FLOAT64}, {'i', 4, CT_INT32},
    {'i', 8, CT_INT64},   {'b', 1, CT_BOOL},
};

// descr: '<f4', '>i8', '|b1' ... (byte order optional: '=' and '|' mean the host's).
static bool parse_descr(npy_span v, ct__npy_header *h, char *err, size_t cap) {
  char shown[200];
  bool is_string = v.n >= 2 && (v.p[0] == '\'' || v.p[0] == '"') && v.p[v.n - 1] == v.p[0];
  const char *s = v.p + 1, *end = v.p + v.n - 1;
  char order = '=';
  if (is_string && s < end && *s && strchr("<>|=", *s)) order = *s++;
  char kind = is_string && s < end ? *s++ : '\0';
  int size = 0;
  while (s < end && *s >= '0' && *s <= '9' && size < 100) size = size * 10 + (*s++ - '0');
  if (is_string && s == end) {
    for (size_t i = 0; i < sizeof dtype_codes / sizeof *dtype_codes; i++) {
      if (dtype_codes[i].kind != kind || dtype_codes[i].size != size) continue;
      bool little = order == '<' || ((order == '=' || order == '|') && ct__host_is_little_endian());
      h->dtype = dtype_codes[i].dtype;
      h->swap_bytes = size > 1 && little != ct__host_is_little_endian();
      return true;
    }
  }
  return ct__io_fail(err, cap,
              "descr is not a valid dtype descriptor or not supported by ctorch: %s (ctorch reads "
              "'f4' float32, 'f8' float64, 'i4' int32, 'i8' int64 and 'b1' bool, either byte order)",
              printable(v, shown, sizeof shown));
}

static bool parse_fortran_order(npy_span v, ct__npy_header *h, char *err, size_t cap) {
  char shown[200];
  if (v.n == 4 && !memcmp(v.p, "True", 4)) h->fortran_order = true;
  else if (v.n == 5 && !memcmp(v.p, "False", 5)) h->fortran_order = false;
  else return ct__io_fail(err, cap, "fortran_order is not a valid bool: %s", printable(v, shown, sizeof shown));
  return true;
}

// Value of the digit at the cursor in `base`, or -1.
static int digit_at(const cursor *c, const char *p, int base) {
  if (p >= c->end) return -1;
  int v = *p >= '0' && *p <= '9' ? *p - '0' : (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ? (*p | 0x20) - 'a' + 10 : -1;
  return v < base ? v : -1;
}

// One tuple element: a Python int literal ([+-], decimal without leading zeros, or 0x/0o/0b,
// single '_' between digits), with Python 2's 'L' suffix in version 1 and 2 files (NumPy
// filters those out). Sets *negative, *too_big instead of failing on range.
static bool parse_dim(cursor *c, int major, int64_t *value, bool *negative, bool *too_big) {
  *negative = at(c, '-');
  if (at(c, '-') || at(c, '+')) c->p++;
  skip_space(c);
  int base = 10;
  if (at(c, '0') && c->end - c->p > 1) {
    char prefix = (char)(c->p[1] | 0x20);
    base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 10;
    if (base != 10) {
      c->p += 2;
      if (at(c, '_') && digit_at(c, c->p + 1, base) >= 0) c->p++;
    }
  }
  if (digit_at(c, c->p, base) < 0) return false;
  bool leading_zero = base == 10 && *c->p == '0';
  int64_t x = 0;
  for (int digit; (digit = digit_at(c, c->p, base)) >= 0;) {
    c->p++;
    if (leading_zero && digit) return false;
    if (!*too_big && (!ct__mul_ok(x, base, &x) || !ct__add_ok(x, digit, &x))) *too_big = true;
    if (at(c, '_') && digit_at(c, c->p + 1, base) >= 0) c->p++;
  }
  if (major <= 2 && (at(c, 'L') || at(c, 'l'))) c->p++;
  *value = x;
  return true;
}

static bool too_big_error(npy_span shape, char *err, size_t cap) {
  char shown[200];
  return ct__io_fail(err, cap, "array is too big; shape %s is larger than the maximum possible size",
              printable(shape, shown, sizeof shown));
}

// shape: a tuple of ints: (), (3,), (3, 4) ... "(3)" is an int in Python, not a tuple.
static bool parse_shape(npy_span v, int major, ct__npy_header *h, char *err, size_t cap) {
  char shown[200];
  cursor c = {v.p, v.p + v.n};
  int count = 0;
  bool trailing_comma = false, negative = false, too_big = false, ok = at(&c, '(');
  if (ok) c.p++;
  skip_space(&c);
  while (ok && !at(&c, ')')) {
    int64_t dim = 0;
    bool neg = false;
    ok = parse_dim(&c, major, &dim, &neg, &too_big);
    negative |= neg && dim != 0;
    if (count < CT_MAX_DIMS) h->shape[count] = dim;
    count++;
    skip_space(&c);
    trailing_comma = at(&c, ',');
    if (trailing_comma) {
      c.p++;
      skip_space(&c);
    } else {
      ok = ok && at(&c, ')');
    }
  }
  if (ok && at(&c, ')')) {
    c.p++;
    skip_space(&c);
    ok = c.p == c.end && !(count == 1 && !trailing_comma);
  } else {
    ok = false;
  }
  if (!ok) return ct__io_fail(err, cap, "shape is not valid: %s", printable(v, shown, sizeof shown));
  if (negative)
    return ct__io_fail(err, cap, "shape is not valid: %s (negative dimensions are not allowed)",
                printable(v, shown, sizeof shown));
  if (count > CT_MAX_DIMS)
    return ct__io_fail(err, cap, "the array has %d dimensions; ctorch tensors have at most %d", count, CT_MAX_DIMS);
  if (too_big) return too_big_error(v, err, cap);
  h->ndim = count;
  return true;
}

// NumPy's size rule, checked once the dtype is known: the item size times the sizes
// (zeros skipped) must fit int64.
static bool check_size(npy_span v, const ct__npy_header *h, char *err, size_t cap) {
  int64_t bytes = (int64_t)ct_dtype_size(h->dtype);
  for (int i = 0; i < h->ndim; i++)
    if (h->shape[i] && !ct__mul_ok(bytes, h->shape[i], &bytes)) return too_big_error(v, err, cap);
  return true;
}

// ---- the dictionary ----

enum { KEY_DESCR, KEY_FORTRAN, KEY_SHAPE, NUM_KEYS };
static const char *const key_names[NUM_KEYS] = {"descr", "fortran_order", "shape"};

// Appends 'key' to the list of keys seen (for the "correct keys" message), once each.
static void note_key(char *list, size_t cap, const char *key) {
  char quoted[80];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  for (const char *p = strstr(list, quoted); p; p = strstr(p + 1, quoted))
    if ((p == list || p[-1] == ' ') && (p[strlen(quoted)] == ',' || p[strlen(quoted)] == '\0')) return;
  size_t n = strlen(list);
  snprintf(list + n, cap - n, "%s%s", n ? ", " : "", quoted);
}

bool ct__npy_parse_header(const char *text, size_t len, int major, ct__npy_header *out, char *err,
                          size_t errcap) {
  char shown[240], keys_seen[400] = "";
  npy_span whole = trimmed((npy_span){text, len}), values[NUM_KEYS] = {{NULL, 0}};
  bool unknown_key = false;
  cursor c = {text, text + len};
  memset(out, 0, sizeof *out);
  skip_space(&c);
  if (!at(&c, '{')) return ct__io_fail(err, errcap, "Header is not a dictionary: %s", printable(whole, shown, sizeof shown));
  c.p++;
  for (;;) {
    skip_space(&c);
    if (at(&c, '}')) break;
    char key[64];
    npy_span value;
    if (!read_key(&c, key, sizeof key)) goto syntax;
    skip_space(&c);
    if (!at(&c, ':')) goto syntax;
    c.p++;
    skip_space(&c);
    if (!value_extent(&c, &value)) goto syntax;
    note_key(keys_seen, sizeof keys_seen, key);
    int k = 0;
    while (k < NUM_KEYS && strcmp(key, key_names[k])) k++;
    if (k < NUM_KEYS) values[k] = value; // a repeated key replaces the value, as in Python
    else unknown_key = true;
    if (at(&c, ',')) c.p++;
    else if (!at(&c, '}')) goto syntax;
  }
  c.p++;
  skip_space(&c);
  if (c.p != c.end) goto syntax;
  if (unknown_key || !values[KEY_DESCR].p || !values[KEY_FORTRAN].p || !values[KEY_SHAPE].p)
    return ct__io_fail(err, errcap,
                "Header does not contain the correct keys: [%s] (expected 'descr', 'fortran_order', 'shape')",
                keys_seen);
  return parse_shape(values[KEY_SHAPE], major, out, err, errcap) &&
         parse_fortran_order(values[KEY_FORTRAN], out, err, errcap) &&
         parse_descr(values[KEY_DESCR], out, err, errcap) && check_size(values[KEY_SHAPE], out, err, errcap);
syntax:
  return ct__io_fail(err, errcap, "Cannot parse header (at byte %zu): %s", (size_t)(c.p - text),
              printable(whole, shown, sizeof shown));
}

// ---- writing ----

static const char *descr_of(ct_dtype dtype) {
  bool le = ct__host_is_little_endian();
  switch (dtype) {
  case CT_FLOAT32: return le ? "<f4" : ">f4";
  case CT_FLOAT64: return le ? "<f8" : ">f8";
  case CT_INT32: return le ? "<i4" : ">i4";
  case CT_INT64: return le ? "<i8" : ">i8";
  default: return "|b1";
  }
}

size_t ct__npy_format_header(ct_dtype dtype, int ndim, const int64_t *shape, char *buf, size_t cap) {
  // np.save: "{'descr': ..., 'fortran_order': False, 'shape': (...), }", then spare spaces
  // so the first dim can grow to 21 digits in place, then spaces up to a multiple of 64
  // (a full 64 when already aligned) and a newline.
  char dict[CT__NPY_HEADER_CAP];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr_of(dtype));
  for (int i = 0; i < ndim; i++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld%s", (long long)shape[i],
                  i + 1 < ndim ? ", " : ndim == 1 ? "," : "");
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  if (ndim > 0) {
    int digits = snprintf(NULL, 0, "%lld", (long long)shape[0]);
    for (int i = digits; i < 21; i++) dict[n++] = ' ';
  }
  size_t prefix = CT__NPY_MAGIC_LEN + 2 + 2, body = (size_t)n + 1;
  size_t pad = CT__NPY_ALIGN - (prefix + body) % CT__NPY_ALIGN;
  size_t total = prefix + body + pad;
  if (total > cap) return 0;
  size_t header_len = body + pad;
  memcpy(buf, CT__NPY_MAGIC "\x01\x00", CT__NPY_MAGIC_LEN + 2);
  buf[8] = (char)(header_len & 0xff);
  buf[9] = (char)(header_len >> 8);
  memcpy(buf + prefix, dict, (size_t)n);
  memset(buf + prefix + n, ' ', pad);
  buf[total - 1] = '\n';
  return total;
}

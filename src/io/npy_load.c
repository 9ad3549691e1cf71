// Loading .npy files and buffers: preamble, header, then the data read straight into the
// new tensor's storage and fixed up in place (byte order, bool bytes). Every size read
// from the input is checked against the bytes actually available before anything is
// allocated, so a hostile header cannot make this allocate more than the input holds.
#define _DEFAULT_SOURCE // madvise
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/npy.h"
#include "io/io_util.h"
#include "io/npy_format.h"

// Where the bytes come from: a memory buffer, a regular file (size known), or a stream
// such as a pipe (size unknown).
typedef struct source {
  const unsigned char *buf; // memory source, else NULL
  FILE *fp;                 // file or stream source
  bool size_known;
  uint64_t left;            // bytes left, when size_known
  const char *what;         // "file 'x.npy'" or "buffer", for messages
} source;

static size_t source_read(source *s, void *dst, size_t n) {
  if (s->size_known && n > s->left) n = (size_t)s->left;
  size_t got = n;
  if (s->buf) {
    memcpy(dst, s->buf, n);
    s->buf += n;
  } else if (n) {
    got = fread(dst, 1, n, s->fp);
  }
  if (s->size_known) s->left -= got;
  return got;
}

static ct_tensor *load_error(const source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ct_tensor *load_error(const source *s, const char *fmt, ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (s->fp && ferror(s->fp))
    return ct__error_null(CT_ERR_IO, "cannot load .npy %s: read error: %s", s->what, strerror(errno));
  return ct__error_null(CT_ERR_IO, "cannot load .npy %s: %s", s->what, msg);
}

// ---- fix-ups on the loaded bytes ----


// NumPy keeps any non-zero byte as True; a C bool must hold exactly 0 or 1.
static void normalise_bools(unsigned char *p, int64_t n) {
  for (int64_t i = 0; i < n; i++) p[i] = p[i] != 0;
}

// Column-major strides, with NumPy's rule that dims of size 0 or 1 do not scale the stride.
static void set_fortran_strides(ct_tensor *t) {
  int64_t stride = 1;
  for (int i = 0; i < t->ndim; i++) {
    t->strides[i] = stride;
    stride *= t->shape[i] > 1 ? t->shape[i] : 1;
  }
}

// Reading into fresh storage faults in every page; transparent huge pages make that about
// 3x cheaper for large arrays (NumPy advises them for arrays of 4 MB and more).
static void advise_huge_pages(void *data, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t page = 4096;
  uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1), end = ((uintptr_t)data + n) & ~(page - 1);
  if (n >= ((size_t)4 << 20) && end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
  (void)data;
  (void)n;
#endif
}

// Streams of unknown length: the data is gathered in a buffer that grows only as bytes
// arrive, so a header claiming terabytes costs nothing unless the bytes are really sent.
static size_t read_stream(source *s, size_t nbytes, unsigned char **out) {
  size_t cap = 0, got = 0;
  unsigned char *buf = NULL;
  while (got < nbytes) {
    if (got == cap) {
      size_t grow = cap ? cap : 65536;
      size_t new_cap = nbytes - cap < grow ? nbytes : cap + grow;
      unsigned char *bigger = realloc(buf, new_cap);
      if (!bigger) break;
      buf = bigger;
      cap = new_cap;
    }
    size_t n = source_read(s, buf + got, cap - got);
    if (n == 0) break;
    got += n;
  }
  *out = buf;
  return got;
}

// ---- the format ----

static uint32_t read_le(const unsigned char *p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static ct_tensor *load(source *s) {
  unsigned char pre[12];
  char shown[64];
  size_t got = source_read(s, pre, 8);
  size_t checked = got < CT__NPY_MAGIC_LEN ? got : CT__NPY_MAGIC_LEN;
  if (memcmp(pre, CT__NPY_MAGIC, checked) != 0)
    return load_error(s, "the magic string is not correct; expected b'\\x93NUMPY', got b'%s'",
                      ct__npy_printable(pre, checked, shown, sizeof shown));
  if (got < 8) return load_error(s, "EOF: reading magic string, expected 8 bytes got %zu", got);
  int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    return load_error(s, "we only support format version (1,0), (2,0), and (3,0), not (%d, %d)", major, minor);

  int len_size = major == 1 ? 2 : 4;
  got = source_read(s, pre + 8, (size_t)len_size);
  if (got < (size_t)len_size)
    return load_error(s, "EOF: reading array header length, expected %d bytes got %zu", len_size, got);
  uint32_t header_len = read_le(pre + 8, len_size);
  char text[CT__NPY_MAX_HEADER];
  if (header_len > CT__NPY_MAX_HEADER) { // NumPy reads the header before judging its length
    for (got = 0; got < header_len;) {
      size_t want = header_len - got < sizeof text ? header_len - got : sizeof text, n = source_read(s, text, want);
      got += n;
      if (n < want) break;
    }
    if (got < header_len)
      return load_error(s, "EOF: reading array header, expected %u bytes got %zu", header_len, got);
    return load_error(s, "Header info length (%u) is large and may not be safe to load securely", header_len);
  }
  got = source_read(s, text, header_len);
  if (got < header_len)
    return load_error(s, "EOF: reading array header, expected %u bytes got %zu", header_len, got);

  ct__npy_header h;
  char err[700];
  if (!ct__npy_parse_header(text, header_len, major, &h, err, sizeof err)) return load_error(s, "%s", err);

  // The header parser checked that the size in bytes (zero sizes skipped) fits int64.
  int64_t numel = ct__numel_of(h.ndim, h.shape);
  uint64_t nbytes = (uint64_t)numel * ct_dtype_size(h.dtype);
  if (nbytes > SIZE_MAX || (s->size_known && nbytes > s->left))
    return load_error(s, "EOF: reading array data, expected %llu bytes got %llu", (unsigned long long)nbytes,
                      (unsigned long long)(s->size_known ? s->left : 0));

  // A stream's bytes are gathered first, so the tensor is only allocated once they exist.
  unsigned char *streamed = NULL;
  if (!s->size_known) {
    got = read_stream(s, (size_t)nbytes, &streamed);
    if (got < nbytes) {
      free(streamed);
      return load_error(s, "EOF: reading array data, expected %llu bytes got %zu", (unsigned long long)nbytes, got);
    }
  }
  ct_tensor *t = ct__alloc_on(h.dtype, h.ndim, h.shape, CT_CPU, 0);
  if (!t) {
    free(streamed);
    return NULL;
  }
  if (h.fortran_order) set_fortran_strides(t);
  advise_huge_pages(ct__data(t), (size_t)nbytes);
  if (streamed) {
    memcpy(ct__data(t), streamed, (size_t)nbytes);
    free(streamed);
  } else if ((got = source_read(s, ct__data(t), (size_t)nbytes)) < nbytes) {
    ct__drop(t);
    return load_error(s, "EOF: reading array data, expected %llu bytes got %zu", (unsigned long long)nbytes, got);
  }
  if (h.swap_bytes) ct__swap_bytes(ct__data(t), numel, ct_dtype_size(h.dtype));
  if (h.dtype == CT_BOOL) normalise_bools((unsigned char *)ct__data(t), numel);
  return t;
}

ct_tensor *ct_load_npy_buffer(const void *data, size_t size) {
  static const unsigned char empty[1];
  if (!data && size) return ct__error_null(CT_ERR_ARG, "load_npy_buffer: data is NULL");
  source s = {.buf = data ? data : empty, .size_known = true, .left = size, .what = "buffer"};
  return load(&s);
}

ct_tensor *ct_load_npy(const char *path) {
  if (!path) return ct__error_null(CT_ERR_ARG, "load_npy: path is NULL");
  char what[600];
  snprintf(what, sizeof what, "file '%s'", path);
  FILE *fp = fopen(path, "rb");
  if (!fp) return ct__error_null(CT_ERR_IO, "cannot load .npy %s: %s", what, strerror(errno));
  struct stat st;
  ct_tensor *t = NULL;
  if (fstat(fileno(fp), &st) != 0) {
    ct__error(CT_ERR_IO, "cannot load .npy %s: %s", what, strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    ct__error(CT_ERR_IO, "cannot load .npy %s: %s", what, strerror(EISDIR));
  } else {
    bool regular = S_ISREG(st.st_mode);
    source s = {.fp = fp, .size_known = regular, .left = regular ? (uint64_t)st.st_size : 0, .what = what};
    t = load(&s);
  }
  fclose(fp);
  return t;
}

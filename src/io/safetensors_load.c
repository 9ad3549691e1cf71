// Loading safetensors files: the header validated field by field as the format's
// specification and reference implementation require, then each tensor either a view of
// the file's private mapping (aligned data: no copy) or a copy. The mapping is reference
// counted by the tensors that view it, so it outlives the load as long as they do.
#define _DEFAULT_SOURCE
#include "core/error_impl.h"
#include "ctorch/safetensors.h"
#include "io/io_util.h"
#include "io/safetensors_format.h"
#include "io/value_impl.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct mapping {
  void *addr;
  size_t len;
  atomic_int refs;
} mapping;

static void mapping_release(void *data, void *ctx) {
  (void)data;
  mapping *m = ctx;
  if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
  munmap(m->addr, m->len);
  free(m);
}

typedef struct entry {
  const char *name; // borrowed from the JSON tree
  ct_dtype dtype;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  uint64_t begin, end; // within the data section
} entry;

typedef struct loader {
  const unsigned char *data; // the data section
  uint64_t data_size;
  mapping *map; // NULL: copy every tensor
  char *err;
  size_t cap;
} loader;

static bool fail(loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->err, l->cap, fmt, ap);
  va_end(ap);
  return false;
}

// A JSON number that is a non-negative integer a double holds exactly.
static bool json_uint(const cJSON *j, uint64_t *out) {
  if (!cJSON_IsNumber(j)) return false;
  double d = j->valuedouble;
  if (!(d >= 0) || d > 9007199254740992.0 || d != floor(d)) return false;
  *out = (uint64_t)d;
  return true;
}

static bool valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    int extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
    if (extra < 0 || (c & 0xfe) == 0xc0 || i + (size_t)extra >= n)
      return false; // bad lead byte, overlong, cut
    for (int k = 1; k <= extra; k++)
      if ((s[i + (size_t)k] & 0xc0) != 0x80) return false;
    i += (size_t)extra + 1;
  }
  return true;
}

static bool parse_entry(loader *l, const cJSON *j, entry *e) {
  e->name = j->string;
  if (!cJSON_IsObject(j)) return fail(l, "tensor '%s': its entry is not an object", e->name);
  const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL, *f;
  cJSON_ArrayForEach(f, j) {
    const cJSON **slot = !strcmp(f->string, "dtype")          ? &dtype
                         : !strcmp(f->string, "shape")        ? &shape
                         : !strcmp(f->string, "data_offsets") ? &offsets
                                                              : NULL;
    if (!slot) return fail(l, "tensor '%s': unknown field '%s'", e->name, f->string);
    if (*slot) return fail(l, "tensor '%s': field '%s' appears twice", e->name, f->string);
    *slot = f;
  }
  if (!dtype || !shape || !offsets)
    return fail(l, "tensor '%s': missing field '%s'", e->name,
                !dtype   ? "dtype"
                : !shape ? "shape"
                         : "data_offsets");
  if (!cJSON_IsString(dtype)) return fail(l, "tensor '%s': dtype is not a string", e->name);
  int d = ct__st_dtype_of(dtype->valuestring);
  if (d == -1)
    return fail(l, "tensor '%s': unsupported dtype %s (ctorch has BOOL, I32, I64, F32 and F64)", e->name,
                dtype->valuestring);
  if (d < 0) return fail(l, "tensor '%s': unknown dtype '%.40s'", e->name, dtype->valuestring);
  e->dtype = (ct_dtype)d;
  if (!cJSON_IsArray(shape)) return fail(l, "tensor '%s': shape is not a list", e->name);
  int nd = cJSON_GetArraySize(shape);
  if (nd > CT_MAX_DIMS)
    return fail(l, "tensor '%s': %d dimensions (ctorch allows %d)", e->name, nd, CT_MAX_DIMS);
  e->ndim = 0;
  uint64_t bytes = ct_dtype_size(e->dtype), dim;
  bool overflow = false;
  cJSON_ArrayForEach(f, shape) {
    if (!json_uint(f, &dim) || dim > INT64_MAX)
      return fail(l, "tensor '%s': a size is not a non-negative integer", e->name);
    e->shape[e->ndim++] = (int64_t)dim;
    overflow |= __builtin_mul_overflow(bytes, dim, &bytes);
  }
  if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 || !json_uint(offsets->child, &e->begin) ||
      !json_uint(offsets->child->next, &e->end))
    return fail(l, "tensor '%s': data_offsets must be two non-negative integers", e->name);
  if (e->end < e->begin)
    return fail(l, "tensor '%s': data_offsets [%llu, %llu] end before they begin", e->name,
                (unsigned long long)e->begin, (unsigned long long)e->end);
  if (e->end > l->data_size)
    return fail(l, "tensor '%s': data_offsets [%llu, %llu] go past the data (%llu bytes)", e->name,
                (unsigned long long)e->begin, (unsigned long long)e->end, (unsigned long long)l->data_size);
  if (overflow || bytes != e->end - e->begin)
    return fail(l, "tensor '%s': shape and dtype %s need %s%llu bytes but data_offsets hold %llu", e->name,
                dtype->valuestring, overflow ? "more than " : "",
                (unsigned long long)(overflow ? UINT64_MAX : bytes), (unsigned long long)(e->end - e->begin));
  return true;
}

static int by_offset(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

// Offsets must tile the data section exactly, and names be unique.
static bool check_layout(loader *l, entry *e, int n) {
  qsort(e, (size_t)n, sizeof *e, by_offset);
  uint64_t at = 0;
  for (int i = 0; i < n; i++) {
    if (e[i].begin != at)
      return fail(l, "tensor '%s': data_offsets [%llu, %llu] %s the previous tensor's end %llu", e[i].name,
                  (unsigned long long)e[i].begin, (unsigned long long)e[i].end,
                  e[i].begin > at ? "leave a gap after" : "overlap", (unsigned long long)at);
    at = e[i].end;
  }
  if (at != l->data_size)
    return fail(l, "the tensors cover %llu bytes of data but the file holds %llu after the header",
                (unsigned long long)at, (unsigned long long)l->data_size);
  const char **names = malloc((size_t)(n ? n : 1) * sizeof *names);
  if (!names) return fail(l, "out of memory");
  for (int i = 0; i < n; i++)
    names[i] = e[i].name;
  qsort(names, (size_t)n, sizeof *names, by_name);
  bool ok = true;
  for (int i = 1; i < n && ok; i++)
    if (!strcmp(names[i - 1], names[i])) ok = fail(l, "tensor name '%s' appears twice", names[i]);
  free(names);
  return ok;
}

static ct_value *metadata_dict(loader *l, const cJSON *j) {
  if (!cJSON_IsObject(j)) return fail(l, "__metadata__ is not an object"), NULL;
  ct_value *dict = ct__value_new(CT_VALUE_DICT);
  if (!dict) return fail(l, "out of memory"), NULL;
  const cJSON *f;
  cJSON_ArrayForEach(f, j) {
    if (!cJSON_IsString(f)) {
      ct_value_free(dict);
      return fail(l, "__metadata__ value of '%s' is not a string", f->string), NULL;
    }
    if (ct_value_dict_set_str(dict, f->string, ct_value_string(f->valuestring)) != CT_OK) {
      ct_value_free(dict);
      return fail(l, "%s", ct_last_error()), NULL;
    }
  }
  return dict;
}

// A tensor over the entry's bytes: a view of the mapping when aligned, else a copy.
static ct_tensor *make_tensor(loader *l, const entry *e) {
  const unsigned char *p = l->data + e->begin;
  uint64_t n = e->end - e->begin;
  bool bools_ok = true;
  if (e->dtype == CT_BOOL)
    for (uint64_t i = 0; i < n && bools_ok; i++)
      bools_ok = p[i] <= 1;
  if (l->map && n && bools_ok && (uintptr_t)p % ct_dtype_size(e->dtype) == 0) {
    atomic_fetch_add(&l->map->refs, 1);
    ct_tensor *t = ct_from_blob((void *)p, e->dtype, e->ndim, e->shape, NULL, mapping_release, l->map);
    if (!t) atomic_fetch_sub(&l->map->refs, 1); // not called on failure; the loader still holds one
    return t;
  }
  ct_tensor *t = ct__alloc_on(e->dtype, e->ndim, e->shape, CT_CPU, 0);
  if (t && n) memcpy(t->storage->data, p, n);
  if (t && e->dtype == CT_BOOL)
    for (uint64_t i = 0; i < n; i++)
      ((unsigned char *)t->storage->data)[i] = p[i] != 0;
  return t;
}

static ct_value *parse(const unsigned char *file, size_t size, mapping *map, ct_value **metadata, char *err,
                       size_t cap) {
  loader l = {.map = map, .err = err, .cap = cap};
  err[0] = '\0';
  if (size < 8) return fail(&l, "%zu bytes: too short for the 8-byte header length", size), NULL;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | file[i];
  if (n > CT__ST_MAX_HEADER)
    return fail(&l, "the header length %llu is above the limit of %u bytes", (unsigned long long)n,
                CT__ST_MAX_HEADER),
           NULL;
  if (n > size - 8)
    return fail(&l, "the header length %llu goes past the end of the file (%zu bytes)", (unsigned long long)n,
                size),
           NULL;
  const char *text = (const char *)file + 8;
  l.data = file + 8 + n;
  l.data_size = size - 8 - n;
  if (!n || text[0] != '{') return fail(&l, "the header does not start with '{'"), NULL;
  if (memchr(text, 0, n) || !valid_utf8((const unsigned char *)text, n))
    return fail(&l, "the header is not UTF-8 text"), NULL;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
  if (!root) return fail(&l, "the header is not valid JSON (at byte %td)", end ? end - text : 0), NULL;
  for (const char *p = end; p < text + n && l.err[0] == '\0'; p++)
    if (!strchr(" \t\r\n", *p)) fail(&l, "the header has text after its JSON object (at byte %td)", p - text);
  int count = cJSON_GetArraySize(root);
  entry *entries = calloc((size_t)(count ? count : 1), sizeof *entries);
  ct_value *meta = NULL, *dict = NULL;
  int ne = 0;
  bool ok = !l.err[0] && (entries || fail(&l, "out of memory"));
  const cJSON *j;
  if (ok) {
    cJSON_ArrayForEach(j, root) {
      if (!ok) break;
      if (!strcmp(j->string, "__metadata__")) {
        if (meta)
          ok = fail(&l, "__metadata__ appears twice");
        else
          ok = (meta = metadata_dict(&l, j)) != NULL;
      } else {
        ok = parse_entry(&l, j, &entries[ne++]);
      }
    }
  }
  ok = ok && check_layout(&l, entries, ne);
  ct_scope *scope = ok ? ct_scope_open() : NULL;
  if (ok) ok = (dict = ct__value_new(CT_VALUE_DICT)) != NULL || fail(&l, "out of memory");
  for (int i = 0; ok && i < ne; i++) {
    ct_tensor *t = make_tensor(&l, &entries[i]);
    ok = (t && ct_value_dict_set_str(dict, entries[i].name, ct_value_tensor(t)) == CT_OK) ||
         fail(&l, "%s", ct_last_error());
  }
  if (scope) ct_scope_close(scope);
  if (ok && metadata && !meta)
    ok = (meta = ct__value_new(CT_VALUE_DICT)) != NULL || fail(&l, "out of memory");
  cJSON_Delete(root);
  free(entries);
  if (!ok) {
    ct_value_free(dict);
    ct_value_free(meta);
    return NULL;
  }
  if (metadata)
    *metadata = meta;
  else
    ct_value_free(meta);
  return dict;
}

ct_value *ct_load_safetensors_buffer(const void *data, size_t size, ct_value **metadata) {
  if (metadata) *metadata = NULL;
  if (!data && size) return ct__error_null(CT_ERR_ARG, "ct_load_safetensors_buffer: data is NULL");
  char err[600];
  ct_value *v = parse(data, size, NULL, metadata, err, sizeof err);
  return v ? v : ct__error_null(ct__io_status(err, CT_ERR_IO), "cannot load safetensors buffer: %s", err);
}

ct_value *ct_load_safetensors(const char *path, ct_value **metadata) {
  if (metadata) *metadata = NULL;
  if (!path) return ct__error_null(CT_ERR_ARG, "ct_load_safetensors: path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ct__error_null(CT_ERR_IO, "cannot load safetensors file '%s': %s", path, strerror(errno));
  struct stat st;
  mapping *map = NULL;
  char err[600] = "";
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    snprintf(err, sizeof err, "not a regular file");
  else if (st.st_size < 8)
    snprintf(err, sizeof err, "%lld bytes: too short for the 8-byte header length", (long long)st.st_size);
  else if (!(map = calloc(1, sizeof *map)))
    snprintf(err, sizeof err, "out of memory");
  if (map) {
    map->len = (size_t)st.st_size;
    // Private and writable: in-place ops on a loaded tensor copy the page, never touch the file.
    map->addr = mmap(NULL, map->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map->addr == MAP_FAILED) {
      snprintf(err, sizeof err, "cannot map it: %s", strerror(errno));
      free(map);
      map = NULL;
    } else {
      atomic_init(&map->refs, 1);
    }
  }
  close(fd);
  ct_value *v = map ? parse(map->addr, map->len, map, metadata, err, sizeof err) : NULL;
  mapping_release(NULL, map); // the tensors that view it keep it
  return v ? v : ct__error_null(ct__io_status(err, CT_ERR_IO), "cannot load safetensors file '%s': %s", path, err);
}

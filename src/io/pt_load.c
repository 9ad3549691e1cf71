// Loading .pt files: PyTorch 1.13's zip archive read through libzip, its data.pkl run
// through the strict unpickler (pickle_read.c), each storage entry read once into one
// ctorch storage that every tensor naming it views. Entries must be stored (not
// compressed, not encrypted) and the storages read add up to no more than the archive,
// so nothing can expand past the input's size.
#define _DEFAULT_SOURCE
#include "core/error_impl.h"
#include "io/io_util.h"
#include "io/npy_format.h"
#include "io/pickle.h"
#include "io/pt_archive.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

typedef struct cached_storage {
  char *key;
  ct_dtype dtype;
  ct_tensor *base; // owned: 1-D contiguous over the storage
} cached_storage;

typedef struct archive {
  zip_t *za;
  char prefix[256]; // "<name>/"
  uint64_t size;    // bytes of the whole archive
  uint64_t loaded;  // bytes of storages read so far
  bool big_endian;
  cached_storage *cache;
  int64_t count, cap;
} archive;

// Reads a whole stored entry into dst (exactly `size` bytes, already checked).
static bool read_entry(archive *a, zip_int64_t index, void *dst, uint64_t size, const char *name, char *err,
                       size_t cap) {
  zip_file_t *f = zip_fopen_index(a->za, (zip_uint64_t)index, 0);
  if (!f) return ct__io_fail(err, cap, "cannot open entry '%s': %s", name, zip_strerror(a->za));
  zip_int64_t got = size ? zip_fread(f, dst, size) : 0;
  bool ok = got == (zip_int64_t)size || ct__io_fail(err, cap, "entry '%s' is truncated or corrupt: %s", name,
                                                    got < 0 ? zip_file_strerror(f) : "short read");
  if (zip_fclose(f) != 0 && ok) ok = ct__io_fail(err, cap, "entry '%s' is corrupt (CRC mismatch)", name);
  return ok;
}

// Finds "<prefix><rest>" and checks it is a plain stored entry; -1 when absent (err empty)
// or refused (err set).
static zip_int64_t find_entry(archive *a, const char *rest, uint64_t *size, char *err, size_t cap) {
  char name[512];
  snprintf(name, sizeof name, "%s%s", a->prefix, rest);
  zip_int64_t i = zip_name_locate(a->za, name, 0);
  if (i < 0) return -1;
  zip_stat_t st;
  if (zip_stat_index(a->za, (zip_uint64_t)i, 0, &st) != 0)
    return ct__io_fail(err, cap, "cannot read entry '%s'", name), -1;
  if (st.encryption_method != ZIP_EM_NONE) return ct__io_fail(err, cap, "entry '%s' is encrypted", name), -1;
  if (st.comp_method != ZIP_CM_STORE)
    return ct__io_fail(err, cap, "entry '%s' is compressed (method %u); PyTorch stores entries uncompressed",
                       name, st.comp_method),
           -1;
  if (st.size > a->size || st.comp_size != st.size)
    return ct__io_fail(err, cap, "entry '%s' declares %llu bytes, more than the archive holds", name,
                       (unsigned long long)st.size),
           -1;
  *size = st.size;
  return i;
}

// The storage loader of the unpickler: each key read once, then shared.
static ct_tensor *load_storage(void *ctx, const char *key, ct_dtype dtype, int64_t numel, char *err,
                               size_t cap) {
  archive *a = ctx;
  for (int64_t i = 0; i < a->count; i++) {
    cached_storage *c = &a->cache[i];
    if (strcmp(c->key, key)) continue;
    // (a uint8 storage is cached under CT__DTYPE_UINT8, so it never passes for a bool one)
    if (c->dtype != dtype || c->base->shape[0] != numel)
      return ct__io_fail(err, cap, "storage '%s' is named with two dtypes or sizes", key), NULL;
    return c->base;
  }
  char rest[300];
  if (snprintf(rest, sizeof rest, "data/%s", key) >= (int)sizeof rest || strchr(key, '/'))
    return ct__io_fail(err, cap, "storage key '%.40s' is not a valid entry name", key), NULL;
  uint64_t size;
  err[0] = '\0';
  zip_int64_t index = find_entry(a, rest, &size, err, cap);
  if (index < 0)
    return err[0] ? NULL : (ct__io_fail(err, cap, "storage '%s%s' is missing", a->prefix, rest), NULL);
  bool raw = (int)dtype == CT__DTYPE_UINT8; // torch.ByteStorage: bytes, held in a bool-sized storage
  if (raw) dtype = CT_BOOL;
  size_t elem = ct__dtype_size(dtype);
  if ((uint64_t)numel > size / elem || (uint64_t)numel * elem != size)
    return ct__io_fail(err, cap, "storage '%s' holds %llu bytes but is declared as %lld %s elements", key,
                       (unsigned long long)size, (long long)numel, ct_dtype_name(dtype)),
           NULL;
  if (size > a->size - a->loaded)
    return ct__io_fail(err, cap,
                       "the storages add up to more bytes than the archive holds (overlapping entries)"),
           NULL;
  a->loaded += size;
  if (a->count == a->cap) {
    int64_t ncap = a->cap ? a->cap * 2 : 8;
    cached_storage *c = realloc(a->cache, (size_t)ncap * sizeof *c);
    if (!c) return ct__io_fail(err, cap, "out of memory"), NULL;
    a->cache = c;
    a->cap = ncap;
  }
  ct_tensor *base = ct_retain(ct__alloc_on(dtype, 1, &numel, CT_CPU, 0)); // the load's scope holds the other reference
  char *k = strdup(key);
  if (!base || !k) {
    ct__release(base);
    free(k);
    return ct__io_fail(err, cap, "out of memory allocating %llu bytes for storage '%s'",
                       (unsigned long long)size, key),
           NULL;
  }
  a->cache[a->count++] = (cached_storage){k, raw ? (ct_dtype)CT__DTYPE_UINT8 : dtype, base};
  if (!read_entry(a, index, base->storage->data, size, rest, err, cap)) return NULL;
  if (a->big_endian != !ct__host_is_little_endian()) ct__swap_bytes(base->storage->data, numel, elem);
  if (dtype == CT_BOOL && !raw)
    for (int64_t i = 0; i < numel; i++)
      ((unsigned char *)base->storage->data)[i] = ((unsigned char *)base->storage->data)[i] != 0;
  return base;
}

// The archive's one top-level folder: the prefix of "<name>/data.pkl".
static bool find_prefix(archive *a, char *err, size_t cap) {
  zip_int64_t n = zip_get_num_entries(a->za, 0);
  for (zip_int64_t i = 0; i < n; i++) {
    const char *name = zip_get_name(a->za, (zip_uint64_t)i, 0);
    const char *slash = name ? strchr(name, '/') : NULL;
    if (!slash || strcmp(slash, "/data.pkl")) continue;
    size_t len = (size_t)(slash - name) + 1;
    if (len >= sizeof a->prefix) return ct__io_fail(err, cap, "the archive's folder name is too long");
    memcpy(a->prefix, name, len);
    a->prefix[len] = '\0';
    return true;
  }
  return ct__io_fail(err, cap, "no '<name>/data.pkl' entry: not a PyTorch zip archive");
}

// A small text entry (version, byteorder) into buf, "" when absent.
static bool small_entry(archive *a, const char *rest, char *buf, size_t bufcap, char *err, size_t cap) {
  uint64_t size;
  err[0] = buf[0] = '\0';
  zip_int64_t i = find_entry(a, rest, &size, err, cap);
  if (i < 0) return !err[0];
  if (size >= bufcap) return ct__io_fail(err, cap, "entry '%s%s' is longer than expected", a->prefix, rest);
  if (!read_entry(a, i, buf, size, rest, err, cap)) return false;
  buf[size] = '\0';
  return true;
}

static ct_value *load_archive(archive *a, char *err, size_t cap) {
  char text[32];
  if (!find_prefix(a, err, cap)) return NULL;
  if (!small_entry(a, "byteorder", text, sizeof text, err, cap)) return NULL;
  if (text[0] && strcmp(text, "little") && strcmp(text, "big"))
    return ct__io_fail(err, cap, "unknown byteorder '%.20s'", text), NULL;
  a->big_endian = !strcmp(text, "big");
  if (!small_entry(a, "version", text, sizeof text, err, cap)) return NULL;
  uint64_t size;
  zip_int64_t pkl = find_entry(a, "data.pkl", &size, err, cap);
  if (pkl < 0) return NULL;
  unsigned char *bytes = malloc(size ? size : 1);
  if (!bytes) return ct__io_fail(err, cap, "out of memory"), NULL;
  ct_value *v = NULL;
  if (read_entry(a, pkl, bytes, size, "data.pkl", err, cap))
    v = ct__pickle_read(bytes, size, load_storage, a, err, cap);
  free(bytes);
  return v;
}

// Opens the zip over data[0..size) and loads it; `what` names the input in messages.
static ct_value *load_bytes(const void *data, size_t size, const char *what) {
  char err[600] = "";
  archive a = {.size = size};
  zip_error_t zerr;
  zip_error_init(&zerr);
  ct_value *v = NULL;
  ct_scope *scope = ct_scope_open();
  zip_source_t *src = scope ? zip_source_buffer_create(data, size, 0, &zerr) : NULL;
  if (src) {
    a.za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!a.za) {
      ct__io_fail(err, sizeof err, "not a valid zip archive: %s", zip_error_strerror(&zerr));
      zip_source_free(src);
    }
  } else {
    ct__io_fail(err, sizeof err, "out of memory");
  }
  if (a.za) {
    v = load_archive(&a, err, sizeof err);
    zip_discard(a.za);
  }
  for (int64_t i = 0; i < a.count; i++) {
    ct__release(a.cache[i].base);
    free(a.cache[i].key);
  }
  free(a.cache);
  zip_error_fini(&zerr);
  if (scope) ct_scope_close(scope);
  if (!v) return ct__error_null(ct__io_status(err, CT_ERR_IO), "cannot load %s: %s", what, err);
  return v;
}

ct_value *ct_load_pt_buffer(const void *data, size_t size) {
  if (!data && size) return ct__error_null(CT_ERR_ARG, "ct_load_pt_buffer: data is NULL");
  static const char empty[1];
  return load_bytes(size ? data : empty, size, ".pt buffer");
}

ct_value *ct_load_pt(const char *path) {
  if (!path) return ct__error_null(CT_ERR_ARG, "ct_load_pt: path is NULL");
  char what[300];
  snprintf(what, sizeof what, "'%s'", path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ct__error_null(CT_ERR_IO, "cannot load %s: %s", what, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return ct__error_null(CT_ERR_IO, "cannot load %s: not a regular file", what);
  }
  if (st.st_size == 0) {
    close(fd);
    return load_bytes(NULL, 0, what);
  }
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return ct__error_null(CT_ERR_IO, "cannot load %s: %s", what, strerror(errno));
  ct_value *v = load_bytes(map, (size_t)st.st_size, what);
  munmap(map, (size_t)st.st_size);
  return v;
}

// Writing .pt files as torch.save does: the pickle (pickle_write.c) and one entry per
// storage in a zip archive built with libzip, every entry stored and its data starting
// at a multiple of 64 bytes (padding in a local "FB" extra field, as PyTorch pads).
#include "core/error_impl.h"
#include "ctorch/scope.h"
#include "io/io_util.h"
#include "io/pickle.h"
#include "io/pt_archive.h"
#include "io/value_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define PT_PAD_FIELD 0x4246 // "FB": PyTorch's padding extra field
#define ZIP_LOCAL_HEADER 30

typedef struct builder {
  zip_t *za;
  uint64_t offset; // where the next local header starts
  char err[300];
} builder;

// Adds one stored entry over data (not copied: it must live until zip_close).
static bool add_entry(builder *b, const char *name, const void *data, uint64_t size) {
  zip_source_t *src = zip_source_buffer(b->za, data, size, 0);
  zip_int64_t i = src ? zip_file_add(b->za, name, src, ZIP_FL_ENC_UTF_8) : -1;
  if (i < 0) {
    if (src) zip_source_free(src);
    snprintf(b->err, sizeof b->err, "cannot add '%s': %s", name, zip_strerror(b->za));
    return false;
  }
  uint64_t header = ZIP_LOCAL_HEADER + strlen(name) + 4; // the extra field's own 4 bytes
  uint16_t pad = (uint16_t)((CT__PT_ALIGN - (b->offset + header) % CT__PT_ALIGN) % CT__PT_ALIGN);
  static const unsigned char zeros[CT__PT_ALIGN] = {0};
  if (zip_set_file_compression(b->za, (zip_uint64_t)i, ZIP_CM_STORE, 0) != 0 ||
      zip_file_set_mtime(b->za, (zip_uint64_t)i, 315532800, 0) != 0 || // 1980-01-01, as PyTorch: reproducible
      zip_file_extra_field_set(b->za, (zip_uint64_t)i, PT_PAD_FIELD, ZIP_EXTRA_FIELD_NEW, zeros, pad,
                               ZIP_FL_LOCAL) != 0) {
    snprintf(b->err, sizeof b->err, "cannot add '%s': %s", name, zip_strerror(b->za));
    return false;
  }
  b->offset += header + pad + size;
  return true;
}

// The archive's bytes out of the in-memory source libzip wrote into.
static bool take_bytes(zip_source_t *src, void **data, size_t *size, char *err, size_t cap) {
  zip_stat_t st;
  if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0) {
    snprintf(err, cap, "cannot read the archive back");
    return false;
  }
  unsigned char *p = malloc(st.size ? st.size : 1);
  zip_int64_t got = p ? zip_source_read(src, p, st.size) : -1;
  zip_source_close(src);
  if (got != (zip_int64_t)st.size) {
    free(p);
    snprintf(err, cap, p ? "cannot read the archive back" : "out of memory");
    return false;
  }
  *data = p;
  *size = st.size;
  return true;
}

// Adds every entry to the open archive b.za, in torch.save's order.
static bool add_entries(builder *b, const ct__bytes *pickle, const ct__storage_list *storages) {
  if (!add_entry(b, "archive/data.pkl", pickle->p, pickle->len)) return false;
  for (int64_t i = 0; i < storages->count; i++) {
    char name[48];
    snprintf(name, sizeof name, "archive/data/%lld", (long long)i);
    if (!add_entry(b, name, storages->items[i].data, storages->items[i].nbytes)) return false;
  }
  return add_entry(b, "archive/version", "3\n", 2);
}

// The zip of the pickle and the storages, built in memory.
static bool zip_bytes(const ct__bytes *pickle, const ct__storage_list *storages, void **data, size_t *size,
                      char *err, size_t cap) {
  zip_error_t zerr;
  zip_error_init(&zerr);
  builder b = {0};
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &zerr);
  if (src && !(b.za = zip_open_from_source(src, ZIP_TRUNCATE, &zerr))) {
    snprintf(b.err, sizeof b.err, "cannot create the archive: %s", zip_error_strerror(&zerr));
    zip_source_free(src);
    src = NULL;
  } else if (!src) {
    snprintf(b.err, sizeof b.err, "out of memory");
  }
  bool ok = false;
  if (b.za) {
    zip_source_keep(src); // the bytes are read back after zip_close frees the archive
    ok = add_entries(&b, pickle, storages);
    if (ok && zip_close(b.za) != 0) {
      snprintf(b.err, sizeof b.err, "cannot write the archive: %s", zip_strerror(b.za));
      ok = false;
    }
    if (!ok) zip_discard(b.za);
  }
  if (ok) ok = take_bytes(src, data, size, b.err, sizeof b.err);
  if (!ok) snprintf(err, cap, "%s", b.err);
  zip_source_free(src);
  zip_error_fini(&zerr);
  return ok;
}

static bool build(const ct_value *v, void **data, size_t *size, char *err, size_t cap) {
  ct__bytes pickle = {0};
  ct__storage_list storages = {0};
  ct_scope *scope = ct_scope_open(); // host copies of device storages, until the archive is built
  bool ok = scope && ct__pickle_write(v, &pickle, &storages, err, cap) &&
            zip_bytes(&pickle, &storages, data, size, err, cap);
  if (!scope) snprintf(err, cap, "%s", ct_last_error());
  else ct_scope_close(scope);
  free(pickle.p);
  free(storages.items);
  return ok;
}

ct_status ct_save_pt_buffer(const ct_value *v, void **data, size_t *size) {
  if (!v) return ct__null_value_status("ct_save_pt_buffer");
  if (!data || !size) return ct__error(CT_ERR_ARG, "ct_save_pt_buffer: data or size is NULL");
  char err[300];
  if (!build(v, data, size, err, sizeof err))
    return ct__error(ct__io_status(err, CT_ERR_ARG), "cannot save .pt buffer: %s", err);
  return CT_OK;
}

ct_status ct_save_pt(const char *path, const ct_value *v) {
  if (!v) return ct__null_value_status("ct_save_pt");
  if (!path) return ct__error(CT_ERR_ARG, "ct_save_pt: path is NULL");
  char err[300];
  void *data;
  size_t size;
  if (!build(v, &data, &size, err, sizeof err))
    return ct__error(ct__io_status(err, CT_ERR_ARG), "cannot save '%s': %s", path, err);
  ct_status st = ct__write_file_atomic(path, data, size, ".pt");
  free(data);
  return st;
}

// libFuzzer target for the .pt reader (zip archive + strict unpickler). An input starting
// "PK" is a whole archive; any other input is a data.pkl, wrapped into an archive whose
// storages "0" to "3" hold 64 bytes each (the archive's CRCs would otherwise stop most
// mutations of the pickle before the unpickler sees them). Any bytes must either load or
// fail with a message; never crash, read out of bounds, overflow, leak or allocate more
// than the input can fill. A tree that loads must save, and load back from its own file
// with the same shape of tree (kinds, lengths, ints, strings, tensor geometry).
#include "ctorch.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

// Same kinds, lengths, scalars and tensor geometry (dtype, shape) in a and b.
static int same_tree(const ct_value *a, const ct_value *b) {
  ct_value_kind k = ct_value_get_kind(a);
  if (k != ct_value_get_kind(b) || ct_value_len(a) != ct_value_len(b)) return 0;
  if (k == CT_VALUE_INT && ct_value_as_int(a) != ct_value_as_int(b)) return 0;
  if (k == CT_VALUE_STRING && strcmp(ct_value_as_string(a), ct_value_as_string(b))) return 0;
  if (k == CT_VALUE_TENSOR) {
    const ct_tensor *x = ct_value_as_tensor(a), *y = ct_value_as_tensor(b);
    if (ct_get_dtype(x) != ct_get_dtype(y) || ct_dim(x) != ct_dim(y) ||
        memcmp(ct_shape(x), ct_shape(y), sizeof(int64_t) * (size_t)ct_dim(x)))
      return 0;
  }
  for (int64_t i = 0; i < ct_value_len(a); i++) {
    if (k == CT_VALUE_DICT && !same_tree(ct_value_key_at(a, i), ct_value_key_at(b, i))) return 0;
    if (!same_tree(ct_value_at(a, i), ct_value_at(b, i))) return 0;
  }
  return 1;
}

// An archive holding pickle as data.pkl plus four 64-byte storages; NULL when libzip fails.
static void *wrap_pickle(const uint8_t *pickle, size_t size, size_t *out_size) {
  static const char storage[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, NULL);
  zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, NULL) : NULL;
  if (!za) {
    zip_source_free(src);
    return NULL;
  }
  zip_source_keep(src);
  const char *names[] = {"archive/data.pkl", "archive/data/0", "archive/data/1", "archive/data/2",
                         "archive/data/3"};
  for (int i = 0; i < 5; i++) {
    zip_source_t *s =
        zip_source_buffer(za, i ? (const void *)storage : (const void *)pickle, i ? 64 : size, 0);
    zip_int64_t at = s ? zip_file_add(za, names[i], s, 0) : -1;
    if (at < 0)
      zip_source_free(s);
    else
      zip_set_file_compression(za, (zip_uint64_t)at, ZIP_CM_STORE, 0);
  }
  void *out = NULL;
  zip_stat_t st;
  if (zip_close(za) == 0 && zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
    out = malloc(st.size ? st.size : 1);
    if (out && zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
      free(out);
      out = NULL;
    }
    *out_size = st.size;
    zip_source_close(src);
  } else {
    zip_discard(za);
  }
  zip_source_free(src);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_scope *scope = ct_scope_open();
  ct_clear_error();
  void *wrapped = NULL;
  if (size < 2 || data[0] != 'P' || data[1] != 'K') {
    size_t n = 0;
    if (!(wrapped = wrap_pickle(data, size, &n))) abort();
    data = wrapped;
    size = n;
  }
  ct_value *v = ct_load_pt_buffer(data, size);
  free(wrapped);
  if (!v) {
    if (ct_last_status() == CT_OK || ct_last_error()[0] == '\0') abort(); // a failure must say why
  } else {
    void *saved = NULL;
    size_t saved_len = 0;
    ct_status st = ct_save_pt_buffer(v, &saved, &saved_len);
    // Saving refuses only what the writer cannot express (bytes over 255, mixed-dtype storages).
    if (st == CT_OK) {
      ct_value *back = ct_load_pt_buffer(saved, saved_len);
      if (!back || !same_tree(v, back)) abort();
      ct_value_free(back);
    } else if (ct_last_error()[0] == '\0') {
      abort();
    }
    free(saved);
    ct_value_free(v);
  }
  ct_scope_close(scope);
  return 0;
}

// Writing safetensors files: tensors ordered by dtype (widest first, the reference
// writer's order) then name, so every tensor's data is aligned; the JSON header built with
// cJSON ("__metadata__" first), padded with spaces to a multiple of 8 bytes.
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/safetensors.h"
#include "ctorch/scope.h"
#include "io/io_util.h"
#include "io/pt_archive.h"
#include "io/safetensors_format.h"
#include "io/value_impl.h"
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
  const char *name;
  const ct_tensor *t;
  uint64_t bytes;
} item;

// The reference writer's dtype order, widest first: I64, F64, F32, I32, BOOL.
static int dtype_rank(ct_dtype d) {
  static const int rank[CT_NUM_DTYPES] = {
      [CT_INT64] = 0, [CT_FLOAT64] = 1, [CT_FLOAT32] = 2, [CT_INT32] = 3, [CT_BOOL] = 4};
  return rank[d];
}

static int by_dtype_then_name(const void *a, const void *b) {
  const item *x = a, *y = b;
  int r = dtype_rank(x->t->dtype) - dtype_rank(y->t->dtype);
  return r ? r : strcmp(x->name, y->name);
}

// An integer as raw JSON text (cJSON's numbers are doubles: sizes above 2^53 would round).
static cJSON *json_int(uint64_t v) {
  char text[24];
  snprintf(text, sizeof text, "%" PRIu64, v);
  return cJSON_CreateRaw(text);
}

static bool add_entry(cJSON *root, const item *it, uint64_t begin) {
  cJSON *e = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *offsets = cJSON_CreateArray();
  bool ok = e && shape && offsets && cJSON_AddStringToObject(e, "dtype", ct__st_dtype_name(it->t->dtype));
  for (int d = 0; ok && d < it->t->ndim; d++)
    ok = cJSON_AddItemToArray(shape, json_int((uint64_t)it->t->shape[d]));
  ok = ok && cJSON_AddItemToArray(offsets, json_int(begin)) &&
       cJSON_AddItemToArray(offsets, json_int(begin + it->bytes));
  if (ok && cJSON_AddItemToObject(e, "shape", shape)) shape = NULL;
  if (ok && cJSON_AddItemToObject(e, "data_offsets", offsets)) offsets = NULL;
  ok = ok && !shape && !offsets && cJSON_AddItemToObject(root, it->name, e);
  cJSON_Delete(shape);
  cJSON_Delete(offsets);
  if (!ok) cJSON_Delete(e);
  return ok;
}

static cJSON *metadata_json(const ct_value *metadata, char *err, size_t cap) {
  cJSON *m = cJSON_CreateObject();
  for (int64_t i = 0; m && i < ct_value_len(metadata); i++) {
    const char *k = ct_value_as_string(ct_value_key_at(metadata, i)),
               *v = ct_value_as_string(ct_value_at(metadata, i));
    if (!k || !v) {
      snprintf(err, cap, "metadata must map strings to strings");
      cJSON_Delete(m);
      return NULL;
    }
    if (!cJSON_AddStringToObject(m, k, v)) {
      cJSON_Delete(m);
      m = NULL;
    }
  }
  if (!m && !err[0]) snprintf(err, cap, "out of memory");
  return m;
}

// Checks the inputs and lists the tensors in file order.
static item *collect(const ct_value *tensors, const ct_value *metadata, int64_t *count, char *err,
                     size_t cap) {
  if (ct_value_get_kind(tensors) != CT_VALUE_DICT) return snprintf(err, cap, "tensors must be a dict"), NULL;
  if (metadata && ct_value_get_kind(metadata) != CT_VALUE_DICT)
    return snprintf(err, cap, "metadata must be a dict of strings"), NULL;
  int64_t n = ct_value_len(tensors);
  item *items = calloc((size_t)(n ? n : 1), sizeof *items);
  if (!items) return snprintf(err, cap, "out of memory"), NULL;
  for (int64_t i = 0; i < n; i++) {
    const char *name = ct_value_as_string(ct_value_key_at(tensors, i));
    const ct_tensor *t = ct_value_as_tensor(ct_value_at(tensors, i));
    if (!name || !t) {
      free(items);
      return snprintf(err, cap, "entry %lld is not a (string name, tensor) pair", (long long)i), NULL;
    }
    if (!strcmp(name, "__metadata__")) {
      free(items);
      return snprintf(err, cap, "a tensor cannot be named __metadata__"), NULL;
    }
    items[i] = (item){name, t, (uint64_t)ct_numel(t) * ct_dtype_size(t->dtype)};
  }
  qsort(items, (size_t)n, sizeof *items, by_dtype_then_name);
  *count = n;
  return items;
}

static bool build(const ct_value *tensors, const ct_value *metadata, void **data, size_t *size, char *err,
                  size_t cap) {
  err[0] = '\0';
  int64_t n = 0;
  item *items = collect(tensors, metadata, &n, err, cap);
  if (!items) return false;
  cJSON *root = cJSON_CreateObject();
  bool ok = root != NULL;
  if (ok && metadata && ct_value_len(metadata)) {
    cJSON *m = metadata_json(metadata, err, cap);
    ok = m && cJSON_AddItemToObject(root, "__metadata__", m);
    if (m && !ok) cJSON_Delete(m);
  }
  uint64_t total = 0;
  for (int64_t i = 0; ok && i < n; i++) {
    ok = add_entry(root, &items[i], total);
    total += items[i].bytes;
  }
  char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  size_t hlen = json ? strlen(json) : 0, padded = (hlen + CT__ST_ALIGN - 1) / CT__ST_ALIGN * CT__ST_ALIGN;
  unsigned char *out = json ? malloc(8 + padded + total) : NULL;
  if (out) {
    for (int i = 0; i < 8; i++)
      out[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(out + 8, json, hlen);
    memset(out + 8 + hlen, ' ', padded - hlen);
    unsigned char *p = out + 8 + padded;
    ct_scope *scope = ct_scope_open();
    for (int64_t i = 0; ok && i < n; i++) { // row-major bytes of any view, through a view of the output
      const ct_tensor *t = items[i].t;
      ct_tensor *dst = items[i].bytes ? ct_from_blob(p, t->dtype, t->ndim, t->shape, NULL, NULL, NULL) : NULL;
      if (items[i].bytes && (!dst || ct__copy_into(dst, t) != CT_OK))
        ok = snprintf(err, cap, "%s", ct_last_error()) < 0;
      p += items[i].bytes;
    }
    if (scope) ct_scope_close(scope);
    if (ok) {
      *data = out;
      *size = 8 + padded + total;
    } else {
      free(out);
      out = NULL;
    }
  } else if (!err[0]) {
    snprintf(err, cap, "out of memory");
  }
  free(json);
  free(items);
  return out != NULL;
}

ct_status ct_save_safetensors_buffer(const ct_value *tensors, const ct_value *metadata, void **data,
                                     size_t *size) {
  if (!tensors) return ct__null_value_status("ct_save_safetensors_buffer");
  if (!data || !size) return ct__error(CT_ERR_ARG, "ct_save_safetensors_buffer: data or size is NULL");
  char err[300];
  if (!build(tensors, metadata, data, size, err, sizeof err))
    return ct__error(ct__io_status(err, CT_ERR_ARG), "cannot save safetensors buffer: %s", err);
  return CT_OK;
}

ct_status ct_save_safetensors(const char *path, const ct_value *tensors, const ct_value *metadata) {
  if (!tensors) return ct__null_value_status("ct_save_safetensors");
  if (!path) return ct__error(CT_ERR_ARG, "ct_save_safetensors: path is NULL");
  char err[300];
  void *data;
  size_t size;
  if (!build(tensors, metadata, &data, &size, err, sizeof err))
    return ct__error(ct__io_status(err, CT_ERR_ARG), "cannot save safetensors file '%s': %s", path, err);
  ct_status st = ct__write_file_atomic(path, data, size, "safetensors");
  free(data);
  return st;
}

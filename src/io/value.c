// The value tree of include/ctorch/serialize.h: constructors, accessors, copies and frees.
// Containers hold their children in one array (a dict as key, value pairs).
#define _POSIX_C_SOURCE 200809L // strdup
#include "core/error_impl.h"
#include "io/value_impl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

ct_value *ct__value_new(int kind) {
  ct_value *v = calloc(1, sizeof *v);
  if (v) {
    v->kind = kind;
    v->refs = 1;
  }
  return v;
}

static ct_value *new_or_error(int kind) {
  ct_value *v = ct__value_new(kind);
  if (!v) ct__error(CT_ERR_MEMORY, "out of memory creating a value");
  return v;
}

ct_status ct__null_value_status(const char *fn) {
  if (ct_last_status() != CT_OK) return ct_last_status();
  return ct__error(CT_ERR_ARG, "%s: value is NULL", fn);
}

static bool is_container(int kind) {
  return kind == CT_VALUE_LIST || kind == CT_VALUE_TUPLE || kind == CT_VALUE_DICT;
}

void ct_value_free(ct_value *v) {
  if (!v || --v->refs > 0) return;
  if (is_container(v->kind)) {
    for (int64_t i = 0; i < v->u.seq.len; i++)
      ct_value_free(v->u.seq.items[i]);
    free(v->u.seq.items);
  } else if (v->kind == CT_VALUE_STRING || v->kind == CT_VALUE_UINT8) {
    free(v->u.str.s);
  } else if (v->kind == CT_VALUE_TENSOR || v->kind == CT__VALUE_STORAGE) {
    ct__release(v->u.tensor);
  } else if (v->kind == CT__VALUE_GLOBAL) {
    free(v->u.global.name);
  }
  free(v);
}

ct_value *ct_value_none(void) { return new_or_error(CT_VALUE_NONE); }

ct_value *ct_value_bool(bool b) {
  ct_value *v = new_or_error(CT_VALUE_BOOL);
  if (v) v->u.b = b;
  return v;
}

ct_value *ct_value_int(int64_t i) {
  ct_value *v = new_or_error(CT_VALUE_INT);
  if (v) v->u.i = i;
  return v;
}

ct_value *ct_value_float(double f) {
  ct_value *v = new_or_error(CT_VALUE_FLOAT);
  if (v) v->u.f = f;
  return v;
}

ct_value *ct_value_string(const char *s) {
  if (!s) return ct__error_null(CT_ERR_ARG, "ct_value_string: string is NULL");
  ct_value *v = new_or_error(CT_VALUE_STRING);
  if (!v) return NULL;
  v->u.str.len = strlen(s);
  v->u.str.s = malloc(v->u.str.len + 1);
  if (!v->u.str.s) {
    free(v);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a value");
  }
  memcpy(v->u.str.s, s, v->u.str.len + 1);
  return v;
}

ct_value *ct_value_uint8(const void *data, size_t size) {
  if (!data && size) return ct__error_null(CT_ERR_ARG, "ct_value_uint8: data is NULL");
  ct_value *v = new_or_error(CT_VALUE_UINT8);
  if (!v) return NULL;
  v->u.str.s = malloc(size ? size : 1);
  if (!v->u.str.s) {
    free(v);
    return ct__error_null(CT_ERR_MEMORY, "out of memory creating a value");
  }
  if (size) memcpy(v->u.str.s, data, size);
  v->u.str.len = size;
  return v;
}

ct_value *ct_value_tensor(ct_tensor *t) {
  if (!t) return NULL;
  ct_value *v = new_or_error(CT_VALUE_TENSOR);
  if (v) v->u.tensor = ct_retain(t);
  return v;
}

ct_value *ct_value_list(void) { return new_or_error(CT_VALUE_LIST); }
ct_value *ct_value_tuple(void) { return new_or_error(CT_VALUE_TUPLE); }
ct_value *ct_value_dict(void) { return new_or_error(CT_VALUE_DICT); }

void ct__value_update_depth(ct_value *v, const ct_value *child) {
  if (child->depth + 1 > v->depth) v->depth = child->depth + 1;
}

bool ct__value_push(ct_value *seq, ct_value *item) {
  if (seq->u.seq.len == seq->u.seq.cap) {
    int64_t cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
    ct_value **items = realloc(seq->u.seq.items, (size_t)cap * sizeof *items);
    if (!items) return false;
    seq->u.seq.items = items;
    seq->u.seq.cap = cap;
  }
  seq->u.seq.items[seq->u.seq.len++] = item;
  ct__value_update_depth(seq, item);
  return true;
}

ct_status ct_value_append(ct_value *seq, ct_value *item) {
  if (!item) return ct__null_value_status("ct_value_append"); // keeps the cause
  if (!seq) {
    ct_value_free(item);
    return ct__null_value_status("ct_value_append"); // a failed constructor's error stays the cause
  }
  if (seq->kind != CT_VALUE_LIST && seq->kind != CT_VALUE_TUPLE) {
    ct_value_free(item);
    return ct__error(CT_ERR_ARG, "ct_value_append: the value is not a list or tuple");
  }
  if (!ct__value_push(seq, item)) {
    ct_value_free(item);
    return ct__error(CT_ERR_MEMORY, "out of memory appending to a value");
  }
  return CT_OK;
}

int64_t ct__value_dict_find(const ct_value *dict, const ct_value *key) {
  for (int64_t i = 0; i < dict->u.seq.len; i += 2) {
    const ct_value *k = dict->u.seq.items[i];
    if (k->kind != key->kind) continue;
    if (k->kind == CT_VALUE_INT && k->u.i == key->u.i) return i / 2;
    if (k->kind == CT_VALUE_STRING && k->u.str.len == key->u.str.len && k->is_bytes == key->is_bytes &&
        !memcmp(k->u.str.s, key->u.str.s, k->u.str.len))
      return i / 2;
  }
  return -1;
}

ct_status ct_value_dict_set(ct_value *dict, ct_value *key, ct_value *value) {
  ct_status st = CT_OK;
  if (!key || !value || !dict)
    st = ct__null_value_status("ct_value_dict_set"); // a failed constructor's error stays the cause
  else if (dict->kind != CT_VALUE_DICT)
    st = ct__error(CT_ERR_ARG, "ct_value_dict_set: the value is not a dict");
  else if (key->kind != CT_VALUE_STRING && key->kind != CT_VALUE_INT)
    st = ct__error(CT_ERR_ARG, "ct_value_dict_set: a key must be a string or an int");
  if (st != CT_OK) {
    ct_value_free(key);
    ct_value_free(value);
    return st;
  }
  int64_t at = ct__value_dict_find(dict, key);
  if (at >= 0) { // replace the value, keep the first key (Python keeps the position)
    ct_value_free(key);
    ct_value_free(dict->u.seq.items[2 * at + 1]);
    dict->u.seq.items[2 * at + 1] = value;
    ct__value_update_depth(dict, value);
    return CT_OK;
  }
  if (!ct__value_push(dict, key)) {
    ct_value_free(key);
    ct_value_free(value);
    return ct__error(CT_ERR_MEMORY, "out of memory adding to a dict");
  }
  if (!ct__value_push(dict, value)) {
    dict->u.seq.len--;
    ct_value_free(key);
    ct_value_free(value);
    return ct__error(CT_ERR_MEMORY, "out of memory adding to a dict");
  }
  return CT_OK;
}

ct_status ct_value_dict_set_str(ct_value *dict, const char *key, ct_value *value) {
  if (!key) {
    ct_value_free(value);
    return ct__error(CT_ERR_ARG, "ct_value_dict_set_str: key is NULL");
  }
  ct_value *k = ct_value_string(key);
  if (!k) {
    ct_value_free(value);
    return ct_last_status();
  }
  return ct_value_dict_set(dict, k, value);
}

ct_value *ct__value_copy(const ct_value *v, int64_t *budget) {
  if (--*budget < 0) return NULL;
  ct_value *c = ct__value_new(v->kind);
  if (!c) return NULL;
  c->ordered = v->ordered;
  c->is_bytes = v->is_bytes;
  c->depth = v->depth;
  if (is_container(v->kind)) {
    c->u.seq.items = malloc((size_t)(v->u.seq.len ? v->u.seq.len : 1) * sizeof *c->u.seq.items);
    if (!c->u.seq.items) goto fail;
    c->u.seq.cap = v->u.seq.len ? v->u.seq.len : 1;
    for (int64_t i = 0; i < v->u.seq.len; i++) {
      ct_value *item = ct__value_copy(v->u.seq.items[i], budget);
      if (!item) goto fail;
      c->u.seq.items[c->u.seq.len++] = item;
    }
  } else if (v->kind == CT_VALUE_STRING || v->kind == CT_VALUE_UINT8) {
    c->u.str.s = malloc(v->u.str.len + 1);
    if (!c->u.str.s) goto fail;
    memcpy(c->u.str.s, v->u.str.s, v->u.str.len + 1);
    c->u.str.len = v->u.str.len;
  } else if (v->kind == CT__VALUE_GLOBAL) {
    c->u.global = v->u.global;
    c->u.global.name = strdup(v->u.global.name);
    if (!c->u.global.name) goto fail;
  } else if (v->kind == CT_VALUE_TENSOR || v->kind == CT__VALUE_STORAGE) {
    c->u.tensor = ct_retain(v->u.tensor);
  } else {
    c->u = v->u;
  }
  return c;
fail:
  ct_value_free(c);
  return NULL;
}

// ---- accessors ----

ct_value_kind ct_value_get_kind(const ct_value *v) { return v ? (ct_value_kind)v->kind : CT_VALUE_NONE; }
bool ct_value_as_bool(const ct_value *v) { return v && v->kind == CT_VALUE_BOOL && v->u.b; }
int64_t ct_value_as_int(const ct_value *v) { return v && v->kind == CT_VALUE_INT ? v->u.i : 0; }

double ct_value_as_float(const ct_value *v) {
  if (v && v->kind == CT_VALUE_FLOAT) return v->u.f;
  if (v && v->kind == CT_VALUE_INT) return (double)v->u.i;
  return NAN;
}

const char *ct_value_as_string(const ct_value *v) {
  return v && v->kind == CT_VALUE_STRING ? v->u.str.s : NULL;
}
ct_tensor *ct_value_as_tensor(const ct_value *v) {
  return v && v->kind == CT_VALUE_TENSOR ? v->u.tensor : NULL;
}

const uint8_t *ct_value_as_uint8(const ct_value *v) {
  return v && v->kind == CT_VALUE_UINT8 ? (const uint8_t *)v->u.str.s : NULL;
}

int64_t ct_value_len(const ct_value *v) {
  if (v && v->kind == CT_VALUE_UINT8) return (int64_t)v->u.str.len;
  if (!v || !is_container(v->kind)) return 0;
  return v->kind == CT_VALUE_DICT ? v->u.seq.len / 2 : v->u.seq.len;
}

ct_value *ct_value_at(const ct_value *v, int64_t i) {
  if (!v || !is_container(v->kind) || i < 0 || i >= ct_value_len(v))
    return NULL; // (a uint8 node has a length too)
  return v->kind == CT_VALUE_DICT ? v->u.seq.items[2 * i + 1] : v->u.seq.items[i];
}

ct_value *ct_value_key_at(const ct_value *v, int64_t i) {
  if (!v || v->kind != CT_VALUE_DICT || i < 0 || i >= ct_value_len(v)) return NULL;
  return v->u.seq.items[2 * i];
}

ct_value *ct_value_get(const ct_value *dict, const char *key) {
  if (!dict || dict->kind != CT_VALUE_DICT || !key) return NULL;
  ct_value k = {.kind = CT_VALUE_STRING, .u.str = {(char *)key, strlen(key)}};
  int64_t at = ct__value_dict_find(dict, &k);
  return at < 0 ? NULL : dict->u.seq.items[2 * at + 1];
}

bool ct_is_parameter(const ct_tensor *t) { return t && t->is_param; }

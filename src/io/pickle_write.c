// The pickler of .pt files: a value tree as torch.save (protocol 2) writes it, tensors as
// _rebuild_tensor_v2 calls over persistent storage ids, Parameters wrapped in
// _rebuild_parameter, OrderedDicts as REDUCE of collections.OrderedDict. No memo is
// written (torch.load needs none: storages are shared through their keys).
#include "io/pickle.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct__bytes_put(ct__bytes *b, const void *data, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
      b->failed = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

typedef struct writer {
  ct__bytes *out;
  ct__storage_list *storages;
  char *err;
  size_t errcap;
} writer;

static bool fail(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->err, w->errcap, fmt, ap);
  va_end(ap);
  return false;
}

static void op(writer *w, unsigned char c) { ct__bytes_put(w->out, &c, 1); }

static void put_le(writer *w, uint64_t v, int n) {
  unsigned char b[8];
  for (int i = 0; i < n; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  ct__bytes_put(w->out, b, (size_t)n);
}

static void put_int(writer *w, int64_t v) {
  if (v >= 0 && v < 256) {
    op(w, 'K');
    put_le(w, (uint64_t)v, 1);
  } else if (v >= 0 && v < 65536) {
    op(w, 'M');
    put_le(w, (uint64_t)v, 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    op(w, 'J');
    put_le(w, (uint64_t)v, 4);
  } else { // LONG1: the shortest two's complement that keeps the sign
    int n = 8;
    while (n > 1) {
      int64_t shifted = v >> (8 * (n - 1) - 1); // the top byte and the next sign bit
      if (shifted != 0 && shifted != -1) break;
      n--;
    }
    op(w, 0x8a);
    put_le(w, (uint64_t)n, 1);
    put_le(w, (uint64_t)v, n);
  }
}

static void put_str(writer *w, const char *s, size_t n) {
  op(w, 'X');
  put_le(w, n, 4);
  ct__bytes_put(w->out, s, n);
}

static void put_global(writer *w, const char *module, const char *name) {
  op(w, 'c');
  ct__bytes_put(w->out, module, strlen(module));
  op(w, '\n');
  ct__bytes_put(w->out, name, strlen(name));
  op(w, '\n');
}

static void empty_ordered_dict(writer *w) {
  put_global(w, "collections", "OrderedDict");
  op(w, ')');
  op(w, 'R');
}

// Closes a tuple of n items opened with MARK when n > 3.
static void end_tuple(writer *w, int64_t n) {
  static const unsigned char small[] = {')', 0x85, 0x86, 0x87};
  op(w, n <= 3 ? small[n] : 't');
}

static void int_tuple(writer *w, const int64_t *v, int n) {
  if (n > 3) op(w, '(');
  for (int i = 0; i < n; i++)
    put_int(w, v[i]);
  end_tuple(w, n);
}

static const char *storage_class(int dtype) {
  static const char *const names[CT_NUM_DTYPES + 1] = {
      [CT_BOOL] = "BoolStorage",     [CT_INT32] = "IntStorage",      [CT_INT64] = "LongStorage",
      [CT_FLOAT32] = "FloatStorage", [CT_FLOAT64] = "DoubleStorage", [CT__DTYPE_UINT8] = "ByteStorage"};
  return names[dtype];
}

static const char *dtype_name(int dtype) {
  return dtype == CT__DTYPE_UINT8 ? "uint8" : ct_dtype_name((ct_dtype)dtype);
}

// The key of a storage (identity, bytes, dtype), adding it to the list the first time.
static int64_t storage_key(writer *w, ct__saved_storage s) {
  ct__storage_list *l = w->storages;
  for (int64_t i = 0; i < l->count; i++) {
    if (l->items[i].identity != s.identity) continue;
    if (l->items[i].dtype != s.dtype)
      return fail(w, "tensors of dtypes %s and %s share a storage: a .pt storage has one dtype",
                  dtype_name(l->items[i].dtype), dtype_name(s.dtype)),
             -1;
    return i;
  }
  if (l->count == l->cap) {
    int64_t cap = l->cap ? l->cap * 2 : 8;
    ct__saved_storage *items = realloc(l->items, (size_t)cap * sizeof *items);
    if (!items) return fail(w, "out of memory"), -1;
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count] = s;
  return l->count++;
}

// _rebuild_tensor_v2((storage id), offset, size, stride, requires_grad, OrderedDict()).
static void rebuild_call(writer *w, int64_t key, int dtype, int64_t numel, int64_t offset, int ndim,
                         const int64_t *shape, const int64_t *strides, bool requires_grad) {
  put_global(w, "torch._utils", "_rebuild_tensor_v2");
  op(w, '(');
  op(w, '(');
  put_str(w, "storage", 7);
  put_global(w, "torch", storage_class(dtype));
  char name[24];
  int n = snprintf(name, sizeof name, "%lld", (long long)key);
  put_str(w, name, (size_t)n);
  put_str(w, "cpu", 3);
  put_int(w, numel);
  op(w, 't');
  op(w, 'Q'); // BINPERSID
  put_int(w, offset);
  int_tuple(w, shape, ndim);
  int_tuple(w, strides, ndim);
  op(w, requires_grad ? 0x88 : 0x89);
  empty_ordered_dict(w);
  op(w, 't');
  op(w, 'R');
}

static bool uint8_tensor(writer *w, const ct_value *v) {
  int64_t key = storage_key(w, (ct__saved_storage){v, v->u.str.s, v->u.str.len, CT__DTYPE_UINT8});
  if (key < 0) return false;
  int64_t n = (int64_t)v->u.str.len, one = 1;
  rebuild_call(w, key, CT__DTYPE_UINT8, n, 0, 1, &n, &one, false);
  return true;
}

static bool tensor(writer *w, const ct_tensor *t) {
  for (int d = 0; d < t->ndim; d++)
    if (t->strides[d] < 0) return fail(w, "a tensor with negative strides cannot be saved");
  size_t elem = ct__dtype_size(t->dtype);
  if (t->storage->nbytes % elem)
    return fail(w, "a storage of %zu bytes does not hold whole %s elements", t->storage->nbytes,
                ct_dtype_name(t->dtype));
  const void *bytes = t->storage->data;
  if (t->storage->memory) { // a device storage is saved as a CPU one, from a host copy the save's scope holds
    int64_t n = (int64_t)(t->storage->nbytes / elem);
    ct_tensor *host = ct__alloc_on(t->dtype, 1, &n, CT_CPU, 0);
    if (!host) return fail(w, "%s", ct_last_error());
    ct__storage_read(t->storage, host->storage->data, t->storage->data, t->storage->nbytes);
    bytes = host->storage->data;
  }
  int64_t key = storage_key(w, (ct__saved_storage){t->storage, bytes, t->storage->nbytes, t->dtype});
  if (key < 0) return false;
  if (t->is_param) put_global(w, "torch._utils", "_rebuild_parameter");
  rebuild_call(w, key, t->dtype, (int64_t)(t->storage->nbytes / elem), t->offset, t->ndim, t->shape,
               t->strides, !t->is_param && t->requires_grad);
  if (t->is_param) {
    op(w, t->requires_grad ? 0x88 : 0x89);
    empty_ordered_dict(w);
    op(w, 0x87);
    op(w, 'R');
  }
  return true;
}

static bool value(writer *w, const ct_value *v, int depth);

// Items of a list (APPENDS) or dict (SETITEMS) in batches of 1000, as Python's pickler.
static bool batches(writer *w, const ct_value *v, int depth) {
  int64_t n = v->u.seq.len, per = v->kind == CT_VALUE_DICT ? 2000 : 1000;
  for (int64_t at = 0; at < n; at += per) {
    op(w, '(');
    for (int64_t i = at; i < n && i < at + per; i++)
      if (!value(w, v->u.seq.items[i], depth + 1)) return false;
    op(w, v->kind == CT_VALUE_DICT ? 'u' : 'e');
  }
  return true;
}

static bool value(writer *w, const ct_value *v, int depth) {
  if (depth > CT__PICKLE_MAX_DEPTH)
    return fail(w, "values nested deeper than %d levels", CT__PICKLE_MAX_DEPTH);
  switch (v->kind) {
  case CT_VALUE_NONE: op(w, 'N'); return true;
  case CT_VALUE_BOOL: op(w, v->u.b ? 0x88 : 0x89); return true;
  case CT_VALUE_INT: put_int(w, v->u.i); return true;
  case CT_VALUE_FLOAT: {
    uint64_t bits;
    memcpy(&bits, &v->u.f, sizeof bits);
    unsigned char be[9] = {'G'};
    for (int i = 0; i < 8; i++)
      be[1 + i] = (unsigned char)(bits >> (56 - 8 * i));
    ct__bytes_put(w->out, be, sizeof be);
    return true;
  }
  case CT_VALUE_STRING:
    if (!v->is_bytes)
      put_str(w, v->u.str.s, v->u.str.len);
    else if (v->u.str.len < 256) {
      op(w, 'U');
      put_le(w, v->u.str.len, 1);
      ct__bytes_put(w->out, v->u.str.s, v->u.str.len);
    } else
      return fail(w, "bytes of more than 255 bytes cannot be saved");
    return true;
  case CT_VALUE_TENSOR: return tensor(w, v->u.tensor);
  case CT_VALUE_UINT8: return uint8_tensor(w, v);
  case CT_VALUE_TUPLE:
    if (v->u.seq.len > 3) op(w, '(');
    for (int64_t i = 0; i < v->u.seq.len; i++)
      if (!value(w, v->u.seq.items[i], depth + 1)) return false;
    end_tuple(w, v->u.seq.len);
    return true;
  case CT_VALUE_LIST: op(w, ']'); return batches(w, v, depth);
  case CT_VALUE_DICT:
    if (v->ordered)
      empty_ordered_dict(w);
    else
      op(w, '}');
    return batches(w, v, depth);
  default: return fail(w, "a value of kind %d cannot be saved", v->kind);
  }
}

bool ct__pickle_write(const ct_value *v, ct__bytes *out, ct__storage_list *storages, char *err, size_t cap) {
  writer w = {out, storages, err, cap};
  op(&w, 0x80);
  op(&w, 2);
  if (!value(&w, v, 0)) return false;
  op(&w, '.');
  if (out->failed) return fail(&w, "out of memory");
  return true;
}

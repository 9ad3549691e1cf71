// The strict unpickler of .pt files. It accepts exactly the opcodes and globals of PyTorch
// 1.13's weights_only unpickler (torch/_weights_only_unpickler.py), plus BINFLOAT, and
// builds a ct_value tree: no code runs, every count is bounded by the input's size, and
// nesting by CT__PICKLE_MAX_DEPTH. Memo GETs copy the memoised node (tensors shared), so
// the result stays a tree even for a pickle that refers to a container inside itself.
#define _POSIX_C_SOURCE 200809L // strdup
#include "io/pickle.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
  const unsigned char *p, *end;
  ct_value **stack;
  int64_t len, cap;
  int64_t marks[CT__PICKLE_MAX_DEPTH];
  int nmarks;
  ct_value **memo; // memo[i] holds a reference, or NULL
  int64_t memo_cap;
  int64_t budget; // values that may still be created
  ct__storage_loader load;
  void *ctx;
  char *err;
  size_t errcap;
} reader;

static bool fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(reader *r, const char *fmt, ...) {
  if (r->err[0]) return false; // keep the first cause
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, r->errcap, fmt, ap);
  va_end(ap);
  return false;
}

static const char *kind_name(const ct_value *v) {
  static const char *const names[] = {"NoneType", "bool",  "int",  "float",  "str",    "Tensor",
                                      "list",     "tuple", "dict", "Tensor", "global", "storage"};
  if (v->kind == CT_VALUE_STRING && v->is_bytes) return "bytes";
  if (v->kind == CT_VALUE_DICT && v->ordered) return "OrderedDict";
  return names[v->kind];
}

static ct_value *make(reader *r, int kind) {
  if (--r->budget < 0) {
    fail(r, "the pickle makes more than %d values", CT__PICKLE_MAX_VALUES);
    return NULL;
  }
  ct_value *v = ct__value_new(kind);
  if (!v) fail(r, "out of memory");
  return v;
}

static bool push(reader *r, ct_value *v) {
  if (!v) return false;
  if (r->len == r->cap) {
    int64_t cap = r->cap ? r->cap * 2 : 64;
    ct_value **s = realloc(r->stack, (size_t)cap * sizeof *s);
    if (!s) {
      ct_value_free(v);
      return fail(r, "out of memory");
    }
    r->stack = s;
    r->cap = cap;
  }
  r->stack[r->len++] = v;
  return true;
}

// Items above the innermost MARK: all that the current frame may touch.
static int64_t available(const reader *r) { return r->len - (r->nmarks ? r->marks[r->nmarks - 1] : 0); }

static ct_value *pop(reader *r) {
  if (available(r) < 1) {
    fail(r, "pop from an empty stack");
    return NULL;
  }
  return r->stack[--r->len];
}

static ct_value *top(reader *r) {
  if (available(r) < 1) {
    fail(r, "the stack is empty");
    return NULL;
  }
  return r->stack[r->len - 1];
}

static bool need(reader *r, size_t n) {
  if ((size_t)(r->end - r->p) < n) return fail(r, "the pickle is truncated");
  return true;
}

static uint64_t le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

// Adds a child to a container, within the depth bound.
static bool adopt(reader *r, ct_value *container, ct_value *child) {
  if (child->depth + 1 > CT__PICKLE_MAX_DEPTH) {
    ct_value_free(child);
    return fail(r, "values nested deeper than %d levels", CT__PICKLE_MAX_DEPTH);
  }
  if (!ct__value_push(container, child)) {
    ct_value_free(child);
    return fail(r, "out of memory");
  }
  return true;
}

// ---- tuples and marks ----

static bool mark(reader *r) {
  if (r->nmarks == CT__PICKLE_MAX_DEPTH)
    return fail(r, "MARKs nested deeper than %d levels", CT__PICKLE_MAX_DEPTH);
  r->marks[r->nmarks++] = r->len;
  return true;
}

// Moves the n items on top of the stack into a new container of kind.
static ct_value *collect(reader *r, int kind, int64_t n) {
  ct_value *c = make(r, kind);
  if (!c) return NULL;
  int64_t from = r->len - n;
  bool ok = true;
  for (int64_t i = from; i < r->len; i++) {
    if (ok)
      ok = adopt(r, c, r->stack[i]);
    else
      ct_value_free(r->stack[i]);
  }
  r->len = from;
  if (!ok) {
    ct_value_free(c);
    return NULL;
  }
  return c;
}

static ct_value *pop_mark(reader *r, int kind) {
  if (!r->nmarks) {
    fail(r, "could not find MARK");
    return NULL;
  }
  int64_t n = r->len - r->marks[--r->nmarks];
  return collect(r, kind, n);
}

static bool small_tuple(reader *r, int n) {
  if (available(r) < n) return fail(r, "pop from an empty stack");
  return push(r, collect(r, CT_VALUE_TUPLE, n));
}

// ---- scalars and strings ----

static bool push_int(reader *r, int64_t v) {
  ct_value *x = make(r, CT_VALUE_INT);
  if (x) x->u.i = v;
  return push(r, x);
}

// LONG1: a little-endian two's complement integer of n bytes; ctorch keeps int64.
static bool long1(reader *r) {
  if (!need(r, 1)) return false;
  int n = *r->p++;
  if (!need(r, (size_t)n)) return false;
  if (n > 8) return fail(r, "an integer of %d bytes does not fit int64", n);
  uint64_t u = n ? le(r->p, n) : 0;
  if (n && n < 8 && (r->p[n - 1] & 0x80)) u |= ~UINT64_C(0) << (8 * n); // sign-extend
  r->p += n;
  return push_int(r, (int64_t)u);
}

static bool binfloat(reader *r) {
  if (!need(r, 8)) return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++)
    bits = bits << 8 | r->p[i]; // big-endian
  r->p += 8;
  double d;
  memcpy(&d, &bits, sizeof d);
  ct_value *x = make(r, CT_VALUE_FLOAT);
  if (x) x->u.f = d;
  return push(r, x);
}

static bool string(reader *r, size_t n, bool is_bytes) {
  if (!need(r, n)) return false;
  if (!is_bytes && memchr(r->p, 0, n)) return fail(r, "a string holds a NUL character");
  ct_value *x = make(r, CT_VALUE_STRING);
  if (!x) return false;
  x->is_bytes = is_bytes;
  x->u.str.s = malloc(n + 1);
  if (!x->u.str.s) {
    ct_value_free(x);
    return fail(r, "out of memory");
  }
  memcpy(x->u.str.s, r->p, n);
  x->u.str.s[n] = '\0';
  x->u.str.len = n;
  r->p += n;
  return push(r, x);
}

// ---- globals ----

typedef struct known_global {
  const char *name;
  ct__pickle_global id;
  int dtype;
} known_global;

static const known_global known[] = {
    {"torch._utils._rebuild_tensor_v2", CT__G_REBUILD_TENSOR_V2, -1},
    {"torch._utils._rebuild_tensor", CT__G_REBUILD_TENSOR, -1},
    {"torch._utils._rebuild_parameter", CT__G_REBUILD_PARAMETER, -1},
    {"collections.OrderedDict", CT__G_ORDERED_DICT, -1},
    {"torch.Size", CT__G_SIZE, -1},
    {"torch.nn.parameter.Parameter", CT__G_PARAMETER, -1},
    {"torch.FloatStorage", CT__G_STORAGE_TYPE, CT_FLOAT32},
    {"torch.DoubleStorage", CT__G_STORAGE_TYPE, CT_FLOAT64},
    {"torch.IntStorage", CT__G_STORAGE_TYPE, CT_INT32},
    {"torch.LongStorage", CT__G_STORAGE_TYPE, CT_INT64},
    {"torch.BoolStorage", CT__G_STORAGE_TYPE, CT_BOOL},
    {"torch.ByteStorage", CT__G_STORAGE_TYPE, CT__DTYPE_UINT8},
    {"torch.cuda.FloatStorage", CT__G_STORAGE_TYPE, CT_FLOAT32},
    {"torch.cuda.DoubleStorage", CT__G_STORAGE_TYPE, CT_FLOAT64},
    {"torch.cuda.IntStorage", CT__G_STORAGE_TYPE, CT_INT32},
    {"torch.cuda.LongStorage", CT__G_STORAGE_TYPE, CT_INT64},
    {"torch.cuda.BoolStorage", CT__G_STORAGE_TYPE, CT_BOOL},
};

// The rest of PyTorch 1.13's weights_only set: accepted as names, refused when used.
static const char *const allowed_elsewhere[] = {"torch.serialization._get_layout",
                                                "torch.Tensor",
                                                "torch._utils._rebuild_sparse_tensor",
                                                "torch._utils._rebuild_meta_tensor_no_storage",
                                                "torch._utils._rebuild_sparse_csr_tensor",
                                                "torch.storage.TypedStorage",
                                                "torch.storage.UntypedStorage",
                                                "torch.complex32",
                                                "torch.complex64",
                                                "torch.complex128",
                                                "torch.float16",
                                                "torch.float32",
                                                "torch.float64",
                                                "torch.int8",
                                                "torch.int16",
                                                "torch.int32",
                                                "torch.int64"};

// torch._tensor_classes and the other storage classes, by name pattern.
static bool tensor_or_storage_class(const char *name) {
  static const char *const prefixes[] = {"torch.", "torch.cuda.", "torch.sparse.", "torch.cuda.sparse."};
  static const char *const types[] = {"BFloat16",      "Bool",         "Byte",   "Char",  "Double",
                                      "Float",         "Half",         "Int",    "Long",  "Short",
                                      "ComplexDouble", "ComplexFloat", "QInt32", "QInt8", "QUInt2x4",
                                      "QUInt4x2",      "QUInt8"};
  for (size_t p = 0; p < sizeof prefixes / sizeof *prefixes; p++) {
    size_t pl = strlen(prefixes[p]);
    if (strncmp(name, prefixes[p], pl)) continue;
    const char *rest = name + pl;
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
      size_t tl = strlen(types[t]);
      if (strncmp(rest, types[t], tl)) continue;
      bool dense = p < 2, basic = t < 10, quantized = t >= 12;
      if (!strcmp(rest + tl, "Tensor") && basic && (dense || t != 1)) return true; // no sparse Bool
      if (!strcmp(rest + tl, "Storage") && dense && (p == 0 || !quantized)) return true;
    }
  }
  return false;
}

// GLOBAL: "module\nname\n".
static bool global(reader *r) {
  char full[256];
  size_t at = 0;
  for (int part = 0; part < 2; part++) {
    const unsigned char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    if (!nl) return fail(r, "the pickle is truncated");
    size_t n = (size_t)(nl - r->p);
    if (at + n + 2 > sizeof full)
      return fail(r, "Unsupported class (a name of more than %zu bytes)", sizeof full);
    if (part) full[at++] = '.';
    memcpy(full + at, r->p, n);
    at += n;
    r->p = nl + 1;
  }
  full[at] = '\0';
  if (strlen(full) != at) return fail(r, "Unsupported class (a name with a NUL byte)");
  ct__pickle_global id = CT__G_UNSUPPORTED;
  int dtype = -1;
  bool found = false;
  for (size_t i = 0; i < sizeof known / sizeof *known && !found; i++)
    if (!strcmp(full, known[i].name)) id = known[i].id, dtype = known[i].dtype, found = true;
  for (size_t i = 0; i < sizeof allowed_elsewhere / sizeof *allowed_elsewhere && !found; i++)
    found = !strcmp(full, allowed_elsewhere[i]);
  if (!found && tensor_or_storage_class(full)) {
    found = true;
    if (strstr(full, "Storage")) id = CT__G_STORAGE_TYPE;
  }
  if (!found) return fail(r, "Unsupported class %s", full);
  ct_value *g = make(r, CT__VALUE_GLOBAL);
  if (!g) return false;
  g->u.global.id = id;
  g->u.global.dtype = dtype;
  g->u.global.name = strdup(full);
  if (!g->u.global.name) {
    ct_value_free(g);
    return fail(r, "out of memory");
  }
  return push(r, g);
}

// ---- persistent ids, tensors, parameters ----

static bool binpersid(reader *r) {
  ct_value *pid = pop(r);
  if (!pid) return false;
  bool ok = false;
  ct_value **it = pid->u.seq.items;
  if (pid->kind != CT_VALUE_TUPLE) {
    fail(r, "persistent_load id must be tuple, but got %s", kind_name(pid));
  } else if (pid->u.seq.len < 1 || it[0]->kind != CT_VALUE_STRING || strcmp(it[0]->u.str.s, "storage")) {
    fail(r, "Only persistent_load of storage is allowed");
  } else if (pid->u.seq.len != 5 || it[1]->kind != CT__VALUE_GLOBAL || it[2]->kind != CT_VALUE_STRING ||
             it[3]->kind != CT_VALUE_STRING || it[4]->kind != CT_VALUE_INT) {
    fail(r, "a storage id must be ('storage', storage type, key, location, size)");
  } else if (it[1]->u.global.id != CT__G_STORAGE_TYPE) {
    fail(r, "a storage id names %s, not a storage type", it[1]->u.global.name);
  } else if (it[1]->u.global.dtype < 0) {
    fail(r,
         "unsupported dtype: %s (ctorch has bool, int32, int64, float32 and float64, and reads 1-D uint8 "
         "tensors as bytes)",
         it[1]->u.global.name);
  } else if (it[4]->u.i < 0) {
    fail(r, "storage '%s' has a negative size %lld", it[2]->u.str.s, (long long)it[4]->u.i);
  } else {
    ct_tensor *base =
        r->load(r->ctx, it[2]->u.str.s, (ct_dtype)it[1]->u.global.dtype, it[4]->u.i, r->err, r->errcap);
    ct_value *s = base ? make(r, CT__VALUE_STORAGE) : NULL;
    if (s) {
      s->u.tensor = ct_retain(base);
      s->is_bytes = it[1]->u.global.dtype == CT__DTYPE_UINT8;
      ok = push(r, s);
    }
  }
  ct_value_free(pid);
  return ok;
}

// A tuple of non-negative ints (sizes or strides) into out[CT_MAX_DIMS]; returns the count or -1.
static int int_tuple(reader *r, const ct_value *t, const char *what, int64_t *out) {
  if (t->kind != CT_VALUE_TUPLE)
    return fail(r, "a tensor's %s must be a tuple, not %s", what, kind_name(t)), -1;
  if (t->u.seq.len > CT_MAX_DIMS)
    return fail(r, "a tensor has %lld dimensions (ctorch allows %d)", (long long)t->u.seq.len, CT_MAX_DIMS),
           -1;
  for (int64_t i = 0; i < t->u.seq.len; i++) {
    const ct_value *x = t->u.seq.items[i];
    if (x->kind != CT_VALUE_INT || x->u.i < 0)
      return fail(r, "a tensor's %s must be non-negative ints", what), -1;
    out[i] = x->u.i;
  }
  return (int)t->u.seq.len;
}

// A torch.uint8 tensor (already checked against its storage): 1-D and contiguous only,
// copied out as bytes.
static ct_value *uint8_tensor(reader *r, const ct_tensor *base, int64_t offset, int nd, const int64_t *shape,
                              const int64_t *strides, bool requires_grad) {
  int64_t n = nd ? shape[0] : 1;
  if (nd > 1 || (nd == 1 && n > 1 && strides[0] != 1) || requires_grad) {
    fail(r, "a uint8 tensor loads only as a 1-D contiguous tensor (bytes) in ctorch");
    return NULL;
  }
  ct_value *v = make(r, CT_VALUE_UINT8);
  if (!v) return NULL;
  v->u.str.s = malloc(n ? (size_t)n : 1);
  if (!v->u.str.s) {
    ct_value_free(v);
    fail(r, "out of memory");
    return NULL;
  }
  if (n) memcpy(v->u.str.s, (const char *)base->storage->data + offset, (size_t)n);
  v->u.str.len = (size_t)n;
  return v;
}

// _rebuild_tensor(_v2)(storage, storage_offset, size, stride, ...): a view of the storage.
static ct_value *rebuild_tensor(reader *r, ct_value *const *a, int64_t n, bool v2) {
  if (n < 4 || (v2 && (n < 6 || n > 7)) || (!v2 && n != 4)) {
    fail(r, "_rebuild_tensor%s takes %d arguments, got %lld", v2 ? "_v2" : "", v2 ? 6 : 4, (long long)n);
    return NULL;
  }
  if (a[0]->kind != CT__VALUE_STORAGE || a[1]->kind != CT_VALUE_INT || a[1]->u.i < 0) {
    fail(r, "_rebuild_tensor needs a storage and a non-negative storage offset");
    return NULL;
  }
  if (v2 && (a[4]->kind != CT_VALUE_BOOL || a[5]->kind != CT_VALUE_DICT)) {
    fail(r, "_rebuild_tensor_v2 needs requires_grad (a bool) and backward hooks (a dict)");
    return NULL;
  }
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int nd = int_tuple(r, a[2], "size", shape);
  if (nd < 0 || int_tuple(r, a[3], "stride", strides) < 0) return NULL;
  if (a[3]->u.seq.len != nd) {
    fail(r, "a tensor has %d sizes but %lld strides", nd, (long long)a[3]->u.seq.len);
    return NULL;
  }
  const ct_tensor *base = a[0]->u.tensor;
  int64_t numel = 1, last = a[1]->u.i, bound = base->shape[0];
  bool overflow = false;
  for (int d = 0; d < nd; d++) {
    int64_t reach;
    overflow |= __builtin_mul_overflow(numel, shape[d], &numel);
    if (shape[d])
      overflow |= __builtin_mul_overflow(shape[d] - 1, strides[d], &reach) ||
                  __builtin_add_overflow(last, reach, &last);
  }
  if (overflow || (numel && last >= bound) || (!numel && a[1]->u.i > bound)) {
    fail(r, "a tensor's size, strides and storage offset %lld reach beyond its storage of %lld elements",
         (long long)a[1]->u.i, (long long)bound);
    return NULL;
  }
  bool requires_grad = v2 && a[4]->u.b;
  if (a[0]->is_bytes) return uint8_tensor(r, base, a[1]->u.i, nd, shape, strides, requires_grad);
  if (requires_grad && !ct_dtype_is_floating(base->dtype)) {
    fail(r, "only Tensors of floating point dtype can require gradients");
    return NULL;
  }
  ct_tensor *t = ct__alias_unregistered(base);
  ct_value *v = t ? make(r, CT_VALUE_TENSOR) : NULL;
  if (!v) {
    ct__release(t);
    if (!t) fail(r, "out of memory");
    return NULL;
  }
  t->ndim = nd;
  memcpy(t->shape, shape, sizeof shape);
  memcpy(t->strides, strides, sizeof strides);
  t->offset = a[1]->u.i;
  t->requires_grad = requires_grad;
  v->u.tensor = t;
  return v;
}

// Parameter(data, requires_grad=True) and _rebuild_parameter(data, requires_grad, hooks).
static ct_value *parameter(reader *r, ct_value *const *a, int64_t n, bool rebuild) {
  if (n < 1 || n > (rebuild ? 3 : 2) || (rebuild && n < 2) || a[0]->kind != CT_VALUE_TENSOR ||
      (n > 1 && a[1]->kind != CT_VALUE_BOOL)) {
    fail(r, "a Parameter needs a tensor and requires_grad (a bool)");
    return NULL;
  }
  bool requires_grad = n > 1 ? a[1]->u.b : true;
  if (requires_grad && !ct_dtype_is_floating(a[0]->u.tensor->dtype)) {
    fail(r, "Only Tensors of floating point and complex dtype can require gradients");
    return NULL;
  }
  ct_tensor *t = ct__alias_unregistered(a[0]->u.tensor);
  ct_value *v = t ? make(r, CT_VALUE_TENSOR) : NULL;
  if (!v) {
    ct__release(t);
    if (!t) fail(r, "out of memory");
    return NULL;
  }
  t->is_param = true;
  t->requires_grad = requires_grad;
  v->u.tensor = t;
  return v;
}

// REDUCE: func(*args) for an allowed func.
static bool reduce(reader *r) {
  ct_value *args = pop(r);
  if (!args) return false;
  ct_value *func = top(r);
  ct_value *out = NULL;
  if (!func) {
  } else if (args->kind != CT_VALUE_TUPLE) {
    fail(r, "REDUCE arguments must be a tuple, not %s", kind_name(args));
  } else if (func->kind != CT__VALUE_GLOBAL) {
    fail(r, "Trying to call reduce for unrecognized function (a %s)", kind_name(func));
  } else {
    ct_value *const *a = args->u.seq.items;
    int64_t n = args->u.seq.len;
    switch (func->u.global.id) {
    case CT__G_REBUILD_TENSOR_V2: out = rebuild_tensor(r, a, n, true); break;
    case CT__G_REBUILD_TENSOR: out = rebuild_tensor(r, a, n, false); break;
    case CT__G_REBUILD_PARAMETER: out = parameter(r, a, n, true); break;
    case CT__G_PARAMETER: out = parameter(r, a, n, false); break;
    case CT__G_ORDERED_DICT:
      if (n)
        fail(r, "OrderedDict with arguments is not supported");
      else if ((out = make(r, CT_VALUE_DICT)))
        out->ordered = true;
      break;
    case CT__G_SIZE:
      if (n != 1 || a[0]->kind != CT_VALUE_TUPLE)
        fail(r, "torch.Size takes one tuple");
      else if ((out = a[0]))
        a[0]->refs++; // the tuple itself
      break;
    default:
      fail(r, "%s is allowed by PyTorch's weights_only loader but not supported by ctorch",
           func->u.global.name);
    }
  }
  ct_value_free(args);
  if (!out) return false;
  r->stack[r->len - 1] = out;
  ct_value_free(func);
  return true;
}

static bool newobj(reader *r) {
  ct_value *args = pop(r), *cls = args ? pop(r) : NULL;
  ct_value *out = NULL;
  if (!cls) {
  } else if (cls->kind != CT__VALUE_GLOBAL || cls->u.global.id != CT__G_PARAMETER) {
    fail(r, "Trying to instantiate unsupported class %s",
         cls->kind == CT__VALUE_GLOBAL ? cls->u.global.name : kind_name(cls));
  } else if (args->kind != CT_VALUE_TUPLE) {
    fail(r, "NEWOBJ arguments must be a tuple");
  } else {
    out = parameter(r, args->u.seq.items, args->u.seq.len, false);
  }
  ct_value_free(args);
  ct_value_free(cls);
  return out ? push(r, out) : false;
}

// BUILD: only an OrderedDict's attributes (state_dict's _metadata), which ctorch drops.
static bool build(reader *r) {
  ct_value *state = pop(r), *inst = state ? top(r) : NULL;
  bool ok = false;
  if (!inst) {
  } else if (inst->kind == CT_VALUE_DICT && inst->ordered) {
    ok = state->kind == CT_VALUE_DICT || fail(r, "an OrderedDict's state must be a dict");
  } else if (inst->kind == CT_VALUE_TENSOR) {
    fail(r, "setting the state of a Tensor or Parameter (BUILD) is not supported by ctorch");
  } else {
    fail(r, "Can only build Tensor, parameter or dict objects, but got %s", kind_name(inst));
  }
  ct_value_free(state);
  return ok;
}

// ---- lists and dicts ----

static bool append_items(reader *r, ct_value *list, ct_value *items) {
  bool ok = true;
  for (int64_t i = 0; i < items->u.seq.len; i++) {
    ct_value *item = items->u.seq.items[i];
    items->u.seq.items[i] = NULL;
    if (ok)
      ok = adopt(r, list, item);
    else
      ct_value_free(item);
  }
  items->u.seq.len = 0;
  return ok;
}

static bool appends(reader *r, bool many) {
  ct_value *items = many ? pop_mark(r, CT_VALUE_LIST) : pop(r);
  ct_value *list = items ? top(r) : NULL;
  bool ok = false;
  if (!list) {
  } else if (list->kind != CT_VALUE_LIST) {
    fail(r, "Can only %s lists, but got %s", many ? "extend" : "append to", kind_name(list));
  } else if (many) {
    ok = append_items(r, list, items);
  } else {
    ok = adopt(r, list, items);
    items = NULL;
  }
  ct_value_free(items);
  return ok;
}

static bool set_item(reader *r, ct_value *dict, ct_value *key, ct_value *value) {
  if (dict->kind != CT_VALUE_DICT) {
    ct_value_free(key);
    ct_value_free(value);
    return fail(r, "only dicts support item assignment, not %s", kind_name(dict));
  }
  if (key->kind != CT_VALUE_STRING && key->kind != CT_VALUE_INT) {
    const char *k = kind_name(key);
    ct_value_free(key);
    ct_value_free(value);
    return fail(r, "a dict key must be a string or an int in ctorch, not %s", k);
  }
  int64_t at = ct__value_dict_find(dict, key);
  if (at >= 0) {
    ct_value_free(key);
    ct_value_free(dict->u.seq.items[2 * at + 1]);
    dict->u.seq.items[2 * at + 1] = value;
    if (value->depth + 1 > CT__PICKLE_MAX_DEPTH)
      return fail(r, "values nested deeper than %d levels", CT__PICKLE_MAX_DEPTH);
    ct__value_update_depth(dict, value);
    return true;
  }
  if (!adopt(r, dict, key)) {
    ct_value_free(value);
    return false;
  }
  if (!adopt(r, dict, value)) {
    ct_value_free(dict->u.seq.items[--dict->u.seq.len]);
    return false;
  }
  return true;
}

static bool setitems(reader *r, bool many) {
  if (!many) {
    ct_value *value = pop(r), *key = value ? pop(r) : NULL, *dict = key ? top(r) : NULL;
    if (!dict) {
      ct_value_free(value);
      ct_value_free(key);
      return false;
    }
    return set_item(r, dict, key, value);
  }
  ct_value *items = pop_mark(r, CT_VALUE_LIST);
  ct_value *dict = items ? top(r) : NULL;
  bool ok = dict != NULL;
  if (ok && items->u.seq.len % 2) ok = fail(r, "SETITEMS with an odd number of items");
  for (int64_t i = 0; ok && i < items->u.seq.len; i += 2) {
    ct_value *key = items->u.seq.items[i], *value = items->u.seq.items[i + 1];
    items->u.seq.items[i] = items->u.seq.items[i + 1] = NULL;
    ok = set_item(r, dict, key, value);
  }
  for (int64_t i = 0; items && i < items->u.seq.len; i++)
    ct_value_free(items->u.seq.items[i]);
  if (items) items->u.seq.len = 0;
  ct_value_free(items);
  return ok;
}

// ---- memo ----

static bool memo_put(reader *r, uint64_t i) {
  ct_value *v = top(r);
  if (!v) return false;
  if (i >= (uint64_t)r->memo_cap) return fail(r, "memo index %llu is out of range", (unsigned long long)i);
  ct_value_free(r->memo[i]);
  v->refs++;
  r->memo[i] = v;
  return true;
}

static bool memo_get(reader *r, uint64_t i) {
  if (i >= (uint64_t)r->memo_cap || !r->memo[i])
    return fail(r, "memo value %llu not found", (unsigned long long)i);
  int64_t budget = r->budget;
  ct_value *c = ct__value_copy(r->memo[i], &r->budget);
  if (!c)
    return budget < 0 || r->budget < 0
               ? fail(r, "the pickle makes more than %d values", CT__PICKLE_MAX_VALUES)
               : fail(r, "out of memory");
  return push(r, c);
}

// ---- the loop ----

static bool step(reader *r, unsigned char op, bool *stop) {
  switch (op) {
  case 0x80: return need(r, 1) && (r->p++, true);    // PROTO
  case '}': return push(r, make(r, CT_VALUE_DICT));  // EMPTY_DICT
  case ']': return push(r, make(r, CT_VALUE_LIST));  // EMPTY_LIST
  case ')': return push(r, make(r, CT_VALUE_TUPLE)); // EMPTY_TUPLE
  case 0x8f: return fail(r, "sets (EMPTY_SET) are not supported by ctorch");
  case '(': return mark(r);                              // MARK
  case 't': return push(r, pop_mark(r, CT_VALUE_TUPLE)); // TUPLE
  case 0x85: return small_tuple(r, 1);
  case 0x86: return small_tuple(r, 2);
  case 0x87: return small_tuple(r, 3);
  case 'N': return push(r, make(r, CT_VALUE_NONE));
  case 0x88:
  case 0x89: {
    ct_value *b = make(r, CT_VALUE_BOOL);
    if (b) b->u.b = op == 0x88;
    return push(r, b);
  }
  case 'J': return need(r, 4) && (r->p += 4, push_int(r, (int32_t)(uint32_t)le(r->p - 4, 4)));
  case 'K': return need(r, 1) && (r->p += 1, push_int(r, r->p[-1]));
  case 'M': return need(r, 2) && (r->p += 2, push_int(r, (int64_t)le(r->p - 2, 2)));
  case 0x8a: return long1(r);
  case 'G': return binfloat(r);
  case 'X': return need(r, 4) && (r->p += 4, string(r, (size_t)le(r->p - 4, 4), false));
  case 'U': return need(r, 1) && (r->p += 1, string(r, r->p[-1], true));
  case 'c': return global(r);
  case 'R': return reduce(r);
  case 0x81: return newobj(r);
  case 'b': return build(r);
  case 'a': return appends(r, false);
  case 'e': return appends(r, true);
  case 's': return setitems(r, false);
  case 'u': return setitems(r, true);
  case 'Q': return binpersid(r);
  case 'h': return need(r, 1) && (r->p += 1, memo_get(r, r->p[-1]));
  case 'j': return need(r, 4) && (r->p += 4, memo_get(r, le(r->p - 4, 4)));
  case 'q': return need(r, 1) && (r->p += 1, memo_put(r, r->p[-1]));
  case 'r': return need(r, 4) && (r->p += 4, memo_put(r, le(r->p - 4, 4)));
  case '.': *stop = true; return true;
  default: return fail(r, "Unsupported operand %d", op);
  }
}

// True when v holds only public kinds (no bare global or storage).
static bool plain(const ct_value *v) {
  if (v->kind == CT__VALUE_GLOBAL || v->kind == CT__VALUE_STORAGE) return false;
  if (v->kind == CT_VALUE_LIST || v->kind == CT_VALUE_TUPLE || v->kind == CT_VALUE_DICT)
    for (int64_t i = 0; i < v->u.seq.len; i++)
      if (!plain(v->u.seq.items[i])) return false;
  return true;
}

ct_value *ct__pickle_read(const unsigned char *data, size_t size, ct__storage_loader load, void *ctx,
                          char *err, size_t cap) {
  reader r = {.p = data,
              .end = data + size,
              .budget = CT__PICKLE_MAX_VALUES,
              .load = load,
              .ctx = ctx,
              .err = err,
              .errcap = cap};
  err[0] = '\0';
  r.memo_cap = (int64_t)(size < 1 << 24 ? size : 1 << 24); // a PUT takes 2 bytes: indices stay below the size
  r.memo = calloc((size_t)(r.memo_cap ? r.memo_cap : 1), sizeof *r.memo);
  ct_value *result = NULL;
  bool stop = false, ok = r.memo != NULL || fail(&r, "out of memory");
  while (ok && !stop) {
    if (r.p == r.end)
      ok = fail(&r, "the pickle ends without STOP");
    else
      ok = step(&r, *r.p++, &stop);
  }
  if (ok) {
    result = pop(&r);
    if (result && (r.nmarks || r.len))
      ok = fail(&r, "values are left on the stack after STOP");
    else if (result && !plain(result))
      ok = fail(&r, "the result holds a %s object ctorch cannot represent", "global or storage");
    if (!ok || !result) {
      ct_value_free(result);
      result = NULL;
    }
  }
  for (int64_t i = 0; i < r.len; i++)
    ct_value_free(r.stack[i]);
  for (int64_t i = 0; r.memo && i < r.memo_cap; i++)
    ct_value_free(r.memo[i]);
  free(r.stack);
  free(r.memo);
  return result;
}

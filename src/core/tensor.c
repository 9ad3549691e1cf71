// Tensor and storage lifetime, geometry accessors, element access.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/checked.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/pool.h"
#include "core/tensor_impl.h"
#include "core/threads.h"

#define CT_ALIGNMENT 64

// Load-time setup. It lives here because every program using ctorch links this file
// (a static archive only pulls in the objects that are referenced). Shared libraries
// are initialised before the objects that depend on them, so OpenBLAS is ready.
__attribute__((constructor)) static void library_loaded(void) { ct__threads_init(); }

void ct__contiguous_strides(int ndim, const int64_t *shape, int64_t *strides) {
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] > 1 ? shape[i] : 1;
  }
}

// An owned storage is one pool block: the header, padded to a cache line, then the data.
// Data is rounded up to whole lines so vector tails can read a full line.
#define STORAGE_HEADER ((sizeof(ct_storage) + CT_ALIGNMENT - 1) / CT_ALIGNMENT * CT_ALIGNMENT)

static size_t owned_block_size(size_t nbytes) {
  return STORAGE_HEADER + (nbytes + CT_ALIGNMENT - 1) / CT_ALIGNMENT * CT_ALIGNMENT;
}

static ct_storage *storage_new(size_t nbytes) {
  ct_storage *s = ct__pool_alloc(owned_block_size(nbytes));
  if (!s) return NULL;
  ct__zero(s, sizeof *s);
  s->refcount = 1;
  s->data = (char *)s + STORAGE_HEADER;
  s->nbytes = nbytes;
  s->device = CT_CPU;
  s->owns_data = true;
  return s;
}

// A storage on another device: the header from the pool, the data from the device's
// memory hooks, allocated on device `index` (made current first).
static ct_storage *device_storage_new(size_t nbytes, ct_device device, int index) {
  const ct_memory_hooks *memory = ct__kernels(device)->memory;
  ct_storage *s = ct__pool_alloc(sizeof *s);
  if (!s) return NULL;
  ct__zero(s, sizeof *s);
  ct__enter_device(device, index);
  s->data = memory->alloc(nbytes);
  if (!s->data) {
    ct__pool_free(s, sizeof *s);
    return NULL;
  }
  s->refcount = 1;
  s->nbytes = nbytes;
  s->device = device;
  s->device_index = index;
  s->memory = memory;
  return s;
}

static void storage_release(ct_storage *s) {
  if (!s || --s->refcount > 0) return;
  if (s->owns_data) {
    ct__pool_free(s, owned_block_size(s->nbytes));
    return;
  }
  if (s->memory) {
    ct__select_runtime_device(s->device, s->device_index);
    s->memory->free(s->data, s->nbytes);
  } else if (s->deleter) {
    s->deleter(s->data, s->deleter_ctx);
  }
  ct__pool_free(s, sizeof *s);
}

// n bytes from src to dst with the storage's hook (to_host or from_host) on its device,
// or memcpy for host memory.
static void storage_transfer(const ct_storage *s, void (*hook)(void *, const void *, size_t), void *dst,
                             const void *src, size_t nbytes) {
  if (!nbytes) return;
  if (!s->memory) {
    memcpy(dst, src, nbytes);
    return;
  }
  ct__select_runtime_device(s->device, s->device_index);
  hook(dst, src, nbytes);
}

void ct__storage_read(const ct_storage *s, void *host_dst, const void *p, size_t nbytes) {
  storage_transfer(s, s->memory ? s->memory->to_host : NULL, host_dst, p, nbytes);
}

void ct__storage_write(const ct_storage *s, void *p, const void *host_src, size_t nbytes) {
  storage_transfer(s, s->memory ? s->memory->from_host : NULL, p, host_src, nbytes);
}

// A shape a tensor can have: at most CT_MAX_DIMS sizes, none negative, within the limits
// of core/checked.h for elements of elem_size bytes (0: a view, counted only). Sets *numel.
static bool valid_shape(int ndim, const int64_t *shape, int64_t elem_size, int64_t *numel) {
  if (ndim < 0 || ndim > CT_MAX_DIMS) {
    if (ndim < 0) ct__error(CT_ERR_ARG, "the number of dimensions is negative (%d)", ndim);
    else ct__error(CT_ERR_ARG, "tensors have at most %d dimensions, got %d", CT_MAX_DIMS, ndim);
    return false;
  }
  if (ndim > 0 && !shape) {
    ct__error(CT_ERR_ARG, "shape is NULL");
    return false;
  }
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) {
      char buf[256];
      ct__shape_to_str(ndim, shape, buf, sizeof buf);
      ct__error(CT_ERR_ARG, "Trying to create tensor with negative dimension %lld: %s", (long long)shape[i], buf);
      return false;
    }
  }
  return ct__checked_numel(ndim, shape, elem_size, "tensor", numel) == CT_OK;
}

static ct_tensor *tensor_shell(ct_dtype dtype, int ndim, const int64_t *shape) {
  ct_tensor *t = ct__pool_alloc(sizeof *t);
  if (!t) return ct__error_null(CT_ERR_MEMORY, "out of memory allocating a tensor");
  ct__zero(t, sizeof *t);
  t->refcount = 1;
  t->dtype = dtype;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
  return t;
}

ct_tensor *ct__alloc(ct_dtype dtype, int ndim, const int64_t *shape) {
  return ct__alloc_on(dtype, ndim, shape, ct__op_device, ct__op_device_index);
}

ct_tensor *ct__alloc_like(const ct_tensor *like, ct_dtype dtype, int ndim, const int64_t *shape) {
  return ct__alloc_on(dtype, ndim, shape, like->storage->device, like->storage->device_index);
}

ct_tensor *ct__alloc_on(ct_dtype dtype, int ndim, const int64_t *shape, ct_device device, int index) {
  if ((unsigned)dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid dtype %d", (int)dtype);
  int64_t numel;
  if (!valid_shape(ndim, shape, (int64_t)ct__dtype_size(dtype), &numel)) return NULL;
  ct_tensor *t = tensor_shell(dtype, ndim, shape);
  if (!t) return NULL;
  ct__contiguous_strides(ndim, shape, t->strides);
  size_t nbytes = (size_t)numel * ct__dtype_size(dtype);
  if (device != CT_CPU && ct__check_backend(device) != CT_OK) {
    ct__pool_free(t, sizeof *t);
    return NULL;
  }
  t->storage = device == CT_CPU ? storage_new(nbytes) : device_storage_new(nbytes, device, index);
  if (!t->storage) {
    ct__pool_free(t, sizeof *t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory allocating %zu bytes", nbytes);
  }
  return ct__register(t);
}

static ct_tensor *view_unregistered(const ct_tensor *base, int ndim, const int64_t *shape,
                                    const int64_t *strides, int64_t offset) {
  ct_tensor *t = tensor_shell(base->dtype, ndim, shape);
  if (!t) return NULL;
  for (int d = 0; d < ndim; d++) t->strides[d] = strides[d]; // a few dims: no memcpy call
  t->offset = offset;
  t->storage = base->storage;
  t->storage->refcount++;
  return t;
}

ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset) {
  return ct__register(view_unregistered(base, ndim, shape, strides, offset));
}

ct_tensor *ct__alias(const ct_tensor *t) {
  return ct__make_view(t, t->ndim, t->shape, t->strides, t->offset);
}

ct_tensor *ct__alias_unregistered(const ct_tensor *t) {
  return view_unregistered(t, t->ndim, t->shape, t->strides, t->offset);
}

ct_tensor *ct_retain(ct_tensor *t) {
  if (t) t->refcount++;
  return t;
}

void ct__release(ct_tensor *t) {
  if (!t || --t->refcount > 0) return;
  if (t->grad_accumulator) t->grad_accumulator->variable = NULL; // weak back-pointer
  if (t->hooks) ct__hooks_tensor_freed(t);
  ct__release(t->grad);
  ct__release(t->view_base); // a root base: no chain to unwind
  ct__node_release(t->grad_fn);
  storage_release(t->storage);
  ct__pool_free(t, sizeof *t);
}

void ct_release(ct_tensor *t) {
  if (t && t->refcount <= t->scope_refs) { // every reference left is a scope's: not the caller's to drop
    ct__error(CT_ERR_RUNTIME, "ct_release: the tensor is owned by a scope; release only what you retained "
                              "(ct_scope_release gives up a scope's reference early)");
    return;
  }
  ct__release(t);
}

void ct__set_data(ct_tensor *t, const ct_tensor *src) {
  src->storage->refcount++;
  storage_release(t->storage);
  t->storage = src->storage;
  t->offset = src->offset;
  for (int d = 0; d < CT_MAX_DIMS; d++) t->strides[d] = src->strides[d];
}

void ct__bump_version(ct_tensor *t) {
  ct_storage *s = t->storage;
  s->version++;
  // Under no_grad the tensor keeps its grad_fn; an op that records renames it (ct__record).
  s->writer_version = s->version;
  s->writer_fn = t->grad_fn ? t->grad_fn->name : NULL;
}

// ---- external buffers ----

ct_tensor *ct_from_blob(void *data, ct_dtype dtype, int ndim, const int64_t *shape,
                        const int64_t *strides, ct_deleter deleter, void *ctx) {
  if (!data) return ct__error_null(CT_ERR_ARG, "from_blob: data is NULL");
  if ((unsigned)dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid dtype %d", (int)dtype);
  int64_t n, max_index = 0; // with strides, the bytes are those the strides reach
  if (!valid_shape(ndim, shape, strides ? 0 : (int64_t)ct__dtype_size(dtype), &n)) return NULL;
  if (strides) {
    for (int i = 0; i < ndim; i++)
      if (strides[i] < 0) return ct__error_null(CT_ERR_ARG, "from_blob: negative strides are not supported");
    if (ct__checked_extent(ndim, shape, strides, (int64_t)ct__dtype_size(dtype), "from_blob: the view", &max_index) !=
        CT_OK)
      return NULL;
  }
  ct_tensor *t = tensor_shell(dtype, ndim, shape);
  if (!t) return NULL;
  ct_storage *s = ct__pool_alloc(sizeof *s);
  if (!s) {
    ct__pool_free(t, sizeof *t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory");
  }
  if (strides) memcpy(t->strides, strides, (size_t)ndim * sizeof *strides);
  else ct__contiguous_strides(ndim, shape, t->strides);
  *s = (ct_storage){.refcount = 1};
  s->data = data;
  s->nbytes = (size_t)(strides ? (n ? max_index + 1 : 0) : n) * ct_dtype_size(dtype);
  s->device = CT_CPU;
  s->deleter = deleter;
  s->deleter_ctx = ctx;
  t->storage = s;
  return ct__register(t);
}

// ---- accessors ----

int ct_dim(const ct_tensor *t) { return t ? t->ndim : -1; }
const int64_t *ct_shape(const ct_tensor *t) { return t ? t->shape : NULL; }
const int64_t *ct_strides(const ct_tensor *t) { return t ? t->strides : NULL; }
int64_t ct_storage_offset(const ct_tensor *t) { return t ? t->offset : -1; }
int64_t ct_numel(const ct_tensor *t) { return t ? ct__numel_of(t->ndim, t->shape) : -1; }
ct_dtype ct_get_dtype(const ct_tensor *t) { return t ? t->dtype : CT_FLOAT32; }
ct_device ct_get_device(const ct_tensor *t) { return t ? t->storage->device : CT_CPU; }
void *ct_data_ptr(const ct_tensor *t) { return t ? ct__data(t) : NULL; }
bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b) {
  return a && b && a->storage == b->storage;
}

int ct__wrap_dim(int dim, int ndim, bool extra) {
  int n = ndim + (extra ? 1 : 0);
  int lo = n > 0 ? -n : -1, hi = n > 0 ? n - 1 : 0;
  if (dim < lo || dim > hi) {
    ct__error(CT_ERR_INDEX, "Dimension out of range (expected to be in range of [%d, %d], but got %d)",
              lo, hi, dim);
    return -1;
  }
  return dim < 0 ? dim + (n > 0 ? n : 1) : dim;
}

int64_t ct_size(const ct_tensor *t, int dim) {
  if (!t) return -1;
  int d = ct__wrap_dim(dim, t->ndim, false);
  if (d < 0 || t->ndim == 0) {
    if (t->ndim == 0) ct__error(CT_ERR_INDEX, "Dimension specified as %d but tensor has no dimensions", dim);
    return -1;
  }
  return t->shape[d];
}

bool ct_is_contiguous(const ct_tensor *t) {
  if (!t) return false;
  for (int i = 0; i < t->ndim; i++)
    if (t->shape[i] == 0) return true; // torch: every empty tensor is contiguous, whatever its strides
  int64_t expected = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1) {
      if (t->strides[i] != expected) return false;
      expected *= t->shape[i];
    }
  }
  return true;
}

double ct__load_f64(const char *p, ct_dtype dtype) {
  switch (dtype) {
  case CT_BOOL: return *(const bool *)p ? 1.0 : 0.0;
  case CT_INT32: return *(const int32_t *)p;
  case CT_INT64: return (double)*(const int64_t *)p;
  case CT_FLOAT32: return *(const float *)p;
  case CT_FLOAT64: return *(const double *)p;
  default: return 0;
  }
}

int64_t ct__load_i64(const char *p, ct_dtype dtype) {
  switch (dtype) {
  case CT_BOOL: return *(const bool *)p;
  case CT_INT32: return *(const int32_t *)p;
  case CT_INT64: return *(const int64_t *)p;
  case CT_FLOAT32: return ct__f64_to_i64(*(const float *)p);
  case CT_FLOAT64: return ct__f64_to_i64(*(const double *)p);
  default: return 0;
  }
}

void ct__store_f64(char *p, ct_dtype dtype, double v) {
  switch (dtype) {
  case CT_BOOL: *(bool *)p = v != 0; break;
  case CT_INT32: *(int32_t *)p = ct__f64_to_i32(v); break;
  case CT_INT64: *(int64_t *)p = ct__f64_to_i64(v); break;
  case CT_FLOAT32: *(float *)p = (float)v; break;
  case CT_FLOAT64: *(double *)p = v; break;
  default: break;
  }
}

char *ct__element_ptr(const ct_tensor *t, const int64_t *index, ct_status *st) {
  int64_t off = t->offset;
  for (int i = 0; i < t->ndim; i++) {
    int64_t k = index[i] < 0 ? index[i] + t->shape[i] : index[i];
    if (k < 0 || k >= t->shape[i]) {
      *st = ct__error(CT_ERR_INDEX, "index %lld is out of bounds for dimension %d with size %lld",
                      (long long)index[i], i, (long long)t->shape[i]);
      return NULL;
    }
    off += k * t->strides[i];
  }
  return (char *)t->storage->data + off * (int64_t)ct_dtype_size(t->dtype);
}

ct_status ct_get(const ct_tensor *t, const int64_t *index, double *out) {
  if (!t) return ct__null_tensor_status("ct_get");
  if (!out || (t->ndim && !index)) return ct__error(CT_ERR_ARG, "ct_get: NULL argument");
  ct_status st = CT_OK;
  const char *p = ct__element_ptr(t, index, &st);
  if (!p) return st;
  ct__element e;
  ct__storage_read(t->storage, &e, p, ct__dtype_size(t->dtype));
  *out = ct__load_f64((const char *)&e, t->dtype);
  return CT_OK;
}


// The one element of t, read into host memory at *e.
static ct_status item_read(const ct_tensor *t, ct__element *e) {
  if (!t) return ct__null_tensor_status("item");
  int64_t n = ct_numel(t);
  if (n != 1)
    return ct__error(CT_ERR_ARG, "a Tensor with %lld elements cannot be converted to Scalar", (long long)n);
  ct__storage_read(t->storage, e, ct__data(t), ct__dtype_size(t->dtype));
  return CT_OK;
}

ct_status ct_item(const ct_tensor *t, double *out) {
  ct__element e;
  const char *p = (const char *)&e;
  ct_status st = item_read(t, &e);
  if (st != CT_OK) return st;
  if (!out) return ct__error(CT_ERR_ARG, "ct_item: out is NULL");
  *out = ct__load_f64(p, t->dtype);
  return CT_OK;
}

// Python's int() of the item: NaN and infinities have no integer value, and a float
// beyond int64 has no int64 one.
ct_status ct_item_int(const ct_tensor *t, int64_t *out) {
  ct__element e;
  const char *p = (const char *)&e;
  ct_status st = item_read(t, &e);
  if (st != CT_OK) return st;
  if (!out) return ct__error(CT_ERR_ARG, "ct_item_int: out is NULL");
  if (ct_dtype_is_floating(t->dtype)) {
    double v = ct__load_f64(p, t->dtype);
    if (isnan(v)) return ct__error(CT_ERR_ARG, "cannot convert float NaN to integer");
    if (isinf(v)) return ct__error(CT_ERR_ARG, "cannot convert float infinity to integer");
    if (!(v >= -0x1p63 && v < 0x1p63))
      return ct__error(CT_ERR_ARG, "value cannot be converted to type int64_t without overflow");
  }
  *out = ct__load_i64(p, t->dtype);
  return CT_OK;
}

// Visits every element in row-major order, passing its address in host memory (device
// storages are read into a host copy first).
static ct_status for_each_element(const ct_tensor *t, void (*visit)(const char *p, ct_dtype dt, void *ctx, int64_t i),
                                  void *ctx) {
  int64_t n = ct_numel(t);
  int64_t idx[CT_MAX_DIMS] = {0};
  size_t es = ct_dtype_size(t->dtype);
  const char *base = (const char *)t->storage->data;
  void *host = NULL;
  if (t->storage->memory && n) {
    if (!(host = malloc(t->storage->nbytes))) return ct__error(CT_ERR_MEMORY, "out of memory reading a tensor");
    ct__storage_read(t->storage, host, t->storage->data, t->storage->nbytes);
    base = host;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t off = t->offset;
    for (int d = 0; d < t->ndim; d++) off += idx[d] * t->strides[d];
    visit(base + off * (int64_t)es, t->dtype, ctx, i);
    for (int d = t->ndim - 1; d >= 0; d--) {
      if (++idx[d] < t->shape[d]) break;
      idx[d] = 0;
    }
  }
  free(host);
  return CT_OK;
}

static void visit_f64(const char *p, ct_dtype dt, void *ctx, int64_t i) { ((double *)ctx)[i] = ct__load_f64(p, dt); }
static void visit_i64(const char *p, ct_dtype dt, void *ctx, int64_t i) { ((int64_t *)ctx)[i] = ct__load_i64(p, dt); }

ct_status ct_to_f64_array(const ct_tensor *t, double *out) {
  if (!t) return ct__null_tensor_status("ct_to_f64_array");
  if (!out) return ct__error(CT_ERR_ARG, "ct_to_f64_array: NULL argument");
  return for_each_element(t, visit_f64, out);
}

ct_status ct_to_i64_array(const ct_tensor *t, int64_t *out) {
  if (!t) return ct__null_tensor_status("ct_to_i64_array");
  if (!out) return ct__error(CT_ERR_ARG, "ct_to_i64_array: NULL argument");
  return for_each_element(t, visit_i64, out);
}

void ct__shape_to_str(int ndim, const int64_t *shape, char *buf, size_t cap) {
  size_t len = 0;
  if (cap == 0) return;
  buf[0] = '\0';
  len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "[");
  for (int i = 0; i < ndim; i++)
    len += (size_t)snprintf(buf + (len < cap ? len : cap - 1), len < cap ? cap - len : 0, "%s%lld",
                            i ? ", " : "", (long long)shape[i]);
  snprintf(buf + (len < cap ? len : cap - 1), len < cap ? cap - len : 0, "]");
}

ct_status ct_shape_str(const ct_tensor *t, char *buf, size_t cap) {
  if (!t) return ct__null_tensor_status("ct_shape_str");
  if (!buf) return ct__error(CT_ERR_ARG, "ct_shape_str: NULL argument");
  char dims[CT_MAX_DIMS * 24 + 4];
  ct__shape_to_str(t->ndim, t->shape, dims, sizeof dims);
  int n = snprintf(buf, cap, "torch.Size(%s)", dims);
  if (n < 0 || (size_t)n >= cap) return ct__error(CT_ERR_ARG, "ct_shape_str: buffer of %zu bytes is too small", cap);
  return CT_OK;
}

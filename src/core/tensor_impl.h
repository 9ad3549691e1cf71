// Internal layout of tensors and storages, and the allocation helpers every op uses.
// Ownership rule (docs/DESIGN.md, "Memory"): each new tensor's first reference goes to
// the innermost scope of the thread; there always is one (the thread's root scope when
// none is open). Code that stores a tensor (a node, a module, a .grad field) takes its
// own reference with ct_retain(). Code that creates temporaries it does not return
// opens a scope around them, or gives them up with ct__drop().
#ifndef CTORCH_SRC_CORE_TENSOR_IMPL_H
#define CTORCH_SRC_CORE_TENSOR_IMPL_H
#include <stdint.h>
#include <stddef.h>
#include "ctorch/creation.h"
#include "ctorch/tensor.h"
#include "ctorch/autograd.h"
#include "ctorch/scope.h"

typedef struct ct_storage {
  int64_t refcount;
  void *data;
  size_t nbytes;
  ct_device device;
  int device_index;   // which device of its type (cuda:1 is 1); 0 on the CPU
  // Where data came from when it is not inline in the storage's pool block: the device's
  // memory hooks (kernels/dispatch.h), which also read and write it for host code.
  // NULL for CPU storages (inline or borrowed), whose data host code reads directly.
  const struct ct_memory_hooks *memory;
  uint32_t version;   // torch's _version: bumped by every in-place write (ct__bump_version)
  ct_deleter deleter; // NULL: ctorch allocated data (freed with free) or borrowed
  void *deleter_ctx;
  bool owns_data;     // data was allocated by ctorch
  bool pinned;        // page-locked host memory (ct_pin_memory)
  // The grad_fn name of the tensor the latest in-place write went to (set at writer_version):
  // what a saved-tensor version error names, as torch names the tensor's current grad_fn.
  uint32_t writer_version;
  const char *writer_fn;
} ct_storage;

struct ct_tensor {
  int32_t refcount;
  // How many of the references are scope entries (a tensor may sit in several scopes, or
  // twice in one): ct_release refuses to take the count below it.
  int32_t scope_refs;
  ct_dtype dtype;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  int64_t strides[CT_MAX_DIMS]; // in elements
  int64_t offset;               // in elements
  ct_storage *storage;
  // autograd
  bool requires_grad; // leaf flag, or "produced by a recorded op"
  bool is_param;      // printed as "Parameter containing:"
  uint32_t view_version; // a view: its storage's version when its grad_fn was made
  ct_tensor *grad;    // owned reference or NULL
  ct_node *grad_fn;   // owned reference or NULL (leaf)
  ct_node *grad_accumulator; // weak: the AccumulateGrad node of this leaf, if alive
  struct ct__hook_list *hooks; // register_hook / retain_grad / post-accumulate hooks, or NULL
  // torch's _base: the tensor a view op's result views (the root one for a view of a
  // view), owned. Set for views made while grad mode is on (the in-place rules need
  // it); NULL for other tensors, internal views and detached aliases.
  ct_tensor *view_base;
};

/// New contiguous tensor with uninitialised data, registered with the current scope, on
/// the device of the running op (the device guard of core/device.h: the device its
/// operands' check entered; the CPU on a thread that has run no op elsewhere).
ct_tensor *ct__alloc(ct_dtype dtype, int ndim, const int64_t *shape);
/// New contiguous tensor with uninitialised data on a device (index >= 0), registered
/// with the current scope. The device must have a backend (checked by the caller).
ct_tensor *ct__alloc_on(ct_dtype dtype, int ndim, const int64_t *shape, ct_device device, int index);
/// torch.full on a device (index resolved, backend checked by the caller).
ct_tensor *ct__full_on(int ndim, const int64_t *shape, double value, ct_dtype dtype, ct_device device, int index);
/// ct__alloc_on the device of `like`.
ct_tensor *ct__alloc_like(const ct_tensor *like, ct_dtype dtype, int ndim, const int64_t *shape);
/// Host reads and writes of a storage's bytes at device address p: memcpy for host memory,
/// the device's to_host / from_host otherwise (printing, item, element access, saving).
void ct__storage_read(const ct_storage *s, void *host_dst, const void *p, size_t nbytes);
void ct__storage_write(const ct_storage *s, void *p, const void *host_src, size_t nbytes);
/// New view of base's storage with the given geometry, registered with the scope.
ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset);
/// Same geometry and storage as t, no autograd fields (detached alias).
ct_tensor *ct__alias(const ct_tensor *t);
/// Detached alias owned by the caller (not registered with any scope).
ct_tensor *ct__alias_unregistered(const ct_tensor *t);
/// ct_release without the check that the reference is not a scope's: for code that gives
/// back a reference it knows it holds (a scope's own entries, a tensor's fields).
void ct__release(ct_tensor *t);
/// Hand a reference the caller holds (a fresh tensor's first one, or one it retained) to
/// the innermost scope, opening the thread's root scope if needed. On failure (out of
/// memory) releases that reference and returns NULL.
ct_tensor *ct__register(ct_tensor *t);

/// Closes s and hands results[0..n) (NULL entries stay NULL) to the scope innermost
/// afterwards. Unlike ct_keep then ct_scope_close, this stays right when callbacks run
/// inside s left scopes open (ct_keep would move the results into s). On failure (the
/// close's error, or out of memory) the results not handed over are released and set to
/// NULL.
ct_status ct__close_keeping(ct_scope *s, ct_tensor **results, int n);

/// PyTorch's `t.data = src` (same shape): t keeps its identity and autograd fields and
/// takes src's storage, offset and strides (module.to moving a parameter to a device).
void ct__set_data(ct_tensor *t, const ct_tensor *src);

/// Records an in-place write to t's data (every public in-place op calls it once, after
/// writing and before recording its node): bumps the version counter t shares with every
/// tensor over its storage, so saved tensors can tell they were modified.
void ct__bump_version(ct_tensor *t);

/// Give up a tensor this code just created and will not return (error paths): removes
/// it from the innermost scope and releases it. A tensor the innermost scope does not
/// own is left alone (an outer scope releases it when it closes).
void ct__drop(ct_tensor *t);
/// True when t's only reference is the innermost scope's plus `extra_refs` others the
/// caller accounts for, and no other tensor shares its storage: nothing else can see t.
bool ct__exclusively_held(const ct_tensor *t, int64_t extra_refs);

/// ct_dtype_size without a call, for hot paths (dtype must be valid).
static inline size_t ct__dtype_size(ct_dtype dtype) {
  static const unsigned char sizes[CT_NUM_DTYPES] = {
      [CT_BOOL] = 1, [CT_INT32] = 4, [CT_INT64] = 8, [CT_FLOAT32] = 4, [CT_FLOAT64] = 8};
  return sizes[dtype];
}

/// Pointer to element 0 of t, as char*.
static inline char *ct__data(const ct_tensor *t) {
  return (char *)t->storage->data + t->offset * (int64_t)ct__dtype_size(t->dtype);
}
static inline int64_t ct__numel_of(int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  return n;
}
void ct__contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);
/// Normalise a dim in [-ndim, ndim-1] (or [-ndim-1, ndim] when `extra`), recording
/// PyTorch's IndexError message when out of range. Returns -1 on error.
int ct__wrap_dim(int dim, int ndim, bool extra);
/// Format a shape as "[2, 3]" into buf.
void ct__shape_to_str(int ndim, const int64_t *shape, char *buf, size_t cap);
/// Address of the element at a full index (ndim entries, negative counts from the end), or
/// NULL with PyTorch's "index ... is out of bounds" error in *st.
char *ct__element_ptr(const ct_tensor *t, const int64_t *index, ct_status *st);
/// Read element i (by byte pointer) of dtype as double / write a double.
double ct__load_f64(const char *p, ct_dtype dtype);
void ct__store_f64(char *p, ct_dtype dtype, double v);
int64_t ct__load_i64(const char *p, ct_dtype dtype);

#define CT_CHECK_NULL(t) do { if (!(t)) return NULL; } while (0)

#endif

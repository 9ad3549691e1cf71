// Moving tensors between devices: copies across devices staged through host memory,
// .to(device) / .cuda() / .cpu() with autograd, pinned host memory.
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/device.h"

// The CUDA runtime, or NULL with the error recorded (no backend, or no usable GPU).
static const ct_device_runtime *usable_runtime(void) {
  if (ct__check_usable(CT_CUDA, -1, NULL) != CT_OK) return NULL;
  const ct_device_runtime *rt = ct__kernels(CT_CUDA)->runtime;
  if (!rt) ct__error(CT_ERR_RUNTIME, "the CUDA backend of this build has no device runtime");
  return rt;
}

ct_tensor *ct__copy_to(const ct_tensor *t, ct_device device, int index) {
  ct_tensor *out = ct__alloc_on(t->dtype, t->ndim, t->shape, device, index);
  if (!out || ct__copy_across(out, t) == CT_OK) return out;
  ct__drop(out);
  return NULL;
}

ct_tensor *ct__on_host(const ct_tensor *t) {
  if (!t->storage->memory) return ct__register(ct_retain((ct_tensor *)t));
  return ct__copy_to(t, CT_CPU, 0);
}

// src seen with dst's shape (broadcast: stride 0 along the dims it is repeated on).
static ct_tensor *broadcast_view(const ct_tensor *src, const ct_tensor *dst) {
  int64_t strides[CT_MAX_DIMS];
  const int lead = dst->ndim - src->ndim;
  for (int d = 0; d < dst->ndim; d++)
    strides[d] = d < lead || src->shape[d - lead] != dst->shape[d] ? 0 : src->strides[d - lead];
  return ct__make_view(src, dst->ndim, dst->shape, strides, src->offset);
}

// The staging itself, inside the caller's scope. Shapes were checked by the caller.
static ct_status copy_across_scoped(ct_tensor *dst, const ct_tensor *src) {
  const size_t nbytes = (size_t)ct_numel(dst) * ct__dtype_size(dst->dtype);
  // 1. src's values, dst's shape, contiguous, on src's device.
  const ct_tensor *packed = broadcast_view(src, dst);
  if (packed && !ct_is_contiguous(packed)) packed = ct__copy_as(packed, src->dtype);
  if (!packed) return ct_last_status();
  // 2. In host memory, as dst's dtype.
  const ct_tensor *host = packed;
  if (packed->storage->memory) {
    ct_tensor *h = ct__alloc_on(src->dtype, dst->ndim, dst->shape, CT_CPU, 0);
    if (!h) return ct_last_status();
    ct__storage_read(packed->storage, ct__data(h), ct__data(packed), (size_t)ct_numel(h) * ct__dtype_size(h->dtype));
    host = h;
  }
  if (!dst->storage->memory) return ct__copy_into(dst, host); // a CPU destination converts while copying
  if (host->dtype != dst->dtype) {
    ct__enter_device(CT_CPU, 0);
    if (!(host = ct__copy_as(host, dst->dtype))) return ct_last_status();
  }
  // 3. Into dst: directly when contiguous, else through a contiguous buffer on its device.
  if (ct_is_contiguous(dst)) {
    ct__storage_write(dst->storage, ct__data(dst), ct__data(host), nbytes);
    return CT_OK;
  }
  ct_tensor *buffer = ct__alloc_like(dst, dst->dtype, dst->ndim, dst->shape);
  if (!buffer) return ct_last_status();
  ct__storage_write(buffer->storage, ct__data(buffer), ct__data(host), nbytes);
  return ct__copy_into(dst, buffer);
}

ct_status ct__copy_across(ct_tensor *dst, const ct_tensor *src) {
  ct_status st = ct__check_copy_devices(dst->storage->device, src->storage->device);
  if (st != CT_OK) return st;
  ct_scope *s = ct_scope_open();
  if (!s) return ct_last_status();
  st = copy_across_scoped(dst, src);
  ct_scope_close(s);
  return st;
}

int ct_tensor_device_index(const ct_tensor *t) {
  return t && t->storage->device != CT_CPU ? t->storage->device_index : -1;
}

// ToCopyBackward0 across devices: the gradient goes back to the input's device.
static ct_status to_device_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const ct_input_meta *m = &node->inputs[0];
  grad_in[0] = ct_to_device(grad, m->device, m->device_index);
  return grad_in[0] ? CT_OK : ct_last_status();
}

static ct_tensor *to_device(ct_tensor *t, ct_device device, int index, bool non_blocking) {
  CT_CHECK_NULL(t);
  if (ct__check_usable(device, index, &index) != CT_OK) return NULL;
  if (ct__is_on(t->storage, device, index)) return ct__register(ct_retain(t));
  ct_tensor *out = ct__alloc_on(t->dtype, t->ndim, t->shape, device, index);
  if (!out) return NULL;
  ct_status st;
  const ct_device_runtime *rt = ct__kernels(device)->runtime;
  if (non_blocking && t->storage->pinned && rt && ct_is_contiguous(t)) {
    ct__enter_device(device, index);
    rt->from_host_async(ct__data(out), ct__data(t), (size_t)ct_numel(t) * ct__dtype_size(t->dtype));
    st = CT_OK;
  } else {
    st = ct__copy_across(out, t);
  }
  if (st == CT_OK && ct_dtype_is_floating(t->dtype))
    st = ct__record(out, "ToCopyBackward0", to_device_backward, 1, &t, 0, NULL, NULL);
  if (st == CT_OK) return out;
  ct__drop(out);
  return NULL;
}

ct_tensor *ct_to_device(ct_tensor *t, ct_device device, int index) { return to_device(t, device, index, false); }
ct_tensor *ct_to_device_non_blocking(ct_tensor *t, ct_device device, int index) {
  return to_device(t, device, index, true);
}
ct_tensor *ct_cuda(ct_tensor *t) { return to_device(t, CT_CUDA, -1, false); }
ct_tensor *ct_cpu(ct_tensor *t) { return to_device(t, CT_CPU, 0, false); }
// module.cuda() / module.cpu() (nn/module_device.c moves modules).
ct_status ct_module_cuda(struct ct_module *m) { return ct_module_to(m, CT_CUDA, -1); }
ct_status ct_module_cpu(struct ct_module *m) { return ct_module_to(m, CT_CPU, 0); }

// ---- pinned host memory ----

static void free_pinned(void *data, void *ctx) {
  const ct_device_runtime *rt = ctx;
  rt->host_free_pinned(data);
}

ct_tensor *ct_pin_memory(ct_tensor *t) {
  CT_CHECK_NULL(t);
  if (t->storage->device != CT_CPU)
    return ct__error_null(CT_ERR_RUNTIME, "cannot pin '%s' only dense CPU tensors can be pinned",
                          ct__tensor_type_name(t));
  const ct_device_runtime *rt = usable_runtime();
  if (!rt) return NULL;
  if (t->storage->pinned) return ct__register(ct_retain(t));
  const size_t nbytes = (size_t)ct_numel(t) * ct__dtype_size(t->dtype);
  void *data = rt->host_alloc_pinned(nbytes ? nbytes : 1);
  if (!data) return ct__error_null(CT_ERR_MEMORY, "out of memory allocating %zu bytes of pinned memory", nbytes);
  ct_tensor *out = ct_from_blob(data, t->dtype, t->ndim, t->shape, NULL, free_pinned, (void *)rt);
  if (!out) {
    rt->host_free_pinned(data);
    return NULL;
  }
  out->storage->pinned = true;
  if (ct__copy_into(out, t) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

bool ct_is_pinned(const ct_tensor *t) { return t && t->storage->pinned; }

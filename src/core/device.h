// Devices at op entry: the same-device rule of PyTorch and the check that this build has
// kernels for the device. Every op that runs kernels checks its tensor operands here
// before looking up its kernel table (kernels/dispatch.h), so a lookup never finds a
// missing backend.
#ifndef CTORCH_SRC_CORE_DEVICE_H
#define CTORCH_SRC_CORE_DEVICE_H
#include "core/tensor_impl.h"
#include "kernels/dispatch.h"

/// t.type() as PyTorch prints it: "torch.FloatTensor", "torch.cuda.FloatTensor" ...
const char *ct__tensor_type_name(const ct_tensor *t);
/// A CPU tensor's Tensor::toString(), which some PyTorch messages print: "torch.FloatTensor"
/// ..., but "CPUBoolType" for bool.
const char *ct__tensor_to_string(ct_dtype dtype);
/// A device as torch.device prints it ("cpu", "cuda:0", "cuda:1"), in a buffer that
/// lives until the end of the full expression: printf("%s", ct__device_label(d, i).s).
typedef struct ct__device_text {
  char s[24];
} ct__device_text;
ct__device_text ct__device_label(ct_device device, int index);
static inline ct__device_text ct__storage_device(const ct_storage *s) { return ct__device_label(s->device, s->device_index); }

/// The device guard. The device the running op works on (its operands' device): the
/// device checks below set it at op entry, and ct__alloc puts the op's new tensors there.
/// On a device with a runtime (CUDA) entering it also makes its index the thread's
/// current device, so the memory hooks and kernels act on it. CPU until an op on
/// another device runs on this thread; code that allocates without an op's check first
/// names its device (ct__alloc_on, ct__alloc_like).
extern _Thread_local ct_device ct__op_device;
extern _Thread_local int ct__op_device_index;
/// The thread's current GPU as the user chose it (ct_cuda_set_device; 0 by default): what
/// index -1 ("cuda") means. The guard above may select others in the runtime meanwhile,
/// as PyTorch's DeviceGuard does for the length of an op.
extern _Thread_local int ct__chosen_cuda_device;
/// Makes a non-CPU device index current in its runtime (a no-op where it already is).
void ct__select_runtime_device(ct_device device, int index);
static inline void ct__enter_device(ct_device device, int index) {
  ct__op_device = device;
  ct__op_device_index = index;
  if (device != CT_CPU) ct__select_runtime_device(device, index);
}
static inline void ct__enter_device_of(const ct_tensor *t) {
  ct__enter_device(t->storage->device, t->storage->device_index);
}
/// True when s is on device `index` (resolved, >= 0) of `device`.
static inline bool ct__is_on(const ct_storage *s, ct_device device, int index) {
  return s->device == device && (device == CT_CPU || s->device_index == index);
}
static inline bool ct__same_place(const ct_storage *a, const ct_storage *b) {
  return a->device == b->device && a->device_index == b->device_index;
}

/// NULL when `device` can run kernels: this build has its backend and, for CUDA, a GPU
/// and driver are there (asked once). Otherwise why not: "ctorch was built without CUDA
/// support", or the runtime's reason ("Found no NVIDIA driver on your system. ...").
const char *ct__device_unusable(ct_device device);
/// CT_OK when `device` can run kernels; otherwise records ct__device_unusable's reason
/// (CT_ERR_RUNTIME).
ct_status ct__check_backend(ct_device device);

/// The check of an op on one tensor: its device's backend (ct__check_backend); enters it.
static inline ct_status ct__check_device(const ct_tensor *t) {
  ct_status st = ct__check_backend(t->storage->device);
  if (st == CT_OK) ct__enter_device_of(t);
  return st;
}

/// True when out (may be NULL) and every tensor of ts (NULLs skipped) are on one device
/// that has kernels: the common case of the rules below, checked inline on the ops' hot
/// path before the full rule runs. Enters that device when true.
static inline bool ct__one_device_with_kernels(const ct_tensor *out, int n, const ct_tensor *const *ts) {
  const ct_tensor *first = out;
  for (int i = 0; i < n && !first; i++) first = ts[i];
  if (!first) return true;
  const ct_storage *d = first->storage;
  for (int i = 0; i < n; i++)
    if (ts[i] && ts[i]->storage->device != d->device) return false;
  if (d->device != CT_CPU) { // CPU storages all have index 0
    for (int i = 0; i < n; i++)
      if (ts[i] && ts[i]->storage->device_index != d->device_index) return false;
  }
  if (d->device != CT_CPU && ct__device_unusable(d->device)) return false;
  ct__enter_device(d->device, d->device_index);
  return true;
}

/// TensorIterator's rule (elementwise ops, where, comparisons, reductions): the common
/// device is the first non-CPU device of out (may be NULL) and inputs[0..n-1] (NULL
/// entries are scalars, skipped); another device fails with "Expected all tensors to be
/// on the same device, but found at least two devices, cuda:0 and cpu!" (common device
/// first; devices of one type with different indices also differ). With `cpu_scalar` (PyTorch's binary and comparison ops) one 0-d CPU input may
/// join an op on another device. Then the common device's backend is checked and the
/// op enters it (as every rule below does on success).
ct_status ct__same_device_rule(const ct_tensor *out, int n, const ct_tensor *const *inputs, bool cpu_scalar);
static inline ct_status ct__check_same_device(const ct_tensor *out, int n, const ct_tensor *const *inputs,
                                              bool cpu_scalar) {
  return ct__one_device_with_kernels(out, n, inputs) ? CT_OK : ct__same_device_rule(out, n, inputs, cpu_scalar);
}

/// The dispatcher's rule (ops PyTorch runs outside TensorIterator): the first tensor
/// argument's device is the common one, and the message names the first argument found
/// elsewhere and PyTorch's CUDA wrapper `method`: "Expected all tensors to be on the same
/// device, but found at least two devices, cpu and cuda:0! (when checking argument for
/// argument mat2 in method wrapper_mm)". names[i] names args[i]; for i >= n_names the
/// last name is used (a list argument such as cat's `tensors` is one name). NULL args
/// are skipped. Then the common device's backend is checked.
ct_status ct__same_device_rule_args(const char *method, int n, const ct_tensor *const *args, const char *const *names,
                                    int n_names);
static inline ct_status ct__check_same_device_args(const char *method, int n, const ct_tensor *const *args,
                                                   const char *const *names, int n_names) {
  return ct__one_device_with_kernels(NULL, n, args) ? CT_OK : ct__same_device_rule_args(method, n, args, names, n_names);
}

/// Advanced indexing's rule (x[index]): index tensors may stay on the CPU for a tensor on
/// any device, or be on its device: "indices should be either on cpu or on the same
/// device as the indexed tensor (cpu)". Then self's backend is checked.
ct_status ct__check_index_device(const ct_tensor *self, const ct_tensor *index);

/// masked_fill's rule: self and mask on one device ("expected self and mask to be on the
/// same device, but got mask on cpu and self on cuda:0"), then its backend.
ct_status ct__check_mask_device(const ct_tensor *self, const ct_tensor *mask);

/// A copy from a tensor on `src` into one on `dst` (PyTorch's copy_ may cross devices):
/// both backends must exist. Copies between devices stage through host memory
/// (core/to_device.c).
ct_status ct__check_copy_devices(ct_device dst, ct_device src);

/// "ctorch was built without CUDA support", or the runtime's reason when it has no usable
/// device ("Found no NVIDIA driver on your system. ..."), or PyTorch's "CUDA error:
/// invalid device ordinal" for an index it does not have; CT_OK when `index` (-1: the
/// current device) names a usable device, whose index goes to *resolved (may be NULL).
/// The CPU takes index 0 or -1 only.
ct_status ct__check_usable(ct_device device, int index, int *resolved);

/// Test hook (tests/unit/test_device.c): moves t's storage to `device` in name only, so
/// device checks can be tested without a second backend. Not for library code.
void ct__test_set_device(ct_tensor *t, ct_device device);
/// Test hook (tests/util/emulated_device.c): serves `device` with `table` (NULL: the
/// build's own table again). Not for library code; tensors made with one table must be
/// freed before it is replaced.
void ct__test_install_kernels(ct_device device, const ct_kernel_table *table);

#endif

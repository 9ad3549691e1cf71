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
/// The device as torch.device prints it: "cpu", "cuda:0".
const char *ct__device_str(ct_device device);

/// NULL when `device` can run kernels: this build has its backend and, for CUDA, a GPU
/// and driver are there (asked once). Otherwise why not: "ctorch was built without CUDA
/// support", or the runtime's reason ("Found no NVIDIA driver on your system. ...").
const char *ct__device_unusable(ct_device device);
/// CT_OK when `device` can run kernels; otherwise records ct__device_unusable's reason
/// (CT_ERR_RUNTIME).
ct_status ct__check_backend(ct_device device);

/// The check of an op on one tensor: its device's backend (ct__check_backend).
static inline ct_status ct__check_device(const ct_tensor *t) { return ct__check_backend(t->storage->device); }

/// True when out (may be NULL) and every tensor of ts (NULLs skipped) are on one device
/// that has kernels: the common case of the rules below, checked inline on the ops' hot
/// path before the full rule runs.
static inline bool ct__one_device_with_kernels(const ct_tensor *out, int n, const ct_tensor *const *ts) {
  const ct_tensor *first = out;
  for (int i = 0; i < n && !first; i++) first = ts[i];
  if (!first) return true;
  const ct_device d = first->storage->device;
  for (int i = 0; i < n; i++)
    if (ts[i] && ts[i]->storage->device != d) return false;
  return d == CT_CPU || !ct__device_unusable(d);
}

/// TensorIterator's rule (elementwise ops, where, comparisons, reductions): the common
/// device is the first non-CPU device of out (may be NULL) and inputs[0..n-1] (NULL
/// entries are scalars, skipped); another device fails with "Expected all tensors to be
/// on the same device, but found at least two devices, cuda:0 and cpu!" (common device
/// first). With `cpu_scalar` (PyTorch's binary and comparison ops) one 0-d CPU input may
/// join an op on another device. Then the common device's backend is checked.
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
/// both backends must exist, and this build copies within one device only.
ct_status ct__check_copy_devices(ct_device dst, ct_device src);

/// Test hook (tests/unit/test_device.c): moves t's storage to `device` in name only, so
/// device checks can be tested without a second backend. Not for library code.
void ct__test_set_device(ct_tensor *t, ct_device device);

#endif

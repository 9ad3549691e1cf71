// Device checks at op entry (see device.h).
#include "core/device.h"
#include "core/error_impl.h"
#include <pthread.h>
#include <stdio.h>

const char *ct__device_str(ct_device device) {
  switch (device) {
  case CT_CPU: return "cpu";
  case CT_CUDA: return "cuda:0"; // one device of each type: index 0
  default: return "unknown";
  }
}

// Why each device cannot run kernels (NULL: it can), found once: a device needs a backend
// in this build and, for a backend with a runtime (CUDA), at least one usable device;
// otherwise the runtime's reason, PyTorch's ("Found no NVIDIA driver on your system. ...").
static char unusable_text[CT_NUM_DEVICES][512];
static const char *unusable[CT_NUM_DEVICES];
static pthread_once_t unusable_once = PTHREAD_ONCE_INIT;

static void find_unusable(void) {
  for (int d = 0; d < CT_NUM_DEVICES; d++) {
    const ct_kernel_table *k = ct__kernels((ct_device)d);
    if (!k)
      snprintf(unusable_text[d], sizeof unusable_text[d], "ctorch was built without %s support",
               d == CT_CUDA ? "CUDA" : ct_device_name((ct_device)d));
    else if (!k->runtime || k->runtime->device_count(unusable_text[d], sizeof unusable_text[d]) > 0)
      continue;
    unusable[d] = unusable_text[d];
  }
}

const char *ct__device_unusable(ct_device device) {
  pthread_once(&unusable_once, find_unusable);
  return unusable[device];
}

ct_status ct__check_backend(ct_device device) {
  const char *why = ct__device_unusable(device);
  return why ? ct__error(CT_ERR_RUNTIME, "%s", why) : CT_OK;
}

static ct_status mismatch(ct_device common, ct_device other) {
  return ct__error(CT_ERR_ARG, "Expected all tensors to be on the same device, but found at least two devices, %s and %s!",
                   ct__device_str(common), ct__device_str(other));
}

ct_status ct__same_device_rule(const ct_tensor *out, int n, const ct_tensor *const *inputs, bool cpu_scalar) {
  ct_device common = out ? out->storage->device : CT_CPU;
  for (int i = 0; i < n && common == CT_CPU; i++)
    if (inputs[i]) common = inputs[i]->storage->device;
  if (out && out->storage->device != common) return mismatch(common, out->storage->device);
  int cpu_scalars = 0;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = inputs[i];
    if (!t || t->storage->device == common) continue;
    if (cpu_scalar && t->ndim == 0 && t->storage->device == CT_CPU) { // read by value by the kernel
      if (cpu_scalars++ == 0) continue;
      return ct__error(CT_ERR_ARG, "Trying to pass too many CPU scalars to non-CPU kernel!");
    }
    return mismatch(common, t->storage->device);
  }
  return ct__check_backend(common);
}

ct_status ct__same_device_rule_args(const char *method, int n, const ct_tensor *const *args, const char *const *names,
                                    int n_names) {
  const ct_tensor *first = NULL;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = args[i];
    if (!t) continue;
    if (!first) {
      first = t;
    } else if (t->storage->device != first->storage->device) {
      return ct__error(CT_ERR_ARG,
                       "Expected all tensors to be on the same device, but found at least two devices, %s and %s! "
                       "(when checking argument for argument %s in method %s)",
                       ct__device_str(first->storage->device), ct__device_str(t->storage->device),
                       names[i < n_names ? i : n_names - 1], method);
    }
  }
  return first ? ct__check_backend(first->storage->device) : CT_OK;
}

ct_status ct__check_index_device(const ct_tensor *self, const ct_tensor *index) {
  const ct_device d = self->storage->device, i = index->storage->device;
  if (i != CT_CPU && i != d)
    return ct__error(CT_ERR_ARG, "indices should be either on %s or on the same device as the indexed tensor (%s)",
                     ct__device_str(CT_CPU), ct__device_str(d));
  return ct__check_backend(d);
}

ct_status ct__check_mask_device(const ct_tensor *self, const ct_tensor *mask) {
  const ct_device d = self->storage->device, m = mask->storage->device;
  if (m != d)
    return ct__error(CT_ERR_ARG, "expected self and mask to be on the same device, but got mask on %s and self on %s",
                     ct__device_str(m), ct__device_str(d));
  return ct__check_backend(d);
}

ct_status ct__check_copy_devices(ct_device dst, ct_device src) {
  ct_status st = ct__check_backend(dst);
  if (st == CT_OK) st = ct__check_backend(src);
  if (st == CT_OK && dst != src)
    st = ct__error(CT_ERR_RUNTIME, "copy_: copying from %s to %s is not supported", ct__device_str(src),
                   ct__device_str(dst));
  return st;
}

void ct__test_set_device(ct_tensor *t, ct_device device) { t->storage->device = device; }

const char *ct__tensor_type_name(const ct_tensor *t) {
  static const char *const cpu[CT_NUM_DTYPES] = {[CT_BOOL] = "torch.BoolTensor", [CT_INT32] = "torch.IntTensor",
                                                 [CT_INT64] = "torch.LongTensor", [CT_FLOAT32] = "torch.FloatTensor",
                                                 [CT_FLOAT64] = "torch.DoubleTensor"};
  static const char *const cuda[CT_NUM_DTYPES] = {
      [CT_BOOL] = "torch.cuda.BoolTensor", [CT_INT32] = "torch.cuda.IntTensor", [CT_INT64] = "torch.cuda.LongTensor",
      [CT_FLOAT32] = "torch.cuda.FloatTensor", [CT_FLOAT64] = "torch.cuda.DoubleTensor"};
  return (t->storage->device == CT_CPU ? cpu : cuda)[t->dtype];
}

const char *ct__tensor_to_string(ct_dtype dtype) {
  static const char *const names[CT_NUM_DTYPES] = {[CT_BOOL] = "CPUBoolType", [CT_INT32] = "torch.IntTensor",
                                                   [CT_INT64] = "torch.LongTensor", [CT_FLOAT32] = "torch.FloatTensor",
                                                   [CT_FLOAT64] = "torch.DoubleTensor"};
  return names[dtype];
}

// Device checks at op entry (see device.h).
#include "core/device.h"
#include "core/error_impl.h"
#include <pthread.h>
#include <stdio.h>

_Thread_local ct_device ct__op_device = CT_CPU;
_Thread_local int ct__op_device_index = 0;
_Thread_local int ct__chosen_cuda_device = 0;

ct__device_text ct__device_label(ct_device device, int index) {
  ct__device_text t;
  if (device == CT_CPU) snprintf(t.s, sizeof t.s, "cpu");
  else snprintf(t.s, sizeof t.s, "%s:%d", ct_device_name(device), index);
  return t;
}

void ct__select_runtime_device(ct_device device, int index) {
  const ct_kernel_table *k = ct__kernels(device);
  const ct_device_runtime *rt = k ? k->runtime : NULL;
  if (!rt || rt->current_device() == index) return;
  char why[256];
  rt->set_device(index, why, sizeof why); // the index was valid when its tensor was made
}

ct_status ct__check_usable(ct_device device, int index, int *resolved) {
  if ((unsigned)device >= CT_NUM_DEVICES) return ct__error(CT_ERR_ARG, "invalid device type %d", (int)device);
  if (index < -1) return ct__error(CT_ERR_ARG, "Device index must not be negative");
  if (device == CT_CPU) {
    if (index > 0) return ct__error(CT_ERR_RUNTIME, "CPU device index must be -1 or zero, got %d", index);
    if (resolved) *resolved = 0;
    return CT_OK;
  }
  ct_status st = ct__check_backend(device);
  if (st != CT_OK) return st;
  const ct_device_runtime *rt = ct__kernels(device)->runtime;
  if (!rt) { // a backend with one device and nothing to select
    if (index > 0) return ct__error(CT_ERR_RUNTIME, "%s error: invalid device ordinal", "CUDA");
    if (resolved) *resolved = 0;
    return CT_OK;
  }
  char why[512] = "";
  int count = rt->device_count(why, sizeof why);
  if (count <= 0) return ct__error(CT_ERR_RUNTIME, "%s", why[0] ? why : "No CUDA GPUs are available");
  if (index == -1) index = ct__chosen_cuda_device;
  if (index >= count) return ct__error(CT_ERR_RUNTIME, "CUDA error: invalid device ordinal");
  if (resolved) *resolved = index;
  return CT_OK;
}

// Why each device cannot run kernels (NULL: it can), found on first use and kept: a device
// needs a backend in this build and, for a backend with a runtime (CUDA), at least one
// usable device; otherwise the runtime's reason, PyTorch's ("Found no NVIDIA driver on
// your system. ..."). ct__test_install_kernels forgets the answer for its device.
static char unusable_text[CT_NUM_DEVICES][512];
static const char *unusable[CT_NUM_DEVICES];
static bool unusable_known[CT_NUM_DEVICES];
static pthread_mutex_t unusable_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *find_unusable(ct_device d) {
  const ct_kernel_table *k = ct__kernels(d);
  if (!k) {
    snprintf(unusable_text[d], sizeof unusable_text[d], "ctorch was built without %s support",
             d == CT_CUDA ? "CUDA" : ct_device_name(d));
    return unusable_text[d];
  }
  if (!k->runtime || k->runtime->device_count(unusable_text[d], sizeof unusable_text[d]) > 0) return NULL;
  if (!unusable_text[d][0]) snprintf(unusable_text[d], sizeof unusable_text[d], "No CUDA GPUs are available");
  return unusable_text[d];
}

const char *ct__device_unusable(ct_device device) {
  if (__atomic_load_n(&unusable_known[device], __ATOMIC_ACQUIRE)) return unusable[device];
  pthread_mutex_lock(&unusable_lock);
  if (!unusable_known[device]) {
    unusable[device] = find_unusable(device);
    __atomic_store_n(&unusable_known[device], true, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&unusable_lock);
  return unusable[device];
}

ct_status ct__check_backend(ct_device device) {
  const char *why = ct__device_unusable(device);
  return why ? ct__error(CT_ERR_RUNTIME, "%s", why) : CT_OK;
}

static ct_status mismatch(const ct_storage *common, const ct_storage *other) {
  return ct__error(CT_ERR_ARG, "Expected all tensors to be on the same device, but found at least two devices, %s and %s!",
                   ct__storage_device(common).s, ct__storage_device(other).s);
}

// The backend check that ends every rule, entering the common device on success.
static ct_status enter_common(const ct_storage *common) {
  ct_status st = ct__check_backend(common->device);
  if (st == CT_OK) ct__enter_device(common->device, common->device_index);
  return st;
}

ct_status ct__same_device_rule(const ct_tensor *out, int n, const ct_tensor *const *inputs, bool cpu_scalar) {
  const ct_storage *common = out ? out->storage : NULL;
  for (int i = 0; i < n && (!common || common->device == CT_CPU); i++)
    if (inputs[i]) common = inputs[i]->storage;
  if (!common) return CT_OK;
  if (out && !ct__same_place(out->storage, common)) return mismatch(common, out->storage);
  int cpu_scalars = 0;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = inputs[i];
    if (!t || ct__same_place(t->storage, common)) continue;
    if (cpu_scalar && t->ndim == 0 && t->storage->device == CT_CPU) { // read by value by the kernel
      if (cpu_scalars++ == 0) continue;
      return ct__error(CT_ERR_ARG, "Trying to pass too many CPU scalars to non-CPU kernel!");
    }
    return mismatch(common, t->storage);
  }
  return enter_common(common);
}

ct_status ct__same_device_rule_args(const char *method, int n, const ct_tensor *const *args, const char *const *names,
                                    int n_names) {
  const ct_tensor *first = NULL;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = args[i];
    if (!t) continue;
    if (!first) {
      first = t;
    } else if (!ct__same_place(t->storage, first->storage)) {
      return ct__error(CT_ERR_ARG,
                       "Expected all tensors to be on the same device, but found at least two devices, %s and %s! "
                       "(when checking argument for argument %s in method %s)",
                       ct__storage_device(first->storage).s, ct__storage_device(t->storage).s,
                       names[i < n_names ? i : n_names - 1], method);
    }
  }
  return first ? enter_common(first->storage) : CT_OK;
}

ct_status ct__check_index_device(const ct_tensor *self, const ct_tensor *index) {
  if (index->storage->device != CT_CPU && !ct__same_place(index->storage, self->storage))
    return ct__error(CT_ERR_ARG, "indices should be either on %s or on the same device as the indexed tensor (%s)",
                     "cpu", ct__storage_device(self->storage).s);
  return enter_common(self->storage);
}

ct_status ct__check_mask_device(const ct_tensor *self, const ct_tensor *mask) {
  if (!ct__same_place(mask->storage, self->storage))
    return ct__error(CT_ERR_ARG, "expected self and mask to be on the same device, but got mask on %s and self on %s",
                     ct__storage_device(mask->storage).s, ct__storage_device(self->storage).s);
  return enter_common(self->storage);
}

ct_status ct__check_copy_devices(ct_device dst, ct_device src) {
  ct_status st = ct__check_backend(dst);
  return st == CT_OK ? ct__check_backend(src) : st;
}

void ct__test_set_device(ct_tensor *t, ct_device device) { t->storage->device = device; }

void ct__test_install_kernels(ct_device device, const ct_kernel_table *table) {
  static const ct_kernel_table *built[CT_NUM_DEVICES];
  static bool saved;
  if (!saved) {
    for (int d = 0; d < CT_NUM_DEVICES; d++) built[d] = ct__kernel_tables[d];
    saved = true;
  }
  pthread_mutex_lock(&unusable_lock);
  ct__kernel_tables[device] = table ? table : built[device];
  unusable_text[device][0] = '\0';
  __atomic_store_n(&unusable_known[device], false, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&unusable_lock);
}

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

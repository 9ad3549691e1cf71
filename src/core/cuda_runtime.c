// torch.cuda's device services (ctorch/device.h) over the CUDA backend's runtime
// (kernels/dispatch.h, ct_device_runtime). Without the backend or a GPU they fail with
// the reason ct__check_usable gives, or answer as PyTorch does where it does not fail.
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/device.h"

// The runtime when CUDA is usable and `index` (-1: current) names a GPU (*resolved).
static const ct_device_runtime *runtime_for(int index, int *resolved) {
  if (ct__check_usable(CT_CUDA, index, resolved) != CT_OK) return NULL;
  const ct_device_runtime *rt = ct__kernels(CT_CUDA)->runtime;
  if (!rt) ct__error(CT_ERR_RUNTIME, "the CUDA backend of this build has no device runtime");
  return rt;
}

// The runtime when the backend sees a GPU, without recording anything otherwise.
static const ct_device_runtime *quiet_runtime(void) {
  const ct_kernel_table *k = ct__kernels(CT_CUDA);
  char why[512];
  return k && k->runtime && k->runtime->device_count(why, sizeof why) > 0 ? k->runtime : NULL;
}

bool ct_cuda_is_available(void) { return quiet_runtime() != NULL; }

ct_status ct_cuda_init(void) { return runtime_for(-1, NULL) ? CT_OK : ct_last_status(); }

int ct_cuda_device_count(void) {
  const ct_kernel_table *k = ct__kernels(CT_CUDA);
  char why[512];
  int n = k && k->runtime ? k->runtime->device_count(why, sizeof why) : 0;
  return n > 0 ? n : 0;
}

ct_status ct_cuda_set_device(int index) {
  if (index < 0) return ct__error(CT_ERR_ARG, "Device index must not be negative");
  const ct_device_runtime *rt = runtime_for(index, &index);
  if (!rt) return ct_last_status();
  char why[256] = "";
  if (rt->set_device(index, why, sizeof why) != 0) return ct__error(CT_ERR_RUNTIME, "%s", why);
  ct__chosen_cuda_device = index;
  return CT_OK;
}

int ct_cuda_current_device(void) {
  int index;
  return runtime_for(-1, &index) ? index : -1;
}

ct_status ct_cuda_synchronize(int index) {
  const ct_device_runtime *rt = runtime_for(index, &index);
  if (!rt) return ct_last_status();
  rt->synchronize(index);
  return CT_OK;
}

// A memory counter: 0 where CUDA is unusable (PyTorch answers 0 before CUDA starts).
static int64_t counter(int index, int64_t (*read)(const ct_device_runtime *, int)) {
  const ct_device_runtime *rt = quiet_runtime();
  if (!rt) return 0;
  if (!(rt = runtime_for(index, &index))) return -1;
  return read(rt, index);
}
static int64_t allocated(const ct_device_runtime *rt, int index) { return rt->memory_allocated(index); }
static int64_t reserved(const ct_device_runtime *rt, int index) { return rt->memory_reserved(index); }
int64_t ct_cuda_memory_allocated(int index) { return counter(index, allocated); }
int64_t ct_cuda_memory_reserved(int index) { return counter(index, reserved); }

void ct_cuda_empty_cache(void) {
  const ct_device_runtime *rt = quiet_runtime();
  if (rt) rt->empty_cache();
}

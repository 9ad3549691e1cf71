// The CUDA runtime services (ct_device_runtime) and memory hooks (ct_memory_hooks): device
// count with PyTorch 1.13's reasons when there is none, the calling thread's current
// device, pinned host memory, and device memory through one caching allocator per device
// (caching_allocator.h).
#include <mutex>
#include <stdio.h>
#include "kernels/cuda/caching_allocator.h"
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/dispatch.h"

namespace {

constexpr int kMaxDevices = 64;
const char kDriverUrl[] = "http://www.nvidia.com/Download/index.aspx";

std::mutex g_allocators_mutex;
ct_caching_allocator *g_allocators[kMaxDevices];

// Runs the calling thread on `index` for the guard's lifetime (a no-op when current).
struct DeviceGuard {
  int previous = -1;
  explicit DeviceGuard(int index) {
    int current = 0;
    if (cudaGetDevice(&current) == cudaSuccess && current != index && cudaSetDevice(index) == cudaSuccess)
      previous = current;
  }
  ~DeviceGuard() {
    if (previous >= 0) cudaSetDevice(previous);
  }
};

void *raw_alloc(size_t nbytes, void *user) {
  DeviceGuard guard((int)(intptr_t)user);
  void *ptr = nullptr;
  if (cudaMalloc(&ptr, nbytes) != cudaSuccess) {
    (void)cudaGetLastError(); // out of memory is answered with NULL, not left pending
    return nullptr;
  }
  return ptr;
}

void raw_free(void *ptr, size_t, void *user) {
  DeviceGuard guard((int)(intptr_t)user);
  ct__cuda_note_error(cudaFree(ptr), "cudaFree");
}

void raw_synchronize(void *user) {
  DeviceGuard guard((int)(intptr_t)user);
  ct__cuda_note_error(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int current_device() {
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return device;
}

// The allocator of device `index`, created on first use; NULL when `create` is false and
// it has none yet (or out of host memory).
ct_caching_allocator *allocator_of(int index, bool create) {
  if (index < 0 || index >= kMaxDevices) return nullptr;
  std::lock_guard<std::mutex> lock(g_allocators_mutex);
  if (!g_allocators[index] && create) {
    ct_ca_raw raw = {raw_alloc, raw_free, raw_synchronize, (void *)(intptr_t)index};
    g_allocators[index] = ct_ca_create(&raw);
  }
  return g_allocators[index];
}

// ---- ct_device_runtime ----

int device_count(char *why, size_t why_size) {
  if (why_size) why[0] = '\0';
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaSuccess && count > 0) return count;
  (void)cudaGetLastError();
  int driver = 0;
  if (err == cudaErrorInsufficientDriver && cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0)
    snprintf(why, why_size,
             "The NVIDIA driver on your system is too old (found version %d). Please update your GPU driver by "
             "downloading and installing a new version from the URL: %s Alternatively, go to: https://pytorch.org "
             "to install a PyTorch version that has been compiled with your version of the CUDA driver.",
             driver, kDriverUrl);
  else if (err == cudaErrorInsufficientDriver)
    snprintf(why, why_size,
             "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
             "driver from %s",
             kDriverUrl);
  else if (err == cudaSuccess || err == cudaErrorNoDevice)
    snprintf(why, why_size, "No CUDA GPUs are available");
  else
    snprintf(why, why_size, "CUDA error: %s", cudaGetErrorString(err));
  return 0;
}

int set_device(int index, char *why, size_t why_size) {
  cudaError_t err = cudaSetDevice(index);
  if (err == cudaSuccess) return 0;
  (void)cudaGetLastError();
  snprintf(why, why_size, "CUDA error: %s", cudaGetErrorString(err));
  return -1;
}

void synchronize(int index) {
  DeviceGuard guard(index);
  ct__cuda_note_error(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int64_t memory_allocated(int index) {
  ct_caching_allocator *a = allocator_of(index, false);
  return a ? ct_ca_get_stats(a).allocated : 0;
}

int64_t memory_reserved(int index) {
  ct_caching_allocator *a = allocator_of(index, false);
  return a ? ct_ca_get_stats(a).reserved : 0;
}

void empty_cache() {
  for (int i = 0; i < kMaxDevices; i++)
    if (ct_caching_allocator *a = allocator_of(i, false)) ct_ca_empty_cache(a);
}

void *host_alloc_pinned(size_t nbytes) {
  void *ptr = nullptr;
  if (cudaHostAlloc(&ptr, nbytes ? nbytes : 1, cudaHostAllocDefault) != cudaSuccess) {
    (void)cudaGetLastError();
    return nullptr;
  }
  return ptr;
}

void host_free_pinned(void *ptr) {
  if (ptr) ct__cuda_note_error(cudaFreeHost(ptr), "cudaFreeHost");
}

void from_host_async(void *dst, const void *host_src, size_t nbytes) {
  if (nbytes)
    ct__cuda_note_error(cudaMemcpyAsync(dst, host_src, nbytes, cudaMemcpyHostToDevice, CT_CUDA_STREAM),
                        "cudaMemcpyAsync");
}

// ---- ct_memory_hooks (current device) ----

void *device_alloc(size_t nbytes) {
  ct_caching_allocator *a = allocator_of(current_device(), true);
  return a ? ct_ca_malloc(a, nbytes, (uintptr_t)CT_CUDA_STREAM) : nullptr;
}

void device_free(void *ptr, size_t) {
  if (!ptr) return;
  ct_caching_allocator *a = allocator_of(current_device(), false);
  if (a && ct_ca_free(a, ptr)) return;
  for (int i = 0; i < kMaxDevices; i++) // a block of another device than the current one
    if ((a = allocator_of(i, false)) && ct_ca_free(a, ptr)) return;
}

void to_host(void *host_dst, const void *src, size_t nbytes) {
  if (nbytes) ct__cuda_note_error(cudaMemcpy(host_dst, src, nbytes, cudaMemcpyDeviceToHost), "cudaMemcpy");
}

void from_host(void *dst, const void *host_src, size_t nbytes) {
  if (nbytes) ct__cuda_note_error(cudaMemcpy(dst, host_src, nbytes, cudaMemcpyHostToDevice), "cudaMemcpy");
}

void device_copy(void *dst, const void *src, size_t nbytes) {
  if (nbytes)
    ct__cuda_note_error(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, CT_CUDA_STREAM),
                        "cudaMemcpyAsync");
}

void device_zero(void *ptr, size_t nbytes) {
  if (nbytes) ct__cuda_note_error(cudaMemsetAsync(ptr, 0, nbytes, CT_CUDA_STREAM), "cudaMemsetAsync");
}

} // namespace

void ct__cuda_note_error(cudaError_t err, const char *where) {
  if (err == cudaSuccess) return;
  (void)cudaGetLastError();
  fprintf(stderr, "ctorch: CUDA error in %s: %s\n", where, cudaGetErrorString(err));
}

void *ct__cuda_temp_alloc(size_t nbytes) { return device_alloc(nbytes); }

void ct__cuda_temp_free(void *ptr) { device_free(ptr, 0); }

extern "C" {
extern const ct_device_runtime ct__cuda_runtime;
const ct_device_runtime ct__cuda_runtime = {
    device_count,     set_device,        current_device,    synchronize,     memory_allocated,
    memory_reserved,  empty_cache,       host_alloc_pinned, host_free_pinned, from_host_async,
};

extern const ct_memory_hooks ct__cuda_memory;
const ct_memory_hooks ct__cuda_memory = {device_alloc, device_free, to_host, from_host, device_copy, device_zero};
}

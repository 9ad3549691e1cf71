/// @file device.h
/// @brief Devices with an index (cpu, cuda:0, cuda:1): moving tensors between them,
/// creating tensors on them, pinned host memory, and torch.cuda's device services.
///
/// A device is a type (ct_device) and an index; index -1 means "the current device of
/// that type" (PyTorch's plain "cuda"), and the CPU's index is 0. In a build without the
/// CUDA backend every CUDA call fails with "ctorch was built without CUDA support"; with
/// the backend but no usable GPU, with the runtime's reason ("Found no NVIDIA driver on
/// your system. ..."). Neither aborts or leaks.
#ifndef CTORCH_DEVICE_H
#define CTORCH_DEVICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctorch/dtype.h"
#include "ctorch/error.h"
#include "ctorch/export.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- torch.cuda ----

/// torch.cuda.is_available(): this build has the CUDA backend and it sees a GPU.
CT_API bool ct_cuda_is_available(void);
/// torch.cuda.init(): CT_OK when CUDA is usable, else the reason (see the file comment).
CT_API ct_status ct_cuda_init(void);
/// torch.cuda.device_count(): usable GPUs (0 without the backend or a driver).
CT_API int ct_cuda_device_count(void);
/// torch.cuda.set_device(index): the calling thread's current GPU.
CT_API ct_status ct_cuda_set_device(int index);
/// torch.cuda.current_device(), or -1 with the error recorded when CUDA is unusable.
CT_API int ct_cuda_current_device(void);
/// torch.cuda.synchronize(index): waits for the GPU's queued work (-1: current GPU).
CT_API ct_status ct_cuda_synchronize(int index);
/// torch.cuda.memory_allocated(index) and memory_reserved(index), in bytes: what live
/// tensors hold and what the caching allocator holds (-1: current GPU). 0 where CUDA is
/// unusable, as in PyTorch; -1 with the error for an index the machine does not have.
CT_API int64_t ct_cuda_memory_allocated(int index);
CT_API int64_t ct_cuda_memory_reserved(int index);
/// torch.cuda.empty_cache(): returns cached unused blocks to the driver (a no-op where
/// CUDA is unusable, as in PyTorch).
CT_API void ct_cuda_empty_cache(void);

// ---- torch.cuda's random generators ----
// One default generator per GPU (Philox4x32-10: a seed, initially 67280421310721, and an
// offset), drawn from by every random fill on that GPU. ct_manual_seed and ct_seed seed
// them too (as torch.manual_seed does). Seeding never fails, with or without a GPU.

/// torch.cuda.manual_seed(seed): seeds the current GPU's generator (offset back to 0).
CT_API void ct_cuda_manual_seed(uint64_t seed);
/// torch.cuda.manual_seed_all(seed): seeds every GPU's generator.
CT_API void ct_cuda_manual_seed_all(uint64_t seed);
/// torch.cuda.initial_seed(): the current GPU's seed; 0 with the error recorded where CUDA
/// is unusable (PyTorch raises there).
CT_API uint64_t ct_cuda_initial_seed(void);

// ---- tensors and devices ----

/// t.get_device(): the device index of t's storage, -1 for a CPU tensor (or NULL).
CT_API int ct_tensor_device_index(const ct_tensor *t);
/// t.to(device): t itself when already there, else a copy on device `index` (-1: the
/// current one) with t's dtype, shape and values; recorded for autograd as
/// ToCopyBackward0 (the gradient goes back to t's device).
CT_API ct_tensor *ct_to_device(ct_tensor *t, ct_device device, int index);
/// t.to(device, non_blocking=True): as ct_to_device; a copy from pinned host memory to a
/// GPU is queued without waiting (ct_cuda_synchronize waits for it; keep the source alive
/// until then).
CT_API ct_tensor *ct_to_device_non_blocking(ct_tensor *t, ct_device device, int index);
/// t.cuda(): ct_to_device(t, CT_CUDA, -1).
CT_API ct_tensor *ct_cuda(ct_tensor *t);
/// t.cpu(): ct_to_device(t, CT_CPU, 0).
CT_API ct_tensor *ct_cpu(ct_tensor *t);
/// t.pin_memory(): a copy of CPU tensor t in page-locked memory (needs CUDA).
CT_API ct_tensor *ct_pin_memory(ct_tensor *t);
/// t.is_pinned().
CT_API bool ct_is_pinned(const ct_tensor *t);

// ---- creation on a device (torch.zeros(..., device=...)) ----
// As the functions of creation.h and random.h without `_on`, made on device `index` of
// `device` (-1: the current one). Random values are drawn on the device from its generator
// (a GPU's Philox generator above; the CPU generator for the CPU).

CT_API ct_tensor *ct_empty_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_zeros_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_ones_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_full_on(int ndim, const int64_t *shape, double value, ct_dtype dtype, ct_device device,
                             int index);
CT_API ct_tensor *ct_scalar_on(double value, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_arange_on(double start, double end, double step, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_linspace_on(double start, double end, int64_t steps, ct_dtype dtype, ct_device device,
                                 int index);
CT_API ct_tensor *ct_eye_on(int64_t n, int64_t m, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_tensor_from_data_on(const void *data, ct_dtype src_dtype, ct_dtype dtype, int ndim,
                                         const int64_t *shape, ct_device device, int index);
CT_API ct_tensor *ct_rand_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_randn_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index);
CT_API ct_tensor *ct_randint_on(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_device device,
                                int index);
CT_API ct_tensor *ct_randperm_on(int64_t n, ct_device device, int index);

/// t.new_zeros(shape, dtype=dtype), new_ones, new_full, new_empty: on t's device.
CT_API ct_tensor *ct_new_zeros(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype);
CT_API ct_tensor *ct_new_ones(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype);
CT_API ct_tensor *ct_new_full(const ct_tensor *t, int ndim, const int64_t *shape, double value, ct_dtype dtype);
CT_API ct_tensor *ct_new_empty(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype);

// ---- modules ----
struct ct_module;
/// module.to(device): every parameter and buffer of m and its children moved to device
/// `index` (-1: current) of `device`. Parameters keep their identity (their data is
/// replaced, as PyTorch's module.to does), and so do their gradients and the buffers.
/// Make optimizers after moving their model: their state goes on each parameter's device.
CT_API ct_status ct_module_to(struct ct_module *m, ct_device device, int index);
/// module.cuda() (the current GPU) and module.cpu().
CT_API ct_status ct_module_cuda(struct ct_module *m);
CT_API ct_status ct_module_cpu(struct ct_module *m);

#ifdef __cplusplus
}
#endif
#endif

// Shared pieces of the CUDA kernels: the stream work is queued on, launch geometry, and
// how a loop reads an operand that may be a host scalar.
#ifndef CTORCH_SRC_KERNELS_CUDA_CUDA_COMMON_CUH
#define CTORCH_SRC_KERNELS_CUDA_CUDA_COMMON_CUH
#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>
#include "kernels/iter.h"

// All work goes to the current device's legacy default stream, as PyTorch's current
// stream by default: queued work runs in order, so the caching allocator may hand a
// freed block out again at once, and copies to the host (cudaMemcpy) wait for it.
#define CT_CUDA_STREAM ((cudaStream_t)0)

// Launch errors have no channel back to the op (loops return void): the runtime prints
// them to stderr when they are noted (ct__cuda_note_error, runtime.cu).
void ct__cuda_note_error(cudaError_t err, const char *where);
#define CT_CUDA_CHECK_LAUNCH(where) ct__cuda_note_error(cudaGetLastError(), where)

// A kernel call's device temporaries (flags, scratch, results read back), from the
// current device's caching allocator for CT_CUDA_STREAM, as PyTorch's kernels take
// theirs: counted by memory_allocated/reserved, no stream-ordered pool needed. NULL
// when out of memory, with no CUDA error left pending. Free the block after queueing
// the work that uses it: the allocator hands it out again only to work queued later on
// the same stream, which runs after it (runtime.cu).
void *ct__cuda_temp_alloc(size_t nbytes);
void ct__cuda_temp_free(void *ptr);

constexpr int kBlockThreads = 256;

// Blocks for a grid-stride loop over n elements (bounded: the loop strides over the rest).
static inline unsigned grid_for(int64_t n) {
  int64_t blocks = (n + kBlockThreads - 1) / kBlockThreads;
  if (blocks > 65535) blocks = 65535;
  return (unsigned)(blocks > 0 ? blocks : 1);
}

#define CT_GRID_STRIDE(i, n) \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)

// Whether ptr is host memory (a 0-d operand over a C scalar or a CPU 0-d tensor's
// value, see kernels/operand.h): under unified addressing the driver knows every device
// allocation; anything else is host memory and is read by value. A failed query counts
// as host memory only for cudaErrorInvalidValue (how CUDA before 11 answered unregistered
// host memory): after a sticky error (a kernel's fault) every query fails, and reading
// a device pointer on the host would crash the process instead of reporting the error.
static inline bool ct_cuda_is_host_pointer(const void *ptr) {
  cudaPointerAttributes attr;
  const cudaError_t err = cudaPointerGetAttributes(&attr, ptr);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    return err == cudaErrorInvalidValue;
  }
  return attr.type == cudaMemoryTypeUnregistered || attr.type == cudaMemoryTypeHost;
}

// One operand of a 1-D run as a kernel reads it: a device pointer and byte stride, or,
// for a host scalar, its value carried in the kernel's arguments (8 bytes hold any dtype).
struct Operand {
  char *ptr;
  int64_t stride;
  bool by_value;
  alignas(8) unsigned char value[8];

  template <typename T> __device__ __forceinline__ T load(int64_t i) const {
    if (by_value) {
      T v;
      memcpy(&v, value, sizeof(T));
      return v;
    }
    return *reinterpret_cast<const T *>(ptr + i * stride);
  }
  template <typename T> __device__ __forceinline__ T *at(int64_t i) const {
    return reinterpret_cast<T *>(ptr + i * stride);
  }
};

// Describes operand k of a run for a kernel: stride-0 operands are checked for host
// memory (only they can be host scalars) and then carried by value.
static inline Operand make_operand(char *const *data, const int64_t *strides, int k, size_t elem_size) {
  Operand op;
  op.ptr = data[k];
  op.stride = strides[k];
  op.by_value = strides[k] == 0 && ct_cuda_is_host_pointer(data[k]);
  memset(op.value, 0, sizeof op.value);
  if (op.by_value) memcpy(op.value, data[k], elem_size);
  return op;
}

#endif

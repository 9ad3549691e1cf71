// Per-device kernel tables. Op code (src/ops, src/core) never calls a CPU kernel by
// name: it asks for the table of its operands' device and calls through it, so a CUDA
// backend is a new table (kernels/dispatch.c maps devices to tables), not a change to
// the ops. Each kernel family declares its own struct in its header; the table points
// to one instance per family.
#ifndef CTORCH_SRC_KERNELS_DISPATCH_H
#define CTORCH_SRC_KERNELS_DISPATCH_H
#include "kernels/iter.h"

/// Conversion and fill loops (kernels/cpu/copy.c).
typedef struct ct_copy_kernels {
  /// cast[dst][src]: operand 0 (dtype dst) = operand 1 (dtype src), C conversion rules
  /// (float->int truncates, nonzero->true).
  ct_loop_fn cast[CT_NUM_DTYPES][CT_NUM_DTYPES];
  /// fill[dtype]: operand 0 = *(const <dtype> *)ctx.
  ct_loop_fn fill[CT_NUM_DTYPES];
  /// accumulate[dtype]: operand 0 += operand 1 (same dtype). Not parallel-safe when
  /// operand 0 is broadcast (stride 0): callers reducing into it run serially.
  ct_loop_fn accumulate[CT_NUM_DTYPES];
} ct_copy_kernels;

/// A device's memory (kernels/cpu/memory.c for the CPU). Device pointers are only
/// dereferenced by that device's kernels; host code moves bytes in and out through
/// these hooks.
typedef struct ct_memory_hooks {
  /// nbytes of device memory, 64-byte aligned (a valid pointer for 0 bytes); NULL when
  /// out of memory.
  void *(*alloc)(size_t nbytes);
  /// Releases a block from alloc (nbytes as requested).
  void (*free)(void *ptr, size_t nbytes);
  /// nbytes from device memory to host memory, from host to device, and within the device.
  void (*to_host)(void *host_dst, const void *src, size_t nbytes);
  void (*from_host)(void *dst, const void *host_src, size_t nbytes);
  void (*copy)(void *dst, const void *src, size_t nbytes);
  /// Sets nbytes of device memory to zero bytes (0 for every dtype).
  void (*zero)(void *ptr, size_t nbytes);
} ct_memory_hooks;

/// Device-level services of a backend whose devices can be counted and selected (CUDA);
/// NULL for the CPU. Core code (src/core) answers ct_cuda_is_available, device guards,
/// memory statistics and pinned host memory through these; kernels never see them.
/// Memory hooks and kernels act on the calling thread's current device (set_device).
typedef struct ct_device_runtime {
  /// How many devices are usable now. 0 when none is, with the reason in `why` (PyTorch's
  /// text, e.g. "Found no NVIDIA driver on your system. ..."), NUL-terminated.
  int (*device_count)(char *why, size_t why_size);
  /// Makes device `index` current on the calling thread; 0 on success, else writes the
  /// reason to `why`.
  int (*set_device)(int index, char *why, size_t why_size);
  int (*current_device)(void);
  /// Waits until all work queued on device `index` is done.
  void (*synchronize)(int index);
  /// The caching allocator's counters for device `index`, in bytes: what live tensors
  /// hold (sizes as rounded), and what the allocator holds from the driver.
  int64_t (*memory_allocated)(int index);
  int64_t (*memory_reserved)(int index);
  /// Returns every cached, unused block to the driver.
  void (*empty_cache)(void);
  /// Page-locked host memory (copies from it may be asynchronous); NULL when out of memory.
  void *(*host_alloc_pinned)(size_t nbytes);
  void (*host_free_pinned)(void *ptr);
  /// Copies host -> device without waiting when `host_src` is pinned (else like from_host).
  void (*from_host_async)(void *dst, const void *host_src, size_t nbytes);
} ct_device_runtime;

struct ct_elementwise_kernels;
struct ct_reduce_kernels;
struct ct_blas_kernels;
struct ct_index_kernels;
struct ct_optim_kernels;
struct ct_loss_kernels;
struct ct_random_kernels;
struct ct_pool_kernels;
struct ct_conv_kernels;
struct ct_norm_kernels;
struct ct_sort_kernels;
struct ct_rnn_kernels;
struct ct_attention_kernels;

/// Everything a backend provides (docs/DESIGN.md, "Writing a backend").
typedef struct ct_kernel_table {
  const char *name;
  const ct_copy_kernels *copy;
  const struct ct_elementwise_kernels *elementwise; // kernels/elementwise.h
  const struct ct_reduce_kernels *reduce;           // kernels/reduce.h
  const struct ct_blas_kernels *blas;               // kernels/blas.h
  const struct ct_index_kernels *index;             // kernels/index.h
  const struct ct_optim_kernels *optim;             // kernels/optim.h
  const struct ct_loss_kernels *loss;               // kernels/loss.h
  const struct ct_random_kernels *random;           // kernels/random.h
  const struct ct_pool_kernels *pool;               // kernels/pool.h
  const struct ct_conv_kernels *conv;               // kernels/conv.h
  const struct ct_norm_kernels *norm;               // kernels/norm.h
  const struct ct_sort_kernels *sort;               // kernels/sort.h
  const struct ct_rnn_kernels *rnn;                 // kernels/rnn.h
  const struct ct_attention_kernels *attention;     // kernels/attention.h (NULL: the composed ops run)
  const ct_memory_hooks *memory;
  const ct_device_runtime *runtime; // NULL for the CPU
} ct_kernel_table;

/// Kernel table per device (kernels/dispatch.c); NULL where this build has no backend.
/// Written only by the test hook ct__test_install_kernels (core/device.h).
extern const ct_kernel_table *ct__kernel_tables[CT_NUM_DEVICES];

/// The kernel table of a device, or NULL when this build has no backend for it (CUDA).
/// Ops check their operands' devices first (core/device.h), which reports a missing
/// backend, so the tables they look up afterwards exist.
static inline const ct_kernel_table *ct__kernels(ct_device device) { return ct__kernel_tables[device]; }

#endif

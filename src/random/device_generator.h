// The default generators of counter-based devices (PyTorch's CUDAGeneratorImpl, one per
// device: a Philox seed and offset, kernels/random.h ct_philox_state) and the choice of
// generator for a fill: a device whose random family is counter-based draws from its own
// generator, any other (the CPU, the emulated test device) from a CPU ct_generator.
#ifndef CTORCH_SRC_RANDOM_DEVICE_GENERATOR_H
#define CTORCH_SRC_RANDOM_DEVICE_GENERATOR_H
#include "ctorch/device.h"
#include "random/generator.h"
#include <pthread.h>

/// Device indices that have a generator (PyTorch has one per visible GPU).
#define CT_MAX_DEVICE_GENERATORS 64

/// The generator a fill draws from, held from ct__random_begin to ct__random_end.
typedef struct ct_random_lease {
  ct_random_source src;
  pthread_mutex_t *held; ///< the device generators' lock, or NULL (a CPU generator)
} ct_random_lease;

/// The source for a fill by the random kernels of (device, index): for a counter-based
/// family the device's generator (locked until ct__random_end, so concurrent fills take
/// disjoint offsets; `gen` must be NULL: a CPU generator fails with PyTorch's "Expected a
/// 'cuda' device type for generator but found 'cpu'"), else `gen` or the default CPU
/// generator. Nothing is held when it fails.
ct_status ct__random_begin(ct_device device, int index, ct_generator *gen, ct_random_lease *lease);
void ct__random_end(ct_random_lease *lease);

/// Seeds device generator `index` of `device` (all indices when index is -1, all devices
/// when device is CT_NUM_DEVICES): seed = seed, offset = 0.
void ct__device_generators_seed(ct_device device, int index, uint64_t seed);
/// A copy of device generator `index` of `device` (tests and ct_cuda_initial_seed).
ct_philox_state ct__device_generator_state(ct_device device, int index);

#endif

// A test-only stand-in for a GPU: the CPU's kernels behind CT_CUDA's slot, with memory
// hooks of their own (separate, guarded allocations counted per device) and a runtime
// reporting 0, 1 or 2 devices. It exercises the device plumbing above the kernel layer
// (storage on a device, moves, device guards, printing, mixed-device errors, modules and
// optimizers on a device) on machines without a GPU; it tests nothing of CUDA itself.
#ifndef CTORCH_TESTS_EMULATED_DEVICE_H
#define CTORCH_TESTS_EMULATED_DEVICE_H
#include <stdbool.h>
#include <stdint.h>

/// Serves CT_CUDA with the emulated device, `devices` of them (0: the runtime reports
/// none, with the no-driver reason PyTorch gives). Replaces any earlier installation.
void emu_install(int devices);
/// Serves the installed emulated device's random kernels from `random` instead of the
/// CPU's (NULL: the CPU's again), e.g. a host family with the counter-based contract.
struct ct_random_kernels;
void emu_set_random(const struct ct_random_kernels *random);
/// Gives CT_CUDA back to the build's own table (NULL without the CUDA backend).
void emu_uninstall(void);
/// Blocks of emulated device memory alive now, over all devices.
int64_t emu_live_blocks(void);
/// Calls of to_host and from_host since installation (host code reaching device memory
/// only through the hooks).
int64_t emu_host_transfers(void);
/// The reason the runtime gives when it has no device.
#define EMU_NO_DRIVER                                                                                                  \
  "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from "       \
  "http://www.nvidia.com/Download/index.aspx"

#endif

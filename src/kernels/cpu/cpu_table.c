// The CPU backend's kernel table. A new kernel family adds its instance here.
#include "kernels/dispatch.h"

extern const ct_copy_kernels ct__cpu_copy_kernels;

static const ct_kernel_table cpu_table = {
    .name = "cpu",
    .copy = &ct__cpu_copy_kernels,
};

const ct_kernel_table *ct__kernels(ct_device device) {
  (void)device; // CPU is the only device today
  return &cpu_table;
}

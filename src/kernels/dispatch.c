// Which kernel table serves which device: one entry per backend built in.
#include "kernels/dispatch.h"

extern const ct_kernel_table ct__cpu_kernel_table;

const ct_kernel_table *ct__kernels(ct_device device) {
  static const ct_kernel_table *const tables[CT_NUM_DEVICES] = {[CT_CPU] = &ct__cpu_kernel_table};
  return (unsigned)device < CT_NUM_DEVICES ? tables[device] : NULL;
}

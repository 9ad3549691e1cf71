// The CPU's memory hooks (kernels/dispatch.h): device memory is host memory.
#include "kernels/dispatch.h"
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

static void *cpu_alloc(size_t nbytes) {
  // aligned_alloc wants a whole number of alignments; 0 bytes still get a block.
  size_t rounded = nbytes ? (nbytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT : ALIGNMENT;
  return rounded < nbytes ? NULL : aligned_alloc(ALIGNMENT, rounded);
}

static void cpu_free(void *ptr, size_t nbytes) {
  (void)nbytes;
  free(ptr);
}

static void cpu_copy(void *dst, const void *src, size_t nbytes) {
  if (nbytes) memcpy(dst, src, nbytes);
}

static void cpu_zero(void *ptr, size_t nbytes) {
  if (nbytes) memset(ptr, 0, nbytes);
}

const ct_memory_hooks ct__cpu_memory = {
    .alloc = cpu_alloc,
    .free = cpu_free,
    .to_host = cpu_copy,
    .from_host = cpu_copy,
    .copy = cpu_copy,
    .zero = cpu_zero,
};

// The emulated device (emulated_device.h). Every block carries guard bytes on both sides,
// checked when it is freed, and is poisoned when allocated and freed, so writes past a
// block and reads of memory no kernel wrote show up as failures; the hooks check that the
// device pointers they are given lie in live blocks.
#include "emulated_device.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/dispatch.h"

void ct__test_install_kernels(ct_device device, const ct_kernel_table *table); // core/device.h
extern const ct_kernel_table ct__cpu_kernel_table;                            // kernels/cpu

#define GUARD 64
#define GUARD_BYTE 0xAB
#define POISON_BYTE 0xFF // NaN in every float, -1 in every integer
#define MAX_DEVICES 2

typedef struct block {
  struct block *next;
  size_t nbytes;
  int device;
  unsigned char *data; // GUARD bytes into the allocation
} block;

static block *live;
static int device_count_now;
static _Thread_local int current;
static int64_t allocated[MAX_DEVICES], transfers, live_count;

static void fail(const char *what) {
  fprintf(stderr, "emulated device: %s\n", what);
  abort();
}

static block *find(const void *p, size_t nbytes) {
  for (block *b = live; b; b = b->next)
    if ((const unsigned char *)p >= b->data && (const unsigned char *)p + nbytes <= b->data + b->nbytes) return b;
  fail("a device pointer outside every live block");
  return NULL;
}

static void *emu_alloc(size_t nbytes) {
  block *b = malloc(sizeof *b);
  // 64-byte aligned data after the front guard.
  unsigned char *raw = b ? aligned_alloc(64, (nbytes + 2 * GUARD + 63) / 64 * 64) : NULL;
  if (!raw) {
    free(b);
    return NULL;
  }
  memset(raw, GUARD_BYTE, GUARD);
  memset(raw + GUARD, POISON_BYTE, nbytes);
  memset(raw + GUARD + nbytes, GUARD_BYTE, GUARD);
  *b = (block){.next = live, .nbytes = nbytes, .device = current, .data = raw + GUARD};
  live = b;
  live_count++;
  allocated[current] += (int64_t)nbytes;
  return b->data;
}

static void emu_free(void *ptr, size_t nbytes) {
  block **link = &live;
  while (*link && (*link)->data != ptr) link = &(*link)->next;
  block *b = *link;
  if (!b || b->nbytes != nbytes) fail("free of a block it did not allocate");
  for (int i = 0; i < GUARD; i++)
    if (b->data[-GUARD + i] != GUARD_BYTE || b->data[nbytes + i] != GUARD_BYTE) fail("a write past a block");
  *link = b->next;
  live_count--;
  allocated[b->device] -= (int64_t)nbytes;
  memset(b->data, POISON_BYTE, nbytes);
  free(b->data - GUARD);
  free(b);
}

static void emu_to_host(void *host, const void *src, size_t n) {
  find(src, n);
  transfers++;
  memcpy(host, src, n);
}
static void emu_from_host(void *dst, const void *host, size_t n) {
  find(dst, n);
  transfers++;
  memcpy(dst, host, n);
}
static void emu_copy(void *dst, const void *src, size_t n) {
  find(dst, n), find(src, n);
  memcpy(dst, src, n);
}
static void emu_zero(void *p, size_t n) {
  find(p, n);
  memset(p, 0, n);
}

static int emu_device_count(char *why, size_t cap) {
  if (!device_count_now) snprintf(why, cap, "%s", EMU_NO_DRIVER);
  return device_count_now;
}
static int emu_set_device(int index, char *why, size_t cap) {
  if (index < 0 || index >= device_count_now) {
    snprintf(why, cap, "CUDA error: invalid device ordinal");
    return -1;
  }
  current = index;
  return 0;
}
static int emu_current_device(void) { return current; }
static void emu_synchronize(int index) { (void)index; }
static int64_t emu_allocated(int index) { return allocated[index]; }
static void emu_empty_cache(void) {}
static void *emu_host_alloc_pinned(size_t nbytes) { return malloc(nbytes); }
static void emu_host_free_pinned(void *p) { free(p); }

static const ct_memory_hooks memory = {
    .alloc = emu_alloc, .free = emu_free, .to_host = emu_to_host,
    .from_host = emu_from_host, .copy = emu_copy, .zero = emu_zero,
};
static const ct_device_runtime runtime = {
    .device_count = emu_device_count,   .set_device = emu_set_device,
    .current_device = emu_current_device, .synchronize = emu_synchronize,
    .memory_allocated = emu_allocated,  .memory_reserved = emu_allocated,
    .empty_cache = emu_empty_cache,     .host_alloc_pinned = emu_host_alloc_pinned,
    .host_free_pinned = emu_host_free_pinned, .from_host_async = emu_from_host,
};
static ct_kernel_table table;

void emu_install(int devices) {
  if (devices < 0 || devices > MAX_DEVICES) fail("0 to 2 devices");
  table = ct__cpu_kernel_table;
  table.name = "emulated";
  table.memory = &memory;
  table.runtime = &runtime;
  device_count_now = devices;
  current = 0;
  transfers = 0;
  ct__test_install_kernels(CT_CUDA, &table);
}

void emu_set_random(const struct ct_random_kernels *random) {
  table.random = random ? random : ct__cpu_kernel_table.random;
  ct__test_install_kernels(CT_CUDA, &table);
}

void emu_uninstall(void) { ct__test_install_kernels(CT_CUDA, NULL); }
int64_t emu_live_blocks(void) { return live_count; }
int64_t emu_host_transfers(void) { return transfers; }

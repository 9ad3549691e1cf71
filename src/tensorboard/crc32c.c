// CRC-32C one byte at a time through a 256-entry table built once. Event records are
// small (a scalar is ~30 bytes, an image a few KB), so the simple loop is enough.
#include "tensorboard/crc32c.h"
#include <pthread.h>

static uint32_t crc_table[256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void build_crc_table(void) {
  for (uint32_t byte = 0; byte < 256; byte++) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    crc_table[byte] = crc;
  }
}

uint32_t ct__crc32c(const void *data, size_t n) {
  pthread_once(&crc_table_once, build_crc_table);
  const unsigned char *p = data;
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t ct__crc32c_masked(const void *data, size_t n) {
  uint32_t crc = ct__crc32c(data, n);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

#include "tensorboard/record.h"
#include <string.h>
#include "tensorboard/crc32c.h"

static void put_le32(unsigned char *out, uint32_t v) {
  for (int i = 0; i < 4; i++) out[i] = (unsigned char)(v >> (8 * i));
}

void ct__record_frame(const void *payload, size_t n, unsigned char *out) {
  uint64_t length = (uint64_t)n;
  for (int i = 0; i < 8; i++) out[i] = (unsigned char)(length >> (8 * i));
  put_le32(out + 8, ct__crc32c_masked(out, 8));
  if (n) memcpy(out + 12, payload, n);
  put_le32(out + 12 + n, ct__crc32c_masked(payload, n));
}

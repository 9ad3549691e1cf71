// TFRecord framing of one serialized Event: what an event file is a sequence of.
#ifndef CTORCH_SRC_TENSORBOARD_RECORD_H
#define CTORCH_SRC_TENSORBOARD_RECORD_H
#include <stddef.h>
#include <stdint.h>

/// Bytes of framing around a payload: 8 (length) + 4 (its CRC) + 4 (the payload's CRC).
#define CT__RECORD_OVERHEAD 16

/// Writes the framed record of `payload` (n bytes) into `out`, which holds
/// n + CT__RECORD_OVERHEAD bytes: little-endian uint64 length, masked CRC-32C of those 8
/// bytes, the payload, masked CRC-32C of the payload.
void ct__record_frame(const void *payload, size_t n, unsigned char *out);
#endif

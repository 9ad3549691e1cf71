// CRC-32C (Castagnoli), as TFRecord framing uses it, and TensorFlow's masking of it.
#ifndef CTORCH_SRC_TENSORBOARD_CRC32C_H
#define CTORCH_SRC_TENSORBOARD_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C of `n` bytes (reflected polynomial 0x82F63B78, initial and final xor ~0).
uint32_t ct__crc32c(const void *data, size_t n);
/// TensorFlow's masked form of a CRC stored beside the data it covers:
/// rotate right by 15 bits, then add 0xa282ead8.
uint32_t ct__crc32c_masked(const void *data, size_t n);
#endif

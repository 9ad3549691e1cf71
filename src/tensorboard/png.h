// PNG encoding of an 8-bit image in memory (libpng), for Summary.Image.
#ifndef CTORCH_SRC_TENSORBOARD_PNG_H
#define CTORCH_SRC_TENSORBOARD_PNG_H
#include <stddef.h>
#include <stdint.h>
#include "ctorch/error.h"

/// Encodes `pixels`, `height` rows of `width` pixels of `channels` bytes each (1 gray,
/// 2 gray+alpha, 3 RGB, 4 RGBA; row-major, interleaved), as a PNG. On success *out is a
/// malloc'd buffer of *out_len bytes for the caller to free.
ct_status ct__png_encode(const uint8_t *pixels, int64_t height, int64_t width, int channels, unsigned char **out,
                         size_t *out_len);
#endif

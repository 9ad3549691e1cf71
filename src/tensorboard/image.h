// A CHW image tensor as the interleaved bytes PyTorch's summary.image PNG-encodes.
#ifndef CTORCH_SRC_TENSORBOARD_IMAGE_H
#define CTORCH_SRC_TENSORBOARD_IMAGE_H
#include <stdint.h>
#include "ctorch/tensor.h"

/// The HWC bytes of `img` (C, H, W): floats as uint8(float32(x) * 255), integers as bytes
/// (0..255 checked), one channel repeated to three. On success *pixels is malloc'd
/// (height * width * *channels bytes).
ct_status ct__image_pixels(const ct_tensor *img, uint8_t **pixels, int *channels);
#endif

#include "tensorboard/image.h"
#include <math.h>
#include <stdlib.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

// NumPy's float32 -> uint8 cast on x86: through a 32-bit integer, keeping its low byte
// (so 256 -> 0, -1 -> 255); NaN and values outside int32 give 0 here.
static uint8_t float_to_byte(float x) {
  float scaled = x * 255.0f;
  if (!(scaled > -2147483648.0f && scaled < 2147483648.0f)) return 0;
  return (uint8_t)(uint32_t)(int32_t)scaled;
}

static ct_status check_image(const ct_tensor *img) {
  if (img->ndim != 3)
    return ct__error(CT_ERR_ARG, "add_image: size of input tensor and input format are different. tensor shape: %d "
                                 "dimensions, input_format: CHW", img->ndim);
  int64_t c = img->shape[0];
  if (c != 1 && c != 3 && c != 4)
    return ct__error(CT_ERR_ARG, "add_image: an image has 1, 3 or 4 channels (CHW), got %lld", (long long)c);
  if (img->shape[1] < 1 || img->shape[2] < 1 || img->shape[1] > INT32_MAX || img->shape[2] > INT32_MAX)
    return ct__error(CT_ERR_ARG, "add_image: image height and width must be between 1 and 2^31-1, got %lldx%lld",
                     (long long)img->shape[1], (long long)img->shape[2]);
  if (img->dtype == CT_BOOL) return ct__error(CT_ERR_ARG, "add_image: expected a float or integer image, got bool");
  if (img->storage->device != CT_CPU) return ct__error(CT_ERR_ARG, "add_image: image is not on the CPU");
  return CT_OK;
}

ct_status ct__image_pixels(const ct_tensor *img, uint8_t **pixels, int *channels) {
  ct_status st = check_image(img);
  if (st != CT_OK) return st;
  int64_t c = img->shape[0], h = img->shape[1], w = img->shape[2], plane = h * w;
  int out_c = c == 1 ? 3 : (int)c;
  bool is_float = img->dtype == CT_FLOAT32 || img->dtype == CT_FLOAT64;
  // float32 first (PyTorch: tensor.astype(np.float32) * 255); int64 holds any byte value.
  ct_tensor *dense = ct__copy_as(img, is_float ? CT_FLOAT32 : CT_INT64);
  if (!dense) return ct_last_status();
  uint8_t *out = malloc((size_t)(plane * out_c));
  if (!out) {
    ct__drop(dense);
    return ct__error(CT_ERR_MEMORY, "add_image: out of memory");
  }
  const float *f = (const float *)ct__data(dense);
  const int64_t *q = (const int64_t *)ct__data(dense);
  for (int64_t ch = 0; ch < c; ch++)
    for (int64_t i = 0; i < plane; i++) {
      uint8_t byte;
      if (is_float) {
        byte = float_to_byte(f[ch * plane + i]);
      } else {
        int64_t v = q[ch * plane + i];
        if (v < 0 || v > 255) {
          free(out);
          ct__drop(dense);
          return ct__error(CT_ERR_ARG, "add_image: integer images hold byte values 0..255, got %lld", (long long)v);
        }
        byte = (uint8_t)v;
      }
      for (int64_t k = c == 1 ? 0 : ch; k < (c == 1 ? 3 : ch + 1); k++) out[i * out_c + k] = byte;
    }
  ct__drop(dense);
  *pixels = out;
  *channels = out_c;
  return CT_OK;
}

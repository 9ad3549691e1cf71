#include "tensorboard/png.h"
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_impl.h"

typedef struct png_sink {
  unsigned char *data;
  size_t len, cap;
  int failed;
} png_sink;

static void sink_write(png_structp png, png_bytep bytes, png_size_t n) {
  png_sink *sink = png_get_io_ptr(png);
  if (sink->failed) return;
  if (sink->len + n > sink->cap) {
    size_t cap = sink->cap ? sink->cap : 4096;
    while (cap < sink->len + n) cap *= 2;
    unsigned char *grown = realloc(sink->data, cap);
    if (!grown) {
      sink->failed = 1;
      return;
    }
    sink->data = grown;
    sink->cap = cap;
  }
  memcpy(sink->data + sink->len, bytes, n);
  sink->len += n;
}

static void sink_flush(png_structp png) { (void)png; }

static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                   PNG_COLOR_TYPE_RGBA};

// libpng reports errors by longjmp; everything the jump may skip is volatile or in `sink`.
ct_status ct__png_encode(const uint8_t *pixels, int64_t height, int64_t width, int channels, unsigned char **out,
                         size_t *out_len) {
  png_sink sink = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    return ct__error(CT_ERR_MEMORY, "add_image: out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(sink.data);
    return ct__error(CT_ERR_RUNTIME, "add_image: PNG encoding failed");
  }
  png_set_write_fn(png, &sink, sink_write, sink_flush);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  size_t row_bytes = (size_t)width * (size_t)channels;
  for (int64_t r = 0; r < height; r++) png_write_row(png, pixels + (size_t)r * row_bytes);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  if (sink.failed) {
    free(sink.data);
    return ct__error(CT_ERR_MEMORY, "add_image: out of memory");
  }
  *out = sink.data;
  *out_len = sink.len;
  return CT_OK;
}

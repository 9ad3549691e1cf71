// Saving tensors as version 1.0, C-order .npy files (what np.save writes), to a file or
// to a memory buffer. Contiguous tensors are written straight from their storage; others
// through a contiguous copy.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/npy.h"
#include "io/npy_format.h"

// The bytes to write for t: its header, and its elements in row-major order (t's own
// storage when contiguous, else a contiguous copy to ct__drop afterwards).
typedef struct npy_image {
  char header[CT__NPY_HEADER_CAP];
  size_t header_len;
  const void *data;
  size_t data_len;
  ct_tensor *copy;
} npy_image;

static ct_status image_of(const ct_tensor *t, npy_image *im) {
  im->header_len = ct__npy_format_header(t->dtype, t->ndim, t->shape, im->header, sizeof im->header);
  im->copy = NULL;
  im->data_len = (size_t)ct_numel(t) * ct_dtype_size(t->dtype);
  if (ct_is_contiguous(t) && !t->storage->memory) {
    im->data = ct__data(t);
    return CT_OK;
  }
  im->copy = t->storage->memory ? ct__on_host(t) : ct__copy_as(t, t->dtype); // device values: a host copy
  if (!im->copy) return ct_last_status();
  im->data = ct__data(im->copy);
  return CT_OK;
}

static void image_done(npy_image *im) {
  if (im->copy) ct__drop(im->copy);
}

ct_status ct_save_npy(const char *path, const ct_tensor *t) {
  if (!t) return ct__null_tensor_status("save_npy");
  if (!path) return ct__error(CT_ERR_ARG, "save_npy: path is NULL");
  npy_image im;
  ct_status st = image_of(t, &im);
  if (st != CT_OK) return st;
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    image_done(&im);
    return ct__error(CT_ERR_IO, "cannot save .npy file '%s': %s", path, strerror(errno));
  }
  bool ok = fwrite(im.header, 1, im.header_len, fp) == im.header_len &&
            (im.data_len == 0 || fwrite(im.data, 1, im.data_len, fp) == im.data_len);
  int err = ok ? 0 : errno;
  struct stat info;
  bool regular = fstat(fileno(fp), &info) == 0 && S_ISREG(info.st_mode);
  if (fclose(fp) != 0 && ok) {
    ok = false;
    err = errno;
  }
  image_done(&im);
  if (!ok) {
    if (regular) remove(path); // no truncated file left behind (a device such as /dev/full stays)
    return ct__error(CT_ERR_IO, "cannot save .npy file '%s': %s", path, err ? strerror(err) : "write failed");
  }
  return CT_OK;
}

ct_status ct_save_npy_buffer(const ct_tensor *t, void **data, size_t *size) {
  if (!t) return ct__null_tensor_status("save_npy");
  if (!data || !size) return ct__error(CT_ERR_ARG, "save_npy_buffer: data or size is NULL");
  npy_image im;
  ct_status st = image_of(t, &im);
  if (st != CT_OK) return st;
  char *buf = malloc(im.header_len + im.data_len);
  if (!buf) {
    image_done(&im);
    return ct__error(CT_ERR_MEMORY, "out of memory allocating %zu bytes", im.header_len + im.data_len);
  }
  memcpy(buf, im.header, im.header_len);
  if (im.data_len) memcpy(buf + im.header_len, im.data, im.data_len);
  image_done(&im);
  *data = buf;
  *size = im.header_len + im.data_len;
  return CT_OK;
}

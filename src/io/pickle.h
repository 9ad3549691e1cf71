// The strict pickle subset of .pt files: the reader (pickle_read.c) accepts what PyTorch
// 1.13's weights_only unpickler accepts (torch/_weights_only_unpickler.py) plus BINFLOAT;
// the writer (pickle_write.c) emits what torch.save emits for the same objects.
#ifndef CTORCH_SRC_IO_PICKLE_H
#define CTORCH_SRC_IO_PICKLE_H
#include "io/value_impl.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Deepest nesting of containers (and of MARKs) the reader accepts.
#define CT__PICKLE_MAX_DEPTH 200
/// Most values one pickle may produce (copies made by memo GETs included).
#define CT__PICKLE_MAX_VALUES (1 << 22)

/// Gives the storage a persistent id names: a 1-D contiguous tensor of `numel` elements
/// of dtype over the storage's data, borrowed (the archive keeps it), or NULL after
/// writing why into err[cap].
typedef ct_tensor *(*ct__storage_loader)(void *ctx, const char *key, ct_dtype dtype, int64_t numel, char *err,
                                         size_t cap);

/// Unpickles data[0..size). Returns the tree (tensors owned by it), or NULL after writing
/// the reason into err[cap].
ct_value *ct__pickle_read(const unsigned char *data, size_t size, ct__storage_loader load, void *ctx,
                          char *err, size_t cap);

/// A growing output buffer; `failed` once an allocation failed.
typedef struct ct__bytes {
  unsigned char *p;
  size_t len, cap;
  bool failed;
} ct__bytes;
void ct__bytes_put(ct__bytes *b, const void *data, size_t n);

/// One storage a pickle refers to: its bytes and the dtype it is saved as (a ct_dtype, or
/// CT__DTYPE_UINT8 for the bytes of a CT_VALUE_UINT8).
typedef struct ct__saved_storage {
  const void *identity; // the ct_storage, or the uint8 node: what makes two storages one
  const void *data;
  size_t nbytes;
  int dtype;
} ct__saved_storage;

/// The storages a pickle refers to, in key order ("0", "1" ...).
typedef struct ct__storage_list {
  ct__saved_storage *items;
  int64_t count, cap;
} ct__storage_list;

/// Pickles v as torch.save does (protocol 2) into out, collecting its storages. Returns
/// false after writing the reason into err[cap] (an unsupported value, or out of memory).
bool ct__pickle_write(const ct_value *v, ct__bytes *out, ct__storage_list *storages, char *err, size_t cap);
#endif

/// @file safetensors.h
/// @brief Reading and writing safetensors files (Hugging Face's format: an 8-byte
/// little-endian header length, a JSON header, then the tensors' bytes).
///
/// Loading maps the file into memory: a tensor whose bytes sit at an address aligned to
/// its element size views the mapping without a copy (pages are copy-on-write: writing
/// to the tensor never changes the file), and the mapping lives until the last such
/// tensor is released. Every header field is checked as the specification requires:
/// the header length (at most 100,000,000 bytes, inside the file), well-formed JSON that
/// starts with '{' (trailing spaces allowed), each entry's dtype, shape and data_offsets
/// (exactly those fields), sizes that match the shape, offsets that cover the data
/// exactly (no gap, no overlap, nothing outside), unique names, and a `__metadata__`
/// map of strings to strings. Dtypes BOOL, I32, I64, F32 and F64 load; the other dtypes
/// of the format are refused by name. Failures return NULL with a message naming the
/// file and the problem, and load nothing.
#ifndef CTORCH_SAFETENSORS_H
#define CTORCH_SAFETENSORS_H
#include "ctorch/serialize.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// safetensors.torch.load_file(path): a dict of name -> tensor in the order of the data
/// in the file. When metadata is not NULL, *metadata receives the `__metadata__` dict
/// (string -> string; empty when the file has none), which the caller frees with
/// ct_value_free. NULL on error (CT_ERR_IO: unreadable or invalid file).
CT_API ct_value *ct_load_safetensors(const char *path, ct_value **metadata);
/// Same for a file held in memory; the tensors get copies of the data.
CT_API ct_value *ct_load_safetensors_buffer(const void *data, size_t size, ct_value **metadata);
/// safetensors.torch.save_file(tensors, path, metadata): tensors is a dict of string
/// names to tensors (any strides: saved by value, row-major); metadata is NULL or a dict
/// of strings to strings. Tensors are laid out by dtype (widest first) then name, so
/// each is aligned; the header is padded with spaces to a multiple of 8 bytes. Written
/// atomically (temporary file, fsync, rename).
CT_API ct_status ct_save_safetensors(const char *path, const ct_value *tensors, const ct_value *metadata);
/// Same into memory: *data is malloc'ed (*size bytes), freed by the caller.
CT_API ct_status ct_save_safetensors_buffer(const ct_value *tensors, const ct_value *metadata, void **data,
                                            size_t *size);

#ifdef __cplusplus
}
#endif
#endif

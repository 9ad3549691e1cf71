// Shared by the .pt reader and writer and the other file formats: the archive layout
// constants and the crash-safe file write.
#ifndef CTORCH_SRC_IO_PT_ARCHIVE_H
#define CTORCH_SRC_IO_PT_ARCHIVE_H
#include "ctorch/error.h"
#include <stddef.h>

/// PyTorch's stored entries start at a multiple of this (torch/csrc/.../inline_container).
#define CT__PT_ALIGN 64

/// Writes data[0..size) to path atomically: a temporary file in the same directory,
/// fsync, rename over path, fsync of the directory. A crash at any point leaves the old
/// file or the new one. `format` names the format in messages (".pt", "safetensors").
/// Returns CT_OK or CT_ERR_IO with a message naming path; the temporary file is removed
/// on failure.
ct_status ct__write_file_atomic(const char *path, const void *data, size_t size, const char *format);
#endif

/// @file npy.h
/// @brief Reading and writing NumPy .npy files, so arrays move between NumPy and ctorch.
///
/// Loading accepts format versions 1.0, 2.0 and 3.0 and the element types that map to
/// ctorch dtypes: float32 ('f4'), float64 ('f8'), int32 ('i4'), int64 ('i8') and bool
/// ('b1'), in either byte order ('<', '>', '|' or '='); big-endian data is converted to the
/// host's order on load. Other types (float16, unsigned, complex, structured, object) are
/// rejected with a message naming the descr. 0-d and empty arrays load as such.
/// A Fortran-ordered array (fortran_order: True) loads as the same logical array with
/// column-major strides, without a copy, exactly as torch.from_numpy(np.load(f)) sees it;
/// call ct_contiguous() for a row-major copy.
///
/// Saving writes format 1.0, C order, in the host's byte order, byte for byte what
/// np.save() writes for the same array. Non-contiguous tensors are saved by value.
///
/// Malformed input never crashes or over-allocates: the file or buffer size bounds every
/// allocation, the header is limited to 10000 bytes (NumPy's default limit), and each
/// failure returns NULL / a ct_status with a message (NumPy's wording where NumPy has one)
/// readable with ct_last_error().
#ifndef CTORCH_NPY_H
#define CTORCH_NPY_H
#include <stddef.h>
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// np.load(path) for a .npy file. Returns a new tensor (owned by the innermost scope), or
/// NULL with a message (CT_ERR_IO for unreadable or malformed files, CT_ERR_ARG for a NULL
/// path).
CT_API ct_tensor *ct_load_npy(const char *path);

/// Same as ct_load_npy for the `size` bytes of a .npy file held in memory. The data is
/// copied; `data` may be freed after the call.
CT_API ct_tensor *ct_load_npy_buffer(const void *data, size_t size);

/// np.save(path, t): writes t (any strides) as a version 1.0, C-order .npy file.
/// A NULL tensor returns CT_ERR_ARG, keeping the error that produced it. On a write error
/// the partial file is removed.
CT_API ct_status ct_save_npy(const char *path, const ct_tensor *t);

/// Same as ct_save_npy into memory: on success *data points to a malloc'ed buffer of
/// *size bytes holding the whole file, which the caller frees with free().
CT_API ct_status ct_save_npy_buffer(const ct_tensor *t, void **data, size_t *size);

#ifdef __cplusplus
}
#endif
#endif

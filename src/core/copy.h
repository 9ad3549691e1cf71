// Internal copy/convert/fill helpers over the kernel table. No autograd.
#ifndef CTORCH_SRC_CORE_COPY_H
#define CTORCH_SRC_CORE_COPY_H
#include "core/tensor_impl.h"

/// dst = src, broadcasting src to dst's shape and converting dtypes.
ct_status ct__copy_into(ct_tensor *dst, const ct_tensor *src);
/// Every element of dst = value (converted to dst's dtype).
ct_status ct__fill(ct_tensor *dst, double value);
/// New contiguous tensor of `dtype` with src's values (registered with the scope).
/// On failure returns NULL; a partially built result is left to the scope.
ct_tensor *ct__copy_as(const ct_tensor *src, ct_dtype dtype);
/// dst += src (same dtype). src broadcasts to dst, or dst may be an expanded view
/// (stride 0) of a smaller tensor to reduce src into it.
ct_status ct__accumulate_into(ct_tensor *dst, const ct_tensor *src);
/// Same, always on one thread: for destinations whose elements overlap (unfold views).
ct_status ct__accumulate_into_serial(ct_tensor *dst, const ct_tensor *src);
#endif

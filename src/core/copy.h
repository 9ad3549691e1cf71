// Internal copy/convert/fill helpers over the kernel table of the destination's device.
// No autograd. They fail only when that device has no backend (ops check devices first).
#ifndef CTORCH_SRC_CORE_COPY_H
#define CTORCH_SRC_CORE_COPY_H
#include "core/tensor_impl.h"
#include "kernels/operand.h"

/// ops[0] = ops[1] over descriptors (the destination first, as the iterator takes them):
/// ops[1] broadcast to ops[0]'s shape, dtypes converted. For geometry no tensor has
/// (a slot of a larger tensor, a view read as 0-d).
ct_status ct__copy_operands(const ct_operand *ops);
/// Every element of *dst = value (converted to dst's dtype).
ct_status ct__fill_operand(const ct_operand *dst, double value);

/// dst = src, broadcasting src to dst's shape and converting dtypes; across devices
/// too (ct__copy_across).
ct_status ct__copy_into(ct_tensor *dst, const ct_tensor *src);
/// ct__copy_into for tensors on two devices (core/to_device.c): src, broadcast and made
/// contiguous on its device, is read into host memory, converted there, and written to
/// dst (through a contiguous buffer on dst's device when dst is not contiguous).
ct_status ct__copy_across(ct_tensor *dst, const ct_tensor *src);
/// A new contiguous tensor with t's dtype and values on device `index` of `device`
/// (resolved already; core/to_device.c), registered with the scope, without autograd.
/// On failure returns NULL with the error recorded (the copy is dropped).
ct_tensor *ct__copy_to(const ct_tensor *t, ct_device device, int index);
/// A CPU tensor with t's values: t itself (a new reference in the scope) when t is on the
/// CPU, else a contiguous host copy (printing, saving, host reads).
ct_tensor *ct__on_host(const ct_tensor *t);
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

// Copying, converting and filling through the kernel table (no autograd here).
#include "core/copy.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "kernels/dispatch.h"

ct_status ct__copy_into(ct_tensor *dst, const ct_tensor *src) {
  ct_iter it;
  const ct_tensor *ops[2] = {dst, src};
  ct_status st = ct__iter_build(&it, 2, ops);
  if (st != CT_OK) return st;
  ct__iter_run(&it, ct__kernels(dst->storage->device)->copy->cast[dst->dtype][src->dtype], NULL, true);
  return CT_OK;
}

ct_status ct__fill(ct_tensor *dst, double value) {
  ct__element v;
  ct__store_f64((char *)&v, dst->dtype, value);
  ct_iter it;
  const ct_tensor *ops[1] = {dst};
  ct_status st = ct__iter_build(&it, 1, ops);
  if (st != CT_OK) return st;
  ct__iter_run(&it, ct__kernels(dst->storage->device)->copy->fill[dst->dtype], &v, true);
  return CT_OK;
}

ct_tensor *ct__copy_as(const ct_tensor *src, ct_dtype dtype) {
  ct_tensor *out = ct__alloc(dtype, src->ndim, src->shape);
  if (!out) return NULL;
  if (ct__copy_into(out, src) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

static ct_status accumulate(ct_tensor *dst, const ct_tensor *src, bool allow_parallel) {
  if (dst->dtype != src->dtype) return ct__error(CT_ERR_ARG, "accumulate: dtype mismatch");
  ct_iter it;
  const ct_tensor *ops[2] = {dst, src};
  ct_status st = ct__iter_build(&it, 2, ops);
  if (st != CT_OK) return st;
  // dst may be broadcast along dims (a reduction into it): only parallel when it is not.
  bool dst_broadcast = false;
  for (int d = 0; d < it.ndim; d++)
    if (it.strides[0][d] == 0) dst_broadcast = true;
  ct__iter_run(&it, ct__kernels(dst->storage->device)->copy->accumulate[dst->dtype], NULL,
               allow_parallel && !dst_broadcast);
  return CT_OK;
}

ct_status ct__accumulate_into(ct_tensor *dst, const ct_tensor *src) { return accumulate(dst, src, true); }
ct_status ct__accumulate_into_serial(ct_tensor *dst, const ct_tensor *src) { return accumulate(dst, src, false); }

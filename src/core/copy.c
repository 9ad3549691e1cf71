// Copying, converting and filling through the kernel table (no autograd here).
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "kernels/dispatch.h"
#include "kernels/parallel.h"

// A copy whose source walks the inner dim with a large stride but the next dim with
// unit stride (a transpose) runs in TILE x TILE tiles: the TILE source lines a tile
// reads stay in L1 while every element of them is used, instead of one cache miss per
// element once a source column spans more lines than the cache holds.
#define TILE 32
#define TILED_MIN_ELEMENTS 16384
// Threads only pay off when each gets milliseconds of work: a parallel region's wake-up
// and barrier cost more than a 256x256 transpose on a busy machine.
#define TILED_PARALLEL_MIN_ELEMENTS ((int64_t)1 << 20)

static bool copy_transposed(const ct_iter *it, ct_loop_fn loop, int64_t dst_es, int64_t src_es) {
  if (it->ndim < 2 || it->numel < TILED_MIN_ELEMENTS) return false;
  const int in = it->ndim - 1, rd = in - 1;
  const int64_t rows = it->shape[rd], cols = it->shape[in];
  if (rows < TILE || cols < TILE) return false;
  if (it->strides[0][in] != dst_es || it->strides[1][rd] != src_es || it->strides[1][in] == src_es) return false;
  const int64_t row_tiles = (rows + TILE - 1) / TILE, jobs = it->numel / (rows * cols) * row_tiles;
  const int64_t inner_strides[2] = {it->strides[0][in], it->strides[1][in]};
#ifdef _OPENMP
  const bool parallel =
      it->numel >= TILED_PARALLEL_MIN_ELEMENTS && jobs > 1 && ct__parallel_may_fork();
#pragma omp parallel for schedule(static) if (parallel)
#endif
  for (int64_t job = 0; job < jobs; job++) {
    // The job's plane (index over the dims before rd) and its band of TILE rows.
    int64_t plane = job / row_tiles, r0 = job % row_tiles * TILE, r1 = r0 + TILE < rows ? r0 + TILE : rows;
    char *base[2] = {it->data[0], it->data[1]};
    for (int d = rd - 1; d >= 0 && plane; d--) {
      int64_t i = plane % it->shape[d];
      plane /= it->shape[d];
      for (int k = 0; k < 2; k++) base[k] += i * it->strides[k][d];
    }
    for (int64_t c0 = 0; c0 < cols; c0 += TILE) {
      const int64_t n = cols - c0 < TILE ? cols - c0 : TILE;
      for (int64_t r = r0; r < r1; r++) {
        char *p[2] = {base[0] + r * it->strides[0][rd] + c0 * inner_strides[0],
                      base[1] + r * it->strides[1][rd] + c0 * inner_strides[1]};
        loop(p, inner_strides, n, NULL);
      }
    }
  }
  return true;
}

// The copy kernels of a device (NULL with the error recorded if it cannot run them).
static const ct_copy_kernels *copy_kernels(ct_device device) {
  return ct__check_backend(device) == CT_OK ? ct__kernels(device)->copy : NULL;
}

ct_status ct__copy_operands(const ct_operand *ops) {
  if (ops[1].device != ops[0].device) { // operands carry no device index: copies across go by tensor
    ct_status st = ct__check_copy_devices(ops[0].device, ops[1].device);
    return st != CT_OK ? st : ct__error(CT_ERR_RUNTIME, "copy_: copying from %s to %s is not supported here",
                                        ct_device_name(ops[1].device), ct_device_name(ops[0].device));
  }
  const ct_copy_kernels *k = copy_kernels(ops[0].device);
  if (!k) return ct_last_status();
  ct_iter it;
  ct__iter_build(&it, 2, ops);
  ct_loop_fn loop = k->cast[ops[0].dtype][ops[1].dtype];
  if (!copy_transposed(&it, loop, (int64_t)ct_elem_size(ops[0].dtype), (int64_t)ct_elem_size(ops[1].dtype)))
    ct__iter_run(&it, loop, NULL, true);
  return CT_OK;
}

ct_status ct__copy_into(ct_tensor *dst, const ct_tensor *src) {
  if (!ct__same_place(dst->storage, src->storage)) return ct__copy_across(dst, src);
  ct__enter_device_of(dst);
  ct_operand ops[2];
  ct__operand_set(&ops[0], dst), ct__operand_set(&ops[1], src);
  return ct__copy_operands(ops);
}

ct_status ct__fill_operand(const ct_operand *dst, double value) {
  const ct_copy_kernels *k = copy_kernels(dst->device);
  if (!k) return ct_last_status();
  ct__element v;
  ct__store_f64((char *)&v, dst->dtype, value);
  ct_iter it;
  ct__iter_build(&it, 1, dst);
  ct__iter_run(&it, k->fill[dst->dtype], &v, true);
  return CT_OK;
}

ct_status ct__fill(ct_tensor *dst, double value) {
  ct__enter_device_of(dst);
  ct_operand op;
  ct__operand_set(&op, dst);
  return ct__fill_operand(&op, value);
}

ct_tensor *ct__copy_as(const ct_tensor *src, ct_dtype dtype) {
  ct_tensor *out = ct__alloc_like(src, dtype, src->ndim, src->shape);
  if (!out) return NULL;
  if (ct__copy_into(out, src) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

static ct_status accumulate(ct_tensor *dst, const ct_tensor *src, bool allow_parallel) {
  if (dst->dtype != src->dtype) return ct__error(CT_ERR_ARG, "accumulate: dtype mismatch");
  if (!ct__same_place(src->storage, dst->storage))
    return ct__error(CT_ERR_ARG, "Expected all tensors to be on the same device, but found at least two devices, "
                                 "%s and %s!", ct__storage_device(dst->storage).s, ct__storage_device(src->storage).s);
  const ct_copy_kernels *k = copy_kernels(dst->storage->device);
  ct__enter_device_of(dst);
  if (!k) return ct_last_status();
  ct_iter it;
  ct_operand ops[2];
  ct__operand_set(&ops[0], dst), ct__operand_set(&ops[1], src);
  ct__iter_build(&it, 2, ops);
  // dst may be broadcast along dims (a reduction into it): only parallel when it is not.
  bool dst_broadcast = false;
  for (int d = 0; d < it.ndim; d++)
    if (it.strides[0][d] == 0) dst_broadcast = true;
  ct__iter_run(&it, k->accumulate[dst->dtype], NULL, allow_parallel && !dst_broadcast);
  return CT_OK;
}

ct_status ct__accumulate_into(ct_tensor *dst, const ct_tensor *src) { return accumulate(dst, src, true); }
ct_status ct__accumulate_into_serial(ct_tensor *dst, const ct_tensor *src) { return accumulate(dst, src, false); }

// Creation on a device (ctorch/device.h): torch.zeros(..., device=...) and friends, and
// t.new_zeros(...). Constants are filled on the device; values written by host code
// (ranges, eye, C arrays) are made on the CPU and copied over. Random creations on a
// device are src/random/creation.c's.
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/device.h"

// t (a fresh CPU tensor, or NULL) on device `index` of `device`, resolved already.
static ct_tensor *moved(ct_tensor *t, ct_device device, int index) {
  if (!t || device == CT_CPU) return t;
  ct_tensor *out = ct__copy_to(t, device, index);
  ct__drop(t);
  return out;
}

ct_tensor *ct_full_on(int ndim, const int64_t *shape, double value, ct_dtype dtype, ct_device device, int index) {
  return ct__check_usable(device, index, &index) == CT_OK ? ct__full_on(ndim, shape, value, dtype, device, index)
                                                          : NULL;
}
ct_tensor *ct_empty_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index) {
  return ct_full_on(ndim, shape, 0.0, dtype, device, index);
}
ct_tensor *ct_zeros_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index) {
  return ct_full_on(ndim, shape, 0.0, dtype, device, index);
}
ct_tensor *ct_ones_on(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device, int index) {
  return ct_full_on(ndim, shape, 1.0, dtype, device, index);
}
ct_tensor *ct_scalar_on(double value, ct_dtype dtype, ct_device device, int index) {
  return ct_full_on(0, NULL, value, dtype, device, index);
}

// The host-written creations check the device before anything is made, then move what
// the CPU made. *index is resolved.
static bool usable(ct_device device, int *index) { return ct__check_usable(device, *index, index) == CT_OK; }

ct_tensor *ct_arange_on(double start, double end, double step, ct_dtype dtype, ct_device device, int index) {
  return usable(device, &index) ? moved(ct_arange(start, end, step, dtype), device, index) : NULL;
}
ct_tensor *ct_linspace_on(double start, double end, int64_t steps, ct_dtype dtype, ct_device device, int index) {
  return usable(device, &index) ? moved(ct_linspace(start, end, steps, dtype), device, index) : NULL;
}
ct_tensor *ct_eye_on(int64_t n, int64_t m, ct_dtype dtype, ct_device device, int index) {
  return usable(device, &index) ? moved(ct_eye(n, m, dtype), device, index) : NULL;
}
ct_tensor *ct_tensor_from_data_on(const void *data, ct_dtype src_dtype, ct_dtype dtype, int ndim,
                                  const int64_t *shape, ct_device device, int index) {
  return usable(device, &index) ? moved(ct_tensor_from_data(data, src_dtype, dtype, ndim, shape), device, index)
                                : NULL;
}

ct_tensor *ct_new_full(const ct_tensor *t, int ndim, const int64_t *shape, double value, ct_dtype dtype) {
  CT_CHECK_NULL(t);
  return ct__full_on(ndim, shape, value, dtype, t->storage->device, t->storage->device_index);
}
ct_tensor *ct_new_zeros(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype) {
  return ct_new_full(t, ndim, shape, 0.0, dtype);
}
ct_tensor *ct_new_ones(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype) {
  return ct_new_full(t, ndim, shape, 1.0, dtype);
}
ct_tensor *ct_new_empty(const ct_tensor *t, int ndim, const int64_t *shape, ct_dtype dtype) {
  return ct_new_full(t, ndim, shape, 0.0, dtype);
}

// Creating tensors from C data, external buffers, constants and ranges.
#include <math.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

ct_tensor *ct_tensor_from_data(const void *data, ct_dtype src_dtype, ct_dtype dtype, int ndim,
                               const int64_t *shape) {
  if ((unsigned)src_dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid source dtype");
  ct_tensor *out = ct__alloc(dtype, ndim, shape);
  if (!out) return NULL;
  int64_t n = ct__numel_of(ndim, shape);
  if (n == 0) return out;
  if (!data) {
    ct__drop(out);
    return ct__error_null(CT_ERR_ARG, "tensor: data is NULL");
  }
  if (src_dtype == dtype) {
    memcpy(out->storage->data, data, (size_t)n * ct_dtype_size(dtype));
    return out;
  }
  // Convert through a borrowed view of the caller's buffer.
  ct_tensor *src = ct_from_blob((void *)data, src_dtype, ndim, shape, NULL, NULL, NULL);
  if (!src || ct__copy_into(out, src) != CT_OK) {
    ct__drop(src);
    ct__drop(out);
    return NULL;
  }
  ct__drop(src);
  return out;
}

ct_tensor *ct_tensor_from_f32(const float *data, int ndim, const int64_t *shape) {
  return ct_tensor_from_data(data, CT_FLOAT32, CT_FLOAT32, ndim, shape);
}
ct_tensor *ct_tensor_from_f64(const double *data, int ndim, const int64_t *shape) {
  return ct_tensor_from_data(data, CT_FLOAT64, CT_FLOAT64, ndim, shape);
}
ct_tensor *ct_tensor_from_i64(const int64_t *data, int ndim, const int64_t *shape) {
  return ct_tensor_from_data(data, CT_INT64, CT_INT64, ndim, shape);
}
ct_tensor *ct_tensor_from_i32(const int32_t *data, int ndim, const int64_t *shape) {
  return ct_tensor_from_data(data, CT_INT32, CT_INT32, ndim, shape);
}
ct_tensor *ct_tensor_from_bool(const bool *data, int ndim, const int64_t *shape) {
  return ct_tensor_from_data(data, CT_BOOL, CT_BOOL, ndim, shape);
}

ct_tensor *ct_scalar(double value, ct_dtype dtype) { return ct_full(0, NULL, value, dtype); }

ct_tensor *ct_full(int ndim, const int64_t *shape, double value, ct_dtype dtype) {
  ct_tensor *out = ct__alloc(dtype, ndim, shape);
  if (out && ct__fill(out, value) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}
// ctorch zero-fills "uninitialised" tensors so programs are deterministic.
ct_tensor *ct_empty(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 0.0, dtype); }
ct_tensor *ct_zeros(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 0.0, dtype); }
ct_tensor *ct_ones(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 1.0, dtype); }

ct_tensor *ct_full_like(const ct_tensor *like, double value) {
  CT_CHECK_NULL(like);
  return ct_full(like->ndim, like->shape, value, like->dtype);
}
ct_tensor *ct_empty_like(const ct_tensor *like) { return ct_full_like(like, 0.0); }
ct_tensor *ct_zeros_like(const ct_tensor *like) { return ct_full_like(like, 0.0); }
ct_tensor *ct_ones_like(const ct_tensor *like) { return ct_full_like(like, 1.0); }

ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype) {
  if (step == 0) return ct__error_null(CT_ERR_ARG, "step must be nonzero");
  if (!isfinite(start) || !isfinite(end))
    return ct__error_null(CT_ERR_ARG, "unsupported range: %g -> %g", start, end);
  if ((step > 0 && start > end) || (step < 0 && start < end))
    return ct__error_null(CT_ERR_ARG, "upper bound and larger bound inconsistent with step sign");
  double len = ceil((end - start) / step);
  if (len > 1e15) return ct__error_null(CT_ERR_ARG, "arange: too many elements");
  int64_t n = (int64_t)len;
  ct_tensor *out = ct__alloc(dtype, 1, &n);
  if (!out) return NULL;
  char *p = ct__data(out);
  size_t es = ct_dtype_size(dtype);
  // PyTorch computes start + i*step in the output's accumulate type (double for floats).
  for (int64_t i = 0; i < n; i++) {
    if (dtype == CT_INT64 || dtype == CT_INT32)
      ct__store_f64(p + i * (int64_t)es, dtype, (double)((int64_t)start + i * (int64_t)step));
    else
      ct__store_f64(p + i * (int64_t)es, dtype, start + (double)i * step);
  }
  return out;
}

ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype) {
  if (steps < 0) return ct__error_null(CT_ERR_ARG, "number of steps must be non-negative");
  ct_tensor *out = ct__alloc(dtype, 1, &steps);
  if (!out) return NULL;
  char *p = ct__data(out);
  size_t es = ct_dtype_size(dtype);
  double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0.0;
  // PyTorch fills the first half from start and the second half from end.
  int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; i++) {
    double v = i < half ? start + step * (double)i : end - step * (double)(steps - i - 1);
    if (dtype == CT_FLOAT32) {
      float fs = (float)step;
      v = i < half ? (double)((float)start + fs * (float)i) : (double)((float)end - fs * (float)(steps - i - 1));
    }
    ct__store_f64(p + i * (int64_t)es, dtype, v);
  }
  return out;
}

ct_tensor *ct_eye(int64_t n, int64_t m, ct_dtype dtype) {
  if (m < 0) m = n;
  if (n < 0) return ct__error_null(CT_ERR_ARG, "n must be greater or equal to 0, got %lld", (long long)n);
  ct_tensor *out = ct_zeros(2, (int64_t[]){n, m}, dtype);
  if (!out) return NULL;
  char *p = ct__data(out);
  size_t es = ct_dtype_size(dtype);
  for (int64_t i = 0; i < n && i < m; i++) ct__store_f64(p + (i * m + i) * (int64_t)es, dtype, 1.0);
  return out;
}

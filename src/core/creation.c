// Creating tensors from C data, external buffers, constants and ranges.
#include <math.h>
#include <string.h>
#include "core/copy.h"
#include "core/device.h"
#include "core/dtype_impl.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

// The ranges and eye are written from host code: made on the CPU (ct_arange_on moves them).
#define ct__alloc_cpu(dtype, ndim, shape) ct__alloc_on(dtype, ndim, shape, CT_CPU, 0)

// torch.tensor(floats, dtype=<integer>) refuses a value the integer type cannot hold (NaN
// included), naming the dtype as torch.tensor does ("int32", "int64").
static ct_status check_float_data_fits(const void *data, ct_dtype src_dtype, ct_dtype dtype, int64_t n) {
  const size_t es = ct_dtype_size(src_dtype);
  for (int64_t i = 0; i < n; i++) {
    double v = ct__load_f64((const char *)data + (size_t)i * es, src_dtype);
    bool fits = dtype == CT_INT32 ? v >= INT32_MIN && v <= INT32_MAX : v >= -0x1p63 && v <= 0x1p63;
    if (!fits) return ct__error(CT_ERR_ARG, "value cannot be converted to type %s without overflow", ct_dtype_name(dtype));
  }
  return CT_OK;
}

ct_tensor *ct_tensor_from_data(const void *data, ct_dtype src_dtype, ct_dtype dtype, int ndim,
                               const int64_t *shape) {
  if ((unsigned)src_dtype >= CT_NUM_DTYPES) return ct__error_null(CT_ERR_ARG, "invalid source dtype");
  ct_tensor *out = ct__alloc_on(dtype, ndim, shape, CT_CPU, 0);
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
  if (ct_dtype_is_floating(src_dtype) && (dtype == CT_INT32 || dtype == CT_INT64) &&
      check_float_data_fits(data, src_dtype, dtype, n) != CT_OK) {
    ct__drop(out);
    return NULL;
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

ct_tensor *ct__full_on(int ndim, const int64_t *shape, double value, ct_dtype dtype, ct_device device, int index) {
  // torch.full: empty, then fill_ (shape errors first)
  ct_tensor *out = ct__alloc_on(dtype, ndim, shape, device, index);
  ct__element checked;
  if (out && (ct__checked_element(value, dtype, &checked) != CT_OK || ct__fill(out, value) != CT_OK)) {
    ct__drop(out);
    return NULL;
  }
  return out;
}
ct_tensor *ct_full(int ndim, const int64_t *shape, double value, ct_dtype dtype) {
  return ct__full_on(ndim, shape, value, dtype, CT_CPU, 0);
}
// ctorch zero-fills "uninitialised" tensors so programs are deterministic.
ct_tensor *ct_empty(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 0.0, dtype); }
ct_tensor *ct_zeros(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 0.0, dtype); }
ct_tensor *ct_ones(int ndim, const int64_t *shape, ct_dtype dtype) { return ct_full(ndim, shape, 1.0, dtype); }

ct_tensor *ct_full_like(const ct_tensor *like, double value) {
  CT_CHECK_NULL(like);
  return ct__full_on(like->ndim, like->shape, value, like->dtype, like->storage->device, like->storage->device_index);
}
ct_tensor *ct_empty_like(const ct_tensor *like) { return ct_full_like(like, 0.0); }
ct_tensor *ct_zeros_like(const ct_tensor *like) { return ct_full_like(like, 0.0); }
ct_tensor *ct_ones_like(const ct_tensor *like) { return ct_full_like(like, 1.0); }

// PyTorch's CPU range kernels as its AVX2 build runs them (GCC fuses a*b+c there): a
// contiguous output is filled two vectors at a time (8 floats or 4 doubles per vector),
// each vector from the value at its first index plus j*step; the tail after the last full
// pair of vectors uses the scalar formula.
static int64_t range_vec_len(ct_dtype dtype) { return dtype == CT_FLOAT32 ? 8 : 4; }
static double round_to(ct_dtype dtype, double v) { return dtype == CT_FLOAT32 ? (double)(float)v : v; }

// Floating arange works in double: element i = fma(step, i, start); inside a vector,
// element j = fma(j, step, base) with base the first element rounded to the dtype.
static void arange_fill_float(char *p, ct_dtype dtype, int64_t n, double start, double step) {
  int64_t vs = range_vec_len(dtype), es = (int64_t)ct_dtype_size(dtype);
  int64_t vec_end = n - n % (2 * vs);
  for (int64_t v = 0; v < vec_end; v += vs) {
    double base = round_to(dtype, fma(step, (double)v, start));
    for (int64_t j = 0; j < vs; j++) ct__store_f64(p + (v + j) * es, dtype, fma((double)j, step, base));
  }
  for (int64_t i = vec_end; i < n; i++) ct__store_f64(p + i * es, dtype, fma(step, (double)i, start));
}

// The length of an int64 range, which PyTorch computes in integers: ceil(|end - first| /
// |inc|), here in unsigned arithmetic, where the difference cannot overflow. The bounds
// are consistent with the step's sign.
static uint64_t int64_range_len(int64_t first, int64_t end, int64_t inc) {
  const uint64_t span = inc > 0 ? (uint64_t)end - (uint64_t)first : (uint64_t)first - (uint64_t)end;
  const uint64_t step = inc > 0 ? (uint64_t)inc : -(uint64_t)inc;
  return span / step + (span % step != 0);
}

ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype) {
  bool integral = !ct_dtype_is_floating(dtype);
  // Integer dtypes compute in int64: start, end and step are truncated first (so a step
  // of 0.5 is zero), and int64 even takes its length from the truncated values.
  double xstart = integral ? trunc(start) : start, xend = integral ? trunc(end) : end;
  double xstep = integral ? trunc(step) : step;
  if (integral && !(fabs(start) < 0x1p63 && fabs(end) < 0x1p63 && fabs(step) < 0x1p63))
    return ct__error_null(CT_ERR_ARG, "value cannot be converted to type int64_t without overflow");
  if (xstep == 0) return ct__error_null(CT_ERR_ARG, "step must be nonzero");
  if (!isfinite(start) || !isfinite(end))
    return ct__error_null(CT_ERR_ARG, "unsupported range: %g -> %g", start, end);
  if ((xstep > 0 && xstart > xend) || (xstep < 0 && xstart < xend))
    return ct__error_null(CT_ERR_ARG, "upper bound and larger bound inconsistent with step sign");
  double len = dtype == CT_INT64 ? (double)int64_range_len((int64_t)xstart, (int64_t)xend, (int64_t)xstep)
                                  : ceil((end - start) / step);
  if (len > 1e15) return ct__error_null(CT_ERR_ARG, "arange: too many elements");
  int64_t n = len > 0 ? (int64_t)len : 0;
  ct_tensor *out = ct__alloc_cpu(dtype, 1, &n);
  if (!out) return NULL;
  char *p = ct__data(out);
  size_t es = ct_dtype_size(dtype);
  if (!integral) {
    arange_fill_float(p, dtype, n, start, step);
    return out;
  }
  // Element i is first + i * inc. i * inc alone can overflow where the sum does not (a
  // negative start), so the sum is taken modulo 2^64: exact whenever it fits int64, as
  // every element of an int64 range (exact length) does.
  const uint64_t first = (uint64_t)(int64_t)xstart, inc = (uint64_t)(int64_t)xstep;
  for (int64_t i = 0; i < n; i++) {
    const int64_t v = (int64_t)(first + (uint64_t)i * inc);
    if (dtype == CT_INT64) ((int64_t *)(void *)p)[i] = v; // exact beyond 2^53
    else ct__store_f64(p + i * (int64_t)es, dtype, (double)v);
  }
  return out;
}

// Floating linspace works in the dtype: step = (end - start) / (steps - 1); element k is
// fma(step, k, start) in the first half and fma(-step, steps-1-k, end) in the second;
// inside a vector, element j = base + j*step (not fused) from the vector's first element.
#define LINSPACE_FILL(name, T, FMA, VS)                                                      \
  static T name##_at(int64_t k, int64_t steps, T start, T end, T step) {                     \
    return k < steps / 2 ? FMA(step, (T)k, start) : FMA(-step, (T)(steps - k - 1), end);     \
  }                                                                                          \
  static void name(T *out, int64_t steps, T start, T end) {                                  \
    T step = (end - start) / (T)(steps - 1);                                                 \
    int64_t vec_end = steps - steps % (2 * (VS));                                            \
    for (int64_t v = 0; v < vec_end; v += (VS)) {                                            \
      T base = name##_at(v, steps, start, end, step);                                        \
      for (int64_t j = 0; j < (VS); j++) {                                                   \
        T offset = (T)j * step;                                                              \
        out[v + j] = base + offset;                                                          \
      }                                                                                      \
    }                                                                                        \
    for (int64_t k = vec_end; k < steps; k++) out[k] = name##_at(k, steps, start, end, step); \
  }
LINSPACE_FILL(linspace_fill_f32, float, fmaf, 8)
LINSPACE_FILL(linspace_fill_f64, double, fma, 4)

ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype) {
  if (steps < 0) return ct__error_null(CT_ERR_ARG, "number of steps must be non-negative");
  ct__element checked;
  if ((dtype == CT_INT32 || dtype == CT_INT64) && steps > 0) { // torch converts start (and end) to the dtype
    if (ct__checked_element(start, dtype, &checked) != CT_OK) return NULL;
    if (steps > 1 && ct__checked_element(end, dtype, &checked) != CT_OK) return NULL;
  }
  ct_tensor *out = ct__alloc_cpu(dtype, 1, &steps);
  if (!out || steps == 0) return out;
  char *p = ct__data(out);
  size_t es = ct_dtype_size(dtype);
  if (steps == 1) { // PyTorch fills with start
    ct__store_f64(p, dtype, start);
    return out;
  }
  if (dtype == CT_FLOAT32) {
    linspace_fill_f32((float *)p, steps, (float)start, (float)end);
    return out;
  }
  if (dtype == CT_FLOAT64) {
    linspace_fill_f64((double *)p, steps, start, end);
    return out;
  }
  double step = (end - start) / (double)(steps - 1);
  // PyTorch fills the first half from start and the second half from end.
  int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; i++) {
    double v = i < half ? start + step * (double)i : end - step * (double)(steps - i - 1);
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

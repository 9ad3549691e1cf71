// Batch, layer and group norm (kernels/norm.h) on the device, straightforward: statistics
// by one thread per channel (batch norm), row (layer norm) or (sample, group) (group
// norm), accumulated in double in a fixed order, and the normalisation one thread per
// element. The CPU kernels sum over 256-bit lanes and in T in places: results agree with
// them to float rounding, not to the bit.
#include <math.h>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/dtype_rows.cuh"
#include "kernels/norm.h"

namespace {

template <typename T> __host__ __device__ const T *in(const void *p) { return static_cast<const T *>(p); }
template <typename T> __host__ __device__ T *out(void *p) { return static_cast<T *>(p); }

// Mean and biased variance of count values `step` apart, in double (two passes).
template <typename T> __device__ void moments(const T *x, int64_t count, double *mean, double *var) {
  double s = 0, q = 0;
  for (int64_t k = 0; k < count; k++) s += (double)x[k];
  const double m = count ? s / (double)count : 0;
  for (int64_t k = 0; k < count; k++) {
    const double d = (double)x[k] - m;
    q += d * d;
  }
  *mean = m, *var = count ? q / (double)count : 0;
}

// ---- batch norm ----

// Per channel f: the batch statistics (training) or the running ones, then the affine
// terms alpha = invstd * w, beta = b - mean * alpha into scratch.
template <typename T> __global__ void bn_channel_kernel(ct_batch_norm_args a) {
  const T *x = in<T>(a.x), *w = in<T>(a.weight), *b = in<T>(a.bias);
  T *alpha = out<T>(a.scratch), *beta = alpha + a.c, *mean = out<T>(a.mean), *invstd = out<T>(a.invstd);
  CT_GRID_STRIDE(f, a.c) {
    T m, iv;
    if (a.training) {
      const int64_t count = a.n * a.inner;
      double sum = 0, squares = 0;
      for (int64_t i = 0; i < a.n; i++)
        for (int64_t k = 0; k < a.inner; k++) sum += (double)x[(i * a.c + f) * a.inner + k];
      m = (T)(sum / (double)count);
      for (int64_t i = 0; i < a.n; i++)
        for (int64_t k = 0; k < a.inner; k++) {
          const T d = x[(i * a.c + f) * a.inner + k] - m;
          squares += (double)(d * d);
        }
      const T var_sum = (T)squares;
      const double var = (double)(var_sum / (T)count);
      iv = (var != 0 || a.eps != 0) ? (T)(1 / sqrt(var + a.eps)) : T(0);
      const T momentum = (T)a.momentum, keep = T(1) - momentum;
      T *rm = out<T>(a.running_mean), *rv = out<T>(a.running_var);
      if (rm) rm[f] = rm[f] * keep + m * momentum;
      if (rv) rv[f] = (T)((double)momentum * (double)(var_sum / (T)(count - 1)) + (double)(rv[f] * keep));
    } else {
      m = in<T>(a.running_mean)[f];
      iv = T(1) / sqrt(in<T>(a.running_var)[f] + (T)a.eps);
    }
    mean[f] = m, invstd[f] = iv;
    alpha[f] = iv * (w ? w[f] : T(1));
    beta[f] = fma(-m, alpha[f], b ? b[f] : T(0));
  }
}
template <typename T> __global__ void bn_apply_kernel(ct_batch_norm_args a) {
  const T *x = in<T>(a.x), *alpha = in<T>(a.scratch), *beta = alpha + a.c;
  T *y = out<T>(a.y);
  CT_GRID_STRIDE(e, a.n * a.c * a.inner) {
    const int64_t f = (e / a.inner) % a.c;
    y[e] = fma(x[e], alpha[f], beta[f]);
  }
}
template <typename T> void batch_norm(const ct_batch_norm_args *a) {
  if (a->c <= 0) return;
  bn_channel_kernel<T><<<grid_for(a->c), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  const int64_t total = a->n * a->c * a->inner;
  if (total > 0) bn_apply_kernel<T><<<grid_for(total), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("batch_norm");
}

// One thread per channel: its sums, dweight, dbias and its dx.
template <typename T> __global__ void bn_backward_kernel(ct_batch_norm_grad_args a) {
  const T *x = in<T>(a.x), *dy = in<T>(a.dy), *w = in<T>(a.weight), *stat = in<T>(a.var_or_invstd);
  T *dx = out<T>(a.dx);
  const int64_t count = a.n * a.inner;
  CT_GRID_STRIDE(f, a.c) {
    const T wf = w ? w[f] : T(1), mean = in<T>(a.mean)[f];
    const T invstd = a.training ? stat[f] : (T)(1 / sqrt((double)stat[f] + a.eps));
    double sum = 0, dotp = 0;
    for (int64_t i = 0; i < a.n; i++)
      for (int64_t k = 0; k < a.inner; k++) {
        const int64_t e = (i * a.c + f) * a.inner + k;
        sum += (double)dy[e];
        dotp += (double)((x[e] - mean) * dy[e]);
      }
    if (dx) {
      const T kk = (T)dotp * invstd * invstd / (T)count, grad_mean = (T)(sum / (double)count);
      for (int64_t i = 0; i < a.n; i++)
        for (int64_t k = 0; k < a.inner; k++) {
          const int64_t e = (i * a.c + f) * a.inner + k;
          dx[e] = a.training ? fma(-(x[e] - mean), kk, dy[e] - grad_mean) * invstd * wf : dy[e] * invstd * wf;
        }
    }
    out<T>(a.dweight)[f] = (T)(dotp * (double)invstd);
    out<T>(a.dbias)[f] = (T)sum;
  }
}
template <typename T> void batch_norm_backward(const ct_batch_norm_grad_args *a) {
  if (a->c <= 0) return;
  bn_backward_kernel<T><<<grid_for(a->c), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("batch_norm backward");
}

// ---- layer norm: one thread per row ----

template <typename T> __global__ void ln_kernel(ct_layer_norm_args a) {
  const T *x = in<T>(a.x), *w = in<T>(a.weight), *b = in<T>(a.bias);
  CT_GRID_STRIDE(i, a.rows) {
    const T *xr = x + i * a.cols;
    T *yr = out<T>(a.y) + i * a.cols;
    double dm, dv;
    moments(xr, a.cols, &dm, &dv);
    const T m = (T)dm, r = T(1) / sqrt((T)dv + (T)a.eps), shift = -r * m;
    for (int64_t j = 0; j < a.cols; j++) yr[j] = fma(fma(xr[j], r, shift), w ? w[j] : T(1), b ? b[j] : T(0));
    out<T>(a.mean)[i] = m, out<T>(a.rstd)[i] = r;
  }
}
template <typename T> void layer_norm(const ct_layer_norm_args *a) {
  if (a->rows <= 0) return;
  ln_kernel<T><<<grid_for(a->rows), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("layer_norm");
}

template <typename T> __global__ void ln_dx_kernel(ct_layer_norm_grad_args a) {
  const T *x = in<T>(a.x), *dy = in<T>(a.dy), *w = in<T>(a.weight);
  const T scale = T(1) / (T)a.cols;
  CT_GRID_STRIDE(i, a.rows) {
    const T *xr = x + i * a.cols, *dyr = dy + i * a.cols;
    const T r = in<T>(a.rstd)[i], m = in<T>(a.mean)[i];
    double ds = 0, dbs = 0;
    for (int64_t j = 0; j < a.cols; j++) {
      const double wj = w ? (double)w[j] : 1.0;
      ds += (double)dyr[j] * (double)xr[j] * wj;
      dbs += (double)dyr[j] * wj;
    }
    const T c2 = fma((T)dbs, m, -(T)ds) * r * r * r * scale, c3 = fma(-c2, m, -((T)dbs * r * scale));
    T *dxr = out<T>(a.dx) + i * a.cols;
    for (int64_t j = 0; j < a.cols; j++) dxr[j] = fma(c2, xr[j], w ? r * dyr[j] * w[j] : r * dyr[j]) + c3;
  }
}
// One thread per column: dweight and dbias summed over the rows in order.
template <typename T> __global__ void ln_dw_kernel(ct_layer_norm_grad_args a) {
  const T *x = in<T>(a.x), *dy = in<T>(a.dy);
  CT_GRID_STRIDE(j, a.cols) {
    T dw = 0, db = 0;
    for (int64_t i = 0; i < a.rows; i++) {
      const T r = in<T>(a.rstd)[i], d = dy[i * a.cols + j];
      dw = fma(d, fma(r, x[i * a.cols + j], -r * in<T>(a.mean)[i]), dw);
      db = db + d;
    }
    if (a.dweight) out<T>(a.dweight)[j] = dw;
    if (a.dbias) out<T>(a.dbias)[j] = db;
  }
}
template <typename T> void layer_norm_backward(const ct_layer_norm_grad_args *a) {
  if (a->dx && a->rows > 0) ln_dx_kernel<T><<<grid_for(a->rows), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  if ((a->dweight || a->dbias) && a->cols > 0)
    ln_dw_kernel<T><<<grid_for(a->cols), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("layer_norm backward");
}

// ---- group norm: one thread per (sample, group) ----

template <typename T> __global__ void gn_kernel(ct_group_norm_args a) {
  const T *x = in<T>(a.x), *w = in<T>(a.weight), *b = in<T>(a.bias);
  const int64_t per_group = a.c / a.groups, block = per_group * a.inner;
  CT_GRID_STRIDE(i, a.n * a.groups) {
    const T *xb = x + i * block;
    T *yb = out<T>(a.y) + i * block;
    double dm, dv;
    moments(xb, block, &dm, &dv);
    const T m = (T)dm, r = T(1) / sqrt((T)dv + (T)a.eps);
    for (int64_t j = 0; j < per_group; j++) {
      const int64_t ch = (i % a.groups) * per_group + j;
      const T scale = r * (w ? w[ch] : T(1)), shift = -scale * m + (b ? b[ch] : T(0));
      for (int64_t k = 0; k < a.inner; k++) yb[j * a.inner + k] = fma(scale, xb[j * a.inner + k], shift);
    }
    out<T>(a.mean)[i] = m, out<T>(a.rstd)[i] = r;
  }
}
template <typename T> void group_norm(const ct_group_norm_args *a) {
  if (a->n * a->groups <= 0) return;
  gn_kernel<T><<<grid_for(a->n * a->groups), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("group_norm");
}

// Per (sample, channel): ds = sum(dy * x), db = sum(dy) into scratch.
template <typename T> __global__ void gn_sums_kernel(ct_group_norm_grad_args a) {
  const T *x = in<T>(a.x), *dy = in<T>(a.dy);
  T *ds = out<T>(a.scratch), *db = ds + a.n * a.c;
  CT_GRID_STRIDE(i, a.n * a.c) {
    double s = 0, t = 0;
    for (int64_t k = 0; k < a.inner; k++) {
      s += (double)dy[i * a.inner + k] * (double)x[i * a.inner + k];
      t += (double)dy[i * a.inner + k];
    }
    ds[i] = (T)s, db[i] = (T)t;
  }
}
template <typename T> __global__ void gn_dx_kernel(ct_group_norm_grad_args a) {
  const T *x = in<T>(a.x), *dy = in<T>(a.dy), *w = in<T>(a.weight), *ds = in<T>(a.scratch), *db = ds + a.n * a.c;
  const int64_t per_group = a.c / a.groups;
  const T s = T(1) / (T)(per_group * a.inner);
  CT_GRID_STRIDE(i, a.n * a.groups) {
    const int64_t g = i % a.groups;
    const T *wg = w ? w + g * per_group : nullptr;
    double ds_sum = 0, db_sum = 0;
    for (int64_t j = 0; j < per_group; j++) {
      const double wj = wg ? (double)wg[j] : 1.0;
      ds_sum += (double)ds[i * per_group + j] * wj;
      db_sum += (double)db[i * per_group + j] * wj;
    }
    const T r = in<T>(a.rstd)[i], m = in<T>(a.mean)[i];
    const T c2 = fma((T)db_sum, m, -(T)ds_sum) * r * r * r * s, c3 = fma(-c2, m, -((T)db_sum * r * s));
    for (int64_t j = 0; j < per_group; j++) {
      const T c1 = r * (wg ? wg[j] : T(1));
      const int64_t off = (i * per_group + j) * a.inner;
      for (int64_t k = 0; k < a.inner; k++) out<T>(a.dx)[off + k] = fma(c1, dy[off + k], c2 * x[off + k]) + c3;
    }
  }
}
// One thread per channel: dweight and dbias over the samples in order.
template <typename T> __global__ void gn_dw_kernel(ct_group_norm_grad_args a) {
  const T *ds = in<T>(a.scratch), *db = ds + a.n * a.c;
  const int64_t per_group = a.c / a.groups;
  CT_GRID_STRIDE(ch, a.c) {
    T dw = 0, dbias = 0;
    for (int64_t n = 0; n < a.n; n++) {
      const int64_t i = n * a.groups + ch / per_group, k = n * a.c + ch;
      dw = fma(fma(-db[k], in<T>(a.mean)[i], ds[k]), in<T>(a.rstd)[i], dw);
      dbias = dbias + db[k];
    }
    if (a.dweight) out<T>(a.dweight)[ch] = dw;
    if (a.dbias) out<T>(a.dbias)[ch] = dbias;
  }
}
template <typename T> void group_norm_backward(const ct_group_norm_grad_args *a) {
  if (a->n * a->c <= 0) return;
  gn_sums_kernel<T><<<grid_for(a->n * a->c), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  if (a->dx) gn_dx_kernel<T><<<grid_for(a->n * a->groups), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  if (a->dweight || a->dbias) gn_dw_kernel<T><<<grid_for(a->c), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a);
  CT_CUDA_CHECK_LAUNCH("group_norm backward");
}

const ct_batch_norm_fn bn_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(batch_norm);
const ct_batch_norm_backward_fn bn_backward_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(batch_norm_backward);
const ct_layer_norm_fn ln_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(layer_norm);
const ct_layer_norm_backward_fn ln_backward_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(layer_norm_backward);
const ct_group_norm_fn gn_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(group_norm);
const ct_group_norm_backward_fn gn_backward_row[CT_NUM_DTYPES] = CUDA_ROW_FLOAT(group_norm_backward);

} // namespace

extern "C" {
extern const ct_norm_kernels ct__cuda_norm_kernels;
const ct_norm_kernels ct__cuda_norm_kernels = {bn_row, bn_backward_row, ln_row, ln_backward_row, gn_row,
                                               gn_backward_row};
}

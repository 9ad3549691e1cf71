// Recurrent-cell steps (kernels/rnn.h) on the device: one thread per (row, hidden unit),
// the CPU loops' formulas (kernels/cpu/rnn_cells_tmpl.h) with CUDA's tanh and exp for the
// activations (the CPU uses SLEEF: results agree to float rounding). The hidden projection
// is left to the blas family (cuBLAS): no hidden_product entries.
#include <math.h>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/rnn.h"

namespace {

template <typename T> __device__ T sigmoid(T x) { return T(1) / (T(1) + exp(-x)); }

// gi + gh with the biases, in the CPU's order, for gate column q of row r.
template <typename T> __device__ T pre_activation(const ct_rnn_step_args &a, int64_t r, int64_t q, int64_t G) {
  const T gi = static_cast<const T *>(a.gi)[r * a.ld_gi + q], gh = static_cast<const T *>(a.gh)[r * G + q];
  const T *b_ih = static_cast<const T *>(a.b_ih), *b_hh = static_cast<const T *>(a.b_hh);
  return b_ih && b_hh ? (gi + b_ih[q]) + (gh + b_hh[q]) : gi + gh;
}

// G: the gate width (ct_rnn_gates(mode) * H, a host function).
template <typename T> __global__ void step_kernel(ct_rnn_step_args a, int64_t G) {
  const int64_t H = a.hidden;
  CT_GRID_STRIDE(t, a.rows * H) {
    const int64_t r = t / H, j = t % H;
    T *s = static_cast<T *>(a.saved) + r * a.ld_saved, *h = static_cast<T *>(a.h) + r * H;
    T *y = static_cast<T *>(a.y) + r * a.ld_y;
    if (a.mode == CT_RNN_MODE_LSTM) { // saved: i f g o | tanh(c') | h | c
      T *c = static_cast<T *>(a.c) + r * H;
      const T gi = sigmoid(pre_activation<T>(a, r, j, G)), gf = sigmoid(pre_activation<T>(a, r, H + j, G));
      const T gg = tanh(pre_activation<T>(a, r, 2 * H + j, G)), go = sigmoid(pre_activation<T>(a, r, 3 * H + j, G));
      s[j] = gi, s[H + j] = gf, s[2 * H + j] = gg, s[3 * H + j] = go;
      s[5 * H + j] = h[j], s[6 * H + j] = c[j];
      c[j] = gf * c[j] + gi * gg;
      const T tc = tanh(c[j]);
      s[G + j] = tc;
      h[j] = y[j] = go * tc;
    } else if (a.mode == CT_RNN_MODE_GRU) { // saved: r z n | W_hn h + b_hn | h
      const T *gi = static_cast<const T *>(a.gi) + r * a.ld_gi, *gh = static_cast<const T *>(a.gh) + r * G;
      const T *b_ih = static_cast<const T *>(a.b_ih), *b_hh = static_cast<const T *>(a.b_hh);
      const T gr = sigmoid(pre_activation<T>(a, r, j, G)), gz = sigmoid(pre_activation<T>(a, r, H + j, G));
      const T ghn = b_hh ? gh[2 * H + j] + b_hh[2 * H + j] : gh[2 * H + j];
      const T in = b_ih ? gi[2 * H + j] + b_ih[2 * H + j] : gi[2 * H + j];
      const T n = tanh(in + gr * ghn);
      s[j] = gr, s[H + j] = gz, s[2 * H + j] = n, s[G + j] = ghn, s[4 * H + j] = h[j];
      h[j] = y[j] = (1 - gz) * n + gz * h[j];
    } else { // saved: h' | h
      const T p = pre_activation<T>(a, r, j, G);
      const T v = a.mode == CT_RNN_MODE_RELU ? (p > 0 ? p : (p == p ? T(0) : p)) : tanh(p); // NaN stays
      s[j] = v, s[H + j] = h[j];
      h[j] = y[j] = v;
    }
  }
}
template <typename T> void step(const ct_rnn_step_args *a) {
  if (a->rows * a->hidden <= 0) return;
  step_kernel<T><<<grid_for(a->rows * a->hidden), kBlockThreads, 0, CT_CUDA_STREAM>>>(*a, ct_rnn_gates(a->mode) * a->hidden);
  CT_CUDA_CHECK_LAUNCH("rnn step");
}

template <typename T> __global__ void step_backward_kernel(ct_rnn_step_grad_args a, int64_t G) {
  const int64_t H = a.hidden;
  CT_GRID_STRIDE(t, a.rows * H) {
    const int64_t r = t / H, j = t % H;
    const T *s = static_cast<const T *>(a.saved) + r * a.ld_saved;
    const T dy = static_cast<const T *>(a.dy)[r * a.ld_dy + j];
    T *dh = static_cast<T *>(a.dh) + r * H, *dgi = static_cast<T *>(a.dgi) + r * G;
    if (a.mode == CT_RNN_MODE_LSTM) {
      T *dc = static_cast<T *>(a.dc) + r * H;
      const T gi = s[j], gf = s[H + j], gg = s[2 * H + j], go = s[3 * H + j], tc = s[G + j], cp = s[6 * H + j];
      const T dht = dh[j] + dy, dct = dc[j] + dht * go * (1 - tc * tc);
      dgi[j] = dct * gg * gi * (1 - gi);
      dgi[H + j] = dct * cp * gf * (1 - gf);
      dgi[2 * H + j] = dct * gi * (1 - gg * gg);
      dgi[3 * H + j] = dht * tc * go * (1 - go);
      dc[j] = dct * gf;
    } else if (a.mode == CT_RNN_MODE_GRU) {
      T *dgh = static_cast<T *>(a.dgh) + r * G;
      const T gr = s[j], gz = s[H + j], gn = s[2 * H + j], ghn = s[G + j], hp = s[4 * H + j];
      const T dht = dh[j] + dy, dn = dht * (1 - gz) * (1 - gn * gn);
      const T dr = dn * ghn * gr * (1 - gr), dz = dht * (hp - gn) * gz * (1 - gz);
      dgi[j] = dgh[j] = dr;
      dgi[H + j] = dgh[H + j] = dz;
      dgi[2 * H + j] = dn;
      dgh[2 * H + j] = dn * gr;
      dh[j] = dht * gz;
    } else {
      dgi[j] = a.mode == CT_RNN_MODE_RELU ? (s[j] > 0 ? dh[j] + dy : T(0)) : (dh[j] + dy) * (1 - s[j] * s[j]);
    }
  }
}
template <typename T> void step_backward(const ct_rnn_step_grad_args *a) {
  if (a->rows * a->hidden <= 0) return;
  step_backward_kernel<T><<<grid_for(a->rows * a->hidden), kBlockThreads, 0, CT_CUDA_STREAM>>>(
      *a, ct_rnn_gates(a->mode) * a->hidden);
  CT_CUDA_CHECK_LAUNCH("rnn step backward");
}

const ct_rnn_product_fn no_hidden_product[CT_NUM_DTYPES] = {};

ct_rnn_kernels make_rnn_kernels() {
  ct_rnn_kernels k = {};
  k.step[CT_FLOAT32] = step<float>, k.step[CT_FLOAT64] = step<double>;
  k.step_backward[CT_FLOAT32] = step_backward<float>, k.step_backward[CT_FLOAT64] = step_backward<double>;
  k.hidden_product = no_hidden_product;
  return k;
}

} // namespace

extern "C" {
extern const ct_rnn_kernels ct__cuda_rnn_kernels;
const ct_rnn_kernels ct__cuda_rnn_kernels = make_rnn_kernels();
}

// Optimizer updates (kernels/optim.h) on the device: one thread per element, running the
// per-element steps of kernels/optim_step_tmpl.h that the CPU loops run too, with the
// same roundings (hyperparameters rounded to T on the host once, fused multiply-adds
// exactly where the steps write fma, --fmad=false so nvcc adds no others, IEEE division
// and sqrt). The results are the CPU's bits.
#include <math.h>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/optim.h"
#include "kernels/optim_steps.h"

namespace {

template <class F> __global__ void update_kernel(int64_t n, F f) {
  CT_GRID_STRIDE(i, n) f(i);
}
template <class F> void launch_update(int64_t n, F f, const char *what) {
  if (n <= 0) return;
  update_kernel<<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(n, f);
  CT_CUDA_CHECK_LAUNCH(what);
}

// One functor per optimizer: element i's step of kernels/optim_step_tmpl.h (the
// overload for the consts type K), with the flags read at run time.
template <typename T, typename K> struct Sgd {
  T *p, *buf;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const { sgd_step(i, p, g, buf, &k, k.decay, k.momentum, k.first, k.nesterov); }
};
template <typename T, typename K> void sgd(void *param, const void *grad, void *buf, int64_t n, const ct_sgd_step *s) {
  Sgd<T, K> f = {static_cast<T *>(param), static_cast<T *>(buf), static_cast<const T *>(grad), {}};
  sgd_consts_of(&f.k, s);
  launch_update(n, f, "sgd");
}

template <typename T, typename K> struct Adam {
  T *p, *m, *v, *vmax;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const {
    adam_step(i, p, g, m, v, vmax, &k, k.coupled, k.decoupled, k.amsgrad);
  }
};
template <typename T, typename K>
void adam(void *param, const void *grad, void *m, void *v, void *vmax, int64_t n, const ct_adam_step *s) {
  Adam<T, K> f = {static_cast<T *>(param), static_cast<T *>(m), static_cast<T *>(v), static_cast<T *>(vmax),
                  static_cast<const T *>(grad), {}};
  adam_consts_of(&f.k, s);
  launch_update(n, f, "adam");
}

template <typename T, typename K> struct Rmsprop {
  T *p, *sq, *ga, *buf;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const {
    rmsprop_step(i, p, g, sq, ga, buf, &k, k.decay, k.centered, k.momentum);
  }
};
template <typename T, typename K>
void rmsprop(void *param, const void *grad, void *square_avg, void *grad_avg, void *buf, int64_t n,
             const ct_rmsprop_step *s) {
  Rmsprop<T, K> f = {static_cast<T *>(param), static_cast<T *>(square_avg), static_cast<T *>(grad_avg),
                     static_cast<T *>(buf), static_cast<const T *>(grad), {}};
  rmsprop_consts_of(&f.k, s);
  launch_update(n, f, "rmsprop");
}

template <typename T, typename K> struct Adagrad {
  T *p, *sum;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const { adagrad_step(i, p, g, sum, &k, k.decay); }
};
template <typename T, typename K>
void adagrad(void *param, const void *grad, void *sum, int64_t n, const ct_adagrad_step *s) {
  Adagrad<T, K> f = {static_cast<T *>(param), static_cast<T *>(sum), static_cast<const T *>(grad), {}};
  adagrad_consts_of(&f.k, s);
  launch_update(n, f, "adagrad");
}

template <typename T, typename K> struct Adamax {
  T *p, *m, *u;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const { adamax_step(i, p, g, m, u, &k, k.decay); }
};
template <typename T, typename K>
void adamax(void *param, const void *grad, void *exp_avg, void *exp_inf, int64_t n, const ct_adamax_step *s) {
  Adamax<T, K> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_inf),
                    static_cast<const T *>(grad), {}};
  adamax_consts_of(&f.k, s);
  launch_update(n, f, "adamax");
}

template <typename T, typename K> struct Nadam {
  T *p, *m, *v;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const { nadam_step(i, p, g, m, v, &k); }
};
template <typename T, typename K>
void nadam(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n, const ct_nadam_step *s) {
  Nadam<T, K> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_avg_sq),
                   static_cast<const T *>(grad), {}};
  nadam_consts_of(&f.k, s);
  launch_update(n, f, "nadam");
}

template <typename T, typename K> struct Radam {
  T *p, *m, *v;
  const T *g;
  K k;
  __device__ void operator()(int64_t i) const { radam_step(i, p, g, m, v, &k, k.rectify); }
};
template <typename T, typename K>
void radam(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n, const ct_radam_step *s) {
  Radam<T, K> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_avg_sq),
                   static_cast<const T *>(grad), {}};
  radam_consts_of(&f.k, s);
  launch_update(n, f, "radam");
}

ct_optim_kernels make_optim_kernels() {
  ct_optim_kernels k = {};
  k.sgd[CT_FLOAT32] = sgd<float, sgd_consts_f32>, k.sgd[CT_FLOAT64] = sgd<double, sgd_consts_f64>;
  k.adam[CT_FLOAT32] = adam<float, adam_consts_f32>, k.adam[CT_FLOAT64] = adam<double, adam_consts_f64>;
  k.rmsprop[CT_FLOAT32] = rmsprop<float, rmsprop_consts_f32>;
  k.rmsprop[CT_FLOAT64] = rmsprop<double, rmsprop_consts_f64>;
  k.adagrad[CT_FLOAT32] = adagrad<float, adagrad_consts_f32>;
  k.adagrad[CT_FLOAT64] = adagrad<double, adagrad_consts_f64>;
  k.adamax[CT_FLOAT32] = adamax<float, adamax_consts_f32>;
  k.adamax[CT_FLOAT64] = adamax<double, adamax_consts_f64>;
  k.nadam[CT_FLOAT32] = nadam<float, nadam_consts_f32>, k.nadam[CT_FLOAT64] = nadam<double, nadam_consts_f64>;
  k.radam[CT_FLOAT32] = radam<float, radam_consts_f32>, k.radam[CT_FLOAT64] = radam<double, radam_consts_f64>;
  return k;
}

} // namespace

extern "C" {
extern const ct_optim_kernels ct__cuda_optim_kernels;
const ct_optim_kernels ct__cuda_optim_kernels = make_optim_kernels();
}

// Optimizer updates (kernels/optim.h) on the device: one thread per element, the CPU
// loops' formulas (kernels/cpu/optim_tmpl.h, optim_more_tmpl.h) with the same roundings:
// hyperparameters rounded to T on the host once, fused multiply-adds exactly where the CPU
// loops have them (fma), IEEE division and sqrt. The results are the CPU's bits.
#include <math.h>
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/optim.h"

namespace {

template <class F> __global__ void update_kernel(int64_t n, F f) {
  CT_GRID_STRIDE(i, n) f(i);
}
template <class F> void launch_update(int64_t n, F f, const char *what) {
  if (n <= 0) return;
  update_kernel<<<grid_for(n), kBlockThreads, 0, CT_CUDA_STREAM>>>(n, f);
  CT_CUDA_CHECK_LAUNCH(what);
}

template <typename T> struct Sgd {
  T *p, *buf;
  const T *g;
  T sign, wd, mom, keep, neg_lr;
  bool decay, momentum, first, nesterov;
  __device__ void operator()(int64_t i) const {
    T d = g[i] * sign;
    if (decay) d = fma(p[i], wd, d);
    if (momentum) {
      const T b = first ? d : fma(d, keep, buf[i] * mom);
      buf[i] = b;
      d = nesterov ? fma(b, mom, d) : b;
    }
    p[i] = fma(d, neg_lr, p[i]);
  }
};
template <typename T> void sgd(void *param, const void *grad, void *buf, int64_t n, const ct_sgd_step *s) {
  const Sgd<T> f = {static_cast<T *>(param), static_cast<T *>(buf), static_cast<const T *>(grad),
                    T(s->maximize ? -1 : 1), (T)s->weight_decay, (T)s->momentum, (T)(1 - s->dampening),
                    (T)(-s->lr), s->weight_decay != 0, s->momentum != 0, s->first, s->nesterov};
  launch_update(n, f, "sgd");
}

template <typename T> struct Adam {
  T *p, *m, *v, *vmax;
  const T *g;
  T sign, wd, decay, b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, neg_step_size;
  bool coupled, decoupled, amsgrad;
  __device__ void operator()(int64_t i) const {
    T gi = g[i] * sign, pi = p[i];
    if (coupled) gi = fma(pi, wd, gi);
    if (decoupled) pi = pi * decay;
    const T mi = fma(gi, one_minus_b1, m[i] * b1);
    const T vi = fma(one_minus_b2 * gi, gi, v[i] * b2);
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (amsgrad) {
      const T a = vmax[i];
      second = (a > vi || a != a) ? a : vi; // torch.maximum propagates nan
      vmax[i] = second;
    }
    const T denom = sqrt(second) / bc2_sqrt + eps;
    p[i] = pi + (neg_step_size * mi) / denom;
  }
};
template <typename T>
void adam(void *param, const void *grad, void *m, void *v, void *vmax, int64_t n, const ct_adam_step *s) {
  const double bc1 = 1 - pow(s->beta1, s->step), bc2 = 1 - pow(s->beta2, s->step);
  const bool wd = s->weight_decay != 0;
  const Adam<T> f = {static_cast<T *>(param),  static_cast<T *>(m),         static_cast<T *>(v),
                     static_cast<T *>(vmax),   static_cast<const T *>(grad), T(s->maximize ? -1 : 1),
                     (T)s->weight_decay,       (T)(1 - s->lr * s->weight_decay), (T)s->beta1,
                     (T)(1 - s->beta1),        (T)s->beta2,                  (T)(1 - s->beta2),
                     (T)sqrt(bc2),             (T)s->eps,                    (T)(-(s->lr / bc1)),
                     wd && !s->decoupled,      wd && s->decoupled,           s->amsgrad};
  launch_update(n, f, "adam");
}

template <typename T> struct Rmsprop {
  T *p, *sq, *ga, *buf;
  const T *g;
  T sign, wd, alpha, one_minus_alpha, eps, mom, neg_lr;
  bool decay, centered, momentum;
  __device__ void operator()(int64_t i) const {
    T gi = g[i] * sign;
    if (decay) gi = fma(p[i], wd, gi);
    const T sqi = fma(one_minus_alpha * gi, gi, sq[i] * alpha);
    sq[i] = sqi;
    T avg;
    if (centered) {
      const T gai = fma(gi, one_minus_alpha, ga[i] * alpha);
      ga[i] = gai;
      avg = sqrt(fma(-gai, gai, sqi));
    } else {
      avg = sqrt(sqi);
    }
    avg = avg + eps;
    if (momentum) {
      const T b = buf[i] * mom + gi / avg;
      buf[i] = b;
      p[i] = fma(b, neg_lr, p[i]);
    } else {
      p[i] = p[i] + (neg_lr * gi) / avg;
    }
  }
};
template <typename T>
void rmsprop(void *param, const void *grad, void *square_avg, void *grad_avg, void *buf, int64_t n,
             const ct_rmsprop_step *s) {
  const Rmsprop<T> f = {static_cast<T *>(param), static_cast<T *>(square_avg), static_cast<T *>(grad_avg),
                        static_cast<T *>(buf),   static_cast<const T *>(grad), T(s->maximize ? -1 : 1),
                        (T)s->weight_decay,      (T)s->alpha,                  (T)(1 - s->alpha),
                        (T)s->eps,               (T)s->momentum,               (T)(-s->lr),
                        s->weight_decay != 0,    s->centered,                  s->momentum > 0};
  launch_update(n, f, "rmsprop");
}

template <typename T> struct Adagrad {
  T *p, *sum;
  const T *g;
  T sign, wd, eps, neg_clr;
  bool decay;
  __device__ void operator()(int64_t i) const {
    T gi = g[i] * sign;
    if (decay) gi = fma(p[i], wd, gi);
    const T si = fma(gi, gi, sum[i]);
    sum[i] = si;
    p[i] = p[i] + (neg_clr * gi) / (sqrt(si) + eps);
  }
};
template <typename T> void adagrad(void *param, const void *grad, void *sum, int64_t n, const ct_adagrad_step *s) {
  const Adagrad<T> f = {static_cast<T *>(param), static_cast<T *>(sum), static_cast<const T *>(grad),
                        T(s->maximize ? -1 : 1), (T)s->weight_decay,    (T)s->eps,
                        (T)(-s->clr),            s->weight_decay != 0};
  launch_update(n, f, "adagrad");
}

template <typename T> struct Adamax {
  T *p, *m, *u;
  const T *g;
  T sign, wd, b1, one_minus_b1, b2, eps, neg_clr;
  bool decay;
  __device__ void operator()(int64_t i) const {
    T gi = g[i] * sign;
    if (decay) gi = fma(p[i], wd, gi);
    const T mi = fma(gi, one_minus_b1, m[i] * b1);
    m[i] = mi;
    const T decayed = u[i] * b2, fresh = (gi < 0 ? -gi : gi) + eps;
    const T ui = (decayed > fresh || decayed != decayed) ? decayed : fresh; // torch.amax propagates nan
    u[i] = ui;
    p[i] = p[i] + (neg_clr * mi) / ui;
  }
};
template <typename T>
void adamax(void *param, const void *grad, void *exp_avg, void *exp_inf, int64_t n, const ct_adamax_step *s) {
  const Adamax<T> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_inf),
                       static_cast<const T *>(grad), T(s->maximize ? -1 : 1), (T)s->weight_decay,
                       (T)s->beta1, (T)(1 - s->beta1), (T)s->beta2, (T)s->eps, (T)(-s->clr), s->weight_decay != 0};
  launch_update(n, f, "adamax");
}

// NAdam and RAdam share the moment update (weight decay coupled into the gradient).
template <typename T> struct Moments {
  T wd, b1, one_minus_b1, b2, one_minus_b2;
  bool decay;
  __device__ T update(const T *p, const T *g, T *m, T *v, int64_t i) const {
    T gd = g[i];
    if (decay) gd = fma(p[i], wd, gd);
    m[i] = fma(gd, one_minus_b1, m[i] * b1);
    v[i] = fma(one_minus_b2 * gd, gd, v[i] * b2);
    return gd;
  }
};
template <typename T> Moments<T> moments_of(double weight_decay, double beta1, double beta2) {
  return {(T)weight_decay, (T)beta1, (T)(1 - beta1), (T)beta2, (T)(1 - beta2), weight_decay != 0};
}

template <typename T> struct Nadam {
  T *p, *m, *v;
  const T *g;
  Moments<T> k;
  T bc2, eps, grad_value, avg_value;
  __device__ void operator()(int64_t i) const {
    const T gi = k.update(p, g, m, v, i);
    const T denom = sqrt(v[i] / bc2) + eps;
    const T pi = p[i] + (grad_value * gi) / denom;
    p[i] = pi + (avg_value * m[i]) / denom;
  }
};
template <typename T>
void nadam(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n, const ct_nadam_step *s) {
  const Nadam<T> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_avg_sq),
                      static_cast<const T *>(grad), moments_of<T>(s->weight_decay, s->beta1, s->beta2),
                      (T)s->bias_correction2, (T)s->eps, (T)s->grad_value, (T)s->avg_value};
  launch_update(n, f, "nadam");
}

template <typename T> struct Radam {
  T *p, *m, *v;
  const T *g;
  Moments<T> k;
  T bc1, lr, eps, sqrt_bc2, rect;
  bool rectify;
  __device__ void operator()(int64_t i) const {
    k.update(p, g, m, v, i);
    T update = (m[i] / bc1) * lr;
    if (rectify) {
      const T adaptive = (T(1) / (sqrt(v[i]) + eps)) * sqrt_bc2; // Python's scalar / tensor
      update = (update * adaptive) * rect;
    }
    p[i] = p[i] - update;
  }
};
template <typename T>
void radam(void *param, const void *grad, void *exp_avg, void *exp_avg_sq, int64_t n, const ct_radam_step *s) {
  const Radam<T> f = {static_cast<T *>(param), static_cast<T *>(exp_avg), static_cast<T *>(exp_avg_sq),
                      static_cast<const T *>(grad), moments_of<T>(s->weight_decay, s->beta1, s->beta2),
                      (T)s->bias_correction1, (T)s->lr, (T)s->eps, (T)s->sqrt_bias_correction2, (T)s->rect,
                      s->rectify};
  launch_update(n, f, "radam");
}

ct_optim_kernels make_optim_kernels() {
  ct_optim_kernels k = {};
  k.sgd[CT_FLOAT32] = sgd<float>, k.sgd[CT_FLOAT64] = sgd<double>;
  k.adam[CT_FLOAT32] = adam<float>, k.adam[CT_FLOAT64] = adam<double>;
  k.rmsprop[CT_FLOAT32] = rmsprop<float>, k.rmsprop[CT_FLOAT64] = rmsprop<double>;
  k.adagrad[CT_FLOAT32] = adagrad<float>, k.adagrad[CT_FLOAT64] = adagrad<double>;
  k.adamax[CT_FLOAT32] = adamax<float>, k.adamax[CT_FLOAT64] = adamax<double>;
  k.nadam[CT_FLOAT32] = nadam<float>, k.nadam[CT_FLOAT64] = nadam<double>;
  k.radam[CT_FLOAT32] = radam<float>, k.radam[CT_FLOAT64] = radam<double>;
  return k;
}

} // namespace

extern "C" {
extern const ct_optim_kernels ct__cuda_optim_kernels;
const ct_optim_kernels ct__cuda_optim_kernels = make_optim_kernels();
}

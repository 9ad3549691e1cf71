// batch_norm forward and backward (kernels/norm.h) for one floating dtype, for
// norm_batch.c: PyTorch 1.13's CPU kernels. An input with one value per channel and sample
// (inner == 1, (N, C) input) takes PyTorch's channels-last path, which sums a channel in T
// across samples (as PyTorch does on one thread); otherwise a channel's values are summed
// in double. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     FMA  its fused multiply-add
//   SQRT  its square root
#define NAME(x) CT_SUFFIXED(x, SFX)

// ---- statistics (training) ----

// Per channel: mean[f] and the sum of squared deviations var_sum[f], as
// batch_norm_cpu_collect_stats_contiguous_impl: both sums in double.
static void NAME(bn_stats_planes)(const T *x, int64_t n, int64_t c, int64_t inner, T *mean, T *var_sum) {
  const int64_t count = n * inner;
  for (int64_t f = 0; f < c; f++) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
      const T *plane = x + (i * c + f) * inner;
      for (int64_t k = 0; k < inner; k++) sum += plane[k];
    }
    const T m = (T)(sum / (double)count);
    double squares = 0;
    for (int64_t i = 0; i < n; i++) {
      const T *plane = x + (i * c + f) * inner;
      for (int64_t k = 0; k < inner; k++) {
        const T d = plane[k] - m;
        squares = SQUARES_ADD(d, squares);
      }
    }
    mean[f] = m;
    var_sum[f] = (T)squares;
  }
}

// The same for rows of c values (batch_norm_cpu_collect_stats_channels_last_impl on one
// thread): row-by-row sums in T, then divided in double.
static void NAME(bn_stats_rows)(const T *x, int64_t rows, int64_t c, T *mean, T *var_sum) {
  for (int64_t f = 0; f < c; f++) mean[f] = var_sum[f] = 0;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t f = 0; f < c; f++) mean[f] = mean[f] + x[i * c + f];
  for (int64_t f = 0; f < c; f++) mean[f] = (T)((double)mean[f] / (double)rows);
  for (int64_t i = 0; i < rows; i++)
    for (int64_t f = 0; f < c; f++) {
      const T d = x[i * c + f] - mean[f];
      var_sum[f] = FMA(d, d, var_sum[f]);
    }
}

// batch_norm_cpu_update_stats_template: the saved invstd, and the running statistics moved
// towards the batch's (the variance unbiased), in PyTorch's mixed precision.
static void NAME(bn_update_stats)(const ct_batch_norm_args *a, const T *mean, T *var_sum_to_invstd) {
  const int64_t count = a->n * a->inner;
  const T momentum = (T)a->momentum, keep = (T)1 - momentum;
  T *rm = a->running_mean, *rv = a->running_var;
  for (int64_t f = 0; f < a->c; f++) {
    const T var_sum = var_sum_to_invstd[f];
    const double var = (double)(var_sum / (T)count);
    var_sum_to_invstd[f] = (var != 0 || a->eps != 0) ? (T)(1 / sqrt(var + a->eps)) : 0;
    if (rm) rm[f] = rm[f] * keep + mean[f] * momentum;
    if (rv) rv[f] = (T)((double)momentum * (double)(var_sum / (T)(count - 1)) + (double)(rv[f] * keep));
  }
}

// ---- forward ----

// y = x * alpha + beta per channel, alpha = invstd * weight, beta = bias - mean * alpha
// (batch_norm_cpu_collect_linear_and_constant_terms; the kernel fuses both).
static void NAME(bn_affine_terms)(const ct_batch_norm_args *a, const T *mean, const T *invstd, T *alpha, T *beta) {
  const T *w = a->weight, *b = a->bias;
  for (int64_t f = 0; f < a->c; f++) {
    alpha[f] = invstd[f] * (w ? w[f] : (T)1);
    beta[f] = FMA(-mean[f], alpha[f], b ? b[f] : (T)0);
  }
}

static void NAME(batch_norm)(const ct_batch_norm_args *a) {
  const T *x = a->x;
  T *y = a->y, *alpha = a->scratch, *beta = alpha + a->c;
  const int64_t n = a->n, c = a->c, inner = a->inner;
  const T *mean, *invstd;
  if (a->training) {
    if (inner == 1) NAME(bn_stats_rows)(x, n, c, a->mean, a->invstd);
    else NAME(bn_stats_planes)(x, n, c, inner, a->mean, a->invstd);
    NAME(bn_update_stats)(a, a->mean, a->invstd);
    mean = a->mean;
    invstd = a->invstd;
  } else { // invstd of the running variance, in T
    const T *rv = a->running_var;
    T *iv = a->invstd;
    for (int64_t f = 0; f < c; f++) iv[f] = (T)1 / SQRT(rv[f] + (T)a->eps);
    mean = a->running_mean;
    invstd = iv;
  }
  NAME(bn_affine_terms)(a, mean, invstd, alpha, beta);
  if (inner == 1) {
    for (int64_t i = 0; i < n; i++)
      for (int64_t f = 0; f < c; f++) y[i * c + f] = FMA(x[i * c + f], alpha[f], beta[f]);
    return;
  }
  for (int64_t i = 0; i < n; i++)
    for (int64_t f = 0; f < c; f++) {
      const T *xp = x + (i * c + f) * inner;
      T *yp = y + (i * c + f) * inner;
      const T al = alpha[f], be = beta[f];
      for (int64_t k = 0; k < inner; k++) yp[k] = FMA(xp[k], al, be);
    }
}

// ---- backward ----

// The eval-mode invstd of batch_norm_backward: 1 / sqrt(var + eps) in double.
static inline T NAME(bn_running_invstd)(T var, double eps) { return (T)(1 / sqrt((double)var + eps)); }

// batch_norm_cpu_backward_contiguous_impl: per channel the sums of dy and of
// (x - mean) * dy, each sample's plane reduced over vector lanes and added in double.
static void NAME(bn_backward_planes)(const ct_batch_norm_grad_args *a) {
  const T *x = a->x, *dy = a->dy, *w = a->weight, *mean_in = a->mean, *stat = a->var_or_invstd;
  T *dx = a->dx, *dw = a->dweight, *db = a->dbias;
  const int64_t n = a->n, c = a->c, inner = a->inner, count = n * inner;
  for (int64_t f = 0; f < c; f++) {
    const T wf = w ? w[f] : (T)1, mean = mean_in[f];
    const T invstd = a->training ? stat[f] : NAME(bn_running_invstd)(stat[f], a->eps);
    double sum = 0, dotp = 0;
    for (int64_t i = 0; i < n; i++) {
      const int64_t off = (i * c + f) * inner;
      sum += NAME(vec_sum)(dy + off, inner);
      dotp += NAME(vec_dot_shifted)(x + off, mean, dy + off, inner);
    }
    if (dx && a->training) {
      const T k = (T)dotp * invstd * invstd / (T)count, grad_mean = (T)(sum / (double)count);
      for (int64_t i = 0; i < n; i++) {
        const int64_t off = (i * c + f) * inner;
        for (int64_t j = 0; j < inner; j++)
          dx[off + j] = FMA(-(x[off + j] - mean), k, dy[off + j] - grad_mean) * invstd * wf;
      }
    } else if (dx) {
      for (int64_t i = 0; i < n; i++) {
        const int64_t off = (i * c + f) * inner;
        for (int64_t j = 0; j < inner; j++) dx[off + j] = dy[off + j] * invstd * wf;
      }
    }
    dw[f] = (T)(dotp * invstd);
    db[f] = (T)sum;
  }
}

// batch_norm_cpu_backward_channels_last_impl on one thread: the channel sums in T, row by
// row, then the gradients from them in T.
static void NAME(bn_backward_rows)(const ct_batch_norm_grad_args *a) {
  const T *x = a->x, *dy = a->dy, *w = a->weight, *mean = a->mean, *stat = a->var_or_invstd;
  T *dx = a->dx, *sum = a->dbias, *dotp = a->dweight;
  const int64_t rows = a->n, c = a->c;
  for (int64_t f = 0; f < c; f++) sum[f] = dotp[f] = 0;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t f = 0; f < c; f++) {
      const T d = dy[i * c + f];
      sum[f] = sum[f] + d;
      dotp[f] = FMA(x[i * c + f] - mean[f], d, dotp[f]);
    }
  for (int64_t i = 0; dx && i < rows; i++)
    for (int64_t f = 0; f < c; f++) {
      const T wf = w ? w[f] : (T)1, d = dy[i * c + f];
      if (a->training) {
        const T invstd = stat[f], k = dotp[f] * invstd * invstd / (T)rows, grad_mean = sum[f] / (T)rows;
        dx[i * c + f] = FMA(-(x[i * c + f] - mean[f]), k, d - grad_mean) * invstd * wf;
      } else {
        dx[i * c + f] = d * NAME(bn_running_invstd)(stat[f], a->eps) * wf;
      }
    }
  for (int64_t f = 0; f < c; f++) {
    const T invstd = a->training ? stat[f] : NAME(bn_running_invstd)(stat[f], a->eps);
    dotp[f] = dotp[f] * invstd; // the weight's gradient, in the dweight array already
  }
}

static void NAME(batch_norm_backward)(const ct_batch_norm_grad_args *a) {
  if (a->inner == 1) NAME(bn_backward_rows)(a);
  else NAME(bn_backward_planes)(a);
}

#undef NAME
#undef T
#undef SFX
#undef FMA
#undef SQRT
#undef SQUARES_ADD

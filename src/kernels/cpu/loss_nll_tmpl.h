// nll_loss forward and backward (kernels/loss.h) for one floating dtype, for loss_nll.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
#define NAME(x) CT_SUFFIXED(x, SFX)

// Writes the 'none' losses to out[N*M], or the reduced loss to out[0]; sets the total
// weight (the 'mean' denominator). Returns -1, or the index of an out-of-range target.
// The reduced sums follow PyTorch's nll_loss frames: a partial sum per level, folded
// upwards whenever the low bits of the element index are all zero.
static int64_t NAME(nll_forward)(const ct_nll_args *a, void *out_, double *total_weight) {
  const T *x = a->x, *w = a->w;
  T *out = out_;
  const int64_t count = a->n * a->m;
  const bool none = a->reduction == CT_LOSS_REDUCE_NONE, smooth = a->smoothing > 0;
  int64_t p = ceil_log2(count) / CASCADE_LEVELS;
  if (p < 4) p = 4;
  const int64_t mask = ((int64_t)1 << p) - 1;
  T loss_acc[CASCADE_LEVELS] = {0}, weight_acc[CASCADE_LEVELS] = {0}, smooth_acc = 0;
  int64_t ignored = 0;
  for (int64_t i = 0; i < count; i++) {
    const int64_t b = a->m == 1 ? i : i / a->m, pos = a->m == 1 ? 0 : i % a->m;
    const int64_t t = a->target[i];
    const T *row = x + b * a->c * a->m + pos; // row[k * m] = class k
    if (t == a->ignore) {
      ignored++;
      if (none) out[i] = 0;
      continue;
    }
    if (t < 0 || t >= a->c) return i;
    const T wt = w ? w[t] : 1;
    T smooth_i = 0;
    if (smooth) {
      for (int64_t k = 0; k < a->c; k++)
        smooth_i -= w ? row[k * a->m] * w[k] : row[k * a->m];
      smooth_acc += smooth_i;
    }
    if (none) {
      out[i] = -row[t * a->m] * wt;
      if (smooth) out[i] = (T)(1 - a->smoothing) * out[i] + smooth_i * (T)(a->smoothing / (double)a->c);
      continue;
    }
    if (w) {
      loss_acc[0] -= row[t * a->m] * wt;
      weight_acc[0] += wt;
    } else {
      loss_acc[0] -= row[t * a->m];
    }
    for (int j = 0; j + 1 < CASCADE_LEVELS; j++) {
      if (i & (mask << (j * p))) break;
      loss_acc[j + 1] += loss_acc[j];
      weight_acc[j + 1] += weight_acc[j];
      loss_acc[j] = 0;
      weight_acc[j] = 0;
    }
  }
  T loss = 0, total = 0;
  for (int j = 0; j < CASCADE_LEVELS; j++) {
    loss += loss_acc[j];
    total += weight_acc[j];
  }
  if (!w) total = (T)(count - ignored);
  *total_weight = total;
  if (none) return -1;
  if (count == 0 && a->reduction == CT_LOSS_REDUCE_MEAN) { // PyTorch fills a positive nan
    out[0] = NAN;
    return -1;
  }
  if (a->reduction == CT_LOSS_REDUCE_MEAN) {
    loss /= total;
    smooth_acc /= total;
  }
  if (smooth) loss = (T)(1 - a->smoothing) * loss + smooth_acc * (T)(a->smoothing / (double)a->c);
  out[0] = loss;
  return -1;
}

// grad_in (N*C*M) is zero except at counted targets, which receive -w[t] * g, plus the
// smoothing term -w[k] * g * ls/C on every class of counted positions.
static void NAME(nll_backward)(const ct_nll_args *a, const void *g_, double total_weight, void *gin_) {
  const T *w = a->w, *g = g_;
  T *gin = gin_;
  const int64_t count = a->n * a->m;
  memset(gin, 0, (size_t)(count * a->c) * sizeof(T));
  const bool none = a->reduction == CT_LOSS_REDUCE_NONE, smooth = a->smoothing > 0;
  T scaled = 0;
  if (!none) scaled = -(a->reduction == CT_LOSS_REDUCE_MEAN ? g[0] / (T)total_weight : g[0]);
  const T keep = (T)(1 - a->smoothing), spread = (T)(a->smoothing / (double)a->c);
  for (int64_t i = 0; i < count; i++) {
    const int64_t b = a->m == 1 ? i : i / a->m, pos = a->m == 1 ? 0 : i % a->m;
    const int64_t t = a->target[i];
    if (t == a->ignore) continue;
    T *row = gin + b * a->c * a->m + pos;
    const T gi = none ? -g[i] : scaled;
    if (!smooth) {
      row[t * a->m] = w ? w[t] * gi : gi;
      continue;
    }
    for (int64_t k = 0; k < a->c; k++)
      row[k * a->m] = (w ? w[k] * gi : gi) * spread;
    row[t * a->m] += (w ? w[t] * gi : gi) * keep;
  }
}

#undef NAME
#undef T
#undef SFX

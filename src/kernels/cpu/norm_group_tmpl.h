// group_norm forward and backward (kernels/norm.h) for one floating dtype, for
// norm_group.c: PyTorch 1.13's GroupNormKernelImplInternal and its backward
// (ComputeInternalGradients, GroupNormInputBackward, GammaBackward, BetaBackward) for
// contiguous input, everything in T. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     FMA  its fused multiply-add
//   SQRT  its square root
#define NAME(x) CT_SUFFIXED(x, SFX)
#define LANES ((int64_t)(32 / sizeof(T)))

// Each (sample, group) block of c / groups channels: Welford moments over the block,
// rstd = 1 / sqrt(max(var, 0) + eps), y = x * scale + shift per channel.
static void NAME(group_norm)(const ct_group_norm_args *a) {
  const T *x = a->x, *w = a->weight, *b = a->bias;
  T *y = a->y, *mean = a->mean, *rstd = a->rstd;
  const int64_t groups = a->groups, per_group = a->c / groups, inner = a->inner, block = per_group * inner;
  const T eps = (T)a->eps;
  for (int64_t i = 0; i < a->n * groups; i++) {
    const T *xb = x + i * block;
    T *yb = y + i * block;
    T m, var;
    NAME(rowwise_moments)(xb, block, &m, &var);
    const T r = (T)1 / SQRT((var < 0 ? (T)0 : var) + eps); // std::max(var, 0): NaN stays
    if (!w && !b) {
      for (int64_t k = 0; k < block; k++) yb[k] = (xb[k] - m) * r;
    } else {
      for (int64_t j = 0; j < per_group; j++) {
        const int64_t ch = (i % groups) * per_group + j;
        const T scale = r * (w ? w[ch] : (T)1), shift = -scale * m + (b ? b[ch] : (T)0);
        for (int64_t k = 0; k < inner; k++) yb[j * inner + k] = FMA(scale, xb[j * inner + k], shift);
      }
    }
    mean[i] = m;
    rstd[i] = r;
  }
}

// The sum of v[k] (u NULL) or of v[k] * u[k] over [0, count): lane-wise over whole
// vectors, the lanes then added in order from 0 (std::accumulate), the tail after them.
static inline T NAME(lane_block_sum)(const T *v, const T *u, int64_t count) {
  T acc[LANES] = {0};
  const int64_t whole = count / LANES * LANES;
  for (int64_t k = 0; k < whole; k += LANES)
    for (int64_t l = 0; l < LANES; l++) acc[l] = u ? FMA(v[k + l], u[k + l], acc[l]) : acc[l] + v[k + l];
  T total = 0;
  for (int64_t l = 0; l < LANES; l++) total = total + acc[l];
  for (int64_t k = whole; k < count; k++) total = u ? FMA(v[k], u[k], total) : total + v[k];
  return total;
}

static void NAME(group_norm_backward)(const ct_group_norm_grad_args *a) {
  const T *x = a->x, *dy = a->dy, *mean = a->mean, *rstd = a->rstd, *w = a->weight;
  T *dx = a->dx, *dw = a->dweight, *db_out = a->dbias;
  const int64_t n = a->n, c = a->c, inner = a->inner, groups = a->groups, per_group = c / groups;
  T *ds = a->scratch, *db = ds + n * c; // per (sample, channel): sum(dy * x), sum(dy)
  for (int64_t i = 0; i < n * c; i++) {
    ds[i] = NAME(lane_block_sum)(dy + i * inner, x + i * inner, inner);
    db[i] = NAME(lane_block_sum)(dy + i * inner, NULL, inner);
  }
  const T s = (T)1 / (T)(per_group * inner);
  for (int64_t i = 0; dx && i < n * groups; i++) {
    const int64_t g = i % groups;
    const T *dsg = ds + i * per_group, *dbg = db + i * per_group, *wg = w ? w + g * per_group : NULL;
    T ds_sum, db_sum;
    if (wg) {
      ds_sum = NAME(lane_block_sum)(dsg, wg, per_group);
      db_sum = NAME(lane_block_sum)(dbg, wg, per_group);
    } else {
      ds_sum = NAME(lane_block_sum)(dsg, NULL, per_group);
      db_sum = NAME(lane_block_sum)(dbg, NULL, per_group);
    }
    const T r = rstd[i], m = mean[i];
    const T c2 = FMA(db_sum, m, -ds_sum) * r * r * r * s;
    const T c3 = FMA(-c2, m, -(db_sum * r * s));
    for (int64_t j = 0; j < per_group; j++) {
      const T c1 = r * (wg ? wg[j] : (T)1);
      const int64_t off = (i * per_group + j) * inner;
      for (int64_t k = 0; k < inner; k++) dx[off + k] = FMA(c1, dy[off + k], c2 * x[off + k]) + c3;
    }
  }
  if (dw) {
    for (int64_t ch = 0; ch < c; ch++) dw[ch] = 0;
    for (int64_t i = 0; i < n * groups; i++)
      for (int64_t j = 0; j < per_group; j++) {
        const int64_t ch = (i % groups) * per_group + j, k = i * per_group + j;
        dw[ch] = FMA(FMA(-db[k], mean[i], ds[k]), rstd[i], dw[ch]);
      }
  }
  if (db_out) {
    for (int64_t ch = 0; ch < c; ch++) db_out[ch] = 0;
    for (int64_t i = 0; i < n; i++)
      for (int64_t ch = 0; ch < c; ch++) db_out[ch] = db_out[ch] + db[i * c + ch];
  }
}

#undef LANES
#undef NAME
#undef T
#undef SFX
#undef FMA
#undef SQRT

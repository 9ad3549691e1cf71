// layer_norm forward and backward (kernels/norm.h) for one floating dtype, for
// norm_layer.c: PyTorch 1.13's LayerNormKernelImplInternal and its backward on one
// thread, everything in T. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     FMA  its fused multiply-add
//   SQRT  its square root
#define NAME(x) CT_SUFFIXED(x, SFX)

// Each row: Welford moments, rstd = 1 / sqrt(var + eps), then
// y = (x * rstd - rstd * mean) * weight + bias.
static void NAME(layer_norm)(const ct_layer_norm_args *a) {
  const T *x = a->x, *w = a->weight, *b = a->bias;
  T *y = a->y, *mean = a->mean, *rstd = a->rstd;
  const int64_t cols = a->cols;
  const T eps = (T)a->eps;
  for (int64_t i = 0; i < a->rows; i++) {
    const T *xr = x + i * cols;
    T *yr = y + i * cols;
    T m, var;
    NAME(rowwise_moments)(xr, cols, &m, &var);
    const T r = (T)1 / SQRT(var + eps), shift = -r * m;
    for (int64_t j = 0; j < cols; j++) yr[j] = FMA(FMA(xr[j], r, shift), w ? w[j] : (T)1, b ? b[j] : (T)0);
    mean[i] = m;
    rstd[i] = r;
  }
}

// dweight / dbias accumulate row by row in T; dx per row from the row's sums
// ds = sum(dy * x * w) and db = sum(dy * w) (vector-lane reductions).
static void NAME(layer_norm_backward)(const ct_layer_norm_grad_args *a) {
  const T *x = a->x, *dy = a->dy, *mean = a->mean, *rstd = a->rstd, *w = a->weight;
  T *dx = a->dx, *dw = a->dweight, *db = a->dbias;
  const int64_t cols = a->cols;
  const T scale = (T)1 / (T)cols;
  for (int64_t j = 0; dw && j < cols; j++) dw[j] = 0;
  for (int64_t j = 0; db && j < cols; j++) db[j] = 0;
  for (int64_t i = 0; i < a->rows; i++) {
    const T *xr = x + i * cols, *dyr = dy + i * cols;
    const T r = rstd[i], m = mean[i];
    if (dw) {
      const T shift = -r * m;
      for (int64_t j = 0; j < cols; j++) dw[j] = FMA(dyr[j], FMA(r, xr[j], shift), dw[j]);
    }
    for (int64_t j = 0; db && j < cols; j++) db[j] = db[j] + dyr[j];
    if (!dx) continue;
    T *dxr = dx + i * cols;
    const T ds = w ? NAME(vec_dot3)(dyr, xr, w, cols) : NAME(vec_dot_shifted)(dyr, 0, xr, cols);
    const T dbs = w ? NAME(vec_dot_shifted)(dyr, 0, w, cols) : NAME(vec_sum)(dyr, cols);
    const T c2 = FMA(dbs, m, -ds) * r * r * r * scale;
    const T c3 = FMA(-c2, m, -(dbs * r * scale));
    for (int64_t j = 0; j < cols; j++) dxr[j] = FMA(c2, xr[j], w ? r * dyr[j] * w[j] : r * dyr[j]) + c3;
  }
}

#undef NAME
#undef T
#undef SFX
#undef FMA
#undef SQRT

// softmax / log_softmax and their gradients for one floating dtype, for reduce_softmax.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)     W  lanes of PyTorch's vectors
// The includer defines softmax_row_max_<SFX> (the max a softmax row subtracts),
// exp1_<SFX>, log1_<SFX> (one element with the vector functions' bits), libm_exp_<SFX>,
// fma_<SFX>, and with HAVE_VEXP the vector helpers VEXP_<SFX>, VLOADM_<SFX>,
// VSET1_<SFX>, VSTORE_<SFX>.
#define NAME(x) CT_SUFFIXED(x, SFX)

// Sum of the row in W lanes (PyTorch's vec reduce_all): the tail goes into the first
// lanes, then float lanes are combined pairwise (its AVX2 shuffle reduction) and double
// lanes left to right; rows shorter than W add left to right. With `dot` the row is
// a[i] * b[i], added into the lanes with a fused multiply-add (as PyTorch's compiled
// kernel does) and rounded as a product in the short case.
static inline __attribute__((always_inline)) T NAME(lane_sum)(const T *a, const T *b, int64_t n, bool dot) {
  if (n < W) {
    T acc = n > 0 ? (dot ? a[0] * b[0] : a[0]) : (T)0;
    for (int64_t i = 1; i < n; i++)
      acc = acc + (dot ? a[i] * b[i] : a[i]);
    return acc;
  }
  T lane[W];
  for (int l = 0; l < W; l++)
    lane[l] = dot ? a[l] * b[l] : a[l];
  int64_t i = W;
  for (; i + W <= n; i += W)
    for (int l = 0; l < W; l++)
      lane[l] = dot ? NAME(fma)(a[i + l], b[i + l], lane[l]) : lane[l] + a[i + l];
  for (int l = 0; i + l < n; l++)
    lane[l] = dot ? NAME(fma)(a[i + l], b[i + l], lane[l]) : lane[l] + a[i + l];
  if (W == 8)
    for (int half = W / 2; half >= 1; half /= 2)
      for (int l = 0; l < half; l++)
        lane[l] = lane[l] + lane[l + half];
  else
    for (int l = 1; l < W; l++)
      lane[0] = lane[0] + lane[l];
  return lane[0];
}

static inline T NAME(row_sum)(const T *a, int64_t n) { return NAME(lane_sum)(a, NULL, n, false); }
static inline T NAME(row_dot)(const T *a, const T *b, int64_t n) { return NAME(lane_sum)(a, b, n, true); }

// y[i] = exp(x[i] - m) for a row: every element through the vector function.
static inline void NAME(exp_row)(const T *x, T m, T *y, int64_t n) {
  int64_t i = 0;
#if HAVE_VEXP
  for (; i + W <= n; i += W)
    NAME(VSTORE)(y + i, NAME(VEXP)(x + i, NAME(VSET1)(m)));
#endif
  for (; i < n; i++)
    y[i] = NAME(exp1)(x[i] - m);
}

// y[k] = exp(x[k] - m[k]) across columns: vectors, then libm on the tail.
static inline void NAME(exp_cols)(const T *x, const T *m, T *y, int64_t n) {
  int64_t k = 0;
#if HAVE_VEXP
  for (; k + W <= n; k += W)
    NAME(VSTORE)(y + k, NAME(VEXP)(x + k, NAME(VLOADM)(m + k)));
#endif
  for (; k < n; k++)
    y[k] = NAME(libm_exp)(x[k] - m[k]);
}

static void NAME(softmax_any)(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner,
                              bool is_log) {
  T *y = (T *)(void *)out;
  const T *x = (const T *)(const void *)in;
  if (dim == 0) return;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; o++, x += dim, y += dim) {
      T m = is_log ? CT_SUFFIXED(ct__max_run, SFX)(x, dim, x[0]) : NAME(softmax_row_max)(x, dim);
      NAME(exp_row)(x, m, y, dim); // log_softmax: y is scratch until the last loop
      T s = NAME(row_sum)(y, dim);
      if (is_log) {
        T ls = NAME(log1)(s);
        for (int64_t i = 0; i < dim; i++)
          y[i] = (x[i] - m) - ls;
      } else {
        T r = (T)1 / s;
        for (int64_t i = 0; i < dim; i++)
          y[i] = y[i] * r;
      }
    }
    return;
  }
  T mx[COLS], sum[COLS], e[COLS];
  for (int64_t o = 0; o < outer; o++, x += dim * inner, y += dim * inner)
    for (int64_t k0 = 0; k0 < inner; k0 += COLS) {
      int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;
      for (int64_t k = 0; k < cols; k++)
        mx[k] = x[k0 + k], sum[k] = 0;
      for (int64_t d = 1; d < dim; d++) {
        const T *xr = x + d * inner + k0;
        for (int64_t k = 0; k < cols; k++)
          mx[k] = (xr[k] > mx[k] || isnan(xr[k])) ? xr[k] : mx[k];
      }
      for (int64_t d = 0; d < dim; d++) {
        T *er = is_log ? e : y + d * inner + k0; // softmax keeps exp in y
        NAME(exp_cols)(x + d * inner + k0, mx, er, cols);
        for (int64_t k = 0; k < cols; k++)
          sum[k] += er[k];
      }
      for (int64_t d = 0; d < dim; d++) {
        const T *xr = x + d * inner + k0;
        T *yr = y + d * inner + k0;
        if (is_log) {
          if (d == 0)
            for (int64_t k = 0; k < cols; k++)
              sum[k] = NAME(log1)(sum[k]);
          for (int64_t k = 0; k < cols; k++)
            yr[k] = (xr[k] - mx[k]) - sum[k];
        } else {
          for (int64_t k = 0; k < cols; k++)
            yr[k] = yr[k] / sum[k];
        }
      }
    }
}

// softmax: gin = (g - sum(g*y)) * y; log_softmax: gin = g - exp(y) * sum(g).
static void NAME(softmax_any_backward)(char *gin, const char *gp, const char *yp, int64_t outer, int64_t dim,
                                       int64_t inner, bool is_log) {
  T *r = (T *)(void *)gin;
  const T *g = (const T *)(const void *)gp, *y = (const T *)(const void *)yp;
  if (dim == 0) return;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; o++, r += dim, g += dim, y += dim) {
      if (is_log) {
        T s = NAME(row_sum)(g, dim);
        NAME(exp_row)(y, 0, r, dim);
        for (int64_t i = 0; i < dim; i++)
          r[i] = NAME(fma)(-r[i], s, g[i]);
      } else {
        T s = NAME(row_dot)(g, y, dim);
        for (int64_t i = 0; i < dim; i++)
          r[i] = (g[i] - s) * y[i];
      }
    }
    return;
  }
  T sum[COLS], zero[COLS] = {0};
  for (int64_t o = 0; o < outer; o++, r += dim * inner, g += dim * inner, y += dim * inner)
    for (int64_t k0 = 0; k0 < inner; k0 += COLS) {
      int64_t cols = inner - k0 < COLS ? inner - k0 : COLS;
      for (int64_t k = 0; k < cols; k++)
        sum[k] = 0;
      for (int64_t d = 0; d < dim; d++) {
        const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;
        if (is_log)
          for (int64_t k = 0; k < cols; k++)
            sum[k] += gr[k];
        else
          for (int64_t k = 0; k < cols; k++)
            sum[k] = NAME(fma)(gr[k], yr[k], sum[k]);
      }
      for (int64_t d = 0; d < dim; d++) {
        const T *gr = g + d * inner + k0, *yr = y + d * inner + k0;
        T *rr = r + d * inner + k0;
        if (is_log) {
          NAME(exp_cols)(yr, zero, rr, cols);
          for (int64_t k = 0; k < cols; k++)
            rr[k] = NAME(fma)(-rr[k], sum[k], gr[k]);
        } else {
          for (int64_t k = 0; k < cols; k++)
            rr[k] = yr[k] * (gr[k] - sum[k]);
        }
      }
    }
}

static void NAME(softmax)(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner) {
  NAME(softmax_any)(out, in, outer, dim, inner, false);
}
static void NAME(log_softmax)(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner) {
  NAME(softmax_any)(out, in, outer, dim, inner, true);
}
static void NAME(softmax_backward)(char *gin, const char *g, const char *y, int64_t outer, int64_t dim,
                                   int64_t inner) {
  NAME(softmax_any_backward)(gin, g, y, outer, dim, inner, false);
}
static void NAME(log_softmax_backward)(char *gin, const char *g, const char *y, int64_t outer, int64_t dim,
                                       int64_t inner) {
  NAME(softmax_any_backward)(gin, g, y, outer, dim, inner, true);
}

#undef NAME
#undef T
#undef SFX
#undef W

// Sum, product and division loops of one dtype, for reduce_sum.c. Included once per dtype
// with:
//   T    the element type            SFX  its suffix (b, i32, i64, f32, f64)
//   VT, W  floating types only: the vector type (v8f, v4d) of W lanes whose cascade
//        (reduce_cascade_tmpl.h) sums contiguous runs
// Defines sum_<SFX>, prod_<SFX> and, for floating types, div_scalar_<SFX>.
#define NAME(x) CT_SUFFIXED(x, SFX)

#ifdef VT
#define VNAME(x) CT_SUFFIXED(x, VT)

// One run (the contiguous "inner" path or the scalar row sum).
static inline T NAME(run_sum)(const char *p, int64_t n, int64_t stride) {
  if (stride != (int64_t)sizeof(T) || n < W) return NAME(row_sum)(p, stride, n);
  int64_t nv = n / W;
  VT vacc = nv / 4 >= PARALLEL_MIN_ROWS && ct__parallel_may_fork()
                ? VNAME(row_sum_par)(p, W * (int64_t)sizeof(T), nv)
                : VNAME(row_sum)(p, W * (int64_t)sizeof(T), nv);
  T acc = 0;
  for (int64_t k = nv * W; k < n; k++)
    acc += NAME(ld)(p + k * (int64_t)sizeof(T));
  for (int l = 0; l < W; l++)
    acc += vacc[l];
  return acc;
}

static inline void NAME(store)(char *o, T v) {
  T r = (T)0 + v; // PyTorch accumulates into a zero-filled output
  memcpy(o, &r, sizeof r);
}

// PyTorch picks, per 2-D block of (reduced run, outputs): "inner" (run contiguous and
// >= W long: vector cascade per output), "outer" (outputs contiguous and >= W of them:
// lanes are outputs, 4W at a time through the cascade, the rest by row sums), otherwise
// scalar inner (a row sum per output) or scalar outer (4 outputs at a time).
static void NAME(sum)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  const int64_t es = (int64_t)sizeof(T), rs = c->stride, len = c->len;
  const int64_t os = strides[0], ks = strides[1];
  char *out = data[0];
  const char *in = data[1];
  if (c->nouter > 0) { // several reduced runs: out += each run's cascade, in order
    int64_t runs = ct__red_runs(c);
    for (int64_t j = 0; j < n; j++) {
      T acc = 0;
      for (int64_t k = 0; k < runs; k++)
        acc += NAME(run_sum)(ct__red_run_ptr(c, in + j * ks, k), len, rs);
      NAME(store)(out + j * os, acc);
    }
    return;
  }
  int64_t j = 0;
  if (n > 1 && !(rs == es && len >= W)) {
    if (ks == es && n >= W) { // outer, vectorised: lanes are outputs
      for (; j + 4 * W <= n; j += 4 * W) {
        VT s[4];
        VNAME(multi)(in + j * es, rs, W * es, len, s);
        for (int k = 0; k < 4; k++)
          for (int l = 0; l < W; l++)
            NAME(store)(out + (j + k * W + l) * os, s[k][l]);
      }
      for (; j + W <= n; j += W) {
        VT s = VNAME(row_sum)(in + j * es, rs, len);
        for (int l = 0; l < W; l++)
          NAME(store)(out + (j + l) * os, s[l]);
      }
    } else if (!(rs < ks)) { // outer, scalar: 4 outputs at a time
      for (; j + 4 <= n; j += 4) {
        T s[4];
        NAME(multi)(in + j * ks, rs, ks, len, s);
        for (int k = 0; k < 4; k++)
          NAME(store)(out + (j + k) * os, s[k]);
      }
    }
  }
  for (; j < n; j++)
    NAME(store)(out + j * os, NAME(run_sum)(in + j * ks, len, rs));
}

// ops {out, a}: out = a / (T)param (mean, and the mean's gradient).
static void NAME(div_scalar)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const T s = (T)((const ct_reduce_ctx *)vctx)->param;
  if (strides[0] == (int64_t)sizeof(T) && strides[1] == (int64_t)sizeof(T)) {
    T *restrict o = (T *)(void *)data[0];
    const T *restrict a = (const T *)(const void *)data[1];
    for (int64_t i = 0; i < n; i++)
      o[i] = a[i] / s;
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    T a;
    memcpy(&a, data[1] + i * strides[1], sizeof a);
    a = a / s;
    memcpy(data[0] + i * strides[0], &a, sizeof a);
  }
}

#define PROD_ACC T
#define PROD_OUT T
#undef VNAME
#else // bool and integers

// Into int64, wrapping like PyTorch; order does not matter.
static void NAME(sum)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    uint64_t acc = 0;
    for (int64_t k = 0; k < runs; k++) {
      const char *p = ct__red_run_ptr(c, data[1] + j * strides[1], k);
      if (c->stride == (int64_t)sizeof(T)) {
        const T *x = (const T *)(const void *)p;
        for (int64_t i = 0; i < c->len; i++)
          acc += (uint64_t)(int64_t)x[i];
      } else {
        for (int64_t i = 0; i < c->len; i++) {
          T v;
          memcpy(&v, p + i * c->stride, sizeof v);
          acc += (uint64_t)(int64_t)v;
        }
      }
    }
    int64_t r = (int64_t)acc;
    memcpy(data[0] + j * strides[0], &r, sizeof r);
  }
}

#define PROD_ACC uint64_t
#define PROD_OUT int64_t
#endif

// Left to right (PyTorch's vectorised order is not reproduced: float products match it
// to rounding). Integer products wrap in uint64 and give int64, like PyTorch's.
static void NAME(prod)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    PROD_ACC acc = 1;
    CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, v, acc = (PROD_ACC)(acc * (PROD_ACC)v));
    PROD_OUT r = (PROD_OUT)acc;
    memcpy(data[0] + j * strides[0], &r, sizeof r);
  }
}

#undef PROD_ACC
#undef PROD_OUT
#undef NAME
#undef T
#undef SFX
#undef VT
#undef W

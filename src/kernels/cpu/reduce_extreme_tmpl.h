// nan-propagating max / min of acc and a contiguous run, for reduce_impl.h. Included
// once per floating dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
//   VT, VI, W  the vector of W lanes of T, and of same-width integers (lane masks)
// Defines ct__max_run_<SFX> and ct__min_run_<SFX>(x, n, acc).
//
// Eight vector accumulators (independent dependency chains), a lane that saw a nan keeps
// it; then the lanes and the tail. Max and min are exact, so the order only matters for
// which of -0 / +0 is returned.
#define NAME(x) CT_SUFFIXED(x, SFX)

// a = v where v beats a (or is nan), lane by lane, as bit selects.
static inline __attribute__((always_inline)) VT NAME(ct__vextreme)(VT a, VT v, bool is_max) {
  VI take = (is_max ? v > a : v < a) | (v != v);
  return (VT)(((VI)v & take) | ((VI)a & ~take));
}

static inline __attribute__((always_inline)) T NAME(ct__extreme_run)(const T *x, int64_t n, T acc,
                                                                     bool is_max) {
  int64_t i = 0;
  if (n >= 8 * W) {
    VT a[8], v;
    memcpy(a, x, sizeof a);
    for (i = 8 * W; i + 8 * W <= n; i += 8 * W)
      for (int k = 0; k < 8; k++) {
        memcpy(&v, x + i + k * W, sizeof v);
        a[k] = NAME(ct__vextreme)(a[k], v, is_max);
      }
    for (int k = 1; k < 8; k++)
      a[0] = NAME(ct__vextreme)(a[0], a[k], is_max);
    for (int l = 0; l < W; l++)
      acc = ((is_max ? a[0][l] > acc : a[0][l] < acc) || a[0][l] != a[0][l]) ? a[0][l] : acc;
  }
  for (; i < n; i++)
    acc = ((is_max ? x[i] > acc : x[i] < acc) || x[i] != x[i]) ? x[i] : acc;
  return acc;
}

static inline T NAME(ct__max_run)(const T *x, int64_t n, T acc) {
  return NAME(ct__extreme_run)(x, n, acc, true);
}
static inline T NAME(ct__min_run)(const T *x, int64_t n, T acc) {
  return NAME(ct__extreme_run)(x, n, acc, false);
}

#undef NAME
#undef T
#undef SFX
#undef VT
#undef VI
#undef W

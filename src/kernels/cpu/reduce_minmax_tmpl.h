// max/min, argmax/argmin and (floating dtypes) the gradient loops of one dtype, for
// reduce_minmax.c. Included once per dtype with:
//   T  the element type     SFX  its suffix (b, i32, i64, f32, f64)
//   FLOATING  defined for float32/float64 (nan rules, vector runs, gradient loops)
#define NAME(x) CT_SUFFIXED(x, SFX)
#ifdef FLOATING
#define IS_NAN(v) isnan(v)
#else
#define IS_NAN(v) false
#endif
#define INLINE static inline __attribute__((always_inline))

// "v beats best" for a nan-propagating max (is_max) or min: a nan always wins (and then
// stays).
INLINE bool NAME(beats)(T v, T best, bool is_max) { return (is_max ? v > best : v < best) || IS_NAN(v); }

// Contiguous runs: the vector helpers of reduce_impl.h for floats, plain loops (which the
// compiler vectorises) for the others.
INLINE T NAME(contiguous_run)(const T *x, int64_t n, T acc, bool is_max) {
#ifdef FLOATING
  return is_max ? CT_SUFFIXED(ct__max_run, SFX)(x, n, acc) : CT_SUFFIXED(ct__min_run, SFX)(x, n, acc);
#else
  if (is_max)
    for (int64_t i = 0; i < n; i++)
      acc = x[i] > acc ? x[i] : acc;
  else
    for (int64_t i = 0; i < n; i++)
      acc = x[i] < acc ? x[i] : acc;
  return acc;
#endif
}

// Values only: acc against every element of a run (an accumulator that became nan stays
// nan: max's nan rule).
INLINE T NAME(extreme_run)(const char *p, int64_t len, int64_t stride, T acc, bool is_max) {
  if (stride == (int64_t)sizeof(T)) return NAME(contiguous_run)((const T *)(const void *)p, len, acc, is_max);
  for (int64_t i = 0; i < len; i++) {
    T v;
    memcpy(&v, p + i * stride, sizeof v);
    acc = NAME(beats)(v, acc, is_max) ? v : acc;
  }
  return acc;
}

INLINE void NAME(extreme)(char **data, const int64_t *strides, int64_t n, void *vctx, bool is_max) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    const char *base = data[1] + j * strides[1];
    T acc;
    memcpy(&acc, base, sizeof acc); // the op layer never reduces empty runs here
    for (int64_t k = 0; k < runs; k++)
      acc = NAME(extreme_run)(ct__red_run_ptr(c, base, k), c->len, c->stride, acc, is_max);
    memcpy(data[0] + j * strides[0], &acc, sizeof acc);
  }
}

static void NAME(max)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(extreme)(data, strides, n, vctx, true);
}
static void NAME(min)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(extreme)(data, strides, n, vctx, false);
}

// ops {indices, values, input}, one run per output: PyTorch's max(dim) loop, which keeps
// the first extreme and stops at the first nan.
INLINE void NAME(arg_extreme)(char **data, const int64_t *strides, int64_t n, void *vctx, bool is_max) {
  const ct_reduce_ctx *c = vctx;
  for (int64_t j = 0; j < n; j++) {
    const char *p = data[2] + j * strides[2];
    T best;
    memcpy(&best, p, sizeof best);
    int64_t index = 0;
    for (int64_t i = 0; i < c->len; i++) {
      T v;
      memcpy(&v, p + i * c->stride, sizeof v);
      if (!(is_max ? v <= best : v >= best)) {
        best = v;
        index = i;
        if (IS_NAN(v)) break;
      }
    }
    memcpy(data[0] + j * strides[0], &index, sizeof index);
    memcpy(data[1] + j * strides[1], &best, sizeof best);
  }
}

static void NAME(argmax)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(arg_extreme)(data, strides, n, vctx, true);
}
static void NAME(argmin)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  NAME(arg_extreme)(data, strides, n, vctx, false);
}

#ifdef FLOATING
// Whether x counts as "the" extreme value v for the gradient (CT_RED_SEL_* flags).
INLINE bool NAME(sel_match)(T x, T v, int flags) {
  return flags & CT_RED_SEL_ABS      ? (fabs(x) == v || isnan(x))
         : flags & CT_RED_SEL_NANVAL ? (isnan(v) ? isnan(x) : x == v)
                                     : x == v;
}

// ops {q, input, value, grad}: q = grad / number of matches (PyTorch divides the gradient
// by mask.sum(), an int64 converted to the float type).
static void NAME(select_count)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  int64_t runs = ct__red_runs(c);
  for (int64_t j = 0; j < n; j++) {
    T v, g;
    memcpy(&v, data[2] + j * strides[2], sizeof v);
    memcpy(&g, data[3] + j * strides[3], sizeof g);
    int64_t count = 0;
    CT__RED_FOR_EACH(c, runs, data[1] + j * strides[1], T, x,
                     count += NAME(sel_match)(x, v, c->flags) ? 1 : 0);
    T q = g / (T)count;
    memcpy(data[0] + j * strides[0], &q, sizeof q);
  }
}

// ops {out, input, value, q} over the input's shape: q where x matches, else 0; in the
// multiply form (amax, norm) it is q * mask, so a nan/inf q spreads like PyTorch's.
static void NAME(select_grad)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const int flags = ((const ct_reduce_ctx *)vctx)->flags;
  for (int64_t i = 0; i < n; i++) {
    T x, v, q, r;
    memcpy(&x, data[1] + i * strides[1], sizeof x);
    memcpy(&v, data[2] + i * strides[2], sizeof v);
    memcpy(&q, data[3] + i * strides[3], sizeof q);
    bool match = NAME(sel_match)(x, v, flags);
    if (flags & CT_RED_SEL_FILL)
      r = match ? q : (T)0;
    else
      r = q * (T)match;
    if (flags & CT_RED_SEL_ABS) r = (T)((x > 0) - (x < 0)) * r;
    memcpy(data[0] + i * strides[0], &r, sizeof r);
  }
}

// ops {grad_in kept view, grad, indices}: grad_in[index * stride2] = grad.
static void NAME(scatter_index)(char **data, const int64_t *strides, int64_t n, void *vctx) {
  const ct_reduce_ctx *c = vctx;
  for (int64_t j = 0; j < n; j++) {
    int64_t index;
    memcpy(&index, data[2] + j * strides[2], sizeof index);
    memcpy(data[0] + j * strides[0] + index * c->stride2, data[1] + j * strides[1], sizeof(T));
  }
}
#undef FLOATING
#endif

#undef INLINE
#undef IS_NAN
#undef NAME
#undef T
#undef SFX

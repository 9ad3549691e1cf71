// cumsum, cumprod and logcumsumexp (kernels/sort.h) for one dtype, for scan.c: PyTorch
// 1.13's cpu_cum_base_kernel loops, one row at a time in an accumulator of type ACC
// (double for float32, as at::acc_type on the CPU; unsigned 64-bit for integers, which
// wraps as PyTorch's two's-complement int64 does), each output the accumulator converted
// back. Included once per dtype with:
//   T  the element type   ACC  the accumulator type   SFX  its suffix
//   SCAN_FLOAT  defined for floating types (logcumsumexp)
#define NAME(x) CT_SUFFIXED(x, SFX)

enum { NAME(scan_sum), NAME(scan_prod), NAME(scan_logsumexp) };

#ifdef SCAN_FLOAT
// PyTorch's log_add_exp(x, cum): the larger plus log1p(exp(smaller - larger)); equal
// infinities (or -inf with -inf) give x; a NaN cum propagates.
static inline ACC NAME(log_add_exp)(ACC x, ACC y) {
  const ACC lo = isnan(y) ? y : (y < x ? y : x), hi = isnan(y) ? y : (x < y ? y : x);
  if (lo != hi || isfinite(lo)) return log1p(exp(lo - hi)) + hi;
  return x;
}
#endif

static inline __attribute__((always_inline)) void NAME(scan)(void *out, const void *in, ct_rows_shape s,
                                                              bool reverse, int kind) {
  const int64_t rows = s.outer * s.inner, n = s.n, inner = s.inner;
  const bool parallel = rows > 1 && rows * n >= 2 * CT_PARALLEL_GRAIN && ct__parallel_may_fork();
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t first = (r / inner) * n * inner + r % inner;
    const int64_t step = reverse ? -inner : inner, start = first + (reverse ? (n - 1) * inner : 0);
    const T *x = (const T *)in + start;
    T *y = (T *)out + start;
#ifdef SCAN_FLOAT
    ACC acc = kind == NAME(scan_prod) ? 1 : kind == NAME(scan_sum) ? 0 : -(ACC)INFINITY;
#else
    ACC acc = kind == NAME(scan_prod) ? 1 : 0;
#endif
    for (int64_t j = 0; j < n; j++, x += step, y += step) {
      if (kind == NAME(scan_sum)) acc += (ACC)*x;
      else if (kind == NAME(scan_prod)) acc *= (ACC)*x;
#ifdef SCAN_FLOAT
      else acc = NAME(log_add_exp)((ACC)*x, acc);
#endif
      *y = (T)acc;
    }
  }
}

static void NAME(cumsum)(void *out, const void *in, ct_rows_shape s, bool reverse) {
  NAME(scan)(out, in, s, reverse, NAME(scan_sum));
}
static void NAME(cumprod)(void *out, const void *in, ct_rows_shape s, bool reverse) {
  NAME(scan)(out, in, s, reverse, NAME(scan_prod));
}
#ifdef SCAN_FLOAT
static void NAME(logcumsumexp)(void *out, const void *in, ct_rows_shape s, bool reverse) {
  NAME(scan)(out, in, s, reverse, NAME(scan_logsumexp));
}
#endif

#undef NAME
#undef T
#undef ACC
#undef SFX
#undef SCAN_FLOAT

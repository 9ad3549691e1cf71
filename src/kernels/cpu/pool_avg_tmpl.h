// Average and adaptive average pooling (kernels/pool.h) for one dtype, for pool_avg.c.
// Included once per dtype with:
//   T  the element type     SFX  its suffix (i64, f32, f64)
//   WITH_GRAD  1 to define the backward loops (floating dtypes), 0 otherwise
//   WITH_ADAPTIVE  1 to define the adaptive loops (floating dtypes), 0 otherwise
// Sums start at 0 and add the window row by row, as PyTorch's kernels do; an int64
// average is C's truncating division, as PyTorch's.
#define NAME(x) CT_SUFFIXED(x, SFX)
// PyTorch's Vectorized<T>::size() in its AVX2 kernels: the channels-last kernels handle
// channels in blocks of this many and the remainder one by one.
#define VEC_LANES ((int64_t)(32 / sizeof(T)))

// The window of output (oh, ow) clipped to the input, and its divisor (PyTorch's
// cpu_avg_pool: the window clipped to the padded input counts when count_include_pad).
typedef struct NAME(avg_window) {
  int64_t ih0, ih1, iw0, iw1, divisor;
} NAME(avg_window);

static inline NAME(avg_window) NAME(avg_window_at)(int64_t oh, int64_t ow, int64_t h, int64_t wd,
                                                   const ct_pool_window *w, bool count_include_pad) {
  int64_t ih0 = oh * w->stride[0] - w->padding[0], iw0 = ow * w->stride[1] - w->padding[1];
  int64_t ih1 = pool_min(ih0 + w->kernel[0], h + w->padding[0]);
  int64_t iw1 = pool_min(iw0 + w->kernel[1], wd + w->padding[1]);
  const int64_t padded_size = (ih1 - ih0) * (iw1 - iw0);
  ih0 = pool_max(ih0, 0), iw0 = pool_max(iw0, 0);
  ih1 = pool_min(ih1, h), iw1 = pool_min(iw1, wd);
  const int64_t divisor = count_include_pad ? padded_size : (ih1 - ih0) * (iw1 - iw0);
  return (NAME(avg_window)){ih0, ih1, iw0, iw1, divisor};
}

// One plane. PyTorch's contiguous kernel writes 0 + average (a -0.0 average becomes
// +0.0); its channels-last kernel writes the average itself.
static void NAME(avg_plane)(const T *restrict x, pool_geom gx, T *restrict y, pool_geom gy,
                            const ct_pool_window *w, bool count_include_pad, bool channels_last) {
  for (int64_t oh = 0; oh < gy.h; oh++)
    for (int64_t ow = 0; ow < gy.w; ow++) {
      const NAME(avg_window) b = NAME(avg_window_at)(oh, ow, gx.h, gx.w, w, count_include_pad);
      T *dst = y + oh * gy.sh + ow * gy.sw;
      if (b.ih0 >= b.ih1 || b.iw0 >= b.iw1) {
        *dst = 0;
        continue;
      }
      T sum = 0;
      for (int64_t ih = b.ih0; ih < b.ih1; ih++)
        for (int64_t iw = b.iw0; iw < b.iw1; iw++)
          sum += x[ih * gx.sh + iw * gx.sw];
      const T average = sum / (T)b.divisor;
      *dst = channels_last ? average : (T)0 + average;
    }
}

static void NAME(avg_pool)(const ct_operand *in, const ct_operand *out, const ct_pool_window *w,
                           bool count_include_pad, bool channels_last) {
  const pool_geom gx = pool_geom_of(in), gy = pool_geom_of(out);
  const int64_t planes = gx.n * gx.c;
  const double work = (double)planes * gy.h * gy.w * w->kernel[0] * w->kernel[1];
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++)
    NAME(avg_plane)
  ((const T *)pool_plane(in, gx.c, p), gx, (T *)pool_plane(out, gx.c, p), gy, w, count_include_pad,
   channels_last);
}

#if WITH_GRAD
// Zeroes one plane of a strided operand.
static void NAME(zero_plane)(T *x, pool_geom g) {
  for (int64_t ih = 0; ih < g.h; ih++)
    for (int64_t iw = 0; iw < g.w; iw++)
      x[ih * g.sh + iw * g.sw] = 0;
}

// Each output's gradient divided once by its window's divisor, added to the window's
// elements in output order (PyTorch's cpu_avg_pool_backward; both of its kernels).
static void NAME(avg_pool_backward)(const ct_operand *grad_out, const ct_operand *grad_in,
                                    const ct_pool_window *w, bool count_include_pad) {
  const pool_geom gy = pool_geom_of(grad_out), gx = pool_geom_of(grad_in);
  const int64_t planes = gx.n * gx.c;
  const double work = (double)planes * (gx.h * gx.w + gy.h * gy.w * w->kernel[0] * w->kernel[1]);
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++) {
    const T *g = (const T *)pool_plane(grad_out, gx.c, p);
    T *gin = (T *)pool_plane(grad_in, gx.c, p);
    NAME(zero_plane)(gin, gx);
    for (int64_t oh = 0; oh < gy.h; oh++)
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const NAME(avg_window) b = NAME(avg_window_at)(oh, ow, gx.h, gx.w, w, count_include_pad);
        const T delta = g[oh * gy.sh + ow * gy.sw] / (T)b.divisor;
        for (int64_t ih = b.ih0; ih < b.ih1; ih++)
          for (int64_t iw = b.iw0; iw < b.iw1; iw++)
            gin[ih * gx.sh + iw * gx.sw] += delta;
      }
  }
}
#endif

#if WITH_ADAPTIVE
// v / (kh * kw) for the channels PyTorch's channels-last kernel vectorises, else
// v / kh / kw (its contiguous kernel, and the remainder channels of the other).
static inline T NAME(adaptive_divide)(T v, int64_t kh, int64_t kw, bool once) {
  return once ? v / (T)(kh * kw) : v / (T)kh / (T)kw;
}

// Whether PyTorch's kernel for this layout divides channel c of C once.
static inline bool NAME(divides_once)(bool channels_last, int64_t c, int64_t channels) {
  return channels_last && c < channels - channels % VEC_LANES;
}

static void NAME(adaptive_avg_pool)(const ct_operand *in, const ct_operand *out, bool channels_last) {
  const pool_geom gx = pool_geom_of(in), gy = pool_geom_of(out);
  const int64_t planes = gx.n * gx.c;
  const double work = (double)planes * gx.h * gx.w;
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++) {
    const T *x = (const T *)pool_plane(in, gx.c, p);
    T *y = (T *)pool_plane(out, gx.c, p);
    const bool once = NAME(divides_once)(channels_last, p % gx.c, gx.c);
    for (int64_t oh = 0; oh < gy.h; oh++) {
      const int64_t ih0 = pool_adaptive_start(oh, gy.h, gx.h), ih1 = pool_adaptive_end(oh, gy.h, gx.h);
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const int64_t iw0 = pool_adaptive_start(ow, gy.w, gx.w), iw1 = pool_adaptive_end(ow, gy.w, gx.w);
        T sum = 0;
        for (int64_t ih = ih0; ih < ih1; ih++)
          for (int64_t iw = iw0; iw < iw1; iw++)
            sum += x[ih * gx.sh + iw * gx.sw];
        y[oh * gy.sh + ow * gy.sw] = NAME(adaptive_divide)(sum, ih1 - ih0, iw1 - iw0, once);
      }
    }
  }
}

static void NAME(adaptive_avg_pool_backward)(const ct_operand *grad_out, const ct_operand *grad_in,
                                             bool channels_last) {
  const pool_geom gy = pool_geom_of(grad_out), gx = pool_geom_of(grad_in);
  const int64_t planes = gx.n * gx.c;
  const double work = (double)planes * gx.h * gx.w * 2;
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++) {
    const T *g = (const T *)pool_plane(grad_out, gx.c, p);
    T *gin = (T *)pool_plane(grad_in, gx.c, p);
    const bool once = NAME(divides_once)(channels_last, p % gx.c, gx.c);
    NAME(zero_plane)(gin, gx);
    for (int64_t oh = 0; oh < gy.h; oh++) {
      const int64_t ih0 = pool_adaptive_start(oh, gy.h, gx.h), ih1 = pool_adaptive_end(oh, gy.h, gx.h);
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const int64_t iw0 = pool_adaptive_start(ow, gy.w, gx.w), iw1 = pool_adaptive_end(ow, gy.w, gx.w);
        const T delta = NAME(adaptive_divide)(g[oh * gy.sh + ow * gy.sw], ih1 - ih0, iw1 - iw0, once);
        for (int64_t ih = ih0; ih < ih1; ih++)
          for (int64_t iw = iw0; iw < iw1; iw++)
            gin[ih * gx.sh + iw * gx.sw] += delta;
      }
    }
  }
}
#endif

#undef NAME
#undef VEC_LANES
#undef T
#undef SFX
#undef WITH_GRAD
#undef WITH_ADAPTIVE

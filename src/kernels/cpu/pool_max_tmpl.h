// Max pooling forward and backward (kernels/pool.h) for one floating dtype, for
// pool_max.c. Included once per dtype with:
//   T  the element type     SFX  its suffix (f32, f64)
#define NAME(x) CT_SUFFIXED(x, SFX)

// One plane: PyTorch's cpu_max_pool. The window's first row and column are the first
// ones inside the input (a window starting in the padding skips whole dilation steps);
// an element replaces the maximum when greater or NaN, so the first maximum wins ties
// and the last NaN wins over everything.
static void NAME(max_plane)(const T *restrict x, pool_geom gx, T *restrict y, int64_t *restrict yi,
                            pool_geom gy, pool_geom gi, const ct_pool_window *w) {
  const int64_t kh = w->kernel[0], kw = w->kernel[1], dh = w->dilation[0], dw = w->dilation[1];
  for (int64_t oh = 0; oh < gy.h; oh++) {
    int64_t ih0 = oh * w->stride[0] - w->padding[0];
    const int64_t ih1 = pool_min(ih0 + (kh - 1) * dh + 1, gx.h);
    if (ih0 < 0) ih0 += (-ih0 + dh - 1) / dh * dh;
    for (int64_t ow = 0; ow < gy.w; ow++) {
      int64_t iw0 = ow * w->stride[1] - w->padding[1];
      const int64_t iw1 = pool_min(iw0 + (kw - 1) * dw + 1, gx.w);
      if (iw0 < 0) iw0 += (-iw0 + dw - 1) / dw * dw;
      int64_t best = ih0 * gx.w + iw0;
      T m = -(T)INFINITY;
      for (int64_t ih = ih0; ih < ih1; ih += dh) {
        const T *row = x + ih * gx.sh;
        for (int64_t iw = iw0; iw < iw1; iw += dw) {
          const T v = row[iw * gx.sw];
          if (v > m || isnan(v)) {
            m = v;
            best = ih * gx.w + iw;
          }
        }
      }
      y[oh * gy.sh + ow * gy.sw] = m;
      if (yi) yi[oh * gi.sh + ow * gi.sw] = best;
    }
  }
}

static void NAME(max_pool)(const ct_operand *in, const ct_operand *out, const ct_operand *indices,
                           const ct_pool_window *w) {
  const pool_geom gx = pool_geom_of(in), gy = pool_geom_of(out);
  const pool_geom gi = indices->data ? pool_geom_of(indices) : gy;
  const int64_t planes = gx.n * gx.c;
  const double work = (double)planes * gy.h * gy.w * w->kernel[0] * w->kernel[1];
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++) {
    int64_t *yi = indices->data ? (int64_t *)pool_plane(indices, gx.c, p) : NULL;
    NAME(max_plane)((const T *)pool_plane(in, gx.c, p), gx, (T *)pool_plane(out, gx.c, p), yi, gy, gi, w);
  }
}

// grad_in's plane = 0, then each output's gradient added at its maximum's position, in
// output order (PyTorch's cpu_max_pool_backward, so overlapping windows sum alike). A
// window with no element inside the input (padding and dilation can make one) has an
// index past its plane, where PyTorch writes out of bounds; here it adds nothing.
static void NAME(max_pool_backward)(const ct_operand *grad_out, const ct_operand *indices,
                                    const ct_operand *grad_in) {
  const pool_geom gy = pool_geom_of(grad_out), gi = pool_geom_of(indices), gx = pool_geom_of(grad_in);
  const int64_t planes = gx.n * gx.c;
  const bool flat = gx.sh == gx.w * gx.sw; // an index times sw addresses the element
  const int64_t plane_size = gx.h * gx.w;
  const double work = (double)planes * (gx.h * gx.w + gy.h * gy.w);
#pragma omp parallel for schedule(static) if (work >= POOL_PARALLEL_MIN)
  for (int64_t p = 0; p < planes; p++) {
    const T *g = (const T *)pool_plane(grad_out, gx.c, p);
    const int64_t *idx = (const int64_t *)pool_plane(indices, gx.c, p);
    T *gin = (T *)pool_plane(grad_in, gx.c, p);
    for (int64_t ih = 0; ih < gx.h; ih++)
      for (int64_t iw = 0; iw < gx.w; iw++)
        gin[ih * gx.sh + iw * gx.sw] = 0;
    for (int64_t oh = 0; oh < gy.h; oh++)
      for (int64_t ow = 0; ow < gy.w; ow++) {
        const int64_t at = idx[oh * gi.sh + ow * gi.sw];
        if (at < 0 || at >= plane_size) continue;
        const int64_t offset = flat ? at * gx.sw : at / gx.w * gx.sh + at % gx.w * gx.sw;
        gin[offset] += g[oh * gy.sh + ow * gy.sw];
      }
  }
}

#undef NAME
#undef T
#undef SFX

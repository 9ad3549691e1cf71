// The convolution maps (kernels/conv.h) for one dtype, for conv.c. Included once per
// dtype with:
//   T  the element type     SFX  its suffix (i32, i64, f32, f64)     DT  its ct_dtype
//
// The includer also defines DIRECT_FORWARD, DIRECT_TRANSPOSE and DIRECT_WEIGHT_GRAD: a
// faster way to compute a map (returns true when it did), tried first.
//
// Per image and group, as PyTorch's slow paths: unfold the group's `in` channels into
// columns (rows: channel, kernel row, kernel column; columns: output positions), then
// one GEMM with the group's weight rows. The GEMMs are the ones PyTorch passes to BLAS
// (same shapes, transposes and leading dimensions), so OpenBLAS gives PyTorch's bits.
#define NAME(x) CT_SUFFIXED(x, SFX)

// columns (C*kh*kw × oh*ow) = the windows of `image` (C × ih × iw), zeros outside it.
static void NAME(unfold)(const ct_conv_args *a, int64_t channels, const T *restrict image, T *restrict columns) {
  const int64_t ih = a->in_size[0], iw = a->in_size[1], oh = a->out_size[0], ow = a->out_size[1];
  const int64_t kh = a->kernel[0], kw = a->kernel[1];
  for (int64_t c = 0; c < channels; c++)
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++) {
        T *dst = columns + ((c * kh + i) * kw + j) * oh * ow;
        const T *src = image + c * ih * iw;
        const conv_span xs = conv_valid_span(a, 1, j);
        for (int64_t y = 0; y < oh; y++) {
          T *row = dst + y * ow;
          const int64_t iy = y * a->stride[0] - a->padding[0] + i * a->dilation[0];
          if (iy < 0 || iy >= ih || xs.lo >= xs.hi) {
            memset(row, 0, (size_t)ow * sizeof(T));
            continue;
          }
          const T *srow = src + iy * iw + xs.first;
          memset(row, 0, (size_t)xs.lo * sizeof(T));
          if (a->stride[1] == 1) {
            memcpy(row + xs.lo, srow, (size_t)(xs.hi - xs.lo) * sizeof(T));
          } else {
            const int64_t s = a->stride[1];
            for (int64_t x = xs.lo; x < xs.hi; x++) row[x] = srow[(x - xs.lo) * s];
          }
          memset(row + xs.hi, 0, (size_t)(ow - xs.hi) * sizeof(T));
        }
      }
}

// image (C × ih × iw, zeroed by the caller) += each column entry at its window position,
// in PyTorch's col2im order (channel, kernel row, kernel column, output row, column).
static void NAME(fold)(const ct_conv_args *a, int64_t channels, const T *restrict columns, T *restrict image) {
  const int64_t ih = a->in_size[0], iw = a->in_size[1], oh = a->out_size[0], ow = a->out_size[1];
  const int64_t kh = a->kernel[0], kw = a->kernel[1], s = a->stride[1];
  for (int64_t c = 0; c < channels; c++)
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++) {
        const T *src = columns + ((c * kh + i) * kw + j) * oh * ow;
        T *dst = image + c * ih * iw;
        const conv_span xs = conv_valid_span(a, 1, j);
        if (xs.lo >= xs.hi) continue;
        for (int64_t y = 0; y < oh; y++) {
          const int64_t iy = y * a->stride[0] - a->padding[0] + i * a->dilation[0];
          if (iy < 0 || iy >= ih) continue;
          const T *srow = src + y * ow;
          T *drow = dst + iy * iw + xs.first;
          if (s == 1) {
            for (int64_t x = xs.lo; x < xs.hi; x++) drow[x - xs.lo] += srow[x];
          } else {
            for (int64_t x = xs.lo; x < xs.hi; x++) drow[(x - xs.lo) * s] += srow[x];
          }
        }
      }
}

// C (m×n, row stride ldc) = A @ B + beta * C through the blas family, A and B given by
// row and column strides.
static void NAME(gemm)(int64_t m, int64_t n, int64_t k, const T *A, int64_t a_rs, int64_t a_cs, const T *B,
                       int64_t b_rs, int64_t b_cs, double beta, T *C, int64_t ldc) {
  const ct_gemm_args g = {.batch = 1, .m = m, .n = n, .k = k, .a = A, .a_rs = a_rs, .a_cs = a_cs,
                          .b = B, .b_rs = b_rs, .b_cs = b_cs, .c = C, .c_rs = ldc, .c_cs = 1,
                          .alpha = 1.0, .beta = beta};
  ct__cpu_blas_kernels.gemm[DT](&g);
}

// out[n] = W_g @ columns(in[n] of group g) + bias: the output is filled with the bias
// first and the product added to it (beta 1), as slow_conv2d does.
static void NAME(forward)(const ct_conv_args *a, const void *in_, const void *weight_, const void *bias_, void *out_,
                          void *work) {
  if (DIRECT_FORWARD(a, in_, weight_, bias_, out_, work)) return;
  const T *in = in_, *weight = weight_, *bias = bias_;
  T *out = out_, *columns = work;
  const int64_t g_in = a->in_channels / a->groups, g_out = a->out_channels / a->groups;
  const int64_t rows = g_in * a->kernel[0] * a->kernel[1], plane = a->out_size[0] * a->out_size[1];
  const int64_t in_plane = a->in_size[0] * a->in_size[1];
  const bool direct = !conv_needs_columns(a);
  for (int64_t n = 0; n < a->batch; n++)
    for (int64_t g = 0; g < a->groups; g++) {
      const T *image = in + (n * a->in_channels + g * g_in) * in_plane;
      T *dst = out + (n * a->out_channels + g * g_out) * plane;
      if (bias)
        for (int64_t c = 0; c < g_out; c++)
          for (int64_t p = 0; p < plane; p++) dst[c * plane + p] = bias[g * g_out + c];
      if (!direct) NAME(unfold)(a, g_in, image, columns);
      NAME(gemm)(g_out, plane, rows, weight + g * g_out * rows, rows, 1, direct ? image : columns, plane, 1,
                 bias ? 1.0 : 0.0, dst, plane);
    }
}

// in[n] = fold(W_g^T @ out[n] of group g) (+ bias), as slow_conv2d's input gradient and
// slow_conv_transpose2d's forward: columns by one GEMM, folded into the zeroed image.
static void NAME(transpose)(const ct_conv_args *a, const void *out_, const void *weight_, const void *bias_,
                            void *in_, void *work) {
  if (DIRECT_TRANSPOSE(a, out_, weight_, bias_, in_, work)) return;
  const T *out = out_, *weight = weight_, *bias = bias_;
  T *in = in_, *columns = work;
  const int64_t g_in = a->in_channels / a->groups, g_out = a->out_channels / a->groups;
  const int64_t rows = g_in * a->kernel[0] * a->kernel[1], plane = a->out_size[0] * a->out_size[1];
  const int64_t in_plane = a->in_size[0] * a->in_size[1];
  const bool direct = !conv_needs_columns(a);
  for (int64_t n = 0; n < a->batch; n++) {
    for (int64_t g = 0; g < a->groups; g++) {
      T *image = in + (n * a->in_channels + g * g_in) * in_plane;
      const T *src = out + (n * a->out_channels + g * g_out) * plane;
      const T *w = weight + g * g_out * rows;
      if (direct) { // the columns are the image itself
        NAME(gemm)(rows, plane, g_out, w, 1, rows, src, plane, 1, 0.0, image, plane);
        continue;
      }
      NAME(gemm)(rows, plane, g_out, w, 1, rows, src, plane, 1, 0.0, columns, plane);
      memset(image, 0, (size_t)(g_in * in_plane) * sizeof(T));
      NAME(fold)(a, g_in, columns, image);
    }
    if (bias)
      for (int64_t c = 0; c < a->in_channels; c++) {
        T *plane_c = in + (n * a->in_channels + c) * in_plane;
        for (int64_t p = 0; p < in_plane; p++) plane_c[p] += bias[c];
      }
  }
}

// grad_weight_g = sum over n of out[n]_g @ columns(in[n] of group g)^T, accumulated image
// by image (beta 1) into zeros, as slow_conv2d's weight gradient.
static void NAME(weight_grad)(const ct_conv_args *a, const void *out_, const void *in_, void *grad_weight_,
                              void *work) {
  if (DIRECT_WEIGHT_GRAD(a, out_, in_, grad_weight_, work)) return;
  const T *out = out_, *in = in_;
  T *grad_weight = grad_weight_, *columns = work;
  const int64_t g_in = a->in_channels / a->groups, g_out = a->out_channels / a->groups;
  const int64_t rows = g_in * a->kernel[0] * a->kernel[1], plane = a->out_size[0] * a->out_size[1];
  const int64_t in_plane = a->in_size[0] * a->in_size[1];
  const bool direct = !conv_needs_columns(a);
  memset(grad_weight, 0, (size_t)(a->out_channels * rows) * sizeof(T));
  for (int64_t g = 0; g < a->groups; g++)
    for (int64_t n = 0; n < a->batch; n++) {
      const T *image = in + (n * a->in_channels + g * g_in) * in_plane;
      const T *src = out + (n * a->out_channels + g * g_out) * plane;
      if (!direct) NAME(unfold)(a, g_in, image, columns);
      NAME(gemm)(g_out, rows, plane, src, plane, 1, direct ? image : columns, 1, plane, 1.0,
                 grad_weight + g * g_out * rows, rows);
    }
}

#undef NAME
#undef T
#undef SFX
#undef DT
#undef DIRECT_FORWARD
#undef DIRECT_TRANSPOSE
#undef DIRECT_WEIGHT_GRAD

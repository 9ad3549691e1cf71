// Direct float32 convolution with AVX2 + FMA, for the cases whose order of sums is free
// (PyTorch runs oneDNN there). No column matrix and no BLAS packing: each image (and
// group) is copied once into a zero-padded buffer whose rows the tiles read directly.
//
//   forward      output tiles of up to 6 channels × 16 columns of one row (or 8
//                columns of two rows, for narrow outputs) accumulate in registers over
//                every (input channel, kernel row, kernel column)
//   transpose    for stride 1 the input gradient is a direct convolution of the padded
//                output gradient with the flipped, transposed weight: the same tiles
//   weight_grad  tiles of 4 output channels × 3 weight taps accumulate 8-lane partial
//                sums over the output positions of a chunk of images, then add their
//                lane sums
//
// Images run in parallel (channel blocks for the weight gradient, whose tiles add the
// images in order), so results do not depend on the number of threads.
//
// Column stride 1 only (rows may be strided); other geometries take the im2col path.
#include "kernels/cpu/conv_direct.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define INLINE static inline __attribute__((always_inline))
#define MAX_MR 6  // output channels of a forward tile
#define GRAD_MR 4 // output channels of a weight-gradient tile
#define GRAD_NR 3 // weight taps of a weight-gradient tile
#define SLACK 16  // zeros after a padded buffer, for the lanes a last tile reads past it
#define GRAD_CHUNK 8 // images padded at once for the weight gradient
// Multiply-adds below which a call runs on one thread.
#define PARALLEL_MIN_MACS 4194304.0

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// A convolution of zero-padded planes: `planes` planes of hp × wp, kernel kh × kw with
// dilation (dh, dw), row stride sh, column stride 1, giving oh × ow outputs per channel.
typedef struct direct_shape {
  int64_t planes, hp, wp, kh, kw, dh, dw, sh, oh, ow;
} direct_shape;

static int64_t padded_elems(const direct_shape *s) { return s->planes * s->hp * s->wp + SLACK; }

// dst (planes of s->hp × s->wp, then SLACK zeros) = src planes (h × w) placed at (top,
// left), zeros around; a negative top or left crops the source.
static void pad_planes(const float *src, int64_t h, int64_t w, int64_t top, int64_t left, const direct_shape *s,
                       float *dst) {
  const int64_t x0 = max64(0, -left), x1 = min64(w, s->wp - left); // source columns kept
  for (int64_t c = 0; c < s->planes; c++)
    for (int64_t y = 0; y < s->hp; y++) {
      float *row = dst + (c * s->hp + y) * s->wp;
      const int64_t sy = y - top;
      if (sy < 0 || sy >= h || x0 >= x1) {
        memset(row, 0, (size_t)s->wp * sizeof(float));
        continue;
      }
      memset(row, 0, (size_t)(x0 + left) * sizeof(float));
      memcpy(row + x0 + left, src + (c * h + sy) * w + x0, (size_t)(x1 - x0) * sizeof(float));
      memset(row + x1 + left, 0, (size_t)(s->wp - x1 - left) * sizeof(float));
    }
  memset(dst + s->planes * s->hp * s->wp, 0, SLACK * sizeof(float));
}

// Lanes [0, n) of a vector, as a mask for maskload / maskstore.
static __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// ---- forward tiles (forward and transpose) ----

// Splits `count` channels into blocks of at most MAX_MR, as even as possible: block b
// starts at *start and has *size channels.
static void channel_block(int64_t count, int64_t b, int64_t *start, int64_t *size) {
  const int64_t blocks = (count + MAX_MR - 1) / MAX_MR, base = count / blocks, extra = count % blocks;
  *size = base + (b < extra);
  *start = b * base + min64(b, extra);
}

// A tile is two vectors of output: for wide outputs 16 columns of one row, for outputs
// of at most 8 columns two rows. Vector k starts at img + in[k] in the padded image and
// at out + at[k] in the output plane, and has n[k] valid lanes (0: computed, not stored).
typedef struct tile_pos {
  int64_t in[2], at[2], n[2];
} tile_pos;

// Output channels [0, mr) of a block with weights `wp` (packed [tap][mr], taps in
// (plane, kernel row, kernel column) order) at the tile's positions: bias (or 0) plus
// the sum over the taps.
INLINE void conv_tile(const int mr, const float *restrict wp, const float *restrict img, const direct_shape *s,
                      const tile_pos *p, const float *bias, float *restrict out) {
  __m256 acc[MAX_MR][2];
  for (int t = 0; t < mr; t++) acc[t][0] = acc[t][1] = bias ? _mm256_set1_ps(bias[t]) : _mm256_setzero_ps();
  const float *first = img + p->in[0], *second = img + p->in[1];
  for (int64_t c = 0; c < s->planes; c++)
    for (int64_t i = 0; i < s->kh; i++) {
      const int64_t row = (c * s->hp + i * s->dh) * s->wp;
      for (int64_t j = 0; j < s->kw; j++, wp += mr) {
        const __m256 b0 = _mm256_loadu_ps(first + row + j * s->dw), b1 = _mm256_loadu_ps(second + row + j * s->dw);
        for (int t = 0; t < mr; t++) {
          const __m256 a = _mm256_broadcast_ss(wp + t);
          acc[t][0] = _mm256_fmadd_ps(a, b0, acc[t][0]);
          acc[t][1] = _mm256_fmadd_ps(a, b1, acc[t][1]);
        }
      }
    }
  const int64_t plane = s->oh * s->ow;
  for (int k = 0; k < 2; k++) {
    float *dst = out + p->at[k];
    if (p->n[k] == 8) {
      for (int t = 0; t < mr; t++) _mm256_storeu_ps(dst + t * plane, acc[t][k]);
    } else {
      const __m256i m = lane_mask(p->n[k]);
      for (int t = 0; t < mr; t++) _mm256_maskstore_ps(dst + t * plane, m, acc[t][k]);
    }
  }
}

// The tiles covering an output plane: how many, and tile `index`'s positions.
static int64_t tile_count(const direct_shape *s) {
  return s->ow > 8 ? s->oh * ((s->ow + 15) / 16) : (s->oh + 1) / 2;
}
static tile_pos tile_at(const direct_shape *s, int64_t index) {
  tile_pos p;
  if (s->ow > 8) { // 16 columns of one row
    const int64_t per_row = (s->ow + 15) / 16, y = index / per_row, x0 = index % per_row * 16;
    for (int k = 0; k < 2; k++) {
      p.in[k] = y * s->sh * s->wp + x0 + 8 * k;
      p.at[k] = y * s->ow + x0 + 8 * k;
      p.n[k] = min64(8, max64(0, s->ow - x0 - 8 * k));
    }
  } else { // two rows; a last odd row computes its vector twice and stores it once
    const int64_t y = 2 * index, y1 = y + 1 < s->oh ? y + 1 : y;
    p.in[0] = y * s->sh * s->wp, p.at[0] = y * s->ow, p.n[0] = s->ow;
    p.in[1] = y1 * s->sh * s->wp, p.at[1] = y1 * s->ow, p.n[1] = y1 != y ? s->ow : 0;
  }
  return p;
}

// out (count planes of oh × ow) = bias + the packed weights (block after block, see
// channel_block) convolved with the padded image.
static void conv_planes(const direct_shape *s, const float *img, const float *packed, const float *bias,
                        int64_t count, float *out) {
  const int64_t taps = s->planes * s->kh * s->kw, blocks = (count + MAX_MR - 1) / MAX_MR, tiles = tile_count(s);
  for (int64_t b = 0; b < blocks; b++) {
    int64_t c0, mr;
    channel_block(count, b, &c0, &mr);
    const float *wp = packed + c0 * taps, *bb = bias ? bias + c0 : NULL;
    float *o = out + c0 * s->oh * s->ow;
    for (int64_t tile = 0; tile < tiles; tile++) {
      const tile_pos p = tile_at(s, tile);
      switch (mr) { // a constant per call: each block height compiles to its own loop
      case 6: conv_tile(6, wp, img, s, &p, bb, o); break;
      case 5: conv_tile(5, wp, img, s, &p, bb, o); break;
      case 4: conv_tile(4, wp, img, s, &p, bb, o); break;
      case 3: conv_tile(3, wp, img, s, &p, bb, o); break;
      case 2: conv_tile(2, wp, img, s, &p, bb, o); break;
      default: conv_tile(1, wp, img, s, &p, bb, o); break;
      }
    }
  }
}

// Packs a group's weights for conv_planes: block after block, [tap][channel in block].
// Forward: channel co's taps are w[co][tap]. Flipped (the input gradient): channel c's
// tap (co, i, j) is w[co][c][kh-1-i][kw-1-j], w being (count_w × count × kh × kw).
static void pack_weights(const float *w, int64_t count, int64_t taps, bool flipped, int64_t kh, int64_t kw,
                         float *packed) {
  const int64_t blocks = (count + MAX_MR - 1) / MAX_MR, k = kh * kw;
  for (int64_t b = 0; b < blocks; b++) {
    int64_t c0, mr;
    channel_block(count, b, &c0, &mr);
    float *dst = packed + c0 * taps;
    for (int64_t r = 0; r < taps; r++)
      for (int64_t t = 0; t < mr; t++) {
        if (!flipped) {
          dst[r * mr + t] = w[(c0 + t) * taps + r];
        } else { // r = (co, i, j); the weight (co, c0 + t, kh-1-i, kw-1-j)
          const int64_t co = r / k, tap = k - 1 - r % k;
          dst[r * mr + t] = w[(co * count + c0 + t) * k + tap];
        }
      }
  }
}

// ---- weight-gradient tiles ----

// For `images` images (gradient planes g_image apart, padded images img_image apart):
// acc[t][q] = the sum over every output position of channel t's gradient (planes
// g_plane apart) times image tap q (at off[q] in the padded image); then grad[t * taps +
// q] += its lane sum.
INLINE void grad_tile(const int mr, const int nr, const float *restrict g, int64_t g_plane, int64_t g_image,
                      const float *restrict img, int64_t img_image, int64_t images, const int64_t *off,
                      const direct_shape *s, float *restrict grad, int64_t taps) {
  __m256 acc[GRAD_MR][GRAD_NR];
  for (int t = 0; t < mr; t++)
    for (int q = 0; q < nr; q++) acc[t][q] = _mm256_setzero_ps();
  const int64_t full = s->ow / 8 * 8;
  const __m256i tail = lane_mask(s->ow - full);
  for (int64_t k = 0; k < images; k++)
    for (int64_t y = 0; y < s->oh; y++) {
      const float *grow = g + k * g_image + y * s->ow, *irow = img + k * img_image + y * s->sh * s->wp;
      for (int64_t x = 0; x < full; x += 8) {
        __m256 b[GRAD_NR];
        for (int q = 0; q < nr; q++) b[q] = _mm256_loadu_ps(irow + off[q] + x);
        for (int t = 0; t < mr; t++) {
          const __m256 a = _mm256_loadu_ps(grow + t * g_plane + x);
          for (int q = 0; q < nr; q++) acc[t][q] = _mm256_fmadd_ps(a, b[q], acc[t][q]);
        }
      }
      if (full < s->ow) { // the last columns: both operands masked, so lanes past the row add 0
        __m256 b[GRAD_NR];
        for (int q = 0; q < nr; q++) b[q] = _mm256_maskload_ps(irow + off[q] + full, tail);
        for (int t = 0; t < mr; t++) {
          const __m256 a = _mm256_maskload_ps(grow + t * g_plane + full, tail);
          for (int q = 0; q < nr; q++) acc[t][q] = _mm256_fmadd_ps(a, b[q], acc[t][q]);
        }
      }
    }
  for (int t = 0; t < mr; t++)
    for (int q = 0; q < nr; q++) {
      const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[t][q]), _mm256_extractf128_ps(acc[t][q], 1));
      const __m128 p = _mm_add_ps(h, _mm_movehl_ps(h, h));
      grad[t * taps + q] += _mm_cvtss_f32(_mm_add_ss(p, _mm_shuffle_ps(p, p, 1)));
    }
}

// grad (count × taps) += for each of `images` padded images (img_image apart) the
// gradient planes (count × oh × ow, g_image apart) correlated with it. Blocks of
// channels run in parallel; a tile's sums run over the images in order, so they do not
// depend on the number of threads.
static void grad_planes(const direct_shape *s, const float *imgs, int64_t img_image, int64_t images, const float *g,
                        int64_t g_image, int64_t count, float *grad, int threads) {
  const int64_t taps = s->planes * s->kh * s->kw, g_plane = s->oh * s->ow;
  const int64_t blocks = (count + GRAD_MR - 1) / GRAD_MR;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t c0 = b * GRAD_MR;
    const int mr = (int)min64(GRAD_MR, count - c0);
    for (int64_t r0 = 0; r0 < taps; r0 += GRAD_NR) {
      const int nr = (int)min64(GRAD_NR, taps - r0);
      int64_t off[GRAD_NR] = {0};
      for (int q = 0; q < nr; q++) {
        const int64_t r = r0 + q, plane = r / (s->kh * s->kw), i = r / s->kw % s->kh, j = r % s->kw;
        off[q] = (plane * s->hp + i * s->dh) * s->wp + j * s->dw;
      }
      const float *gc = g + c0 * g_plane;
      float *out = grad + c0 * taps + r0;
#define GRAD_CASE(M, N) grad_tile(M, N, gc, g_plane, g_image, imgs, img_image, images, off, s, out, taps)
      switch (mr * 4 + nr) { // constants per call: each tile shape compiles to its own loop
      case 4 * 4 + 3: GRAD_CASE(4, 3); break;
      case 4 * 4 + 2: GRAD_CASE(4, 2); break;
      case 4 * 4 + 1: GRAD_CASE(4, 1); break;
      case 3 * 4 + 3: GRAD_CASE(3, 3); break;
      case 3 * 4 + 2: GRAD_CASE(3, 2); break;
      case 3 * 4 + 1: GRAD_CASE(3, 1); break;
      case 2 * 4 + 3: GRAD_CASE(2, 3); break;
      case 2 * 4 + 2: GRAD_CASE(2, 2); break;
      case 2 * 4 + 1: GRAD_CASE(2, 1); break;
      case 1 * 4 + 3: GRAD_CASE(1, 3); break;
      case 1 * 4 + 2: GRAD_CASE(1, 2); break;
      default: GRAD_CASE(1, 1); break;
      }
#undef GRAD_CASE
    }
  }
}

// ---- the maps ----

// The padded input of the forward and the weight gradient: the convolution's padding,
// and at least as wide as every tile load of a valid output column reaches.
static direct_shape input_shape(const ct_conv_args *a) {
  direct_shape s = {.planes = a->in_channels / a->groups, .kh = a->kernel[0], .kw = a->kernel[1],
                    .dh = a->dilation[0], .dw = a->dilation[1], .sh = a->stride[0],
                    .oh = a->out_size[0], .ow = a->out_size[1]};
  s.hp = a->in_size[0] + 2 * a->padding[0];
  s.wp = a->in_size[1] + 2 * a->padding[1];
  return s;
}

// The input gradient's padded output gradient (stride 1): the flipped kernel's reach
// minus the padding on each side, so that the output is the input's size.
static direct_shape gradient_shape(const ct_conv_args *a) {
  direct_shape s = {.planes = a->out_channels / a->groups, .kh = a->kernel[0], .kw = a->kernel[1],
                    .dh = a->dilation[0], .dw = a->dilation[1], .sh = 1,
                    .oh = a->in_size[0], .ow = a->in_size[1]};
  s.hp = a->in_size[0] + a->dilation[0] * (a->kernel[0] - 1);
  s.wp = a->in_size[1] + a->dilation[1] * (a->kernel[1] - 1);
  return s;
}

static bool handled(const ct_conv_args *a) { return !a->exact && a->stride[1] == 1; }

// Threads for a call: one per image up to OpenMP's count, none for small work (waking
// threads costs more) or inside a parallel region.
static int conv_threads(const ct_conv_args *a) {
#ifdef _OPENMP
  const double macs = (double)a->batch * (double)a->out_channels * (double)(a->out_size[0] * a->out_size[1]) *
                      (double)(a->in_channels / a->groups * a->kernel[0] * a->kernel[1]);
  if (omp_in_parallel() || macs < PARALLEL_MIN_MACS) return 1;
  return (int)min64(omp_get_max_threads(), a->batch);
#else
  (void)a;
  return 1;
#endif
}

static int thread_id(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

int64_t ct__conv_direct_workspace(const ct_conv_args *a) {
  if (!handled(a)) return 0;
  const int64_t g_in = a->in_channels / a->groups, g_out = a->out_channels / a->groups;
  const int64_t weights = g_in * g_out * a->kernel[0] * a->kernel[1], threads = conv_threads(a);
  const direct_shape in = input_shape(a);
  int64_t n = max64(weights + threads * padded_elems(&in), min64(GRAD_CHUNK, a->batch) * padded_elems(&in));
  if (a->stride[0] == 1) {
    const direct_shape grad = gradient_shape(a);
    n = max64(n, weights + threads * padded_elems(&grad));
  }
  return n;
}

bool ct__conv_direct_forward(const ct_conv_args *a, const float *in, const float *weight, const float *bias,
                             float *out, float *work) {
  if (!handled(a)) return false;
  const direct_shape s = input_shape(a);
  const int64_t g_in = s.planes, g_out = a->out_channels / a->groups, taps = g_in * s.kh * s.kw;
  const int64_t in_plane = a->in_size[0] * a->in_size[1], out_plane = s.oh * s.ow;
  const int threads = conv_threads(a);
  float *packed = work, *imgs = work + g_out * taps; // then one padded image per thread
  for (int64_t g = 0; g < a->groups; g++) {
    pack_weights(weight + g * g_out * taps, g_out, taps, false, s.kh, s.kw, packed);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t n = 0; n < a->batch; n++) {
      float *img = imgs + thread_id() * padded_elems(&s);
      pad_planes(in + (n * a->in_channels + g * g_in) * in_plane, a->in_size[0], a->in_size[1], a->padding[0],
                 a->padding[1], &s, img);
      conv_planes(&s, img, packed, bias ? bias + g * g_out : NULL, g_out,
                  out + (n * a->out_channels + g * g_out) * out_plane);
    }
  }
  return true;
}

bool ct__conv_direct_transpose(const ct_conv_args *a, const float *out, const float *weight, float *in,
                               float *work) {
  if (!handled(a) || a->stride[0] != 1) return false;
  const direct_shape s = gradient_shape(a);
  const int64_t g_in = a->in_channels / a->groups, g_out = s.planes, taps = g_out * s.kh * s.kw;
  const int64_t in_plane = a->in_size[0] * a->in_size[1], out_plane = a->out_size[0] * a->out_size[1];
  const int64_t top = s.dh * (s.kh - 1) - a->padding[0], left = s.dw * (s.kw - 1) - a->padding[1];
  const int threads = conv_threads(a);
  float *packed = work, *imgs = work + g_in * taps;
  for (int64_t g = 0; g < a->groups; g++) {
    pack_weights(weight + g * g_out * g_in * s.kh * s.kw, g_in, taps, true, s.kh, s.kw, packed);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t n = 0; n < a->batch; n++) {
      float *img = imgs + thread_id() * padded_elems(&s);
      pad_planes(out + (n * a->out_channels + g * g_out) * out_plane, a->out_size[0], a->out_size[1], top, left,
                 &s, img);
      conv_planes(&s, img, packed, NULL, g_in, in + (n * a->in_channels + g * g_in) * in_plane);
    }
  }
  return true;
}

bool ct__conv_direct_weight_grad(const ct_conv_args *a, const float *out, const float *in, float *grad_weight,
                                 float *work) {
  if (!handled(a)) return false;
  const direct_shape s = input_shape(a);
  const int64_t g_in = s.planes, g_out = a->out_channels / a->groups, taps = g_in * s.kh * s.kw;
  const int64_t in_plane = a->in_size[0] * a->in_size[1], out_plane = s.oh * s.ow, img = padded_elems(&s);
  const int threads = conv_threads(a);
  memset(grad_weight, 0, (size_t)(a->out_channels * taps) * sizeof(float));
  for (int64_t g = 0; g < a->groups; g++)
    for (int64_t n0 = 0; n0 < a->batch; n0 += GRAD_CHUNK) { // pad a chunk of images, then correlate
      const int64_t images = min64(GRAD_CHUNK, a->batch - n0);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
      for (int64_t k = 0; k < images; k++)
        pad_planes(in + ((n0 + k) * a->in_channels + g * g_in) * in_plane, a->in_size[0], a->in_size[1],
                   a->padding[0], a->padding[1], &s, work + k * img);
      grad_planes(&s, work, img, images, out + (n0 * a->out_channels + g * g_out) * out_plane,
                  a->out_channels * out_plane, g_out, grad_weight + g * g_out * taps, threads);
    }
  return true;
}

#else // no AVX2 + FMA: the im2col path does everything

int64_t ct__conv_direct_workspace(const ct_conv_args *a) {
  (void)a;
  return 0;
}
bool ct__conv_direct_forward(const ct_conv_args *a, const float *in, const float *weight, const float *bias,
                             float *out, float *work) {
  (void)a, (void)in, (void)weight, (void)bias, (void)out, (void)work;
  return false;
}
bool ct__conv_direct_transpose(const ct_conv_args *a, const float *out, const float *weight, float *in,
                               float *work) {
  (void)a, (void)out, (void)weight, (void)in, (void)work;
  return false;
}
bool ct__conv_direct_weight_grad(const ct_conv_args *a, const float *out, const float *in, float *grad_weight,
                                 float *work) {
  (void)a, (void)out, (void)in, (void)grad_weight, (void)work;
  return false;
}
#endif

// Direct float32 convolution with AVX2 + FMA for the cases where PyTorch runs oneDNN
// (ct_conv_args.exact false). No column matrix and no BLAS packing: each image (and
// group) is copied once into a zero-padded buffer whose rows the tiles read directly.
//
// The sums follow oneDNN v2.6's JIT kernels on AVX-512 (PyTorch 1.13's build, run on one
// thread): every result element is a chain of fused multiply-adds, so that for the
// geometries of docs/DESIGN.md ("Convolutions in oneDNN's order") the bits are PyTorch's.
//
//   forward      output tiles of up to 6 channels x 16 columns of one row (or 8
//                columns of two rows, for narrow outputs) in registers; per block of 16
//                input channels a chain from 0 over (kernel row, kernel column, input
//                channel); the first block's chain plus the bias is stored, each later
//                block's chain is added to what is stored
//   transpose    for stride 1 the input gradient is a direct convolution of the padded
//                output gradient with the flipped, transposed weight: the same tiles,
//                chains over (kernel row, kernel column, output channel) in the
//                weight's own kernel order, blocks of 16 output channels, no bias
//   weight_grad  each weight's gradient is one chain from 0 over the images and output
//                positions in order; tiles of 32 output channels (the lanes, from a
//                channels-last copy of the gradient) x 3 weight taps
//   bias_grad    each channel's gradient: plain additions from 0 in the same order
//
// Images run in parallel (tiles of the weight gradient), so results do not depend on
// the number of threads.
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
#define BLOCK 16  // input channels of a forward chain, output channels of a transpose chain
#define GRAD_MV 4 // 8-lane vectors of output channels of a weight-gradient tile
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

// How a tile's chain reads the padded planes: planes [lo, hi) of the block, and whether
// kernel tap (i, j) reads row kh-1-i and column kw-1-j (the transpose's flipped kernel).
typedef struct chain_span {
  int64_t lo, hi;
  bool flip;
} chain_span;

// Output channels [0, mr) of a block at the tile's positions, one block of planes: a
// chain from 0 over (kernel row i, kernel column j, plane) with weights `wp` packed in
// that order ([tap][mr]); then the chain plus the bias (first block) or plus what `out`
// holds (later blocks) is stored.
INLINE void chain_tile(const int mr, const float *restrict wp, const float *restrict img, const direct_shape *s,
                       const chain_span *span, const tile_pos *p, const float *bias, bool add_out,
                       float *restrict out) {
  __m256 acc[MAX_MR][2];
  for (int t = 0; t < mr; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  const float *first = img + p->in[0], *second = img + p->in[1];
  const int64_t plane_in = s->hp * s->wp;
  for (int64_t i = 0; i < s->kh; i++)
    for (int64_t j = 0; j < s->kw; j++) {
      const int64_t row = (span->flip ? s->kh - 1 - i : i) * s->dh, col = (span->flip ? s->kw - 1 - j : j) * s->dw;
      for (int64_t c = span->lo, at = c * plane_in + row * s->wp + col; c < span->hi; c++, at += plane_in, wp += mr) {
        const __m256 b0 = _mm256_loadu_ps(first + at), b1 = _mm256_loadu_ps(second + at);
        for (int t = 0; t < mr; t++) {
          const __m256 a = _mm256_broadcast_ss(wp + t);
          acc[t][0] = _mm256_fmadd_ps(a, b0, acc[t][0]);
          acc[t][1] = _mm256_fmadd_ps(a, b1, acc[t][1]);
        }
      }
    }
  const int64_t plane = s->oh * s->ow;
  // Unrolled, so that acc's indices are constants and it stays in registers.
#pragma GCC unroll 2
  for (int k = 0; k < 2; k++) {
    if (p->n[k] == 0) continue;
    float *dst = out + p->at[k];
    const bool full = p->n[k] == 8; // masked moves are slow: whole vectors move plainly
    const __m256i m = lane_mask(p->n[k]);
#pragma GCC unroll 6
    for (int t = 0; t < mr; t++) {
      __m256 v = acc[t][k];
      if (add_out)
        v = _mm256_add_ps(v, full ? _mm256_loadu_ps(dst + t * plane) : _mm256_maskload_ps(dst + t * plane, m));
      else if (bias)
        v = _mm256_add_ps(v, _mm256_set1_ps(bias[t]));
      if (full)
        _mm256_storeu_ps(dst + t * plane, v);
      else
        _mm256_maskstore_ps(dst + t * plane, m, v);
    }
  }
}

// The tiles covering an output plane: how many, and tile `index`'s positions.
static int64_t tile_count(const direct_shape *s) {
  return s->ow > 8 ? s->oh * ((s->ow + 15) / 16) : (s->oh + 1) / 2;
}
INLINE tile_pos tile_at(const direct_shape *s, int64_t index) {
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

// out (count planes of oh × ow) = the packed weights (channel block after block, see
// channel_block) convolved with the padded image, block of BLOCK planes after block,
// plus the bias after the first.
static void conv_planes(const direct_shape *s, const float *img, const float *packed, const float *bias,
                        int64_t count, bool flip, float *out) {
  const int64_t k = s->kh * s->kw, taps = s->planes * k, blocks = (count + MAX_MR - 1) / MAX_MR;
  const int64_t tiles = tile_count(s);
  for (int64_t b = 0; b < blocks; b++) {
    int64_t c0, mr;
    channel_block(count, b, &c0, &mr);
    const float *bb = bias ? bias + c0 : NULL;
    float *o = out + c0 * s->oh * s->ow;
    for (int64_t tile = 0; tile < tiles; tile++) {
      const tile_pos p = tile_at(s, tile);
      for (int64_t lo = 0; lo < s->planes; lo += BLOCK) {
        const chain_span span = {lo, min64(lo + BLOCK, s->planes), flip};
        const float *wp = packed + c0 * taps + lo * k * mr;
        switch (mr) { // a constant per call: each block height compiles to its own loop
        case 6: chain_tile(6, wp, img, s, &span, &p, bb, lo > 0, o); break;
        case 5: chain_tile(5, wp, img, s, &span, &p, bb, lo > 0, o); break;
        case 4: chain_tile(4, wp, img, s, &span, &p, bb, lo > 0, o); break;
        case 3: chain_tile(3, wp, img, s, &span, &p, bb, lo > 0, o); break;
        case 2: chain_tile(2, wp, img, s, &span, &p, bb, lo > 0, o); break;
        default: chain_tile(1, wp, img, s, &span, &p, bb, lo > 0, o); break;
        }
      }
    }
  }
}

// Packs weights for conv_planes: channel block after block, each as plane block after
// plane block of [kernel row][kernel column][plane][channel in block]. Forward (w is
// count × planes × kh × kw): channel co's tap (c, i, j) is w[co][c][i][j]. Transposed (w
// is planes × count × kh × kw, the input gradient): channel c's tap (co, i, j) is
// w[co][c][i][j]; the tiles read it at the flipped position.
static void pack_weights(const float *w, int64_t count, int64_t planes, bool transposed, int64_t kh, int64_t kw,
                         float *packed) {
  const int64_t blocks = (count + MAX_MR - 1) / MAX_MR, k = kh * kw;
  for (int64_t b = 0; b < blocks; b++) {
    int64_t c0, mr;
    channel_block(count, b, &c0, &mr);
    float *dst = packed + c0 * planes * k;
    for (int64_t lo = 0; lo < planes; lo += BLOCK)
      for (int64_t tap = 0; tap < k; tap++)
        for (int64_t c = lo; c < min64(lo + BLOCK, planes); c++)
          for (int64_t t = 0; t < mr; t++)
            *dst++ = transposed ? w[(c * count + c0 + t) * k + tap] : w[((c0 + t) * planes + c) * k + tap];
  }
}

// ---- weight-gradient tiles ----

// Weight-gradient operands of a chunk of images: the padded images (img_image apart)
// and their output gradients channels-last (gt: per image, per output position, `lanes`
// channels, zeros past the group's channels).
typedef struct grad_chunk {
  const float *imgs, *gt;
  int64_t img_image, images, lanes;
} grad_chunk;

// Lanes [8 v0, 8 (v0 + mv)) of taps [0, nr) of acc_t (taps × lanes, the weight
// gradient channels-last; tap q at offset off[q] of the padded image) continue their
// chains over the chunk's images and output positions in order.
INLINE void grad_tile(const int mv, const int nr, const grad_chunk *c, const direct_shape *s, const int64_t *off,
                      int64_t v0, float *restrict acc_t) {
  __m256 acc[GRAD_MV][GRAD_NR];
  acc_t += 8 * v0;
  for (int m = 0; m < mv; m++)
    for (int q = 0; q < nr; q++) acc[m][q] = _mm256_loadu_ps(acc_t + q * c->lanes + 8 * m);
  for (int64_t k = 0; k < c->images; k++)
    for (int64_t y = 0; y < s->oh; y++) {
      const float *irow = c->imgs + k * c->img_image + y * s->sh * s->wp;
      const float *grow = c->gt + (k * s->oh + y) * s->ow * c->lanes + 8 * v0;
      for (int64_t x = 0; x < s->ow; x++, grow += c->lanes) {
        __m256 g[GRAD_MV];
        for (int m = 0; m < mv; m++) g[m] = _mm256_loadu_ps(grow + 8 * m);
        for (int q = 0; q < nr; q++) {
          const __m256 v = _mm256_broadcast_ss(irow + x + off[q]);
          for (int m = 0; m < mv; m++) acc[m][q] = _mm256_fmadd_ps(g[m], v, acc[m][q]);
        }
      }
    }
  for (int m = 0; m < mv; m++)
    for (int q = 0; q < nr; q++) _mm256_storeu_ps(acc_t + q * c->lanes + 8 * m, acc[m][q]);
}

// acc_t (taps × lanes) continues with the chunk: tiles of GRAD_MV vectors × GRAD_NR
// taps, in parallel (each weight's chain is in one tile).
static void grad_planes(const direct_shape *s, const grad_chunk *c, float *acc_t, int threads) {
  const int64_t taps = s->planes * s->kh * s->kw, vectors = c->lanes / 8;
  const int64_t col_tiles = (vectors + GRAD_MV - 1) / GRAD_MV, tap_tiles = (taps + GRAD_NR - 1) / GRAD_NR;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t tile = 0; tile < col_tiles * tap_tiles; tile++) {
    const int64_t v0 = tile % col_tiles * GRAD_MV, r0 = tile / col_tiles * GRAD_NR;
    const int mv = (int)min64(GRAD_MV, vectors - v0), nr = (int)min64(GRAD_NR, taps - r0);
    int64_t off[GRAD_NR] = {0};
    for (int q = 0; q < nr; q++) {
      const int64_t r = r0 + q, plane = r / (s->kh * s->kw), i = r / s->kw % s->kh, j = r % s->kw;
      off[q] = (plane * s->hp + i * s->dh) * s->wp + j * s->dw;
    }
    float *out = acc_t + r0 * c->lanes;
#define GRAD_CASE(M, N) grad_tile(M, N, c, s, off, v0, out)
    switch (mv * 4 + nr) { // constants per call: each tile shape compiles to its own loop
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

// The weight gradient's lanes: the group's output channels rounded up to whole vectors.
static int64_t grad_lanes(const ct_conv_args *a) { return (a->out_channels / a->groups + 7) / 8 * 8; }

int64_t ct__conv_direct_workspace(const ct_conv_args *a) {
  if (!handled(a)) return 0;
  const int64_t g_in = a->in_channels / a->groups, g_out = a->out_channels / a->groups;
  const int64_t weights = g_in * g_out * a->kernel[0] * a->kernel[1], threads = conv_threads(a);
  const direct_shape in = input_shape(a);
  const int64_t chunk = min64(GRAD_CHUNK, a->batch), lanes = grad_lanes(a);
  const int64_t grad = weights / g_out * lanes + chunk * (padded_elems(&in) + in.oh * in.ow * lanes);
  int64_t n = max64(weights + threads * padded_elems(&in), grad);
  if (a->stride[0] == 1) {
    const direct_shape grad_shape = gradient_shape(a);
    n = max64(n, weights + threads * padded_elems(&grad_shape));
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
    pack_weights(weight + g * g_out * taps, g_out, g_in, false, s.kh, s.kw, packed);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t n = 0; n < a->batch; n++) {
      float *img = imgs + thread_id() * padded_elems(&s);
      pad_planes(in + (n * a->in_channels + g * g_in) * in_plane, a->in_size[0], a->in_size[1], a->padding[0],
                 a->padding[1], &s, img);
      conv_planes(&s, img, packed, bias ? bias + g * g_out : NULL, g_out, false,
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
    pack_weights(weight + g * g_out * g_in * s.kh * s.kw, g_in, g_out, true, s.kh, s.kw, packed);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t n = 0; n < a->batch; n++) {
      float *img = imgs + thread_id() * padded_elems(&s);
      pad_planes(out + (n * a->out_channels + g * g_out) * out_plane, a->out_size[0], a->out_size[1], top, left,
                 &s, img);
      conv_planes(&s, img, packed, NULL, g_in, true, in + (n * a->in_channels + g * g_in) * in_plane);
    }
  }
  return true;
}

// dst[q * ld + t] = src[t * plane + q] for t, q < 8: an 8 × 8 block transposed in
// registers (pairs, then quads, then halves exchanged).
static void transpose_8x8(const float *src, int64_t plane, float *dst, int64_t ld) {
  __m256 r[8], u[8];
  for (int t = 0; t < 8; t++) r[t] = _mm256_loadu_ps(src + t * plane);
  for (int t = 0; t < 8; t += 2) {
    u[t] = _mm256_unpacklo_ps(r[t], r[t + 1]);
    u[t + 1] = _mm256_unpackhi_ps(r[t], r[t + 1]);
  }
  for (int t = 0; t < 8; t += 4)
    for (int h = 0; h < 2; h++) {
      r[t + h] = _mm256_shuffle_ps(u[t + h], u[t + h + 2], _MM_SHUFFLE(1, 0, 1, 0));
      r[t + h + 2] = _mm256_shuffle_ps(u[t + h], u[t + h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    }
  // r[0..7] now hold, per 128-bit half, columns 0, 2, 1, 3 of rows 0-3 and 4-7 in turn
  static const int order[4] = {0, 2, 1, 3};
  for (int q = 0; q < 4; q++) {
    _mm256_storeu_ps(dst + q * ld, _mm256_permute2f128_ps(r[order[q]], r[order[q] + 4], 0x20));
    _mm256_storeu_ps(dst + (q + 4) * ld, _mm256_permute2f128_ps(r[order[q]], r[order[q] + 4], 0x31));
  }
}

// gt (images × plane × lanes) = the gradient planes (count × plane per image, g_image
// apart) channels-last, zeros in the lanes past count: 8 × 8 blocks in registers, the
// edges element by element.
static void to_channels_last(const float *g, int64_t g_image, int64_t images, int64_t count, int64_t plane,
                             int64_t lanes, float *gt) {
  const int64_t c8 = count / 8 * 8, p8 = plane / 8 * 8;
  for (int64_t k = 0; k < images; k++) {
    const float *src = g + k * g_image;
    float *dst = gt + k * plane * lanes;
    for (int64_t c0 = 0; c0 < c8; c0 += 8)
      for (int64_t p0 = 0; p0 < p8; p0 += 8) transpose_8x8(src + c0 * plane + p0, plane, dst + p0 * lanes + c0, lanes);
    for (int64_t p = 0; p < plane; p++) {
      float *row = dst + p * lanes;
      for (int64_t c = p < p8 ? c8 : 0; c < count; c++) row[c] = src[c * plane + p];
      for (int64_t c = count; c < lanes; c++) row[c] = 0.0f;
    }
  }
}

bool ct__conv_direct_weight_grad(const ct_conv_args *a, const float *out, const float *in, float *grad_weight,
                                 float *work) {
  if (!handled(a)) return false;
  const direct_shape s = input_shape(a);
  const int64_t g_in = s.planes, g_out = a->out_channels / a->groups, taps = g_in * s.kh * s.kw;
  const int64_t in_plane = a->in_size[0] * a->in_size[1], out_plane = s.oh * s.ow, img = padded_elems(&s);
  const int64_t lanes = grad_lanes(a), chunk = min64(GRAD_CHUNK, a->batch);
  const int threads = conv_threads(a);
  float *acc_t = work, *imgs = acc_t + taps * lanes, *gt = imgs + chunk * img;
  for (int64_t g = 0; g < a->groups; g++) {
    memset(acc_t, 0, (size_t)(taps * lanes) * sizeof(float));
    for (int64_t n0 = 0; n0 < a->batch; n0 += GRAD_CHUNK) { // pad a chunk of images, then correlate
      const int64_t images = min64(GRAD_CHUNK, a->batch - n0);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
      for (int64_t k = 0; k < images; k++)
        pad_planes(in + ((n0 + k) * a->in_channels + g * g_in) * in_plane, a->in_size[0], a->in_size[1],
                   a->padding[0], a->padding[1], &s, imgs + k * img);
      to_channels_last(out + (n0 * a->out_channels + g * g_out) * out_plane, a->out_channels * out_plane, images,
                       g_out, out_plane, lanes, gt);
      const grad_chunk c = {.imgs = imgs, .gt = gt, .img_image = img, .images = images, .lanes = lanes};
      grad_planes(&s, &c, acc_t, threads);
    }
    float *dst = grad_weight + g * g_out * taps;
    for (int64_t co = 0; co < g_out; co++)
      for (int64_t r = 0; r < taps; r++) dst[co * taps + r] = acc_t[r * lanes + co];
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

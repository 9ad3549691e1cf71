// Batches of small float32 products (torch.bmm of attention's per-head scores and
// weighted sums: 16×16×16 products, hundreds per call) in one kernel call instead of one
// OpenBLAS call each.
//
// For products with k < CT_BMM_SMALL_MAX_K, OpenBLAS's kernels (small-matrix and packed
// paths alike) compute every element of C as one chain of fused multiply-adds over k in
// order, starting from +0, and store it times alpha (1 here) over a C that beta 0 has
// cleared. This file computes the same chain, vectorised over columns, so its results
// equal OpenBLAS's (and PyTorch's, which makes the same calls) bit for bit; per-call
// overhead, packing and the beta pass are what it saves. Whether the OpenBLAS at hand
// sums that way is checked once, on probe products of every layout (reproduces_cblas):
// if any element differs, every product goes to OpenBLAS as before.
#include "kernels/cpu/blas_internal.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(CTORCH_HAVE_CBLAS) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define LANES 8 // floats per __m256
#define TILE_ROWS 4
#define TILE_VECS 2 // a tile is TILE_ROWS × (TILE_VECS * LANES) elements of C

// dst's 8 rows (stride ds) = the transpose of src's 8 rows (stride ss), 8 floats each.
static inline void transpose_8x8(const float *src, int64_t ss, float *dst, int64_t ds) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; i++)
    r[i] = _mm256_loadu_ps(src + i * ss);
  for (int i = 0; i < 8; i += 2) { // pairs of rows interleaved
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) { // then quadruples: 4×4 blocks transposed in each half
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) { // and the 128-bit halves exchanged
    _mm256_storeu_ps(dst + i * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}

// B of one product, k×n, as rows of n_pad (n rounded up to LANES) floats with zero
// padding, or B itself when its rows already are such (unit column stride, n a multiple
// of LANES). Returns the row stride of the rows to read.
static const float *rows_of_b(const float *b, int64_t rs, int64_t cs, int64_t k, int64_t n, int64_t n_pad,
                              float *packed, int64_t *row_stride) {
  if (cs == 1 && n == n_pad) {
    *row_stride = rs;
    return b;
  }
  if (rs == 1) { // columns are contiguous: 8×8 blocks transposed in registers, then the rest
    const int64_t n8 = n / LANES * LANES, k8 = k / LANES * LANES;
    for (int64_t j = 0; j < n8; j += LANES)
      for (int64_t p = 0; p < k8; p += LANES)
        transpose_8x8(b + j * cs + p, cs, packed + p * n_pad + j, n_pad);
    for (int64_t j = 0; j < n; j++)
      for (int64_t p = j < n8 ? k8 : 0; p < k; p++)
        packed[p * n_pad + j] = b[j * cs + p];
  } else {
    for (int64_t p = 0; p < k; p++)
      for (int64_t j = 0; j < n; j++)
        packed[p * n_pad + j] = b[p * rs + j * cs];
  }
  for (int64_t p = 0; p < k; p++)
    for (int64_t j = n; j < n_pad; j++)
      packed[p * n_pad + j] = 0;
  *row_stride = n_pad;
  return packed;
}

// Stores `rows` rows of a tile's `vecs` accumulator vectors at C's columns j0.. (n in all).
__attribute__((always_inline)) static inline void store_tile(__m256 acc[TILE_ROWS][TILE_VECS], int rows,
                                                             int vecs, float *c, int64_t rs, int64_t cs,
                                                             int64_t j0, int64_t n) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 2
    for (int v = 0; v < vecs; v++) {
      const int64_t j = j0 + v * LANES;
      float *dst = c + r * rs + j * cs;
      if (cs == 1 && j + LANES <= n) {
        _mm256_storeu_ps(dst, acc[r][v]);
        continue;
      }
      float lane[LANES];
      _mm256_storeu_ps(lane, acc[r][v]);
      for (int64_t l = 0; l < LANES && j + l < n; l++)
        dst[l * cs] = lane[l];
    }
}

// C rows i0..i0+rows-1, columns j0..j0+vecs*LANES-1 (of the padded B rows): for each
// element, acc = fma(a[i][p], b[p][j], acc) for p = 0..k-1 from acc = +0.
__attribute__((always_inline)) static inline void tile(int rows, int vecs, int64_t k, const float *a,
                                                       int64_t a_rs, int64_t a_cs, const float *brows,
                                                       int64_t b_stride, float *c, int64_t c_rs, int64_t c_cs,
                                                       int64_t j0, int64_t n) {
  // Fully unrolled loops over the tile, so that the accumulators stay in registers.
  __m256 acc[TILE_ROWS][TILE_VECS];
#pragma GCC unroll 4
  for (int r = 0; r < TILE_ROWS; r++)
#pragma GCC unroll 2
    for (int v = 0; v < TILE_VECS; v++)
      acc[r][v] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; p++) {
    __m256 bv[TILE_VECS];
#pragma GCC unroll 2
    for (int v = 0; v < vecs; v++)
      bv[v] = _mm256_loadu_ps(brows + p * b_stride + j0 + v * LANES);
#pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
      const __m256 ar = _mm256_broadcast_ss(a + r * a_rs + p * a_cs);
#pragma GCC unroll 2
      for (int v = 0; v < vecs; v++)
        acc[r][v] = _mm256_fmadd_ps(ar, bv[v], acc[r][v]);
    }
  }
  store_tile(acc, rows, vecs, c, c_rs, c_cs, j0, n);
}

// The tile sizes as constants, so that each call of `tile` is unrolled for them.
static void tile_of(int rows, int vecs, int64_t k, const float *a, int64_t a_rs, int64_t a_cs,
                    const float *brows, int64_t b_stride, float *c, int64_t c_rs, int64_t c_cs, int64_t j0,
                    int64_t n) {
#define TILE(R, V) tile(R, V, k, a, a_rs, a_cs, brows, b_stride, c, c_rs, c_cs, j0, n)
  if (vecs == 2) {
    switch (rows) {
    case 4: TILE(4, 2); return;
    case 3: TILE(3, 2); return;
    case 2: TILE(2, 2); return;
    default: TILE(1, 2); return;
    }
  }
  switch (rows) {
  case 4: TILE(4, 1); return;
  case 3: TILE(3, 1); return;
  case 2: TILE(2, 1); return;
  default: TILE(1, 1); return;
  }
#undef TILE
}

// Asks for the cache lines of a rows×cols matrix whose rows or columns are contiguous
// (others: nothing). Attention's per-head operands lie in rows or columns some kilobytes
// apart, which the hardware prefetchers do not follow from one product to the next.
static void prefetch_matrix(const float *x, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if (cs != 1) { // contiguous columns, or neither: as the transpose
    const int64_t t = rows;
    rows = cols, cols = t, rs = cs, cs = 1;
  }
  if (cs != 1) return;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j += 64 / (int64_t)sizeof(float))
      __builtin_prefetch(x + i * rs + j);
}

static void small_products(const ct_gemm_args *g) {
  const int64_t m = g->m, n = g->n, k = g->k, n_pad = (n + LANES - 1) / LANES * LANES;
  float packed[(CT_BMM_SMALL_MAX_K - 1) * CT_BMM_SMALL_MAX_MN];
  for (int64_t item = 0; item < g->batch; item++) {
    const float *a = (const float *)g->a + item * g->a_bs;
    float *c = (float *)g->c + item * g->c_bs;
    if (item + 1 < g->batch) { // the next product's operands, while this one computes
      prefetch_matrix(a + g->a_bs, m, k, g->a_rs, g->a_cs);
      prefetch_matrix((const float *)g->b + (item + 1) * g->b_bs, k, n, g->b_rs, g->b_cs);
    }
    int64_t b_stride;
    const float *brows =
        rows_of_b((const float *)g->b + item * g->b_bs, g->b_rs, g->b_cs, k, n, n_pad, packed, &b_stride);
    for (int64_t j0 = 0; j0 < n_pad; j0 += TILE_VECS * LANES) {
      const int vecs = n_pad - j0 >= TILE_VECS * LANES ? TILE_VECS : 1;
      for (int64_t i0 = 0; i0 < m; i0 += TILE_ROWS) {
        const int rows = m - i0 >= TILE_ROWS ? TILE_ROWS : (int)(m - i0);
        tile_of(rows, vecs, k, a + i0 * g->a_rs, g->a_rs, g->a_cs, brows, b_stride, c + i0 * g->c_rs, g->c_rs,
                g->c_cs, j0, n);
      }
    }
  }
}

// Probe products: every layout of A, B and C (row- or column-major) at a few sizes in
// range, values from a fixed sequence spanning several magnitudes.
static bool reproduces_cblas(void) {
  enum { MAX = CT_BMM_SMALL_MAX_MN, K = CT_BMM_SMALL_MAX_K - 1 };
  static const int64_t sizes[][3] = {{16, 16, 16}, {7, 13, K}, {MAX, MAX, K}, {33, 9, 5}};
  // Buffers of the calling thread's own (threads may probe at the same time).
  float *a = malloc(sizeof(float) * (2 * MAX * K + 2 * MAX * MAX));
  if (!a) return false; // not probed: OpenBLAS computes every product
  float *b = a + MAX * K, *c_ours = b + MAX * K, *c_blas = c_ours + MAX * MAX;
  uint32_t state = 12345;
  for (int i = 0; i < MAX * K; i++) {
    state = state * 1664525u + 1013904223u;
    a[i] = ((float)(state >> 8) / 16777216.0f - 0.5f) * (float)(1 << (state & 7));
    state = state * 1664525u + 1013904223u;
    b[i] = ((float)(state >> 8) / 16777216.0f - 0.5f) * (float)(1 << (state & 7));
  }
  bool same = true;
  for (size_t s = 0; same && s < sizeof sizes / sizeof sizes[0]; s++)
    for (int layout = 0; same && layout < 8; layout++) {
      const int64_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
      const bool at = layout & 1, bt = layout & 2, ct = layout & 4; // column-major when set
      ct_gemm_args g = {.batch = 1, .m = m, .n = n, .k = k, .a = a, .b = b, .alpha = 1, .beta = 0};
      g.a_rs = at ? 1 : k, g.a_cs = at ? m : 1;
      g.b_rs = bt ? 1 : n, g.b_cs = bt ? k : 1;
      g.c_rs = ct ? 1 : n, g.c_cs = ct ? m : 1;
      g.c = c_ours;
      small_products(&g);
      g.c = c_blas;
      ct__cblas_gemm(&g, sizeof(float));
      same = memcmp(c_ours, c_blas, (size_t)(m * n) * sizeof(float)) == 0;
    }
  free(a);
  return same;
}

static bool available(void) {
  static atomic_int state = -1; // -1: not probed yet, 0: no, 1: yes
  int s = atomic_load_explicit(&state, memory_order_relaxed);
  if (s < 0) {
    s = reproduces_cblas();
    atomic_store_explicit(&state, s, memory_order_relaxed);
  }
  return s;
}

bool ct__bmm_small_f32_fits(int64_t m, int64_t n, int64_t k) {
  return k >= 1 && k < CT_BMM_SMALL_MAX_K && m <= CT_BMM_SMALL_MAX_MN && n <= CT_BMM_SMALL_MAX_MN &&
         available();
}

bool ct__bmm_small_f32(const ct_gemm_args *g) {
  if (g->alpha != 1 || g->beta != 0 || !ct__bmm_small_f32_fits(g->m, g->n, g->k)) return false;
  small_products(g);
  return true;
}

#else

bool ct__bmm_small_f32_fits(int64_t m, int64_t n, int64_t k) {
  (void)m, (void)n, (void)k;
  return false;
}

bool ct__bmm_small_f32(const ct_gemm_args *g) {
  (void)g;
  return false;
}

#endif

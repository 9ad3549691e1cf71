// The rnn family's product for one time step (kernels/rnn.h, hidden_product): C = A @ B
// with few rows (the batch) and B a dense row-major matrix the op lays out once per layer
// (W_hh transposed). Register tiles of up to 4 rows by 24 columns accumulate over k with
// fused multiply-adds, reading B straight from cache: no per-call packing of B, which is
// what a general GEMM spends most of a step's small product on. float32 with AVX2+FMA
// only; elsewhere the entry is NULL and the op calls the blas family.
#include "kernels/rnn.h"
#include <math.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define INLINE static inline __attribute__((always_inline))

// C[rows x (8 * vecs)] at column j: rows (1..4) and vecs (1..3) are constants at each
// call site, so every tile compiles to its own register-resident loop.
INLINE void tile(int rows, int vecs, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                 float *c, int64_t ldc) {
  __m256 acc[4][3];
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < vecs; v++)
      acc[r][v] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; p++, b += ldb) {
    __m256 bv[3];
    for (int v = 0; v < vecs; v++)
      bv[v] = _mm256_loadu_ps(b + 8 * v);
    for (int r = 0; r < rows; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + p);
      for (int v = 0; v < vecs; v++)
        acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < vecs; v++)
      _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]);
}

// Columns past the last multiple of 8, one at a time.
static void tail_columns(int64_t m, int64_t n0, int64_t n, int64_t k, const float *a, int64_t lda,
                         const float *b, float *c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = n0; j < n; j++) {
      float s = 0;
      for (int64_t p = 0; p < k; p++)
        s = fmaf(a[i * lda + p], b[p * n + j], s);
      c[i * ldc + j] = s;
    }
}

INLINE void row_block(int rows, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, float *c,
                      int64_t ldc) {
  int64_t j = 0;
  for (; j + 24 <= n; j += 24)
    tile(rows, 3, k, a, lda, b + j, n, c + j, ldc);
  for (; j + 8 <= n; j += 8)
    tile(rows, 1, k, a, lda, b + j, n, c + j, ldc);
}

static void product_f32(const ct_rnn_product_args *g) {
  const float *a = g->a, *b = g->b;
  float *c = g->c;
  int64_t i = 0;
  for (; i + 4 <= g->m; i += 4)
    row_block(4, g->n, g->k, a + i * g->lda, g->lda, b, c + i * g->ldc, g->ldc);
  switch (g->m - i) {
  case 3: row_block(3, g->n, g->k, a + i * g->lda, g->lda, b, c + i * g->ldc, g->ldc); break;
  case 2: row_block(2, g->n, g->k, a + i * g->lda, g->lda, b, c + i * g->ldc, g->ldc); break;
  case 1: row_block(1, g->n, g->k, a + i * g->lda, g->lda, b, c + i * g->ldc, g->ldc); break;
  default: break;
  }
  tail_columns(g->m, g->n - g->n % 8, g->n, g->k, a, g->lda, b, c, g->ldc);
}
#define PRODUCT_F32 product_f32
#else
#define PRODUCT_F32 NULL
#endif

const ct_rnn_product_fn ct__cpu_rnn_products[CT_NUM_DTYPES] = {[CT_FLOAT32] = PRODUCT_F32};

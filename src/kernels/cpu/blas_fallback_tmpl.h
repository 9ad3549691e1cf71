// Portable GEMM/GEMV/dot for one floating type, used when ctorch is built without CBLAS
// or when CTORCH_GEMM=fallback. Included once by blas_fallback_f32.c / _f64.c with:
//   FT          element type              FSUFFIX(name)  the exported name for FT
//   FVL         lanes of one vector register (8 floats / 4 doubles with AVX2)
//   FMR, FNR    micro-tile: FMR rows × FNR columns of C kept in registers
//   FMC, FKC, FNC  cache blocks: an FMC×FKC block of A (L2), an FKC×FNC panel of B (L3)
//
// GEMM follows the Goto/BLIS scheme: for each FNC-wide column panel and FKC-deep slice,
// B is packed into FNR-wide strips, each FMC-high block of A into FMR-high strips (both
// zero-padded, transposes and strides absorbed by the packing), and the micro-kernel
// computes an FMR×FNR tile in FMR*FNR/FVL vector accumulators from unit-stride loads.
//
// The code uses GNU C vector types, so the compiler emits one SIMD instruction per
// vector operation on any target (AVX2/FMA with -march=x86-64-v3) without intrinsics.
// Fused multiply-adds are allowed here only (the project builds with -ffp-contract=off
// for PyTorch parity elsewhere): a GEMM without FMA runs at half speed, and these
// results are compared to PyTorch with a tolerance, not bit for bit.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif
#include "kernels/cpu/blas_internal.h"
#include "kernels/parallel.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/// Products with at least this many multiply-adds use all OpenMP threads.
#define PARALLEL_FLOPS (64.0 * 64.0 * 64.0)
#define FNV (FNR / FVL) // vectors per micro-tile row

typedef FT vec_t __attribute__((vector_size(FVL * sizeof(FT))));

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// A (mc×kc, strides rs/cs) → strips of FMR rows: strip s holds ap[s*kc*FMR + p*FMR + i].
static void pack_a(int64_t mc, int64_t kc, const FT *a, int64_t rs, int64_t cs, FT *restrict ap) {
  for (int64_t ir = 0; ir < mc; ir += FMR) {
    const int64_t mr = min64(FMR, mc - ir);
    const FT *src = a + ir * rs;
    for (int64_t p = 0; p < kc; p++, ap += FMR) {
      int64_t i = 0;
      for (; i < mr; i++)
        ap[i] = src[i * rs + p * cs];
      for (; i < FMR; i++)
        ap[i] = 0;
    }
  }
}

// B (kc×nc, strides rs/cs) → strips of FNR columns: strip s holds bp[s*kc*FNR + p*FNR + j].
static void pack_b(int64_t kc, int64_t nc, const FT *b, int64_t rs, int64_t cs, FT *restrict bp) {
  for (int64_t jr = 0; jr < nc; jr += FNR) {
    const int64_t nr = min64(FNR, nc - jr);
    const FT *src = b + jr * cs;
    for (int64_t p = 0; p < kc; p++, bp += FNR) {
      const FT *row = src + p * rs;
      if (cs == 1 && nr == FNR) {
        memcpy(bp, row, sizeof(FT) * FNR);
        continue;
      }
      int64_t j = 0;
      for (; j < nr; j++)
        bp[j] = row[j * cs];
      for (; j < FNR; j++)
        bp[j] = 0;
    }
  }
}

// tile (FMR×FNR, row-major) = Astrip @ Bstrip over kc. The accumulators are only ever
// touched as whole vectors, so the compiler keeps all of them in registers.
static void micro(int64_t kc, const FT *restrict ap, const FT *restrict bp, FT *restrict tile) {
  vec_t acc[FMR][FNV];
  memset(acc, 0, sizeof acc);
  for (int64_t p = 0; p < kc; p++) {
    vec_t bv[FNV];
    for (int v = 0; v < FNV; v++)
      memcpy(&bv[v], bp + p * FNR + v * FVL, sizeof bv[v]);
    for (int i = 0; i < FMR; i++) {
      const FT ai = ap[p * FMR + i];
      for (int v = 0; v < FNV; v++)
        acc[i][v] += ai * bv[v];
    }
  }
  for (int i = 0; i < FMR; i++)
    for (int v = 0; v < FNV; v++)
      memcpy(tile + i * FNR + v * FVL, &acc[i][v], sizeof acc[i][v]);
}

// C (the mr×nr corner of the tile) = alpha * tile + beta * C (beta 0: C unread).
static void update_c(const FT *restrict tile, FT *c, int64_t rs, int64_t cs, int64_t mr, int64_t nr, FT alpha,
                     FT beta) {
  for (int64_t i = 0; i < mr; i++) {
    const FT *t = tile + i * FNR;
    FT *row = c + i * rs;
    if (cs == 1 && beta == 0) {
      for (int64_t j = 0; j < nr; j++)
        row[j] = alpha * t[j];
    } else if (cs == 1) {
      for (int64_t j = 0; j < nr; j++)
        row[j] = alpha * t[j] + beta * row[j];
    } else {
      for (int64_t j = 0; j < nr; j++) {
        FT *x = row + j * cs;
        *x = beta == 0 ? alpha * t[j] : alpha * t[j] + beta * *x;
      }
    }
  }
}

// Unblocked product for when the packing buffers cannot be allocated.
static void gemm_unblocked(const ct_gemm_args *g, FT alpha, FT beta) {
  const FT *a = g->a, *b = g->b;
  FT *c = g->c;
  for (int64_t i = 0; i < g->m; i++)
    for (int64_t j = 0; j < g->n; j++) {
      FT acc = 0;
      for (int64_t p = 0; p < g->k; p++)
        acc += a[i * g->a_rs + p * g->a_cs] * b[p * g->b_rs + j * g->b_cs];
      FT *x = c + i * g->c_rs + j * g->c_cs;
      *x = beta == 0 ? alpha * acc : alpha * acc + beta * *x;
    }
}

static FT *alloc_panel(size_t elems) {
  size_t bytes = (elems * sizeof(FT) + 63) / 64 * 64;
  return aligned_alloc(64, bytes ? bytes : 64);
}

void FSUFFIX(ct__gemm_fallback)(const ct_gemm_args *g) {
  const int64_t m = g->m, n = g->n, k = g->k;
  const FT alpha = (FT)g->alpha, beta = (FT)g->beta;
  const FT *A = g->a, *B = g->b;
  FT *C = g->c;
  int threads = 1;
#ifdef _OPENMP
  if ((double)m * (double)n * (double)k >= PARALLEL_FLOPS && !omp_in_parallel())
    threads = ct__parallel_threads();
#endif
  const int64_t kc_max = min64(k, FKC);
  const int64_t mc_max = (min64(m, FMC) + FMR - 1) / FMR * FMR;
  const int64_t nc_max = (min64(n, FNC) + FNR - 1) / FNR * FNR;
  FT *bp = alloc_panel((size_t)(kc_max * nc_max));
  FT *ap_all = alloc_panel((size_t)(threads * mc_max * kc_max));
  if (!bp || !ap_all) {
    free(bp);
    free(ap_all);
    gemm_unblocked(g, alpha, beta);
    return;
  }
  const int64_t m_blocks = (m + FMC - 1) / FMC;
  for (int64_t jc = 0; jc < n; jc += FNC) {
    const int64_t nc = min64(FNC, n - jc);
    for (int64_t pc = 0; pc < k; pc += FKC) {
      const int64_t kc = min64(FKC, k - pc);
      const FT beta_here = pc == 0 ? beta : 1; // later slices accumulate
      pack_b(kc, nc, B + pc * g->b_rs + jc * g->b_cs, g->b_rs, g->b_cs, bp);
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
#endif
      for (int64_t ib = 0; ib < m_blocks; ib++) {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        FT *ap = ap_all + (int64_t)t * mc_max * kc_max;
        FT tile[FMR * FNR];
        const int64_t ic = ib * FMC, mc = min64(FMC, m - ic);
        pack_a(mc, kc, A + ic * g->a_rs + pc * g->a_cs, g->a_rs, g->a_cs, ap);
        for (int64_t jr = 0; jr < nc; jr += FNR)
          for (int64_t ir = 0; ir < mc; ir += FMR) {
            micro(kc, ap + ir * kc, bp + jr * kc, tile);
            update_c(tile, C + (ic + ir) * g->c_rs + (jc + jr) * g->c_cs, g->c_rs, g->c_cs,
                     min64(FMR, mc - ir), min64(FNR, nc - jr), alpha, beta_here);
          }
      }
    }
  }
  free(bp);
  free(ap_all);
}

// Sum of x[i] * y[i]; unit strides use 4 independent vector accumulators.
static FT dot_any(int64_t n, const FT *x, int64_t incx, const FT *y, int64_t incy) {
  FT sum = 0;
  int64_t i = 0;
  if (incx == 1 && incy == 1) {
    vec_t acc[4];
    memset(acc, 0, sizeof acc);
    for (; i + 4 * FVL <= n; i += 4 * FVL)
      for (int u = 0; u < 4; u++) {
        vec_t xv, yv;
        memcpy(&xv, x + i + u * FVL, sizeof xv);
        memcpy(&yv, y + i + u * FVL, sizeof yv);
        acc[u] += xv * yv;
      }
    const vec_t total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (int l = 0; l < FVL; l++)
      sum += total[l];
  }
  for (; i < n; i++)
    sum += x[i * incx] * y[i * incy];
  return sum;
}

void FSUFFIX(ct__dot_fallback)(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy,
                               void *out) {
  *(FT *)out = dot_any(n, x, incx, y, incy);
}

void FSUFFIX(ct__gemv_fallback)(const ct_gemv_args *g) {
  const FT alpha = (FT)g->alpha, beta = (FT)g->beta;
  const FT *a = g->a, *x = g->x;
  FT *y = g->y;
  if (g->a_rs == 1 && g->a_cs != 1 && g->incy == 1) {
    // Column-major A: y = beta*y, then y += (alpha*x[j]) * column j (unit-stride axpys).
    for (int64_t i = 0; i < g->m; i++)
      y[i] = beta == 0 ? 0 : beta * y[i];
    for (int64_t j = 0; j < g->n; j++) {
      const FT s = alpha * x[j * g->incx];
      const FT *col = a + j * g->a_cs;
      for (int64_t i = 0; i < g->m; i++)
        y[i] += s * col[i];
    }
    return;
  }
  for (int64_t i = 0; i < g->m; i++) {
    const FT d = alpha * dot_any(g->n, a + i * g->a_rs, g->a_cs, x, g->incx);
    FT *yi = y + i * g->incy;
    *yi = beta == 0 ? d : d + beta * *yi;
  }
}

// Portable GEMM/GEMV/dot for one floating type. Included by blas_fallback.c once per
// type with these macros defined:
//   FT          element type                 FN(name)   name##_<suffix>
//   FVL         lanes of one vector register (8 floats / 4 doubles with AVX2)
//   FMR, FNR    micro-tile: FMR rows × FNR columns of C kept in registers
//   FMC, FKC, FNC  cache blocks: an FMC×FKC block of A (L2), an FKC×FNC panel of B (L3)
//
// GEMM follows the Goto/BLIS scheme: for each FNC-wide column panel and FKC-deep slice,
// B is packed into FNR-wide strips, each FMC-high block of A into FMR-high strips (both
// zero-padded, transposes absorbed by the packing), and the micro-kernel computes an
// FMR×FNR tile with FMR*FNR/FVL vector accumulators. Strips are read sequentially, so
// the kernel's loads are unit-stride whatever the operands' layout.

typedef FT FN(vec) __attribute__((vector_size(FVL * sizeof(FT))));
#define FNV (FNR / FVL) // vectors per micro-tile row

static inline int64_t FN(min)(int64_t a, int64_t b) { return a < b ? a : b; }

// A (mc×kc, strides rs/cs) → strips of FMR rows: strip s holds ap[s*kc*FMR + p*FMR + i].
static void FN(pack_a)(int64_t mc, int64_t kc, const FT *a, int64_t rs, int64_t cs, FT *restrict ap) {
  for (int64_t ir = 0; ir < mc; ir += FMR) {
    int64_t mr = FN(min)(FMR, mc - ir);
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
static void FN(pack_b)(int64_t kc, int64_t nc, const FT *b, int64_t rs, int64_t cs, FT *restrict bp) {
  for (int64_t jr = 0; jr < nc; jr += FNR) {
    int64_t nr = FN(min)(FNR, nc - jr);
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

// C tile (mr×nr valid of FMR×FNR) = alpha * Astrip @ Bstrip + beta * C (beta 0: C unread).
static void FN(micro)(int64_t kc, const FT *restrict ap, const FT *restrict bp, FT *c, int64_t rs, int64_t cs,
                      int64_t mr, int64_t nr, FT alpha, FT beta) {
  FN(vec) acc[FMR][FNV];
  memset(acc, 0, sizeof acc);
  for (int64_t p = 0; p < kc; p++) {
    FN(vec) bv[FNV];
    memcpy(bv, bp + p * FNR, sizeof bv);
    for (int i = 0; i < FMR; i++) {
      FT ai = ap[p * FMR + i];
      for (int v = 0; v < FNV; v++)
        acc[i][v] += ai * bv[v];
    }
  }
  if (cs == 1 && mr == FMR && nr == FNR) {
    for (int i = 0; i < FMR; i++) {
      FT *row = c + i * rs;
      for (int v = 0; v < FNV; v++) {
        FN(vec) out = alpha * acc[i][v];
        if (beta != 0) {
          FN(vec) old;
          memcpy(&old, row + v * FVL, sizeof old);
          out += beta * old;
        }
        memcpy(row + v * FVL, &out, sizeof out);
      }
    }
    return;
  }
  for (int64_t i = 0; i < mr; i++)
    for (int64_t j = 0; j < nr; j++) {
      FT *x = c + i * rs + j * cs;
      FT r = alpha * acc[i][j / FVL][j % FVL];
      *x = beta == 0 ? r : r + beta * *x;
    }
}

// Unblocked product for when the packing buffers cannot be allocated.
static void FN(gemm_unblocked)(const ct_gemm_args *g, FT alpha, FT beta) {
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

static FT *FN(alloc_panel)(size_t elems) {
  size_t bytes = (elems * sizeof(FT) + 63) / 64 * 64;
  return aligned_alloc(64, bytes ? bytes : 64);
}

void FN(ct__gemm_fallback)(const ct_gemm_args *g) {
  const int64_t m = g->m, n = g->n, k = g->k;
  const FT alpha = (FT)g->alpha, beta = (FT)g->beta;
  const FT *A = g->a, *B = g->b;
  FT *C = g->c;
  int threads = 1;
#ifdef _OPENMP
  if ((double)m * (double)n * (double)k >= CT_GEMM_PARALLEL_FLOPS && !omp_in_parallel())
    threads = omp_get_max_threads();
#endif
  const int64_t kc_max = FN(min)(k, FKC);
  const int64_t mc_max = (FN(min)(m, FMC) + FMR - 1) / FMR * FMR;
  const int64_t nc_max = (FN(min)(n, FNC) + FNR - 1) / FNR * FNR;
  FT *bp = FN(alloc_panel)((size_t)(kc_max * nc_max));
  FT *ap_all = FN(alloc_panel)((size_t)(threads * mc_max * kc_max));
  if (!bp || !ap_all) {
    free(bp);
    free(ap_all);
    FN(gemm_unblocked)(g, alpha, beta);
    return;
  }
  const int64_t m_blocks = (m + FMC - 1) / FMC;
  for (int64_t jc = 0; jc < n; jc += FNC) {
    const int64_t nc = FN(min)(FNC, n - jc);
    for (int64_t pc = 0; pc < k; pc += FKC) {
      const int64_t kc = FN(min)(FKC, k - pc);
      const FT beta_here = pc == 0 ? beta : 1; // later slices accumulate
      FN(pack_b)(kc, nc, B + pc * g->b_rs + jc * g->b_cs, g->b_rs, g->b_cs, bp);
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
#endif
      for (int64_t ib = 0; ib < m_blocks; ib++) {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        FT *ap = ap_all + (int64_t)t * mc_max * kc_max;
        const int64_t ic = ib * FMC, mc = FN(min)(FMC, m - ic);
        FN(pack_a)(mc, kc, A + ic * g->a_rs + pc * g->a_cs, g->a_rs, g->a_cs, ap);
        for (int64_t jr = 0; jr < nc; jr += FNR)
          for (int64_t ir = 0; ir < mc; ir += FMR)
            FN(micro)
            (kc, ap + ir * kc, bp + jr * kc, C + (ic + ir) * g->c_rs + (jc + jr) * g->c_cs, g->c_rs, g->c_cs,
             FN(min)(FMR, mc - ir), FN(min)(FNR, nc - jr), alpha, beta_here);
      }
    }
  }
  free(bp);
  free(ap_all);
}

// Sum of x[i] * y[i]; unit strides use FVL*4 independent lanes.
static FT FN(dot_any)(int64_t n, const FT *x, int64_t incx, const FT *y, int64_t incy) {
  FT sum = 0;
  int64_t i = 0;
  if (incx == 1 && incy == 1) {
    FN(vec) acc[4];
    memset(acc, 0, sizeof acc);
    for (; i + 4 * FVL <= n; i += 4 * FVL)
      for (int u = 0; u < 4; u++) {
        FN(vec) xv, yv;
        memcpy(&xv, x + i + u * FVL, sizeof xv);
        memcpy(&yv, y + i + u * FVL, sizeof yv);
        acc[u] += xv * yv;
      }
    FN(vec) total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (int l = 0; l < FVL; l++)
      sum += total[l];
  }
  for (; i < n; i++)
    sum += x[i * incx] * y[i * incy];
  return sum;
}

void FN(ct__dot_fallback)(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out) {
  *(FT *)out = FN(dot_any)(n, x, incx, y, incy);
}

void FN(ct__gemv_fallback)(const ct_gemv_args *g) {
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
    FT d = alpha * FN(dot_any)(g->n, a + i * g->a_rs, g->a_cs, x, g->incx);
    FT *yi = y + i * g->incy;
    *yi = beta == 0 ? d : d + beta * *yi;
  }
}

#undef FNV

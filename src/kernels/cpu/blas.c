// The CPU matrix-product kernel table. Handles what every backend shares: empty
// products, batches, integer dtypes (exact, wrapping loops, as PyTorch's non-BLAS path)
// and bmm's plain loop for small products; float32/float64 products go to OpenBLAS
// (blas_cblas.c) or, without it or with CTORCH_GEMM=fallback, to blas_fallback.c.
#include "kernels/cpu/blas_internal.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// CTORCH_GEMM=fallback, read once, routes float products to the portable code even when
// OpenBLAS is available, so one test binary can check both paths against PyTorch.
static bool use_fallback(void) {
  static atomic_int mode = -1; // -1: not read yet, 0: CBLAS, 1: fallback
  int m = atomic_load_explicit(&mode, memory_order_relaxed);
  if (m < 0) {
    const char *env = getenv("CTORCH_GEMM");
    m = !ct__cblas_available() || (env && strcmp(env, "fallback") == 0);
    atomic_store_explicit(&mode, m, memory_order_relaxed);
  }
  return m;
}

// Product b of a batch as a batch-1 argument block, written into *one (a returned
// struct is copied with vector moves that read the just-written pointers back: a
// store-forwarding stall per product).
static void batch_item(const ct_gemm_args *g, int64_t b, size_t elem, ct_gemm_args *one) {
  *one = *g;
  one->batch = 1;
  one->a = (const char *)g->a + b * g->a_bs * (int64_t)elem;
  one->b = (const char *)g->b + b * g->b_bs * (int64_t)elem;
  one->c = (char *)g->c + b * g->c_bs * (int64_t)elem;
}

// The plain product loop, for all dtypes. ACC is the arithmetic type: the element type
// for floats (plain multiply then add, as PyTorch's loops), an unsigned type for integers
// so that overflow wraps as in PyTorch instead of being undefined.
#define PLAIN_GEMM(N, T, ACC)                                                                                \
  /* beta * C + alpha * (A @ B), one sequential sum per element (PyTorch's plain loops); */                  \
  /* k == 0: C = beta * C only (beta 0: zeros, NaNs included), no alpha term. */                             \
  static void plain_gemm_##N(const ct_gemm_args *g) {                                                        \
    const ACC alpha = (ACC)(T)g->alpha, beta = (ACC)(T)g->beta;                                              \
    for (int64_t b = 0; b < g->batch; b++)                                                                   \
      for (int64_t i = 0; i < g->m; i++)                                                                     \
        for (int64_t j = 0; j < g->n; j++) {                                                                 \
          T *c = (T *)g->c + b * g->c_bs + i * g->c_rs + j * g->c_cs;                                        \
          if (g->k == 0) { /* A and B may have no data at all */                                             \
            *c = beta == 0 ? 0 : (T)((ACC)*c * beta);                                                        \
            continue;                                                                                        \
          }                                                                                                  \
          const T *A = (const T *)g->a + b * g->a_bs, *B = (const T *)g->b + b * g->b_bs;                    \
          ACC acc = 0;                                                                                       \
          for (int64_t p = 0; p < g->k; p++)                                                                 \
            acc += (ACC)A[i * g->a_rs + p * g->a_cs] * (ACC)B[p * g->b_rs + j * g->b_cs];                    \
          *c = beta == 0 ? (T)(alpha * acc) : (T)((ACC)*c * beta + alpha * acc);                             \
        }                                                                                                    \
  }

PLAIN_GEMM(i32, int32_t, uint32_t)
PLAIN_GEMM(i64, int64_t, uint64_t)
PLAIN_GEMM(f32, float, float)
PLAIN_GEMM(f64, double, double)

// Integer entries: plain loops (exact; the order of a wrapping sum does not matter).
#define INT_ENTRIES(N, T, ACC)                                                                               \
  static void gemm_##N(const ct_gemm_args *g) {                                                              \
    if (g->m == 0 || g->n == 0) return;                                                                      \
    plain_gemm_##N(g);                                                                                       \
  }                                                                                                          \
  static void gemv_##N(const ct_gemv_args *g) {                                                              \
    ct_gemm_args mm = {.batch = 1,                                                                           \
                       .m = g->m,                                                                            \
                       .n = 1,                                                                               \
                       .k = g->n,                                                                            \
                       .a = g->a,                                                                            \
                       .a_rs = g->a_rs,                                                                      \
                       .a_cs = g->a_cs,                                                                      \
                       .b = g->x,                                                                            \
                       .b_rs = g->incx,                                                                      \
                       .c = g->y,                                                                            \
                       .c_rs = g->incy,                                                                      \
                       .alpha = g->alpha,                                                                    \
                       .beta = g->beta};                                                                     \
    gemm_##N(&mm);                                                                                           \
  }                                                                                                          \
  static void dot_##N(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out) {      \
    ACC acc = 0;                                                                                             \
    for (int64_t i = 0; i < n; i++)                                                                          \
      acc += (ACC)((const T *)x)[i * incx] * (ACC)((const T *)y)[i * incy];                                  \
    *(T *)out = (T)acc;                                                                                      \
  }
INT_ENTRIES(i32, int32_t, uint32_t)
INT_ENTRIES(i64, int64_t, uint64_t)

// Float entries: each product is one BLAS call (or the fallback), as PyTorch's addmm.
#define FLOAT_ENTRIES(N, T)                                                                                  \
  static void gemm_##N(const ct_gemm_args *g) {                                                              \
    if (g->m == 0 || g->n == 0) return;                                                                      \
    if (g->k == 0) { /* C = beta * C */                                                                      \
      plain_gemm_##N(g);                                                                                     \
      return;                                                                                                \
    }                                                                                                        \
    const bool fallback = use_fallback();                                                                    \
    ct_gemm_args one;                                                                                        \
    for (int64_t b = 0; b < g->batch; b++) {                                                                 \
      const ct_gemm_args *item = g; /* a single product as given */                                          \
      if (g->batch != 1) {                                                                                   \
        batch_item(g, b, sizeof(T), &one);                                                                   \
        item = &one;                                                                                         \
      }                                                                                                      \
      if (fallback)                                                                                          \
        ct__gemm_fallback_##N(item);                                                                         \
      else                                                                                                   \
        ct__cblas_gemm(item, sizeof(T));                                                                     \
    }                                                                                                        \
  }                                                                                                          \
  static void gemv_##N(const ct_gemv_args *g) {                                                              \
    if (g->m == 0) return;                                                                                   \
    if (g->n == 0) {                                                                                         \
      ct_gemm_args y = {.batch = 1, .m = g->m, .n = 1, .c = g->y, .c_rs = g->incy, .beta = g->beta};         \
      plain_gemm_##N(&y); /* k == 0: y = beta * y */                                                         \
    } else if (use_fallback()) {                                                                             \
      ct__gemv_fallback_##N(g);                                                                              \
    } else {                                                                                                 \
      ct__cblas_gemv(g, sizeof(T));                                                                          \
    }                                                                                                        \
  }                                                                                                          \
  static void dot_##N(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out) {      \
    if (n == 0)                                                                                              \
      *(T *)out = 0;                                                                                         \
    else if (use_fallback())                                                                                 \
      ct__dot_fallback_##N(n, x, incx, y, incy, out);                                                        \
    else                                                                                                     \
      ct__cblas_dot(n, x, incx, y, incy, out, sizeof(T));                                                    \
  }
FLOAT_ENTRIES(f32, float)
FLOAT_ENTRIES(f64, double)

// torch.bmm: small products by the plain loop (PyTorch's baddbmm_cpu_kernel), others as mm;
// float32 batches of products OpenBLAS would compute one call each in one call
// (blas_small.c) when that gives OpenBLAS's results.
static bool no_batched_path(const ct_gemm_args *g) {
  (void)g;
  return false;
}
static bool batched_f32(const ct_gemm_args *g) { return !use_fallback() && ct__bmm_small_f32(g); }

bool ct__cpu_bmm_f32_layout_free(int64_t m, int64_t n, int64_t k) {
  return m * n * k < CT_BMM_PLAIN_LOOP_LIMIT || (!use_fallback() && ct__bmm_small_f32_fits(m, n, k));
}

#define BMM_ENTRY(N, BATCHED)                                                                                \
  static void bmm_##N(const ct_gemm_args *g) {                                                               \
    if (g->m == 0 || g->n == 0 || g->batch == 0) return;                                                     \
    if (g->k == 0 || g->m * g->n * g->k < CT_BMM_PLAIN_LOOP_LIMIT)                                           \
      plain_gemm_##N(g);                                                                                     \
    else if (!BATCHED(g))                                                                                    \
      gemm_##N(g);                                                                                           \
  }
BMM_ENTRY(i32, no_batched_path)
BMM_ENTRY(i64, no_batched_path)
BMM_ENTRY(f32, batched_f32)
BMM_ENTRY(f64, no_batched_path)

#define BY_DTYPE(prefix)                                                                                     \
  {                                                                                                          \
    [CT_INT32] = prefix##_i32, [CT_INT64] = prefix##_i64, [CT_FLOAT32] = prefix##_f32,                       \
    [CT_FLOAT64] = prefix##_f64                                                                              \
  }

const ct_blas_kernels ct__cpu_blas_kernels = {
    .gemm = BY_DTYPE(gemm),
    .bmm = BY_DTYPE(bmm),
    .gemv = BY_DTYPE(gemv),
    .dot = BY_DTYPE(dot),
};

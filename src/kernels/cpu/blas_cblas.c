// Matrix products through CBLAS (OpenBLAS), with PyTorch 1.13's argument mapping.
//
// PyTorch's addmm_impl_cpu_ turns the row/column strides of C, A and B into one
// column-major ?gemm_ call (transpose flags, leading dimensions, which operand plays
// "a"), cloning an operand only when its strides fit neither orientation; addmv_impl_cpu
// and dot do the same for ?gemv_ and ?dot_. Reproducing that mapping makes OpenBLAS run
// the same kernel on the same layout, so ctorch's results equal PyTorch's bit for bit.
#include "kernels/cpu/blas_internal.h"
#include "kernels/parallel.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

// The portable versions by element size (4: float32, 8: float64), for what CBLAS cannot
// take (or all products when it is absent).
static void gemm_fallback(const ct_gemm_args *g, size_t elem) {
  if (elem == 4)
    ct__gemm_fallback_f32(g);
  else
    ct__gemm_fallback_f64(g);
}
static void gemv_fallback(const ct_gemv_args *g, size_t elem) {
  if (elem == 4)
    ct__gemv_fallback_f32(g);
  else
    ct__gemv_fallback_f64(g);
}
static void dot_fallback(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out,
                         size_t elem) {
  if (elem == 4)
    ct__dot_fallback_f32(n, x, incx, y, incy, out);
  else
    ct__dot_fallback_f64(n, x, incx, y, incy, out);
}

#ifndef CTORCH_HAVE_CBLAS

// Without CBLAS every product takes the portable path (blas.c never calls these then).
bool ct__cblas_available(void) { return false; }

void ct__cblas_gemm(const ct_gemm_args *g, size_t elem) { gemm_fallback(g, elem); }
void ct__cblas_gemv(const ct_gemv_args *g, size_t elem) { gemv_fallback(g, elem); }
void ct__cblas_dot(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out,
                   size_t elem) {
  dot_fallback(n, x, incx, y, incy, out, elem);
}

#else
#include <cblas.h>

bool ct__cblas_available(void) { return true; }

// An OpenMP build of OpenBLAS sizes its team from the calling thread's OpenMP default,
// which ct__parallel_threads() brings to the thread budget: called before each product.
static void follow_thread_budget(void) { (void)ct__parallel_threads(); }

static int64_t max1(int64_t v) { return v > 1 ? v : 1; }
static bool fits_int(int64_t v) { return v <= INT_MAX; }

/// A strided matrix in PyTorch's terms: sizes/strides indexed [row, column].
typedef struct matrix {
  const char *data;
  int64_t size[2], stride[2];
} matrix;

// dst (rows×cols, strides drs/dcs) = src (strides srs/scs), elements of `elem` bytes.
static void copy_matrix(char *dst, int64_t drs, int64_t dcs, const char *src, int64_t srs, int64_t scs,
                        int64_t rows, int64_t cols, size_t elem) {
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++)
      memcpy(dst + (i * drs + j * dcs) * (int64_t)elem, src + (i * srs + j * scs) * (int64_t)elem, elem);
}

// Replaces x by a row-major contiguous copy (PyTorch's m.clone(MemoryFormat::Contiguous)).
// Returns the buffer to free, or NULL when out of memory or when the copy's size
// overflows (a broadcast operand can have more elements than memory holds). Kernels do
// not include core/checked.h, hence the builtins.
static void *make_contiguous(matrix *x, size_t elem) {
  int64_t numel, bytes;
  if (__builtin_mul_overflow(x->size[0], x->size[1], &numel) ||
      __builtin_mul_overflow(numel, (int64_t)elem, &bytes))
    return NULL;
  char *buf = malloc((size_t)bytes);
  if (!buf) return NULL;
  copy_matrix(buf, x->size[1], 1, x->data, x->stride[0], x->stride[1], x->size[0], x->size[1], elem);
  x->data = buf;
  x->stride[0] = x->size[1];
  x->stride[1] = 1;
  return buf;
}

// How operand x (rows×cols in PyTorch's orientation) enters the column-major call:
// as is (column-major with ld >= bound_n), transposed (row-major with ld >= bound_t), or
// as a contiguous copy. i0/i1 index x's dims in the call's orientation.
static bool map_operand(matrix *x, int i0, int i1, int64_t bound_n, int64_t bound_t, bool tc, size_t elem,
                        bool *trans, int64_t *ld, void **copy) {
  *copy = NULL;
  if (x->stride[i0] == 1 && x->stride[i1] >= max1(bound_n)) {
    *trans = false;
  } else if (x->stride[i1] == 1 && x->stride[i0] >= max1(bound_t)) {
    *trans = true;
  } else {
    *trans = !tc;
    *copy = make_contiguous(x, elem);
    if (!*copy) return false;
  }
  *ld = x->stride[(*trans == tc) ? 1 : 0];
  return true;
}

// Whether C (m×n, strides rs/cs) can be BLAS's column-major C (*tc false) or, transposed,
// its row-major C (*tc true: PyTorch then computes C^T = B^T A^T).
static bool result_layout(int64_t m, int64_t n, int64_t rs, int64_t cs, bool *tc) {
  if (rs == 1 && (n == 1 || cs >= max1(m))) {
    *tc = false;
    return true;
  }
  if (cs == 1 && (m == 1 || rs >= max1(n))) {
    *tc = true;
    return true;
  }
  return false;
}

void ct__cblas_gemm(const ct_gemm_args *g, size_t elem) {
  const int64_t m = g->m, n = g->n;
  char *c = g->c;
  int64_t c_rs = g->c_rs, c_cs = g->c_cs;
  void *c_tmp = NULL, *a_copy = NULL, *b_copy = NULL;
  bool tc;
  if (!result_layout(m, n, c_rs, c_cs, &tc)) {
    // C's strides fit no BLAS layout: compute into a contiguous temporary.
    c_tmp = malloc((size_t)(m * n) * elem);
    if (!c_tmp) goto fallback;
    c_rs = n > 1 ? n : 1;
    c_cs = 1;
    if (g->beta != 0) copy_matrix(c_tmp, c_rs, c_cs, c, g->c_rs, g->c_cs, m, n, elem);
    c = c_tmp;
    result_layout(m, n, c_rs, c_cs, &tc);
  }
  // With tc, PyTorch computes C^T = B^T A^T: B plays "a" and A plays "b".
  matrix A = {g->a, {m, g->k}, {g->a_rs, g->a_cs}}, B = {g->b, {g->k, n}, {g->b_rs, g->b_cs}};
  matrix *m1 = tc ? &B : &A, *m2 = tc ? &A : &B;
  const int64_t M = tc ? n : m, N = tc ? m : n, K = g->k;
  const int i0 = tc ? 1 : 0, i1 = tc ? 0 : 1;
  bool ta, tb;
  int64_t lda, ldb, ldc = tc ? c_rs : c_cs;
  if (!map_operand(m1, i0, i1, M, K, tc, elem, &ta, &lda, &a_copy)) goto fallback;
  if (!map_operand(m2, i0, i1, K, N, tc, elem, &tb, &ldb, &b_copy)) goto fallback;
  // cpublas::gemm's normalize_last_dims: leading dims of degenerate (vector) operands.
  if (N == 1) ldc = M;
  if (ta) {
    if (M == 1) lda = K;
  } else if (K == 1) {
    lda = M;
  }
  if (tb) {
    if (K == 1) ldb = N;
  } else if (N == 1) {
    ldb = K;
  }
  if (!fits_int(M) || !fits_int(N) || !fits_int(K) || !fits_int(lda) || !fits_int(ldb) || !fits_int(ldc) ||
      lda < max1(ta ? K : M) || ldb < max1(tb ? N : K) || ldc < max1(M))
    goto fallback;
  const enum CBLAS_TRANSPOSE opa = ta ? CblasTrans : CblasNoTrans, opb = tb ? CblasTrans : CblasNoTrans;
  follow_thread_budget();
  if (elem == 4)
    cblas_sgemm(CblasColMajor, opa, opb, (int)M, (int)N, (int)K, (float)g->alpha, (const float *)m1->data,
                (int)lda, (const float *)m2->data, (int)ldb, (float)g->beta, (float *)c, (int)ldc);
  else
    cblas_dgemm(CblasColMajor, opa, opb, (int)M, (int)N, (int)K, g->alpha, (const double *)m1->data, (int)lda,
                (const double *)m2->data, (int)ldb, g->beta, (double *)c, (int)ldc);
  if (c_tmp) copy_matrix(g->c, g->c_rs, g->c_cs, c_tmp, c_rs, c_cs, m, n, elem);
  free(a_copy);
  free(b_copy);
  free(c_tmp);
  return;
fallback:
  free(a_copy);
  free(b_copy);
  free(c_tmp);
  gemm_fallback(g, elem);
}

void ct__cblas_gemv(const ct_gemv_args *g, size_t elem) {
  // addmv_impl_cpu: column-major A as is ('n'), row-major A transposed ('t'), else a
  // contiguous copy transposed.
  matrix A = {g->a, {g->m, g->n}, {g->a_rs, g->a_cs}};
  void *copy = NULL;
  char trans;
  int64_t M, N, lda;
  if (A.stride[0] == 1 && (g->n == 1 || A.stride[1] >= max1(g->m))) {
    trans = 'n';
    M = g->m, N = g->n, lda = A.stride[1];
  } else {
    if (!(A.stride[1] == 1 && (g->m == 1 || A.stride[0] >= max1(g->n)))) {
      copy = make_contiguous(&A, elem);
      if (!copy) goto fallback;
    }
    trans = 't';
    M = g->n, N = g->m, lda = A.stride[0];
  }
  if (N == 1) lda = M; // at::native::gemv
  if (!fits_int(M) || !fits_int(N) || !fits_int(lda) || lda < max1(M) || g->incx <= 0 || g->incy <= 0 ||
      !fits_int(g->incx) || !fits_int(g->incy))
    goto fallback;
  if (g->beta == 0) // OpenBLAS scales y by beta first; make "beta 0 ignores y" explicit
    for (int64_t i = 0; i < g->m; i++)
      memset((char *)g->y + i * g->incy * (int64_t)elem, 0, elem);
  const enum CBLAS_TRANSPOSE op = trans == 't' ? CblasTrans : CblasNoTrans;
  follow_thread_budget();
  if (elem == 4)
    cblas_sgemv(CblasColMajor, op, (int)M, (int)N, (float)g->alpha, (const float *)A.data, (int)lda,
                (const float *)g->x, (int)g->incx, (float)g->beta, (float *)g->y, (int)g->incy);
  else
    cblas_dgemv(CblasColMajor, op, (int)M, (int)N, g->alpha, (const double *)A.data, (int)lda,
                (const double *)g->x, (int)g->incx, g->beta, (double *)g->y, (int)g->incy);
  free(copy);
  return;
fallback:
  free(copy);
  gemv_fallback(g, elem);
}

void ct__cblas_dot(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out,
                   size_t elem) {
  if (n == 1) incx = incy = 1;
  if (!fits_int(n) || incx > INT_MAX || incx < INT_MIN || incy > INT_MAX || incy < INT_MIN) {
    dot_fallback(n, x, incx, y, incy, out, elem);
    return;
  }
  follow_thread_budget();
  if (elem == 4)
    *(float *)out = cblas_sdot((int)n, x, (int)incx, y, (int)incy);
  else
    *(double *)out = cblas_ddot((int)n, x, (int)incx, y, (int)incy);
}

#endif

// Matrix-product kernel family (kernels/cpu/blas*.c): GEMM, batched GEMM, GEMV and dot.
//
// Operands are strided matrices given by a data pointer and element strides, so op code
// never copies: the backend decides whether a layout maps onto BLAS leading dimensions
// and transpose flags, and copies only when it does not. Entries are indexed by dtype;
// NULL means the dtype is not supported (bool): op code reports PyTorch's error.
#ifndef CTORCH_SRC_KERNELS_BLAS_H
#define CTORCH_SRC_KERNELS_BLAS_H
#include "kernels/dispatch.h"

/// C = alpha * A @ B + beta * C for `batch` independent products. A is m×k, B is k×n,
/// C is m×n. Element (i, j) of product b's A is at a + b*a_bs + i*a_rs + j*a_cs (strides
/// in elements, may be 0 for broadcast operands); likewise for B and C. C's elements must
/// not overlap. beta == 0 writes C without reading it (NaNs in C do not propagate);
/// k == 0 gives beta * C. alpha/beta are converted to the dtype first.
typedef struct ct_gemm_args {
  int64_t batch, m, n, k;
  const void *a;
  int64_t a_bs, a_rs, a_cs;
  const void *b;
  int64_t b_bs, b_rs, b_cs;
  void *c;
  int64_t c_bs, c_rs, c_cs;
  double alpha, beta;
} ct_gemm_args;

/// y = alpha * A @ x + beta * y with A m×n (strides a_rs, a_cs), x of n and y of m
/// elements (strides incx, incy). beta == 0 writes y without reading it.
typedef struct ct_gemv_args {
  int64_t m, n;
  const void *a;
  int64_t a_rs, a_cs;
  const void *x;
  int64_t incx;
  void *y;
  int64_t incy;
  double alpha, beta;
} ct_gemv_args;

/// PyTorch's bmm on CPU computes batches whose m*n*k is below this with a plain loop
/// (no fused multiply-add) and larger ones with one GEMM per batch item. Op code uses it
/// to word errors the way PyTorch does ("bmm" vs "addmm_impl_cpu_").
#define CT_BMM_PLAIN_LOOP_LIMIT 400

struct ct_blas_kernels {
  /// torch.mm/addmm semantics (one BLAS GEMM per product, PyTorch's argument mapping).
  void (*gemm[CT_NUM_DTYPES])(const ct_gemm_args *args);
  /// torch.bmm semantics: like gemm, but products smaller than CT_BMM_PLAIN_LOOP_LIMIT
  /// use the plain loop PyTorch uses (alpha 1, beta 0 only).
  void (*bmm[CT_NUM_DTYPES])(const ct_gemm_args *args);
  /// torch.mv/addmv semantics.
  void (*gemv[CT_NUM_DTYPES])(const ct_gemv_args *args);
  /// *(T *)out = sum of x[i] * y[i] over n elements (strides incx, incy).
  void (*dot[CT_NUM_DTYPES])(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out);
};
typedef struct ct_blas_kernels ct_blas_kernels;

#endif

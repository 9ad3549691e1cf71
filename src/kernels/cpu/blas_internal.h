// Internal interface of the CPU BLAS backend. blas.c owns the kernel table and the
// cases every backend shares (empty products, batches, integer dtypes, bmm's plain
// loop); it hands single non-empty float32/float64 products (m, n, k >= 1, batch 1) to
// OpenBLAS (blas_cblas.c) or to the portable blocked code (blas_fallback.c).
#ifndef CTORCH_SRC_KERNELS_CPU_BLAS_INTERNAL_H
#define CTORCH_SRC_KERNELS_CPU_BLAS_INTERNAL_H
#include "kernels/blas.h"
#include <stdbool.h>
#include <stddef.h>

/// True when ctorch was built with CBLAS (OpenBLAS).
bool ct__cblas_available(void);
/// One product / matrix-vector product / dot through CBLAS, with the argument mapping
/// PyTorch's CPU code uses (so OpenBLAS runs the same kernel on the same data layout).
/// `elem` is 4 (float32) or 8 (float64). Layouts BLAS cannot take are copied first.
void ct__cblas_gemm(const ct_gemm_args *g, size_t elem);
void ct__cblas_gemv(const ct_gemv_args *g, size_t elem);
void ct__cblas_dot(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out,
                   size_t elem);

/// Batches of small float32 products (alpha 1, beta 0; k < CT_BMM_SMALL_MAX_K, m and n at
/// most CT_BMM_SMALL_MAX_MN) in one call, with OpenBLAS's results bit for bit
/// (blas_small.c). Returns false, computing nothing, for other products or when the
/// OpenBLAS at hand does not sum the way it assumes.
#define CT_BMM_SMALL_MAX_K 32
#define CT_BMM_SMALL_MAX_MN 64
bool ct__bmm_small_f32(const ct_gemm_args *g);
/// Whether ct__bmm_small_f32 computes m×n×k products (alpha 1, beta 0).
bool ct__bmm_small_f32_fits(int64_t m, int64_t n, int64_t k);

/// The CPU blas family (blas.c), for CPU kernels of other families that run products.
extern const ct_blas_kernels ct__cpu_blas_kernels;
/// Whether the CPU bmm's float32 m×n×k products are the same bits whatever the operands'
/// strides: the plain loop, or the small-product kernel (OpenBLAS's results for other
/// sizes may depend on the transposes a layout maps to).
bool ct__cpu_bmm_f32_layout_free(int64_t m, int64_t n, int64_t k);

/// Portable versions: cache-blocked GEMM over packed panels with a register-tiled,
/// vectorised micro-kernel; vectorised GEMV and dot. Any strides, no copies of C.
void ct__gemm_fallback_f32(const ct_gemm_args *g);
void ct__gemm_fallback_f64(const ct_gemm_args *g);
void ct__gemv_fallback_f32(const ct_gemv_args *g);
void ct__gemv_fallback_f64(const ct_gemv_args *g);
void ct__dot_fallback_f32(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out);
void ct__dot_fallback_f64(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out);

#endif

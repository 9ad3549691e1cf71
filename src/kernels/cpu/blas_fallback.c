// Portable matrix products (see blas_fallback_tmpl.h), used when ctorch is built without
// CBLAS or when CTORCH_GEMM=fallback. Written with GNU C vector types so the compiler
// emits one SIMD instruction per vector operation on any target (AVX2/FMA with
// -march=x86-64-v3), without intrinsics.
//
// This file alone allows fused multiply-adds (the project builds with -ffp-contract=off
// for PyTorch parity elsewhere): a GEMM without FMA runs at half speed, and these
// results are compared to PyTorch with a tolerance, not bit for bit.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif
#include "kernels/cpu/blas_internal.h"
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/// Products with at least this many multiply-adds use all OpenMP threads.
#define CT_GEMM_PARALLEL_FLOPS (64.0 * 64.0 * 64.0)

#define FT float
#define FN(name) name##_f32
#define FVL 8
#define FMR 6
#define FNR 16
#define FMC 168
#define FKC 256
#define FNC 4080
#include "kernels/cpu/blas_fallback_tmpl.h"
#undef FT
#undef FN
#undef FVL
#undef FMR
#undef FNR
#undef FMC
#undef FKC
#undef FNC

#define FT double
#define FN(name) name##_f64
#define FVL 4
#define FMR 6
#define FNR 8
#define FMC 72
#define FKC 256
#define FNC 4080
#include "kernels/cpu/blas_fallback_tmpl.h"

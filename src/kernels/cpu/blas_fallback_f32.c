// Portable float32 GEMM/GEMV/dot (see blas_fallback_tmpl.h). Blocks sized for AVX2 and
// Zen 4 caches: a 16×320 strip of B (20 KB) stays in L1, a 240×320 block of A (300 KB)
// in L2.
#define FT float
#define FSUFFIX(name) name##_f32
#define FVL 8
#define FMR 6
#define FNR 16
#define FMC 240
#define FKC 320
#define FNC 4080
#include "kernels/cpu/blas_fallback_tmpl.h"

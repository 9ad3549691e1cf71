// Portable float64 GEMM/GEMV/dot (see blas_fallback_tmpl.h), blocked like the float32
// version: an 8×320 strip of B (20 KB) in L1, a 120×320 block of A (300 KB) in L2.
#define FT double
#define FSUFFIX(name) name##_f64
#define FVL 4
#define FMR 6
#define FNR 8
#define FMC 120
#define FKC 320
#define FNC 4080
#include "kernels/cpu/blas_fallback_tmpl.h"

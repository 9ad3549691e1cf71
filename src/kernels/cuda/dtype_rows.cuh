// Rows of the CUDA kernels' per-dtype tables, in ct_dtype order {bool, int32, int64,
// float32, float64}, from a template of one type parameter (a function template or a
// constexpr variable template holding a loop); nullptr where a dtype has no entry.
#ifndef CTORCH_SRC_KERNELS_CUDA_DTYPE_ROWS_CUH
#define CTORCH_SRC_KERNELS_CUDA_DTYPE_ROWS_CUH
#include <stdint.h>

#define CUDA_ROW_ALL(F) {F<bool>, F<int32_t>, F<int64_t>, F<float>, F<double>}
#define CUDA_ROW_NUMERIC(F) {nullptr, F<int32_t>, F<int64_t>, F<float>, F<double>}
#define CUDA_ROW_FLOAT(F) {nullptr, nullptr, nullptr, F<float>, F<double>}

#endif

// Sum and product kernels. Floating sums reproduce PyTorch 1.13's cascade sum (AVX2
// build: 8 float / 4 double lanes), including its choice between the inner-contiguous,
// outer-contiguous and scalar paths, so results are bit-identical to torch.sum for the
// same reduction geometry (docs: pytorch-parity.md section 7).
#include <stdlib.h>
#include "kernels/cpu/reduce_impl.h"
#include "kernels/parallel.h"

typedef float v8f __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));

static inline float ld_f32(const char *p) { float v; memcpy(&v, p, sizeof v); return v; }
static inline double ld_f64(const char *p) { double v; memcpy(&v, p, sizeof v); return v; }
static inline v8f ld_v8f(const char *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline v4d ld_v4d(const char *p) { v4d v; memcpy(&v, p, sizeof v); return v; }

// The cascade's block size exponent: max(4, CeilLog2(q) / 4), CeilLog2(x) = 1 for x <= 2.
static inline int level_power(int64_t q) {
  int ceil_log2 = q <= 2 ? 1 : 64 - __builtin_clzll((unsigned long long)(q - 1));
  return ceil_log2 / 4 > 4 ? ceil_log2 / 4 : 4;
}

// Contiguous runs of at least this many rows of 4 vectors (512K floats) may be summed by
// several threads.
#define PARALLEL_MIN_ROWS 16384

// The cascade on scalars (scalar paths) and on vectors (vector paths, threaded for long
// runs).
#define LANE float
#define SFX f32
#include "kernels/cpu/reduce_cascade_tmpl.h"
#define LANE double
#define SFX f64
#include "kernels/cpu/reduce_cascade_tmpl.h"
#define LANE v8f
#define SFX v8f
#define CASCADE_THREADED
#include "kernels/cpu/reduce_cascade_tmpl.h"
#define LANE v4d
#define SFX v4d
#define CASCADE_THREADED
#include "kernels/cpu/reduce_cascade_tmpl.h"

// The loops per dtype.
#define T bool
#define SFX b
#include "kernels/cpu/reduce_sum_tmpl.h"
#define T int32_t
#define SFX i32
#include "kernels/cpu/reduce_sum_tmpl.h"
#define T int64_t
#define SFX i64
#include "kernels/cpu/reduce_sum_tmpl.h"
#define T float
#define SFX f32
#define VT v8f
#define W 8
#include "kernels/cpu/reduce_sum_tmpl.h"
#define T double
#define SFX f64
#define VT v4d
#define W 4
#include "kernels/cpu/reduce_sum_tmpl.h"

// Table rows filled here (the table itself is in reduce_table.c).
const ct_loop_fn ct__cpu_sum_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(sum);
const ct_loop_fn ct__cpu_prod_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(prod);
const ct_loop_fn ct__cpu_div_scalar_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(div_scalar);

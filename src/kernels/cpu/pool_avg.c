// The CPU's average pooling loops (kernels/pool.h), PyTorch 1.13's cpu_avg_pool and
// cpu_adaptive_avg_pool kernels (forward and backward) over strided planes:
// pool_avg_tmpl.h once per dtype (int64: avg_pool2d's forward only).
#include "kernels/cpu/pool_cpu.h"

#define T int64_t
#define SFX i64
#define WITH_GRAD 0
#define WITH_ADAPTIVE 0
#include "kernels/cpu/pool_avg_tmpl.h"
#define T float
#define SFX f32
#define WITH_GRAD 1
#define WITH_ADAPTIVE 1
#include "kernels/cpu/pool_avg_tmpl.h"
#define T double
#define SFX f64
#define WITH_GRAD 1
#define WITH_ADAPTIVE 1
#include "kernels/cpu/pool_avg_tmpl.h"

const ct_avg_pool_fn ct__cpu_avg_pool_loops[CT_NUM_DTYPES] = {
    [CT_INT64] = avg_pool_i64, [CT_FLOAT32] = avg_pool_f32, [CT_FLOAT64] = avg_pool_f64};
const ct_avg_pool_backward_fn ct__cpu_avg_pool_backward_loops[CT_NUM_DTYPES] =
    DTYPE_ROW_FLOAT(avg_pool_backward);
const ct_adaptive_avg_pool_fn ct__cpu_adaptive_avg_pool_loops[CT_NUM_DTYPES] =
    DTYPE_ROW_FLOAT(adaptive_avg_pool);
const ct_adaptive_avg_pool_backward_fn ct__cpu_adaptive_avg_pool_backward_loops[CT_NUM_DTYPES] =
    DTYPE_ROW_FLOAT(adaptive_avg_pool_backward);

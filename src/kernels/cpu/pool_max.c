// The CPU's max pooling loops (kernels/pool.h), PyTorch 1.13's cpu_max_pool and
// cpu_max_pool_backward over strided planes: pool_max_tmpl.h once per floating dtype.
#include "kernels/cpu/pool_cpu.h"
#include <math.h>

#define T float
#define SFX f32
#include "kernels/cpu/pool_max_tmpl.h"
#define T double
#define SFX f64
#include "kernels/cpu/pool_max_tmpl.h"

const ct_max_pool_fn ct__cpu_max_pool_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(max_pool);
const ct_max_pool_backward_fn ct__cpu_max_pool_backward_loops[CT_NUM_DTYPES] =
    DTYPE_ROW_FLOAT(max_pool_backward);

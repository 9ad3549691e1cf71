// The CPU's group_norm loops (kernels/norm.h): norm_group_tmpl.h once per floating dtype,
// over the lane reductions of norm_lanes_tmpl.h.
#include "kernels/cpu/dtype_rows.h"
#include "kernels/norm.h"
#include <math.h>
#include <stddef.h>

#define T float
#define SFX f32
#define FMA fmaf
#define SQRT sqrtf
#include "kernels/cpu/norm_lanes_tmpl.h"
#include "kernels/cpu/norm_group_tmpl.h"
#define T double
#define SFX f64
#define FMA fma
#define SQRT sqrt
#include "kernels/cpu/norm_lanes_tmpl.h"
#include "kernels/cpu/norm_group_tmpl.h"

const ct_group_norm_fn ct__cpu_group_norm_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(group_norm);
const ct_group_norm_backward_fn ct__cpu_group_norm_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(group_norm_backward);

// The CPU's batch_norm loops (kernels/norm.h): norm_batch_tmpl.h once per floating dtype,
// over the lane reductions of norm_lanes_tmpl.h.
#include "kernels/cpu/dtype_rows.h"
#include "kernels/norm.h"
#include <math.h>
#include <stddef.h>

// PyTorch sums a channel's squared deviations in double: a float32 square is added as it
// is, a float64 one fused into the sum (GCC contracts it where the types agree).
#define SQUARES_ADD_f32(d, acc) ((acc) + (double)((d) * (d)))
#define SQUARES_ADD_f64(d, acc) ((acc) + (d) * (d))

#define T float
#define SFX f32
#define FMA fmaf
#define SQRT sqrtf
#define SQUARES_ADD SQUARES_ADD_f32
#include "kernels/cpu/norm_lanes_tmpl.h"
#include "kernels/cpu/norm_batch_tmpl.h"
#define T double
#define SFX f64
#define FMA fma
#define SQRT sqrt
#define SQUARES_ADD SQUARES_ADD_f64
#include "kernels/cpu/norm_lanes_tmpl.h"
#include "kernels/cpu/norm_batch_tmpl.h"

const ct_batch_norm_fn ct__cpu_batch_norm_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(batch_norm);
const ct_batch_norm_backward_fn ct__cpu_batch_norm_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(batch_norm_backward);

// max/min kernels: values (amax/amin, max()), first index (max(dim), argmax), and the
// loops of their gradients (ties share the gradient; indices scatter it back); from
// reduce_minmax_tmpl.h, once per dtype.
#include <math.h>
#include "kernels/cpu/reduce_impl.h"

#define T bool
#define SFX b
#include "kernels/cpu/reduce_minmax_tmpl.h"
#define T int32_t
#define SFX i32
#include "kernels/cpu/reduce_minmax_tmpl.h"
#define T int64_t
#define SFX i64
#include "kernels/cpu/reduce_minmax_tmpl.h"
#define T float
#define SFX f32
#define FLOATING
#include "kernels/cpu/reduce_minmax_tmpl.h"
#define T double
#define SFX f64
#define FLOATING
#include "kernels/cpu/reduce_minmax_tmpl.h"

const ct_loop_fn ct__cpu_max_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(max);
const ct_loop_fn ct__cpu_min_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(min);
const ct_loop_fn ct__cpu_argmax_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(argmax);
const ct_loop_fn ct__cpu_argmin_loops[CT_NUM_DTYPES] = DTYPE_ROW_ALL(argmin);
const ct_loop_fn ct__cpu_select_count_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(select_count);
const ct_loop_fn ct__cpu_select_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(select_grad);
const ct_loop_fn ct__cpu_scatter_index_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(scatter_index);

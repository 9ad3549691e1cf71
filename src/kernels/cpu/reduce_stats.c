// var/std, norm and logsumexp kernels, and the elementwise loops of the gradients of
// var/std, prod, norm and logsumexp (reduce_stats_tmpl.h, once per floating dtype).
#include <math.h>
#include "kernels/cpu/elementwise_cpu.h"
#include "kernels/cpu/reduce_impl.h"

static inline float load_f32(const char *p) { float v; memcpy(&v, p, sizeof v); return v; }
static inline double load_f64(const char *p) { double v; memcpy(&v, p, sizeof v); return v; }
#define STORE(p, v) memcpy((p), &(v), sizeof(v))

// Math functions per dtype: exp and log as PyTorch's vectorised exp_/log_ compute them
// (SLEEF, or libm without it); the rest from libm.
#define EXP_f32 ct__cpu_expf
#define EXP_f64 ct__cpu_exp
#define LOG_f32 ct__cpu_logf
#define LOG_f64 ct__cpu_log
#define POW_f32 powf
#define POW_f64 pow
#define SQRT_f32 sqrtf
#define SQRT_f64 sqrt
#define FMA_f32 fmaf
#define FMA_f64 fma
#define FABS_f32 fabsf
#define FABS_f64 fabs

// The elementwise gradient formulas, and how many inputs each reads.
enum { EW_EXP_SUB, EW_LOG_ADD, EW_EXP_GRAD, EW_VAR_COEF, EW_SUB_MUL, EW_NORM_GRAD };
static inline int ew_inputs(int op) { return op == EW_EXP_SUB || op == EW_LOG_ADD || op == EW_VAR_COEF ? 2 : 3; }

#define T float
#define SFX f32
#define W 8
#include "kernels/cpu/reduce_stats_tmpl.h"
#define T double
#define SFX f64
#define W 4
#include "kernels/cpu/reduce_stats_tmpl.h"

const ct_loop_fn ct__cpu_var_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(var);
const ct_loop_fn ct__cpu_sq_dev_sum_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(sq_dev_sum);
const ct_loop_fn ct__cpu_norm_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(norm);
const ct_loop_fn ct__cpu_norm_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(norm_grad);
const ct_loop_fn ct__cpu_prod_backward_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(prod_backward);
const ct_loop_fn ct__cpu_exp_sub_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(exp_sub);
const ct_loop_fn ct__cpu_log_add_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(log_add);
const ct_loop_fn ct__cpu_var_coef_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(var_coef);
const ct_loop_fn ct__cpu_sub_mul_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(sub_mul);
const ct_loop_fn ct__cpu_exp_grad_loops[CT_NUM_DTYPES] = DTYPE_ROW_FLOAT(exp_grad);

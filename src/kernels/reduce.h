// Reduction kernels (sum, prod, max/min with indices, var, norm ...), softmax loops and
// the fused loops their backward passes use.
//
// A reduction is run by the op layer (src/ops/reduce_plan.c) as an iteration over the
// *outputs*: the strided iterator walks operand 0 (the output) together with a "kept
// view" of the input, a view with the output's shape whose element j points at the
// first input element reduced into output j. The kernel reduces, for each output, the
// elements described by ct_reduce_ctx: a run of `len` elements `stride` bytes apart,
// repeated over `nouter` further reduced dims when the reduced dims could not be merged
// into one run (every reduction accepts nouter > 0 except argmax/argmin, which the op
// layer gives one run in row-major order).
#ifndef CTORCH_SRC_KERNELS_REDUCE_H
#define CTORCH_SRC_KERNELS_REDUCE_H
#include "kernels/iter.h"

/// Geometry and arguments of one reduction, passed as the loop's ctx.
typedef struct ct_reduce_ctx {
  int64_t len;    ///< elements in the innermost reduced run (>= 0)
  int64_t stride; ///< byte stride of that run in the input operand
  int64_t stride2; ///< byte stride of the same dim in a second full-size operand (backward)
  int nouter;     ///< further reduced dims, outermost first (sum-like kernels only)
  int64_t outer_shape[CT_MAX_DIMS];
  int64_t outer_stride[CT_MAX_DIMS]; ///< bytes, in the input operand
  double param;   ///< correction (var), p (norm), divisor (scale)
  int flags;      ///< kernel-specific (CT_RED_*)
} ct_reduce_ctx;

/// A ctx for one run of `len` elements `stride` bytes apart (nouter 0), or for an
/// elementwise kernel (len 0), with param and flags. Set field by field, leaving the
/// outer arrays (128 bytes, read only below nouter) unwritten: this runs once per op.
static inline ct_reduce_ctx ct__reduce_ctx_run(int64_t len, int64_t stride, double param, int flags) {
  ct_reduce_ctx c;
  c.len = len;
  c.stride = stride;
  c.stride2 = 0;
  c.nouter = 0;
  c.param = param;
  c.flags = flags;
  return c;
}

/// Flags of var/std kernels.
#define CT_RED_SQRT 1
/// Flags of the "select" kernels (gradient of max/amax/norm-inf, spread over ties).
#define CT_RED_SEL_ABS 1    ///< compare |x| with the value and multiply by sgn(x)
#define CT_RED_SEL_NAN 2    ///< a nan x matches (max(): only when the value is nan)
#define CT_RED_SEL_FILL 4   ///< masked_fill semantics (0 where no match) instead of q*mask
#define CT_RED_SEL_NANVAL 8 ///< with SEL_NAN: x matches iff isnan(x) when v is nan, else x==v

/// Softmax over a contiguous [outer, dim, inner] block: (out, in, outer, dim, inner).
typedef void (*ct_softmax_fn)(char *out, const char *in, int64_t outer, int64_t dim, int64_t inner);
/// Its backward: (grad_in, grad, softmax output, outer, dim, inner), all contiguous.
typedef void (*ct_softmax_backward_fn)(char *gin, const char *g, const char *y, int64_t outer, int64_t dim,
                                       int64_t inner);

/// Every member points to an array of CT_NUM_DTYPES loops indexed by the input dtype
/// (NULL where a dtype is not supported).
typedef struct ct_reduce_kernels {
  // ---- reductions: ops {out, kept view of input [, extra per-output operands]} ----
  /// out = sum; bool/int inputs give int64 outputs. Float sums use PyTorch's cascade
  /// (bit-identical for the same geometry). Accepts nouter > 0.
  const ct_loop_fn *sum;
  /// out = product; bool/int inputs give int64.
  const ct_loop_fn *prod;
  /// out = max (amax) / min (amin), nan propagating; same dtype.
  const ct_loop_fn *max;
  const ct_loop_fn *min;
  /// ops {indices (int64), values (dtype), input}: first maximum / minimum along the run;
  /// the first nan wins.
  const ct_loop_fn *argmax;
  const ct_loop_fn *argmin;
  /// Floating only. Welford in double; param = correction; flags CT_RED_SQRT for std.
  const ct_loop_fn *var;
  /// Floating only. ops {out (double), input, mean (double, per output)}: sum of
  /// (x - mean)^2 in double (the all-reduce std/var of PyTorch). Accepts nouter > 0.
  const ct_loop_fn *sq_dev_sum;
  /// Floating only. p-norm with p = param (0, 1, 2, +-inf or any other value).
  const ct_loop_fn *norm;
  /// Floating only. ops {q, input, value, grad}: q = grad / (number of elements matching
  /// value), matching per the CT_RED_SEL_* flags.
  const ct_loop_fn *select_count;

  // ---- loops along one dim: ctx.len / ctx.stride (input) / ctx.stride2 (other) ----
  /// ops {grad_in view (kept, of the full-size grad_in), grad (per output), indices}:
  /// grad_in[index] = grad. grad_in must be zero-filled; stride2 = its dim stride.
  const ct_loop_fn *scatter_index;
  /// ops {grad_in kept view, input kept view, grad, result}: gradient of prod along the
  /// run (stride2 = grad_in's stride, stride = input's).
  const ct_loop_fn *prod_backward;

  // ---- elementwise loops over full-size operands (per-output operands broadcast) ----
  /// ops {out, a}: out = a / (T)param.
  const ct_loop_fn *div_scalar;
  /// ops {out, x, m}: out = exp(x - m'), m' = m, or 0 where m is infinite (logsumexp).
  const ct_loop_fn *exp_sub;
  /// ops {out, s, m}: out = log(s) + m' (logsumexp's last step).
  const ct_loop_fn *log_add;
  /// ops {c, g, r}: c = (T)param * (flags & CT_RED_SQRT ? (r == 0 ? 0 : g / (r * 2)) : g).
  const ct_loop_fn *var_coef;
  /// ops {out, x, m, c}: out = c * (x - m).
  const ct_loop_fn *sub_mul;
  /// ops {out, x, v, q}: gradient of max/amax/norm-inf per the CT_RED_SEL_* flags.
  const ct_loop_fn *select_grad;
  /// ops {out, x, g, r}: out = g * exp(x - r).
  const ct_loop_fn *exp_grad;
  /// ops {out, x, g, n}: gradient of the p-norm (p = param, finite, non-zero).
  const ct_loop_fn *norm_grad;

  // ---- softmax over contiguous [outer, dim, inner] blocks (floating only) ----
  /// (out, in, outer, dim, inner): softmax / log_softmax along dim.
  const ct_softmax_fn *softmax;
  const ct_softmax_fn *log_softmax;
  /// (grad_in, grad, out, outer, dim, inner): backward of softmax / log_softmax.
  const ct_softmax_backward_fn *softmax_backward;
  const ct_softmax_backward_fn *log_softmax_backward;
} ct_reduce_kernels;

#endif

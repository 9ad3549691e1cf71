// CUDA against CPU: the reduce family's loops that check_reduce (check_math.c) leaves
// out: the elementwise loops of the reductions' backward passes and logsumexp, the loops
// along one dim (scatter_index, prod_backward), and the reductions that compare elements
// with a per-output value (sq_dev_sum, select_count).
#include "cuda_harness.h"
#include "kernels/reduce.h"

// The elementwise loops over full-size operands: {out, a [, b [, c]]}, param and flags in
// the ctx. Bitwise where both sides compute + - * / only; libm (exp, log, pow) within
// tolerance.
static void check_reduce_elementwise(ct_dtype dt) {
  const ct_reduce_kernels *c = cpu->reduce, *g = gpu->reduce;
  const ct_dtype same[4] = {dt, dt, dt, dt};
  ct_reduce_ctx ctx = ct__reduce_ctx_run(0, 0, 3.0, 0);
  check_variants("div_scalar", c->div_scalar[dt], g->div_scalar[dt], 2, same, &ctx, EXACT, false);
  check_variants("sub_mul", c->sub_mul[dt], g->sub_mul[dt], 4, same, &ctx, EXACT, false);
  check_variants("exp_sub", c->exp_sub[dt], g->exp_sub[dt], 3, same, &ctx, CLOSE, false);
  check_variants("log_add", c->log_add[dt], g->log_add[dt], 3, same, &ctx, CLOSE, false);
  check_variants("exp_grad", c->exp_grad[dt], g->exp_grad[dt], 4, same, &ctx, CLOSE, false);
  for (int sqrt_flag = 0; sqrt_flag < 2; sqrt_flag++) {
    ctx.flags = sqrt_flag ? CT_RED_SQRT : 0;
    check_variants("var_coef", c->var_coef[dt], g->var_coef[dt], 3, same, &ctx, EXACT, false);
  }
  const int select_flags[] = {0, CT_RED_SEL_ABS, CT_RED_SEL_FILL | CT_RED_SEL_NANVAL, CT_RED_SEL_NAN};
  for (size_t k = 0; k < sizeof select_flags / sizeof *select_flags; k++) {
    ctx.flags = select_flags[k];
    check_variants("select_grad", c->select_grad[dt], g->select_grad[dt], 4, same, &ctx, EXACT, false);
  }
  ctx.flags = 0;
  const double ps[] = {1, 2, 3, 1.5, 0.5}; // each branch of the p-norm's gradient
  for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
    ctx.param = ps[k];
    check_variants("norm_grad", c->norm_grad[dt], g->norm_grad[dt], 4, same, &ctx, CLOSE, false);
  }
}

// 7 outputs, each reducing a [3, 100] slab (nouter 1) of a [3, 7, 100] input, with the
// per-output operands {value, grad} (select_count: ops {q, input, value, grad}) or {mean}
// (sq_dev_sum: ops {out (double), input, mean (double)}). Values equal to some input
// elements (and a NaN) make select_count's matches count.
static void check_value_reduction(ct_dtype dt, bool select, int flags) {
  const ct_loop_fn fc = (select ? cpu->reduce->select_count : cpu->reduce->sq_dev_sum)[dt];
  const ct_loop_fn fg = (select ? gpu->reduce->select_count : gpu->reduce->sq_dev_sum)[dt];
  const char *what = select ? "select_count" : "sq_dev_sum";
  if (!fc || !fg) return;
  const size_t es = ct_elem_size(dt), os = select ? es : sizeof(double);
  static char in[2100 * 8], value[7 * 8], grad[7 * 8], out_c[7 * 8], out_g[7 * 8];
  fill_values(in, dt, 2100, false, false);
  fill_values(grad, dt, 7, false, false);
  for (int j = 0; j < 7; j++) {
    const int64_t src = j * 100 + 3 * j; // an element output j reduces
    if (!select) ((double *)value)[j] = value_at(in, dt, src) * 0.5;
    else memcpy(value + j * es, in + src * es, es);
  }
  if (select) { // a repeated match in output 1's slab, and a NaN input and value for output 2
    memcpy(in + (700 + 100 + 50) * es, value + es, es);
    if (dt == CT_FLOAT32) ((float *)in)[200 + 9] = NAN, ((float *)value)[2] = NAN;
    else ((double *)in)[200 + 9] = NAN, ((double *)value)[2] = NAN;
  }
  ct_reduce_ctx ctx = ct__reduce_ctx_run(100, (int64_t)es, 0, flags);
  ctx.nouter = 1, ctx.outer_shape[0] = 3, ctx.outer_stride[0] = 700 * (int64_t)es;
  memset(out_c, 0, sizeof out_c);
  void *din = dev_copy_of(in, 2100 * es), *dvalue = dev_copy_of(value, 7 * os), *dgrad = dev_copy_of(grad, 7 * es);
  void *dout = dev_copy_of(out_c, 7 * os);
  char *cdata[4] = {out_c, in, value, grad}, *gdata[4] = {dout, din, dvalue, dgrad};
  const int64_t strides[4] = {(int64_t)os, 100 * (int64_t)es, (int64_t)os, (int64_t)es};
  fc(cdata, strides, 7, &ctx);
  fg(gdata, strides, 7, &ctx);
  gpu->memory->to_host(out_g, dout, 7 * os);
  compare(what, select ? dt : CT_FLOAT64, out_g, out_c, 7, 1, select ? EXACT : CLOSE, 100);
  gpu->memory->free(din, 0), gpu->memory->free(dvalue, 0), gpu->memory->free(dgrad, 0), gpu->memory->free(dout, 0);
}

// The loops along one dim over 7 rows of 10: scatter_index (ops {grad_in kept view,
// grad, indices}: grad_in[index] = grad) and prod_backward (ops {grad_in kept view,
// input kept view, grad, result}; rows 2 and 5 hold zeros, row 5 two of them).
static void check_dim_loops(ct_dtype dt) {
  const size_t es = ct_elem_size(dt);
  static char x[70 * 8], grad[7 * 8], result[7 * 8], gin_c[70 * 8], gin_g[70 * 8];
  int64_t idx[7];
  fill_values(x, dt, 70, false, false);
  fill_values(grad, dt, 7, false, false);
  fill_values(result, dt, 7, false, false);
  for (int j = 0; j < 7; j++) idx[j] = (j * 3) % 10;
  memset(x + 23 * es, 0, es), memset(x + 51 * es, 0, es), memset(x + 58 * es, 0, es);
  memset(gin_c, 0, sizeof gin_c);
  void *dx = dev_copy_of(x, 70 * es), *dgrad = dev_copy_of(grad, 7 * es), *dresult = dev_copy_of(result, 7 * es);
  void *didx = dev_copy_of(idx, sizeof idx), *dgin = dev_copy_of(gin_c, 70 * es);
  ct_reduce_ctx ctx = ct__reduce_ctx_run(10, (int64_t)es, 0, 0);
  ctx.stride2 = (int64_t)es;
  const int64_t row = 10 * (int64_t)es;
  char *sc[3] = {gin_c, grad, (char *)idx}, *sg[3] = {dgin, dgrad, didx};
  const int64_t s3[3] = {row, (int64_t)es, 8};
  cpu->reduce->scatter_index[dt](sc, s3, 7, &ctx);
  gpu->reduce->scatter_index[dt](sg, s3, 7, &ctx);
  gpu->memory->to_host(gin_g, dgin, 70 * es);
  compare("scatter_index", dt, gin_g, gin_c, 70, 1, EXACT, 0);
  char *pc[4] = {gin_c, x, grad, result}, *pg[4] = {dgin, dx, dgrad, dresult};
  const int64_t s4[4] = {row, row, (int64_t)es, (int64_t)es};
  cpu->reduce->prod_backward[dt](pc, s4, 7, &ctx);
  gpu->reduce->prod_backward[dt](pg, s4, 7, &ctx);
  gpu->memory->to_host(gin_g, dgin, 70 * es);
  compare("prod_backward", dt, gin_g, gin_c, 70, 1, EXACT, 0);
  gpu->memory->free(dx, 0), gpu->memory->free(dgrad, 0), gpu->memory->free(dresult, 0);
  gpu->memory->free(didx, 0), gpu->memory->free(dgin, 0);
}

void check_reduce_loops(void) {
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    check_reduce_elementwise(dt);
    check_dim_loops(dt);
    check_value_reduction(dt, false, 0);
    check_value_reduction(dt, true, 0);
    check_value_reduction(dt, true, CT_RED_SEL_ABS);
    check_value_reduction(dt, true, CT_RED_SEL_NAN | CT_RED_SEL_NANVAL);
  }
}

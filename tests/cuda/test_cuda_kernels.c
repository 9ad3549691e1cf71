// The CUDA kernel table against the CPU table on the same inputs: memory hooks, copy,
// elementwise, reduce, blas, optim, loss, index, pool, norm, rnn, sort, conv and random
// families, per dtype (random: against the same Philox blocks mapped on the host).
// Bitwise where both compute the same IEEE operations in the same order (copies,
// arithmetic, comparisons, formulas of + - * / and sqrt, optimizer updates, index moves);
// within float tolerances where the libraries (SLEEF vs CUDA's libm) or the summation
// order (cascade vs block tree, OpenBLAS vs cuBLAS) differ.
// Exits 77 (skipped) when this build has no CUDA backend or the machine no usable GPU.
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/blas.h"
#include "kernels/conv.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "kernels/loss.h"
#include "kernels/norm.h"
#include "kernels/optim.h"
#include "kernels/pool.h"
#include "kernels/random.h"
#include "kernels/reduce.h"
#include "kernels/rnn.h"
#include "kernels/sort.h"
#include "kernels/cuda/philox.h"

static const ct_kernel_table *cpu, *gpu;
static int failures, checks;
static const char *dtype_names[CT_NUM_DTYPES] = {"bool", "int32", "int64", "float32", "float64"};

#define MAXN 4096

// ---- inputs ----

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t next_u32(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(rng_state >> 33);
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * (next_u32() / 4294967296.0); }

// n elements of dtype: specials first for floats (0, -0, inf, -inf, nan), then uniform
// values in [-4, 4]; integers in [-50, 50], nonzero when `nonzero` (divisors).
static void fill_values(void *buf, ct_dtype dt, int64_t n, bool nonzero, bool specials) {
  static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0, 0.5};
  for (int64_t i = 0; i < n; i++) {
    double v = specials && i < 8 ? special[i] : uniform(-4, 4);
    int64_t iv = (int64_t)uniform(-50, 50);
    if (nonzero && iv == 0) iv = 7;
    switch (dt) {
    case CT_BOOL: ((bool *)buf)[i] = next_u32() & 1; break;
    case CT_INT32: ((int32_t *)buf)[i] = (int32_t)iv; break;
    case CT_INT64: ((int64_t *)buf)[i] = iv; break;
    case CT_FLOAT32: ((float *)buf)[i] = (float)v; break;
    case CT_FLOAT64: ((double *)buf)[i] = v; break;
    default: break;
    }
  }
}

static void *dev_copy_of(const void *host, size_t nbytes) {
  void *d = gpu->memory->alloc(nbytes);
  if (!d) {
    fprintf(stderr, "device allocation of %zu bytes failed\n", nbytes);
    exit(1);
  }
  gpu->memory->from_host(d, host, nbytes);
  return d;
}

// ---- comparisons ----

enum { EXACT, CLOSE };

static double value_at(const void *buf, ct_dtype dt, int64_t i) {
  switch (dt) {
  case CT_BOOL: return ((const bool *)buf)[i];
  case CT_INT32: return ((const int32_t *)buf)[i];
  case CT_INT64: return (double)((const int64_t *)buf)[i];
  case CT_FLOAT32: return ((const float *)buf)[i];
  default: return ((const double *)buf)[i];
  }
}

static bool close_enough(double got, double want, ct_dtype dt, double scale) {
  if (isnan(got) || isnan(want)) return isnan(got) && isnan(want);
  if (isinf(got) || isinf(want)) return got == want;
  const double rel = dt == CT_FLOAT32 ? 2e-5 : 1e-12;
  return fabs(got - want) <= rel * (fabs(want) + scale);
}

// Element i of n elements `step` apart in the two buffers: bitwise (EXACT) or close.
static void compare(const char *what, ct_dtype dt, const void *got, const void *want, int64_t n, int64_t step,
                    int mode, double scale) {
  const size_t es = ct_elem_size(dt);
  for (int64_t i = 0; i < n; i++) {
    const char *g = (const char *)got + i * step * es, *w = (const char *)want + i * step * es;
    const double gv = value_at(g, dt, 0), wv = value_at(w, dt, 0);
    // NaN payloads and signs differ between x86 and CUDA: any NaN matches any NaN.
    bool ok = mode == EXACT ? memcmp(g, w, es) == 0 || (isnan(gv) && isnan(wv)) : close_enough(gv, wv, dt, scale);
    checks++;
    if (!ok) {
      if (failures++ < 40)
        fprintf(stderr, "FAIL %s [%s] element %lld: cuda %.17g, cpu %.17g\n", what, dtype_names[dt], (long long)i,
                gv, wv);
      return;
    }
  }
}

// ---- one loop over one 1-D run on both devices ----

typedef struct run_spec {
  int nops;
  ct_dtype dt[4];
  int64_t n;
  int64_t step[4];     // element stride of each operand
  bool host_scalar[4]; // a 0-d operand in host memory (stride 0), read by value
  bool nonzero[4];     // inputs that must not be 0 (integer divisors)
  bool finite;         // no inf/nan inputs (float -> int casts of them are undefined)
} run_spec;

// Runs loop_cpu on host buffers and loop_gpu on device copies of the same inputs;
// compares operand 0 (and operand 1 when `two_outputs`).
static void check_run(const char *what, ct_loop_fn loop_cpu, ct_loop_fn loop_gpu, const run_spec *s, void *ctx,
                      int mode, bool two_outputs) {
  if (!loop_cpu || !loop_gpu) {
    if (loop_cpu && !loop_gpu) {
      failures++;
      fprintf(stderr, "FAIL %s: the CUDA table has no loop where the CPU has one\n", what);
    }
    return;
  }
  static char host_in[4][MAXN * 8 * 2], host_out_cpu[2][MAXN * 8 * 2], host_out_gpu[2][MAXN * 8 * 2];
  char *cpu_data[4], *gpu_data[4];
  void *dev[4] = {0};
  int64_t cpu_strides[4], gpu_strides[4];
  const int nout = two_outputs ? 2 : 1;
  for (int k = 0; k < s->nops; k++) {
    const size_t es = ct_elem_size(s->dt[k]);
    const int64_t len = s->host_scalar[k] ? 1 : s->n * s->step[k];
    char *host = k < nout ? host_out_cpu[k] : host_in[k];
    if (k < nout)
      memset(host, 0, (size_t)len * es);
    else
      fill_values(host, s->dt[k], len, s->nonzero[k], mode == EXACT && !s->finite); // specials: exact ops only
    cpu_strides[k] = gpu_strides[k] = s->host_scalar[k] ? 0 : s->step[k] * (int64_t)es;
    cpu_data[k] = host;
    if (s->host_scalar[k]) {
      gpu_data[k] = host; // the same host value for both
    } else {
      dev[k] = dev_copy_of(host, (size_t)len * es);
      gpu_data[k] = dev[k];
    }
  }
  loop_cpu(cpu_data, cpu_strides, s->n, ctx);
  loop_gpu(gpu_data, gpu_strides, s->n, ctx);
  for (int k = 0; k < nout; k++) {
    const size_t bytes = (size_t)(s->n * s->step[k]) * ct_elem_size(s->dt[k]);
    gpu->memory->to_host(host_out_gpu[k], dev[k], bytes);
    compare(what, s->dt[k], host_out_gpu[k], host_out_cpu[k], s->n, s->step[k], mode, 0);
  }
  for (int k = 0; k < s->nops; k++)
    if (dev[k]) gpu->memory->free(dev[k], 0);
}

static run_spec spec(int nops, const ct_dtype *dt, int64_t n) {
  run_spec s = {.nops = nops, .n = n};
  for (int k = 0; k < nops; k++) s.dt[k] = dt[k], s.step[k] = 1;
  return s;
}

// Each loop contiguous (64 elements), strided (every other element of operand 1) and,
// for binary loops, with operand 2 a host scalar.
static void check_variants(const char *what, ct_loop_fn c, ct_loop_fn g, int nops, const ct_dtype *dt, void *ctx,
                           int mode, bool divisor) {
  run_spec s = spec(nops, dt, 64);
  if (divisor) s.nonzero[nops - 1] = true;
  check_run(what, c, g, &s, ctx, mode, false);
  s.n = 37, s.step[1] = 2;
  check_run(what, c, g, &s, ctx, mode, false);
  if (nops == 3) {
    s.step[1] = 1, s.host_scalar[2] = true;
    check_run(what, c, g, &s, ctx, mode, false);
  }
}

// ---- families ----

static void check_copy(void) {
  for (int d = 0; d < CT_NUM_DTYPES; d++) {
    for (int s = 0; s < CT_NUM_DTYPES; s++) {
      char what[64];
      snprintf(what, sizeof what, "cast from %s", dtype_names[s]);
      const ct_dtype dt[2] = {(ct_dtype)d, (ct_dtype)s};
      run_spec r = spec(2, dt, 100);
      r.step[1] = 3;
      r.finite = d == CT_INT32 || d == CT_INT64; // float -> int of inf/nan is undefined in C
      check_run(what, cpu->copy->cast[d][s], gpu->copy->cast[d][s], &r, NULL, EXACT, false);
    }
    const ct_dtype dt[2] = {(ct_dtype)d, (ct_dtype)d};
    double value = 2.5;
    char fill_value[8] = {0};
    switch (d) {
    case CT_BOOL: *(bool *)fill_value = true; break;
    case CT_INT32: *(int32_t *)fill_value = -7; break;
    case CT_INT64: *(int64_t *)fill_value = 1ll << 40; break;
    case CT_FLOAT32: *(float *)fill_value = (float)value; break;
    default: *(double *)fill_value = value;
    }
    run_spec f = spec(1, dt, 300);
    f.step[0] = 2;
    check_run("fill", cpu->copy->fill[d], gpu->copy->fill[d], &f, fill_value, EXACT, false);
    run_spec a = spec(2, dt, 200);
    check_run("accumulate", cpu->copy->accumulate[d], gpu->copy->accumulate[d], &a, NULL, EXACT, false);
  }
}

// The ops whose CPU and CUDA loops compute the same IEEE operations.
static int binary_mode(int op, int dt) { return op == CT_EW_POW && dt >= CT_FLOAT32 ? CLOSE : EXACT; }
static int math_mode(int op, int dt) {
  return op == CT_EW_SQRT || op == CT_EW_RSQRT || (op == CT_EW_POW_SCALAR && dt < CT_FLOAT32) ? EXACT : CLOSE;
}
static int grad_mode(int op) {
  switch (op) {
  case CT_EW_GRAD_LOG1P: case CT_EW_GRAD_SQRT: case CT_EW_GRAD_RSQRT: case CT_EW_GRAD_TANH:
  case CT_EW_GRAD_SIGMOID: case CT_EW_GRAD_RELU: case CT_EW_GRAD_LEAKY_RELU: case CT_EW_GRAD_CLAMP:
  case CT_EW_GRAD_ABS: case CT_EW_GRAD_HARDTANH: return EXACT;
  default: return CLOSE;
  }
}
static int grad2_mode(int op) { return op == CT_EW_GRAD2_POW_SELF || op == CT_EW_GRAD2_POW_EXPONENT ? CLOSE : EXACT; }

static void check_elementwise(void) {
  // p0 = 0.5 makes add's alpha * b exact, so the CPU's fused vector blocks and its
  // unfused tails agree with the CUDA loop's fma. Integer loops: p0 = 3, p1 = 7.
  ct_ew_params prm = {.f64 = {0.5, 2.0, 0}, .f32 = {0.5f, 2.0f, 0}, .i64 = {3, 7, 0}};
  const ct_elementwise_kernels *c = cpu->elementwise, *g = gpu->elementwise;
  char what[64];
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
    const ct_dtype same[4] = {dt, dt, dt, dt}, cmp[3] = {CT_BOOL, dt, dt}, where_dt[4] = {dt, CT_BOOL, dt, dt};
    for (int op = 0; op < CT_EW_BINARY_COUNT; op++) {
      snprintf(what, sizeof what, "binary op %d", op);
      check_variants(what, c->binary[op][dt], g->binary[op][dt], 3, same, &prm, binary_mode(op, dt),
                     op == CT_EW_FLOOR_DIV || op == CT_EW_REMAINDER || op == CT_EW_POW);
    }
    for (int op = 0; op < CT_EW_COMPARE_COUNT; op++) {
      snprintf(what, sizeof what, "compare op %d", op);
      check_variants(what, c->compare[op][dt], g->compare[op][dt], 3, cmp, &prm, EXACT, false);
    }
    for (int op = 0; op < CT_EW_UNARY_COUNT; op++) {
      snprintf(what, sizeof what, "unary op %d", op);
      check_variants(what, c->unary[op][dt], g->unary[op][dt], 2, same, &prm, EXACT, false);
    }
    for (int op = 0; op < CT_EW_MATH_COUNT; op++) {
      snprintf(what, sizeof what, "math op %d", op);
      check_variants(what, c->math[op][dt], g->math[op][dt], 2, same, &prm, math_mode(op, dt), false);
    }
    for (int op = 0; op < CT_EW_GRAD_COUNT; op++) {
      snprintf(what, sizeof what, "grad op %d", op);
      check_variants(what, c->grad[op][dt], g->grad[op][dt], 3, same, &prm, grad_mode(op), false);
    }
    for (int op = 0; op < CT_EW_GRAD2_COUNT; op++) {
      snprintf(what, sizeof what, "grad2 op %d", op);
      check_variants(what, c->grad2[op][dt], g->grad2[op][dt], 4, same, &prm, grad2_mode(op), false);
    }
    check_variants("where", c->where[dt], g->where[dt], 4, where_dt, NULL, EXACT, false);
    const ct_dtype lnot[2] = {CT_BOOL, dt};
    check_variants("logical_not", c->logical_not[dt], g->logical_not[dt], 2, lnot, NULL, EXACT, false);

    // any_zero: a flag in host memory, with and without a zero among the elements.
    char buf[64 * 8];
    for (int with_zero = 0; with_zero < 2; with_zero++) {
      fill_values(buf, dt, 64, true, false);
      if (dt == CT_BOOL) memset(buf, 1, 64);
      if (with_zero) memset(buf + 40 * ct_elem_size(dt), 0, ct_elem_size(dt));
      void *d = dev_copy_of(buf, sizeof buf);
      bool found = false;
      char *data[1] = {d};
      const int64_t strides[1] = {(int64_t)ct_elem_size(dt)};
      g->any_zero[dt](data, strides, 64, &found);
      checks++;
      if (found != (bool)with_zero) {
        failures++;
        fprintf(stderr, "FAIL any_zero [%s]: %d, expected %d\n", dtype_names[dt], found, with_zero);
      }
      gpu->memory->free(d, 0);
    }
  }
}

// A reduction over a [3, 7, 100] input: output j (of 7) reduces dims 0 and 2 (nouter 1),
// or over a [7, 100] input one run per output (argmax/argmin).
typedef const ct_loop_fn *reduce_member;
static void check_reduction(const char *what, reduce_member c, reduce_member g, ct_dtype in_dt, ct_dtype out_dt,
                            double param, int flags, bool one_run, int mode) {
  if (!c || !c[in_dt]) return;
  if (!g || !g[in_dt]) {
    failures++;
    fprintf(stderr, "FAIL %s [%s]: no CUDA loop\n", what, dtype_names[in_dt]);
    return;
  }
  const size_t es = ct_elem_size(in_dt), os = ct_elem_size(out_dt);
  static char in[3 * 7 * 100 * 8], out_cpu[2][7 * 8], out_gpu[2][7 * 8];
  const int64_t total = one_run ? 700 : 2100;
  fill_values(in, in_dt, total, false, false);
  if (in_dt == CT_INT32 || in_dt == CT_INT64) // keep products and sums of the ints small and exact
    for (int64_t i = 0; i < total; i++) {
      if (in_dt == CT_INT32) ((int32_t *)in)[i] = ((int32_t *)in)[i] % 3;
      else ((int64_t *)in)[i] = ((int64_t *)in)[i] % 3;
    }
  ct_reduce_ctx ctx = ct__reduce_ctx_run(100, (int64_t)es, param, flags);
  if (!one_run) {
    ctx.nouter = 1;
    ctx.outer_shape[0] = 3;
    ctx.outer_stride[0] = 700 * (int64_t)es;
  }
  void *din = dev_copy_of(in, (size_t)total * es);
  memset(out_cpu, 0, sizeof out_cpu);
  void *dout0 = dev_copy_of(out_cpu[0], sizeof out_cpu[0]), *dout1 = dev_copy_of(out_cpu[1], sizeof out_cpu[1]);
  const bool arg = c == cpu->reduce->argmax || c == cpu->reduce->argmin;
  // argmax/argmin: {indices, values, input}; others {out, input}.
  char *cdata[3] = {out_cpu[0], arg ? out_cpu[1] : in, in}, *gdata[3] = {dout0, arg ? dout1 : din, din};
  const int64_t strides[3] = {arg ? 8 : (int64_t)os, arg ? (int64_t)es : 100 * (int64_t)es, 100 * (int64_t)es};
  c[in_dt](cdata, strides, 7, &ctx);
  g[in_dt](gdata, strides, 7, &ctx);
  gpu->memory->to_host(out_gpu[0], dout0, sizeof out_gpu[0]);
  gpu->memory->to_host(out_gpu[1], dout1, sizeof out_gpu[1]);
  compare(what, arg ? CT_INT64 : out_dt, out_gpu[0], out_cpu[0], 7, 1, arg ? EXACT : mode, 300);
  if (arg) compare(what, in_dt, out_gpu[1], out_cpu[1], 7, 1, EXACT, 0);
  gpu->memory->free(din, 0), gpu->memory->free(dout0, 0), gpu->memory->free(dout1, 0);
}

static void check_softmax(ct_dtype dt) {
  const int64_t outer = 4, dim = 50, inner = 3, n = outer * dim * inner;
  const size_t bytes = (size_t)n * ct_elem_size(dt);
  static char x[600 * 8], gr[600 * 8], y_cpu[600 * 8], y_gpu[600 * 8];
  fill_values(x, dt, n, false, false);
  fill_values(gr, dt, n, false, false);
  void *dx = dev_copy_of(x, bytes), *dg = dev_copy_of(gr, bytes), *dy = dev_copy_of(x, bytes), *dgin = dev_copy_of(x, bytes);
  for (int is_log = 0; is_log < 2; is_log++) {
    const ct_softmax_fn fc = (is_log ? cpu->reduce->log_softmax : cpu->reduce->softmax)[dt];
    const ct_softmax_fn fg = (is_log ? gpu->reduce->log_softmax : gpu->reduce->softmax)[dt];
    fc(y_cpu, x, outer, dim, inner);
    fg(dy, dx, outer, dim, inner);
    gpu->memory->to_host(y_gpu, dy, bytes);
    compare(is_log ? "log_softmax" : "softmax", dt, y_gpu, y_cpu, n, 1, CLOSE, 0);
    // backward from the same (CPU) output on both
    static char gin_cpu[600 * 8], gin_gpu[600 * 8];
    gpu->memory->from_host(dy, y_cpu, bytes);
    (is_log ? cpu->reduce->log_softmax_backward : cpu->reduce->softmax_backward)[dt](gin_cpu, gr, y_cpu, outer, dim,
                                                                                   inner);
    (is_log ? gpu->reduce->log_softmax_backward : gpu->reduce->softmax_backward)[dt](dgin, dg, dy, outer, dim, inner);
    gpu->memory->to_host(gin_gpu, dgin, bytes);
    compare(is_log ? "log_softmax_backward" : "softmax_backward", dt, gin_gpu, gin_cpu, n, 1, CLOSE, 1);
  }
  gpu->memory->free(dx, 0), gpu->memory->free(dg, 0), gpu->memory->free(dy, 0), gpu->memory->free(dgin, 0);
}

static void check_reduce(void) {
  const ct_reduce_kernels *c = cpu->reduce, *g = gpu->reduce;
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
    const bool fl = dt >= CT_FLOAT32;
    const ct_dtype widened = fl ? (ct_dtype)dt : CT_INT64;
    check_reduction("sum", c->sum, g->sum, dt, widened, 0, 0, false, fl ? CLOSE : EXACT);
    check_reduction("prod", c->prod, g->prod, dt, widened, 0, 0, false, fl ? CLOSE : EXACT);
    check_reduction("max", c->max, g->max, dt, dt, 0, 0, false, EXACT);
    check_reduction("min", c->min, g->min, dt, dt, 0, 0, false, EXACT);
    check_reduction("argmax", c->argmax, g->argmax, dt, dt, 0, 0, true, EXACT);
    check_reduction("argmin", c->argmin, g->argmin, dt, dt, 0, 0, true, EXACT);
    check_reduction("var", c->var, g->var, dt, dt, 1, 0, false, CLOSE);
    check_reduction("std", c->var, g->var, dt, dt, 0, CT_RED_SQRT, false, CLOSE);
    const double ps[] = {0, 1, 2, 3, INFINITY, -INFINITY};
    for (int i = 0; i < 6; i++) check_reduction("norm", c->norm, g->norm, dt, dt, ps[i], 0, false, CLOSE);
    if (fl) check_softmax(dt);
  }
}

// ---- blas ----

static void check_gemm_case(const char *what, ct_dtype dt, ct_gemm_args a, int64_t a_len, int64_t b_len,
                            int64_t c_len, bool bmm) {
  const size_t es = ct_elem_size(dt);
  static char A[20000 * 8], B[20000 * 8], C_cpu[20000 * 8], C_gpu[20000 * 8];
  fill_values(A, dt, a_len, false, false);
  fill_values(B, dt, b_len, false, false);
  fill_values(C_cpu, dt, c_len, false, false);
  void *dA = dev_copy_of(A, (size_t)a_len * es), *dB = dev_copy_of(B, (size_t)b_len * es);
  void *dC = dev_copy_of(C_cpu, (size_t)c_len * es);
  ct_gemm_args h = a, d = a;
  h.a = A, h.b = B, h.c = C_cpu;
  d.a = dA, d.b = dB, d.c = dC;
  (bmm ? cpu->blas->bmm : cpu->blas->gemm)[dt](&h);
  (bmm ? gpu->blas->bmm : gpu->blas->gemm)[dt](&d);
  gpu->memory->to_host(C_gpu, dC, (size_t)c_len * es);
  compare(what, dt, C_gpu, C_cpu, c_len, 1, dt >= CT_FLOAT32 ? CLOSE : EXACT, 4.0 * (double)a.k);
  gpu->memory->free(dA, 0), gpu->memory->free(dB, 0), gpu->memory->free(dC, 0);
}

enum { M = 33, N = 17, K = 65 }; // product sizes (no multiple of the vector widths)

static void check_blas(void) {
  const int64_t m = M, n = N, k = K;
  for (int dt = CT_INT32; dt < CT_NUM_DTYPES; dt++) {
    if (!cpu->blas->gemm[dt]) continue;
    // row-major A, B, C; beta 0
    ct_gemm_args g = {.batch = 1, .m = m, .n = n, .k = k, .a_rs = k, .a_cs = 1, .b_rs = n, .b_cs = 1, .c_rs = n,
                      .c_cs = 1, .alpha = 1, .beta = 0};
    check_gemm_case("gemm row-major", dt, g, m * k, k * n, m * n, false);
    // A transposed (column-major), C column-major, alpha 2, beta 0.5
    ct_gemm_args t = g;
    t.a_rs = 1, t.a_cs = m, t.c_rs = 1, t.c_cs = m, t.alpha = 2, t.beta = 0.5;
    check_gemm_case("gemm transposed", dt, t, m * k, k * n, m * n, false);
    // a layout no BLAS takes (every other column of A): the plain kernel
    ct_gemm_args s = g;
    s.a_rs = 2 * k, s.a_cs = 2;
    check_gemm_case("gemm strided", dt, s, 2 * m * k, k * n, m * n, false);
    // k == 0: C = beta * C
    ct_gemm_args z = g;
    z.k = 0, z.beta = 0.5;
    check_gemm_case("gemm k=0", dt, z, 1, 1, m * n, false);
    // batched, B broadcast over the batch
    ct_gemm_args b = g;
    b.batch = 3, b.a_bs = m * k, b.b_bs = 0, b.c_bs = m * n;
    check_gemm_case("bmm", dt, b, 3 * m * k, k * n, 3 * m * n, true);
    // gemv as torch.mv: y = A x, A transposed
    {
      const size_t es = ct_elem_size(dt);
      static char A[M * K * 8], x[K * 8], y_cpu[M * 8], y_gpu[M * 8];
      fill_values(A, dt, m * k, false, false);
      fill_values(x, dt, k, false, false);
      fill_values(y_cpu, dt, m, false, false);
      void *dA = dev_copy_of(A, m * k * es), *dx = dev_copy_of(x, k * es), *dy = dev_copy_of(y_cpu, m * es);
      ct_gemv_args v = {.m = m, .n = k, .a = A, .a_rs = 1, .a_cs = m, .x = x, .incx = 1, .y = y_cpu, .incy = 1,
                        .alpha = 1, .beta = 1};
      cpu->blas->gemv[dt](&v);
      v.a = dA, v.x = dx, v.y = dy;
      gpu->blas->gemv[dt](&v);
      gpu->memory->to_host(y_gpu, dy, m * es);
      compare("gemv", dt, y_gpu, y_cpu, m, 1, dt >= CT_FLOAT32 ? CLOSE : EXACT, 4.0 * k);
      // dot of A's first column with x (strides m and 1), into device memory
      char r_cpu[8], r_gpu[8];
      cpu->blas->dot[dt](k, A, m, x, 1, r_cpu);
      gpu->blas->dot[dt](k, dA, m, dx, 1, dy);
      gpu->memory->to_host(r_gpu, dy, es);
      compare("dot", dt, r_gpu, r_cpu, 1, 1, dt >= CT_FLOAT32 ? CLOSE : EXACT, 4.0 * k);
      gpu->memory->free(dA, 0), gpu->memory->free(dx, 0), gpu->memory->free(dy, 0);
    }
  }
}

// ---- index ----

// Runs a 3-operand index loop (out/dst, src, int64 index) on both devices: dst of
// dst_len elements (stride dst_step elements along the run), src of n, idx of n.
static void check_index_loop(const char *what, ct_loop_fn c, ct_loop_fn g, ct_dtype dt, int64_t n, int64_t dst_len,
                             int64_t dst_step, int64_t src_step, const int64_t *idx, int64_t index_step) {
  const size_t es = ct_elem_size(dt);
  static char dst_c[512 * 8], dst_g[512 * 8], src[512 * 8];
  fill_values(dst_c, dt, dst_len, false, false);
  fill_values(src, dt, n * (src_step ? src_step : 1) + dst_len, false, false);
  void *ddst = dev_copy_of(dst_c, (size_t)dst_len * es), *dsrc = dev_copy_of(src, sizeof src / 8 * es);
  void *didx = dev_copy_of(idx, (size_t)n * sizeof(int64_t));
  ct_index_step step = {.stride = index_step * (int64_t)es};
  const int64_t strides[3] = {dst_step * (int64_t)es, src_step * (int64_t)es, 8};
  char *cdata[3] = {dst_c, src, (char *)idx}, *gdata[3] = {ddst, dsrc, didx};
  c(cdata, strides, n, &step);
  g(gdata, strides, n, &step);
  gpu->memory->to_host(dst_g, ddst, (size_t)dst_len * es);
  compare(what, dt, dst_g, dst_c, dst_len, 1, EXACT, 0);
  gpu->memory->free(ddst, 0), gpu->memory->free(dsrc, 0), gpu->memory->free(didx, 0);
}

static void check_rows(ct_dtype dt) {
  enum { ROWS = 20, COLS = 5, PICK = 12 };
  const size_t es = ct_elem_size(dt), row_bytes = COLS * es;
  static char table_c[ROWS * COLS * 8], table_g[ROWS * COLS * 8], rows_c[PICK * COLS * 8], rows_g[PICK * COLS * 8];
  int64_t idx[PICK];
  for (int k = 0; k < PICK; k++) idx[k] = (k * 7) % ROWS;
  idx[4] = idx[9] = 3; // repeated, and the skipped row
  fill_values(table_c, dt, ROWS * COLS, false, false);
  memset(rows_c, 0, sizeof rows_c);
  void *dtable = dev_copy_of(table_c, ROWS * row_bytes), *drows = dev_copy_of(rows_c, PICK * row_bytes);
  void *didx = dev_copy_of(idx, sizeof idx);
  const int64_t strides[2] = {(int64_t)row_bytes, 8};
  // gather_rows with a limit: index 25 is out of range, its row stays untouched
  idx[6] = 25;
  gpu->memory->from_host(didx, idx, sizeof idx);
  ct_index_rows rc = {.base = table_c, .stride = (int64_t)row_bytes, .row_bytes = (int64_t)row_bytes, .skip = -1,
                      .limit = ROWS};
  ct_index_rows rg = rc;
  rg.base = dtable;
  char *cdata[2] = {rows_c, (char *)idx}, *gdata[2] = {drows, didx};
  cpu->index->gather_rows(cdata, strides, PICK, &rc);
  gpu->index->gather_rows(gdata, strides, PICK, &rg);
  gpu->memory->to_host(rows_g, drows, PICK * row_bytes);
  compare("gather_rows", dt, rows_g, rows_c, PICK * COLS, 1, EXACT, 0);
  checks++;
  if (rg.bad_found != rc.bad_found || rg.bad != rc.bad) failures++, fprintf(stderr, "FAIL gather_rows bad index\n");
  // scatter_add_rows: the rows back into the table, row 3 skipped, repeats added in order
  idx[6] = 1;
  gpu->memory->from_host(didx, idx, sizeof idx);
  fill_values(rows_c, dt, PICK * COLS, false, false);
  gpu->memory->from_host(drows, rows_c, PICK * row_bytes);
  rc.skip = rg.skip = 3;
  cpu->index->scatter_add_rows[dt](cdata, strides, PICK, &rc);
  gpu->index->scatter_add_rows[dt](gdata, strides, PICK, &rg);
  gpu->memory->to_host(table_g, dtable, ROWS * row_bytes);
  compare("scatter_add_rows", dt, table_g, table_c, ROWS * COLS, 1, EXACT, 0);
  gpu->memory->free(dtable, 0), gpu->memory->free(drows, 0), gpu->memory->free(didx, 0);
}

static void check_index(void) {
  const ct_index_kernels *c = cpu->index, *g = gpu->index;
  int64_t idx[50];
  for (int k = 0; k < 50; k++) idx[k] = (k * 13) % 16; // repeats: scatters combine in order
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
    check_index_loop("gather", c->gather[dt], g->gather[dt], dt, 50, 50, 1, 0, idx, 1);
    check_index_loop("scatter", c->scatter[dt], g->scatter[dt], dt, 50, 16, 0, 1, idx, 1);
    check_index_loop("scatter_add", c->scatter_add[dt], g->scatter_add[dt], dt, 50, 16, 0, 1, idx, 1);
    check_index_loop("scatter_mul", c->scatter_mul[dt], g->scatter_mul[dt], dt, 50, 16, 0, 1, idx, 1);
    check_rows(dt);
    // masked_fill: operands {out, x, mask (bool)}, the value in host memory
    char value[8];
    fill_values(value, dt, 1, false, false);
    const ct_dtype mf[3] = {dt, dt, CT_BOOL};
    check_variants("masked_fill", c->masked_fill[dt], g->masked_fill[dt], 3, mf, value, EXACT, false);
  }
  // scan and wrap_negative over int64 values in [-10, 30)
  int64_t v[200];
  for (int k = 0; k < 200; k++) v[k] = (int64_t)(next_u32() % 40) - 10;
  void *dv = dev_copy_of(v, sizeof v), *dw = dev_copy_of(v, sizeof v);
  ct_index_scan sc = {.lo = -10, .hi = 20, .min = INT64_MAX, .max = INT64_MIN}, sg = sc;
  char *cdata[2] = {(char *)v, (char *)v}, *gdata[2] = {dv, dv};
  const int64_t strides[2] = {8, 8};
  c->scan(cdata, strides, 200, &sc);
  g->scan(gdata, strides, 200, &sg);
  checks++;
  if (sc.min != sg.min || sc.max != sg.max || sc.bad_found != sg.bad_found || sc.bad != sg.bad)
    failures++, fprintf(stderr, "FAIL index scan: cuda [%lld, %lld] bad %lld, cpu [%lld, %lld] bad %lld\n",
                        (long long)sg.min, (long long)sg.max, (long long)sg.bad, (long long)sc.min, (long long)sc.max,
                        (long long)sc.bad);
  int64_t wrapped_c[200], wrapped_g[200], size = 10;
  char *wc[2] = {(char *)wrapped_c, (char *)v}, *wg[2] = {dw, dv};
  c->wrap_negative(wc, strides, 200, &size);
  g->wrap_negative(wg, strides, 200, &size);
  gpu->memory->to_host(wrapped_g, dw, sizeof wrapped_g);
  compare("wrap_negative", CT_INT64, wrapped_g, wrapped_c, 200, 1, EXACT, 0);
  // mask positions and repeat positions
  bool mask[200];
  for (int k = 0; k < 200; k++) mask[k] = next_u32() % 3 == 0;
  void *dmask = dev_copy_of(mask, sizeof mask);
  int64_t pos_c[200], pos_g[200];
  const int64_t count_c = c->mask_positions(mask, 200, pos_c), count_g = g->mask_positions(dmask, 200, dw);
  const int64_t only_count = g->mask_positions(dmask, 200, NULL);
  checks++;
  if (count_c != count_g || only_count != count_c) failures++, fprintf(stderr, "FAIL mask_positions count\n");
  gpu->memory->to_host(pos_g, dw, (size_t)count_c * 8);
  compare("mask_positions", CT_INT64, pos_g, pos_c, count_c, 1, EXACT, 0);
  int64_t counts[20], total = 0;
  for (int k = 0; k < 20; k++) total += counts[k] = next_u32() % 5;
  void *dcounts = dev_copy_of(counts, sizeof counts);
  c->repeat_positions(counts, 20, pos_c);
  g->repeat_positions(dcounts, 20, dw);
  gpu->memory->to_host(pos_g, dw, (size_t)total * 8);
  compare("repeat_positions", CT_INT64, pos_g, pos_c, total, 1, EXACT, 0);
  gpu->memory->free(dv, 0), gpu->memory->free(dw, 0), gpu->memory->free(dmask, 0), gpu->memory->free(dcounts, 0);
}

// ---- optim: param, grad and up to three state buffers of n elements ----

enum { OPT_N = 1000 };
typedef struct opt_buffers {
  void *p, *g, *s[3];
} opt_buffers;
typedef void (*opt_call)(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *step);

// Calls kernel `name` of the table on the buffers (states the kernel does not take: NULL).
static void check_update(const char *what, ct_dtype dt, int nstates, opt_call call, const void *step) {
  const size_t es = ct_elem_size(dt), bytes = OPT_N * es;
  static char host[5][OPT_N * 8], back[OPT_N * 8];
  opt_buffers h = {0}, d = {0};
  for (int k = 0; k < 2 + nstates; k++) {
    fill_values(host[k], dt, OPT_N, false, false);
    if (k >= 2) // states: squared averages must not be negative
      for (int i = 0; i < OPT_N; i++) {
        if (dt == CT_FLOAT32) ((float *)host[k])[i] = fabsf(((float *)host[k])[i]);
        else ((double *)host[k])[i] = fabs(((double *)host[k])[i]);
      }
  }
  void **hp[5] = {&h.p, &h.g, &h.s[0], &h.s[1], &h.s[2]}, **dp[5] = {&d.p, &d.g, &d.s[0], &d.s[1], &d.s[2]};
  for (int k = 0; k < 2 + nstates; k++) *hp[k] = host[k], *dp[k] = dev_copy_of(host[k], bytes);
  call(cpu->optim, dt, &h, step);
  call(gpu->optim, dt, &d, step);
  for (int k = 0; k < 2 + nstates; k++) {
    if (k != 1) { // the gradient is read only
      gpu->memory->to_host(back, *dp[k], bytes);
      compare(what, dt, back, host[k], OPT_N, 1, EXACT, 0);
    }
    gpu->memory->free(*dp[k], 0);
  }
}

static void call_sgd(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->sgd[dt](b->p, b->g, b->s[0], OPT_N, s);
}
static void call_adam(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->adam[dt](b->p, b->g, b->s[0], b->s[1], b->s[2], OPT_N, s);
}
static void call_rmsprop(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->rmsprop[dt](b->p, b->g, b->s[0], b->s[1], b->s[2], OPT_N, s);
}
static void call_adagrad(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->adagrad[dt](b->p, b->g, b->s[0], OPT_N, s);
}
static void call_adamax(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->adamax[dt](b->p, b->g, b->s[0], b->s[1], OPT_N, s);
}
static void call_nadam(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->nadam[dt](b->p, b->g, b->s[0], b->s[1], OPT_N, s);
}
static void call_radam(const ct_optim_kernels *k, ct_dtype dt, const opt_buffers *b, const void *s) {
  k->radam[dt](b->p, b->g, b->s[0], b->s[1], OPT_N, s);
}

// Optimizer updates: the same formulas and roundings on both devices, so the same bits.
static void check_optim(void) {
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    const ct_sgd_step sgd_plain = {.lr = 0.1}, sgd_momentum = {.lr = 0.1, .momentum = 0.9, .dampening = 0.1,
                                                              .weight_decay = 0.01, .nesterov = true};
    check_update("sgd", dt, 0, call_sgd, &sgd_plain);
    check_update("sgd momentum", dt, 1, call_sgd, &sgd_momentum);
    const ct_adam_step adam = {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01,
                               .step = 3, .amsgrad = true};
    check_update("adam", dt, 3, call_adam, &adam);
    ct_adam_step adamw = adam;
    adamw.decoupled = true, adamw.amsgrad = false;
    check_update("adamw", dt, 2, call_adam, &adamw);
    const ct_rmsprop_step rms = {.lr = 0.01, .alpha = 0.99, .eps = 1e-8, .weight_decay = 0.01, .momentum = 0.5,
                                 .centered = true};
    check_update("rmsprop", dt, 3, call_rmsprop, &rms);
    const ct_adagrad_step ada = {.clr = 0.01, .eps = 1e-10, .weight_decay = 0.01};
    check_update("adagrad", dt, 1, call_adagrad, &ada);
    const ct_adamax_step amax = {.clr = 0.002, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    check_update("adamax", dt, 2, call_adamax, &amax);
    const ct_nadam_step nad = {.beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .bias_correction2 = 0.002,
                               .grad_value = -0.01, .avg_value = -0.02};
    check_update("nadam", dt, 2, call_nadam, &nad);
    const ct_radam_step rad = {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .bias_correction1 = 0.27,
                               .sqrt_bias_correction2 = 0.05, .rect = 0.3, .rectify = true};
    check_update("radam", dt, 2, call_radam, &rad);
  }
}

// ---- loss ----

enum { LOSS_N = 300 };

// n values of dt uniform in [lo, hi).
static void fill_range(void *buf, ct_dtype dt, int64_t n, double lo, double hi) {
  for (int64_t i = 0; i < n; i++) {
    const double v = uniform(lo, hi);
    if (dt == CT_FLOAT32) ((float *)buf)[i] = (float)v;
    else ((double *)buf)[i] = v;
  }
}

// Operands x, t, w, pw, g (n each) on the host and their device copies.
typedef struct loss_inputs {
  char host[5][LOSS_N * 8];
  void *dev[5];
} loss_inputs;

static void check_pointwise_loss(int kind, ct_dtype dt, loss_inputs *in, bool weighted, bool g_scalar) {
  const ct_pointwise_loss_loops *c = &cpu->loss->pointwise[kind][dt], *g = &gpu->loss->pointwise[kind][dt];
  if (!c->forward) return;
  const size_t es = ct_elem_size(dt), bytes = LOSS_N * es;
  // Pure arithmetic (MSE, L1, smooth L1, Huber) gives the same bits; BCE's log and exp
  // come from different libraries, and sums are in different orders.
  const int elementwise_mode = kind == CT_LOSS_BCE || kind == CT_LOSS_BCE_LOGITS ? CLOSE : EXACT;
  ct_pointwise_args hc = {.x = in->host[0], .t = in->host[1], .w = weighted ? in->host[2] : NULL,
                          .pw = weighted && kind == CT_LOSS_BCE_LOGITS ? in->host[3] : NULL, .g = in->host[4],
                          .g_scalar = g_scalar, .n = LOSS_N, .divisor = g_scalar ? LOSS_N : 1, .param = 0.7};
  ct_pointwise_args hg = hc;
  hg.x = in->dev[0], hg.t = in->dev[1], hg.w = hc.w ? in->dev[2] : NULL, hg.pw = hc.pw ? in->dev[3] : NULL;
  hg.g = in->dev[4];
  static char out_c[LOSS_N * 8], out_g[LOSS_N * 8];
  void *dout = gpu->memory->alloc(bytes);
  char what[64];
  for (int r = CT_LOSS_REDUCE_NONE; r <= CT_LOSS_REDUCE_SUM; r++) {
    snprintf(what, sizeof what, "loss %d forward (reduction %d)", kind, r);
    const ct_loss_status sc = c->forward(&hc, (ct_loss_reduction)r, out_c), sg = g->forward(&hg, (ct_loss_reduction)r, dout);
    checks++;
    if (sc != sg) failures++, fprintf(stderr, "FAIL %s: status %d, cpu %d\n", what, sg, sc);
    gpu->memory->to_host(out_g, dout, bytes);
    compare(what, dt, out_g, out_c, r == CT_LOSS_REDUCE_NONE ? LOSS_N : 1, 1,
            r == CT_LOSS_REDUCE_NONE ? elementwise_mode : CLOSE, 1);
  }
  for (int wrt_target = 0; wrt_target < 2; wrt_target++) {
    const ct_pointwise_grad_fn fc = wrt_target ? c->target_grad : c->input_grad;
    const ct_pointwise_grad_fn fg = wrt_target ? g->target_grad : g->input_grad;
    if (!fc) continue;
    snprintf(what, sizeof what, "loss %d %s gradient", kind, wrt_target ? "target" : "input");
    fc(&hc, out_c);
    fg(&hg, dout);
    gpu->memory->to_host(out_g, dout, bytes);
    compare(what, dt, out_g, out_c, LOSS_N, 1, elementwise_mode, 0);
  }
  gpu->memory->free(dout, bytes);
}

// nll_loss over (N, C, M) = (20, 7, 3) log-probabilities, some targets ignored.
static void check_nll(ct_dtype dt, bool weighted, double smoothing, bool bad_target) {
  enum { NN = 20, C = 7, NM = 3 }; // N, C, M
  const size_t es = ct_elem_size(dt);
  static char x[NN * C * NM * 8], w[C * 8], g[NN * NM * 8], out_c[NN * C * NM * 8], out_g[NN * C * NM * 8];
  int64_t target[NN * NM];
  fill_range(x, dt, NN * C * NM, -5, 0);
  fill_range(w, dt, C, 0.5, 1.5);
  fill_range(g, dt, NN * NM, -1, 1);
  for (int i = 0; i < NN * NM; i++) target[i] = i % 5 == 0 ? -100 : (int64_t)(next_u32() % C);
  if (bad_target) target[17] = C, target[31] = -3;
  void *dx = dev_copy_of(x, sizeof x), *dw = dev_copy_of(w, C * es), *dg = dev_copy_of(g, NN * NM * es);
  void *dt_ = dev_copy_of(target, sizeof target), *dout = gpu->memory->alloc(sizeof out_g);
  for (int r = CT_LOSS_REDUCE_NONE; r <= CT_LOSS_REDUCE_SUM; r++) {
    ct_nll_args a = {.x = x, .target = target, .w = weighted ? w : NULL, .n = NN, .c = C, .m = NM, .ignore = -100,
                     .reduction = (ct_loss_reduction)r, .smoothing = smoothing};
    ct_nll_args d = a;
    d.x = dx, d.target = dt_, d.w = weighted ? dw : NULL;
    double tw_c = 0, tw_g = 0;
    const int64_t bad_c = cpu->loss->nll_forward[dt](&a, out_c, &tw_c);
    const int64_t bad_g = gpu->loss->nll_forward[dt](&d, dout, &tw_g);
    checks++;
    if (bad_c != bad_g) {
      failures++;
      fprintf(stderr, "FAIL nll_loss first bad target: cuda %lld, cpu %lld\n", (long long)bad_g, (long long)bad_c);
    }
    if (bad_target) continue;
    const int64_t nout = r == CT_LOSS_REDUCE_NONE ? NN * NM : 1;
    gpu->memory->to_host(out_g, dout, (size_t)nout * es);
    compare("nll_loss forward", dt, out_g, out_c, nout, 1, r == CT_LOSS_REDUCE_NONE && smoothing == 0 ? EXACT : CLOSE,
            1);
    checks++;
    if (!close_enough(tw_g, tw_c, dt, 0)) failures++, fprintf(stderr, "FAIL nll_loss total weight\n");
    cpu->loss->nll_backward[dt](&a, g, tw_c, out_c);
    gpu->loss->nll_backward[dt](&d, dg, tw_c, dout);
    gpu->memory->to_host(out_g, dout, sizeof out_g / 8 * es);
    compare("nll_loss backward", dt, out_g, out_c, NN * C * NM, 1, EXACT, 0);
  }
  gpu->memory->free(dx, 0), gpu->memory->free(dw, 0), gpu->memory->free(dg, 0), gpu->memory->free(dt_, 0);
  gpu->memory->free(dout, 0);
}

static void check_loss(void) {
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    loss_inputs in;
    fill_range(in.host[0], dt, LOSS_N, 0.02, 0.98); // BCE inputs are probabilities
    fill_range(in.host[1], dt, LOSS_N, 0, 1);
    fill_range(in.host[2], dt, LOSS_N, 0.5, 1.5);
    fill_range(in.host[3], dt, LOSS_N, 0.5, 2);
    fill_range(in.host[4], dt, LOSS_N, -1, 1);
    for (int k = 0; k < 5; k++) in.dev[k] = dev_copy_of(in.host[k], LOSS_N * ct_elem_size(dt));
    for (int kind = 0; kind < CT_POINTWISE_LOSS_COUNT; kind++) {
      check_pointwise_loss(kind, dt, &in, true, true);
      check_pointwise_loss(kind, dt, &in, false, false);
    }
    for (int k = 0; k < 5; k++) gpu->memory->free(in.dev[k], 0);
    check_nll(dt, false, 0, false);
    check_nll(dt, true, 0, false);
    check_nll(dt, true, 0.1, false);
    check_nll(dt, false, 0, true);
  }
}

// ---- norm: batch (4, 3, 10), layer (6 rows of 50), group (2, 6, 5) in 3 groups ----

// Host buffers and their device twins, one per operand slot.
enum { NORM_SLOTS = 12, NORM_MAX = 600 };
typedef struct norm_bufs {
  char host[NORM_SLOTS][NORM_MAX * 8], back[NORM_MAX * 8];
  void *dev[NORM_SLOTS];
  ct_dtype dt;
} norm_bufs;

static void norm_setup(norm_bufs *b, ct_dtype dt) {
  b->dt = dt;
  for (int k = 0; k < NORM_SLOTS; k++) {
    fill_range(b->host[k], dt, NORM_MAX, k == 5 ? 0.5 : -2, 2); // slot 5: a running variance
    b->dev[k] = dev_copy_of(b->host[k], NORM_MAX * ct_elem_size(dt));
  }
}
static void norm_compare(norm_bufs *b, const char *what, int slot, int64_t n) {
  gpu->memory->to_host(b->back, b->dev[slot], (size_t)n * ct_elem_size(b->dt));
  compare(what, b->dt, b->back, b->host[slot], n, 1, CLOSE, 1);
}
static void norm_teardown(norm_bufs *b) {
  for (int k = 0; k < NORM_SLOTS; k++) gpu->memory->free(b->dev[k], 0);
}

// Slots: 0 x, 1 y, 2 weight, 3 bias, 4 running_mean, 5 running_var, 6 mean, 7 invstd,
// 8 scratch, 9 dy, 10 dx, 11 dweight (dbias in the scratch slot for the backward).
#define H(k) (void *)b.host[k]
#define D(k) b.dev[k]
static void check_norm(void) {
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    static norm_bufs b;
    norm_setup(&b, dt);
    for (int training = 1; training >= 0; training--) {
      ct_batch_norm_args h = {.x = H(0), .y = H(1), .n = 4, .c = 3, .inner = 10, .weight = H(2), .bias = H(3),
                              .running_mean = H(4), .running_var = H(5), .mean = H(6), .invstd = H(7),
                              .scratch = H(8), .momentum = 0.1, .eps = 1e-5, .training = training};
      ct_batch_norm_args d = h;
      d.x = D(0), d.y = D(1), d.weight = D(2), d.bias = D(3), d.running_mean = D(4), d.running_var = D(5);
      d.mean = D(6), d.invstd = D(7), d.scratch = D(8);
      cpu->norm->batch_norm[dt](&h);
      gpu->norm->batch_norm[dt](&d);
      norm_compare(&b, "batch_norm", 1, 120);
      norm_compare(&b, "batch_norm running_mean", 4, 3);
      norm_compare(&b, "batch_norm running_var", 5, 3);
      if (training) norm_compare(&b, "batch_norm mean", 6, 3), norm_compare(&b, "batch_norm invstd", 7, 3);
      ct_batch_norm_grad_args hg = {.x = H(0), .dy = H(9), .n = 4, .c = 3, .inner = 10, .weight = H(2),
                                    .mean = training ? H(6) : H(4), .var_or_invstd = training ? H(7) : H(5),
                                    .eps = 1e-5, .training = training, .dx = H(10), .dweight = H(11), .dbias = H(8)};
      ct_batch_norm_grad_args dg = hg;
      dg.x = D(0), dg.dy = D(9), dg.weight = D(2), dg.mean = training ? D(6) : D(4);
      dg.var_or_invstd = training ? D(7) : D(5), dg.dx = D(10), dg.dweight = D(11), dg.dbias = D(8);
      cpu->norm->batch_norm_backward[dt](&hg);
      gpu->norm->batch_norm_backward[dt](&dg);
      norm_compare(&b, "batch_norm dx", 10, 120);
      norm_compare(&b, "batch_norm dweight", 11, 3);
      norm_compare(&b, "batch_norm dbias", 8, 3);
    }
    {
      ct_layer_norm_args h = {.x = H(0), .y = H(1), .rows = 6, .cols = 50, .weight = H(2), .bias = H(3),
                              .eps = 1e-5, .mean = H(6), .rstd = H(7)};
      ct_layer_norm_args d = h;
      d.x = D(0), d.y = D(1), d.weight = D(2), d.bias = D(3), d.mean = D(6), d.rstd = D(7);
      cpu->norm->layer_norm[dt](&h);
      gpu->norm->layer_norm[dt](&d);
      norm_compare(&b, "layer_norm", 1, 300);
      norm_compare(&b, "layer_norm mean", 6, 6);
      norm_compare(&b, "layer_norm rstd", 7, 6);
      ct_layer_norm_grad_args hg = {.x = H(0), .dy = H(9), .mean = H(6), .rstd = H(7), .weight = H(2), .rows = 6,
                                    .cols = 50, .dx = H(10), .dweight = H(11), .dbias = H(8)};
      ct_layer_norm_grad_args dg = hg;
      dg.x = D(0), dg.dy = D(9), dg.mean = D(6), dg.rstd = D(7), dg.weight = D(2);
      dg.dx = D(10), dg.dweight = D(11), dg.dbias = D(8);
      gpu->memory->from_host(D(6), H(6), 6 * ct_elem_size(dt)); // the same statistics on both
      gpu->memory->from_host(D(7), H(7), 6 * ct_elem_size(dt));
      cpu->norm->layer_norm_backward[dt](&hg);
      gpu->norm->layer_norm_backward[dt](&dg);
      norm_compare(&b, "layer_norm dx", 10, 300);
      norm_compare(&b, "layer_norm dweight", 11, 50);
      norm_compare(&b, "layer_norm dbias", 8, 50);
    }
    {
      ct_group_norm_args h = {.x = H(0), .y = H(1), .n = 2, .c = 6, .inner = 5, .groups = 3, .weight = H(2),
                              .bias = H(3), .eps = 1e-5, .mean = H(6), .rstd = H(7)};
      ct_group_norm_args d = h;
      d.x = D(0), d.y = D(1), d.weight = D(2), d.bias = D(3), d.mean = D(6), d.rstd = D(7);
      cpu->norm->group_norm[dt](&h);
      gpu->norm->group_norm[dt](&d);
      norm_compare(&b, "group_norm", 1, 60);
      norm_compare(&b, "group_norm mean", 6, 6);
      norm_compare(&b, "group_norm rstd", 7, 6);
      gpu->memory->from_host(D(6), H(6), 6 * ct_elem_size(dt));
      gpu->memory->from_host(D(7), H(7), 6 * ct_elem_size(dt));
      ct_group_norm_grad_args hg = {.x = H(0), .dy = H(9), .mean = H(6), .rstd = H(7), .weight = H(2), .n = 2,
                                    .c = 6, .inner = 5, .groups = 3, .dx = H(10), .dweight = H(11), .dbias = H(4),
                                    .scratch = H(8)};
      ct_group_norm_grad_args dg = hg;
      dg.x = D(0), dg.dy = D(9), dg.mean = D(6), dg.rstd = D(7), dg.weight = D(2);
      dg.dx = D(10), dg.dweight = D(11), dg.dbias = D(4), dg.scratch = D(8);
      cpu->norm->group_norm_backward[dt](&hg);
      gpu->norm->group_norm_backward[dt](&dg);
      norm_compare(&b, "group_norm dx", 10, 60);
      norm_compare(&b, "group_norm dweight", 11, 6);
      norm_compare(&b, "group_norm dbias", 4, 6);
    }
    norm_teardown(&b);
  }
}
#undef H
#undef D

// ---- rnn: one step of each cell over 3 rows of 5 hidden units ----

static void check_rnn(void) {
  enum { R = 3, HID = 5, GMAX = 4 * HID, WMAX = 7 * HID, LD_GI = GMAX + 2, SLOT = R * WMAX }; // SLOT >= R * LD_GI
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++)
    for (int mode = CT_RNN_MODE_TANH; mode <= CT_RNN_MODE_GRU; mode++) {
      const size_t es = ct_elem_size(dt);
      const int64_t G = ct_rnn_gates(mode) * HID, W = ct_rnn_saved_width(mode, HID);
      // slots: gi, gh, b_ih, b_hh, h, c, y, saved, dy, dh, dc, dgi, dgh
      enum { NSLOT = 13 };
      static char hs[NSLOT][SLOT * 8], back[SLOT * 8];
      void *ds[NSLOT];
      for (int k = 0; k < NSLOT; k++) {
        fill_range(hs[k], dt, SLOT, -1.5, 1.5);
        ds[k] = dev_copy_of(hs[k], SLOT * es);
      }
      ct_rnn_step_args h = {.mode = mode, .rows = R, .hidden = HID, .gi = hs[0], .ld_gi = LD_GI, .gh = hs[1],
                            .b_ih = hs[2], .b_hh = hs[3], .h = hs[4], .c = hs[5], .y = hs[6], .ld_y = HID,
                            .saved = hs[7], .ld_saved = W};
      ct_rnn_step_args d = h;
      d.gi = ds[0], d.gh = ds[1], d.b_ih = ds[2], d.b_hh = ds[3], d.h = ds[4], d.c = ds[5], d.y = ds[6];
      d.saved = ds[7];
      cpu->rnn->step[dt](&h);
      gpu->rnn->step[dt](&d);
      const struct { int slot; int64_t n; const char *what; } fwd[] = {
          {4, R * HID, "rnn step h"}, {5, R * HID, "rnn step c"}, {6, R * HID, "rnn step y"}, {7, R * W, "rnn step saved"}};
      for (int k = 0; k < 4; k++) {
        gpu->memory->to_host(back, ds[fwd[k].slot], (size_t)fwd[k].n * es);
        compare(fwd[k].what, dt, back, hs[fwd[k].slot], fwd[k].n, 1, CLOSE, 1);
      }
      // backward from the CPU's saved row: pure arithmetic, the same bits
      gpu->memory->from_host(ds[7], hs[7], (size_t)(R * W) * es);
      ct_rnn_step_grad_args hg = {.mode = mode, .rows = R, .hidden = HID, .saved = hs[7], .ld_saved = W,
                                  .dy = hs[8], .ld_dy = HID, .dh = hs[9], .dc = hs[10], .dgi = hs[11],
                                  .dgh = mode == CT_RNN_MODE_GRU ? hs[12] : hs[11]};
      ct_rnn_step_grad_args dg = hg;
      dg.saved = ds[7], dg.dy = ds[8], dg.dh = ds[9], dg.dc = ds[10], dg.dgi = ds[11];
      dg.dgh = mode == CT_RNN_MODE_GRU ? ds[12] : ds[11];
      cpu->rnn->step_backward[dt](&hg);
      gpu->rnn->step_backward[dt](&dg);
      const struct { int slot; int64_t n; const char *what; } bwd[] = {
          {11, R * G, "rnn step dgi"}, {12, R * G, "rnn step dgh"}, {9, R * HID, "rnn step dh"}, {10, R * HID, "rnn step dc"}};
      for (int k = 0; k < 4; k++) {
        gpu->memory->to_host(back, ds[bwd[k].slot], (size_t)bwd[k].n * es);
        compare(bwd[k].what, dt, back, hs[bwd[k].slot], bwd[k].n, 1, EXACT, 0);
      }
      for (int k = 0; k < NSLOT; k++) gpu->memory->free(ds[k], 0);
    }
}

// ---- sort and scans over [outer, n, inner] = [3, 40, 2] blocks ----

static void check_sort(void) {
  enum { SO = 3, SN = 40, SI = 2, ST = SO * SN * SI };
  const ct_rows_shape shape = {SO, SN, SI};
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
    const size_t es = ct_elem_size(dt);
    static char x[ST * 8], v_c[ST * 8], v_g[ST * 8];
    static int64_t i_c[ST], i_g[ST];
    fill_values(x, dt, ST, false, false);
    const double specials[3] = {NAN, INFINITY, -INFINITY}; // distinct, unlike 0 and -0
    for (int k = 0; k < 3 && dt >= CT_FLOAT32; k++) {
      if (dt == CT_FLOAT32) ((float *)x)[3 + 10 * k] = (float)specials[k];
      else ((double *)x)[3 + 10 * k] = specials[k];
    }
    void *dx = dev_copy_of(x, ST * es), *dv = gpu->memory->alloc(ST * es), *di = gpu->memory->alloc(ST * 8);
    // Floats are distinct (but for the specials): their indices match; integers repeat,
    // so only stable sorts pin the index among equal values.
    const struct { const ct_sort_fn *c, *g; int64_t k, m; bool descending, stable; const char *what; } cases[] = {
        {cpu->sort->sort, gpu->sort->sort, 0, SN, false, true, "stable sort"},
        {cpu->sort->sort, gpu->sort->sort, 0, SN, true, false, "sort descending"},
        {cpu->sort->topk, gpu->sort->topk, 7, 7, true, true, "topk largest"},
        {cpu->sort->topk, gpu->sort->topk, 5, 5, false, true, "topk smallest"},
        {cpu->sort->kthvalue, gpu->sort->kthvalue, 12, 1, false, false, "kthvalue"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
      if (!cases[k].c[dt]) continue;
      const ct_sort_args a = {.s = shape, .k = cases[k].k, .descending = cases[k].descending,
                              .stable = cases[k].stable};
      const int64_t n = SO * cases[k].m * SI;
      checks++;
      if (!cases[k].c[dt](v_c, i_c, x, &a) || !cases[k].g[dt](dv, di, dx, &a)) {
        failures++, fprintf(stderr, "FAIL %s: out of memory\n", cases[k].what);
        continue;
      }
      gpu->memory->to_host(v_g, dv, (size_t)n * es);
      gpu->memory->to_host(i_g, di, (size_t)n * 8);
      compare(cases[k].what, dt, v_g, v_c, n, 1, EXACT, 0);
      const bool ties = dt < CT_FLOAT32;
      if (!ties || (cases[k].stable && cases[k].c == cpu->sort->sort))
        compare(cases[k].what, CT_INT64, i_g, i_c, n, 1, EXACT, 0);
    }
    const struct { const ct_scan_fn *c, *g; int mode; const char *what; } scans[] = {
        {cpu->sort->cumsum, gpu->sort->cumsum, EXACT, "cumsum"},
        {cpu->sort->cumprod, gpu->sort->cumprod, EXACT, "cumprod"},
        {cpu->sort->logcumsumexp, gpu->sort->logcumsumexp, CLOSE, "logcumsumexp"},
    };
    fill_values(x, dt, ST, false, false);
    gpu->memory->from_host(dx, x, ST * es);
    for (size_t k = 0; k < 3; k++)
      for (int reverse = 0; reverse < 2; reverse++) {
        if (!scans[k].c[dt]) continue;
        scans[k].c[dt](v_c, x, shape, reverse);
        scans[k].g[dt](dv, dx, shape, reverse);
        gpu->memory->to_host(v_g, dv, ST * es);
        compare(scans[k].what, dt, v_g, v_c, ST, 1, scans[k].mode, 0);
      }
    gpu->memory->free(dx, 0), gpu->memory->free(dv, 0), gpu->memory->free(di, 0);
  }
}

// ---- conv: groups, strides, padding and dilation in one geometry ----

static void check_conv(void) {
  const ct_conv_args a = {.batch = 2, .groups = 2, .in_channels = 4, .out_channels = 6, .in_size = {7, 6},
                          .out_size = {4, 6}, .kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 1},
                          .dilation = {1, 2}, .exact = true};
  const int64_t n_in = 2 * 4 * 7 * 6, n_out = 2 * 6 * 4 * 6, n_w = 6 * 2 * 3 * 2;
  for (int dt = CT_INT32; dt < CT_NUM_DTYPES; dt++) {
    if (!cpu->conv->forward[dt]) continue;
    const size_t es = ct_elem_size(dt);
    static char x[400 * 8], w[100 * 8], bias[8 * 8], y[400 * 8], back[400 * 8];
    fill_values(x, dt, n_in, false, false);
    fill_values(w, dt, n_w, false, false);
    fill_values(bias, dt, 6, false, false);
    const int64_t work_n = cpu->conv->workspace(&a);
    void *work = malloc((size_t)(work_n > 0 ? work_n : 1) * es);
    void *dx = dev_copy_of(x, (size_t)n_in * es), *dw = dev_copy_of(w, (size_t)n_w * es);
    void *db = dev_copy_of(bias, 6 * es), *dy = gpu->memory->alloc((size_t)n_out * es);
    const int64_t dwork_n = gpu->conv->workspace(&a);
    void *dwork = gpu->memory->alloc((size_t)(dwork_n > 0 ? dwork_n : 1) * es);
    const int mode = dt >= CT_FLOAT32 ? CLOSE : EXACT;
    cpu->conv->forward[dt](&a, x, w, bias, y, work);
    gpu->conv->forward[dt](&a, dx, dw, db, dy, dwork);
    gpu->memory->to_host(back, dy, (size_t)n_out * es);
    compare("conv forward", dt, back, y, n_out, 1, mode, 100);
    // the input gradient and the weight gradient from the same output gradient
    fill_values(y, dt, n_out, false, false);
    gpu->memory->from_host(dy, y, (size_t)n_out * es);
    cpu->conv->transpose[dt](&a, y, w, NULL, x, work);
    gpu->conv->transpose[dt](&a, dy, dw, NULL, dx, dwork);
    gpu->memory->to_host(back, dx, (size_t)n_in * es);
    compare("conv transpose", dt, back, x, n_in, 1, mode, 100);
    fill_values(x, dt, n_in, false, false);
    gpu->memory->from_host(dx, x, (size_t)n_in * es);
    cpu->conv->weight_grad[dt](&a, y, x, w, work);
    gpu->conv->weight_grad[dt](&a, dy, dx, dw, dwork);
    gpu->memory->to_host(back, dw, (size_t)n_w * es);
    compare("conv weight_grad", dt, back, w, n_w, 1, mode, 300);
    free(work);
    gpu->memory->free(dwork, 0);
    gpu->memory->free(dx, 0), gpu->memory->free(dw, 0), gpu->memory->free(db, 0), gpu->memory->free(dy, 0);
  }
}

// ---- pool: (N, C, H, W) = (2, 3, 9, 8) inputs, contiguous ----

enum { PN = 2, PC = 3, PH = 9, PW = 8 };

static ct_operand pool_operand(void *data, ct_dtype dt, int64_t h, int64_t w) {
  ct_operand op = {.data = data, .dtype = dt, .device = CT_CPU, .ndim = 4, .shape = {PN, PC, h, w}};
  const int64_t es = (int64_t)ct_elem_size(dt);
  op.strides[3] = es, op.strides[2] = w * es, op.strides[1] = h * w * es, op.strides[0] = PC * h * w * es;
  return op;
}

// The same pooling call on host and device buffers: x (input-sized), y (output-sized),
// i (int64 indices, output-sized); compares y (and i, and the backward's gx).
typedef struct pool_bufs {
  char x[PN * PC * PH * PW * 8], y[PN * PC * PH * PW * 8], i[PN * PC * PH * PW * 8];
} pool_bufs;

static void check_pool_dtype(ct_dtype dt) {
  const ct_pool_kernels *c = cpu->pool, *g = gpu->pool;
  const size_t es = ct_elem_size(dt), in_bytes = PN * PC * PH * PW * es;
  static pool_bufs hc, hg;
  fill_values(hc.x, dt, PN * PC * PH * PW, false, false);
  if (dt == CT_FLOAT32) ((float *)hc.x)[5] = NAN; // max pooling's NaN rule
  if (dt == CT_FLOAT64) ((double *)hc.x)[5] = NAN;
  void *dx = dev_copy_of(hc.x, in_bytes), *dy = gpu->memory->alloc(in_bytes), *di = gpu->memory->alloc(PN * PC * PH * PW * 8);
  void *dg = gpu->memory->alloc(in_bytes);
  const ct_pool_window windows[2] = {{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .dilation = {1, 1}},
                                     {.kernel = {2, 3}, .stride = {1, 2}, .padding = {1, 0}, .dilation = {2, 1}}};
  for (int k = 0; k < 2; k++) {
    const ct_pool_window *w = &windows[k];
    const int64_t oh = (PH + 2 * w->padding[0] - w->dilation[0] * (w->kernel[0] - 1) - 1) / w->stride[0] + 1;
    const int64_t ow = (PW + 2 * w->padding[1] - w->dilation[1] * (w->kernel[1] - 1) - 1) / w->stride[1] + 1;
    const int64_t nout = PN * PC * oh * ow;
    ct_operand cx = pool_operand(hc.x, dt, PH, PW), cy = pool_operand(hc.y, dt, oh, ow),
               ci = pool_operand(hc.i, CT_INT64, oh, ow), gx = pool_operand(dx, dt, PH, PW),
               gy = pool_operand(dy, dt, oh, ow), gi = pool_operand(di, CT_INT64, oh, ow);
    if (c->max[dt]) {
      c->max[dt](&cx, &cy, &ci, w);
      g->max[dt](&gx, &gy, &gi, w);
      gpu->memory->to_host(hg.y, dy, (size_t)nout * es);
      gpu->memory->to_host(hg.i, di, (size_t)nout * 8);
      compare("max_pool", dt, hg.y, hc.y, nout, 1, EXACT, 0);
      compare("max_pool indices", CT_INT64, hg.i, hc.i, nout, 1, EXACT, 0);
      // backward from the same gradient and the CPU's indices
      fill_values(hc.y, dt, nout, false, false);
      gpu->memory->from_host(dy, hc.y, (size_t)nout * es);
      gpu->memory->from_host(di, hc.i, (size_t)nout * 8);
      static char gin_c[PN * PC * PH * PW * 8];
      ct_operand cgx = pool_operand(gin_c, dt, PH, PW), ggx = pool_operand(dg, dt, PH, PW);
      c->max_backward[dt](&cy, &ci, &cgx);
      g->max_backward[dt](&gy, &gi, &ggx);
      gpu->memory->to_host(hg.x, dg, in_bytes);
      compare("max_pool backward", dt, hg.x, gin_c, PN * PC * PH * PW, 1, EXACT, 0);
    }
    if (w->dilation[0] != 1 || !c->avg[dt]) continue; // average pooling has no dilation
    for (int pad = 0; pad < 2; pad++) {
      c->avg[dt](&cx, &cy, w, pad, pad);
      g->avg[dt](&gx, &gy, w, pad, pad);
      gpu->memory->to_host(hg.y, dy, (size_t)nout * es);
      compare("avg_pool", dt, hg.y, hc.y, nout, 1, EXACT, 0);
      if (!c->avg_backward[dt]) continue;
      static char gin_c[PN * PC * PH * PW * 8];
      ct_operand cgx = pool_operand(gin_c, dt, PH, PW), ggx = pool_operand(dg, dt, PH, PW);
      c->avg_backward[dt](&cy, &cgx, w, pad);
      g->avg_backward[dt](&gy, &ggx, w, pad);
      gpu->memory->to_host(hg.x, dg, in_bytes);
      compare("avg_pool backward", dt, hg.x, gin_c, PN * PC * PH * PW, 1, EXACT, 0);
    }
  }
  if (c->adaptive_avg[dt])
    for (int cl = 0; cl < 2; cl++) {
      ct_operand cx = pool_operand(hc.x, dt, PH, PW), cy = pool_operand(hc.y, dt, 4, 3),
                 gx = pool_operand(dx, dt, PH, PW), gy = pool_operand(dy, dt, 4, 3);
      c->adaptive_avg[dt](&cx, &cy, cl);
      g->adaptive_avg[dt](&gx, &gy, cl);
      gpu->memory->to_host(hg.y, dy, PN * PC * 12 * es);
      compare("adaptive_avg_pool", dt, hg.y, hc.y, PN * PC * 12, 1, EXACT, 0);
      static char gin_c[PN * PC * PH * PW * 8];
      ct_operand cgx = pool_operand(gin_c, dt, PH, PW), ggx = pool_operand(dg, dt, PH, PW);
      c->adaptive_avg_backward[dt](&cy, &cgx, cl);
      g->adaptive_avg_backward[dt](&gy, &ggx, cl);
      gpu->memory->to_host(hg.x, dg, in_bytes);
      compare("adaptive_avg_pool backward", dt, hg.x, gin_c, PN * PC * PH * PW, 1, EXACT, 0);
    }
  gpu->memory->free(dx, 0), gpu->memory->free(dy, 0), gpu->memory->free(di, 0), gpu->memory->free(dg, 0);
}

static void check_pool(void) {
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) check_pool_dtype(dt);
}

// ---- random: the device fills against the same Philox blocks mapped on the host ----

enum { RAND_N = 1000 };
#define PI 3.14159265358979323846 // M_PI, which strict C11 headers leave out

static void check_random_fill(const char *what, ct_dtype dt, const void *expected, int mode,
                              void (*run)(void *out, const ct_random_source *src, ct_dtype dt)) {
  const size_t es = ct_elem_size(dt);
  ct_philox_state st = {.seed = 42, .offset = 7};
  ct_random_source src = {.state = &st, .next_u32 = NULL, .normal = NULL};
  void *d = gpu->memory->alloc(RAND_N * es);
  static char got[RAND_N * 8];
  run(d, &src, dt);
  gpu->memory->to_host(got, d, RAND_N * es);
  compare(what, dt, got, expected, RAND_N, 1, mode, 0);
  checks++;
  if (st.offset != 7 + RAND_N) failures++, fprintf(stderr, "FAIL %s: offset %llu\n", what, (unsigned long long)st.offset);
  gpu->memory->free(d, 0);
}
static void run_uniform(void *out, const ct_random_source *src, ct_dtype dt) {
  gpu->random->uniform[dt](out, RAND_N, -2, 3, src);
}
static void run_normal(void *out, const ct_random_source *src, ct_dtype dt) {
  gpu->random->normal[dt](out, RAND_N, 1, 0.5, src);
}
static void run_bernoulli(void *out, const ct_random_source *src, ct_dtype dt) {
  gpu->random->bernoulli[dt](out, RAND_N, 0.3, src);
}
static void run_integers(void *out, const ct_random_source *src, ct_dtype dt) {
  gpu->random->integers[dt](out, RAND_N, 10, -5, src);
}
static void run_exponential(void *out, const ct_random_source *src, ct_dtype dt) {
  gpu->random->exponential[dt](out, RAND_N, 2, src);
}

static void store(void *buf, ct_dtype dt, int64_t i, double v) {
  switch (dt) {
  case CT_BOOL: ((bool *)buf)[i] = v != 0; break;
  case CT_INT32: ((int32_t *)buf)[i] = (int32_t)v; break;
  case CT_INT64: ((int64_t *)buf)[i] = (int64_t)v; break;
  case CT_FLOAT32: ((float *)buf)[i] = (float)v; break;
  default: ((double *)buf)[i] = v;
  }
}

static void check_random(void) {
  static char expected[RAND_N * 8];
  for (int dt = 0; dt < CT_NUM_DTYPES; dt++) {
    uint32_t u[RAND_N][4];
    for (int i = 0; i < RAND_N; i++) ct_philox_block(42, 7 + (uint64_t)i, u[i]);
    if (dt >= CT_FLOAT32) {
      for (int i = 0; i < RAND_N; i++) {
        if (dt == CT_FLOAT32) ((float *)expected)[i] = fmaf(ct_philox_unit_f32(u[i][0]), 3.0f - -2.0f, -2.0f);
        else ((double *)expected)[i] = fma(ct_philox_unit_f64(u[i][0], u[i][1]), 5.0, -2.0);
      }
      check_random_fill("uniform", dt, expected, EXACT, run_uniform);
      for (int i = 0; i < RAND_N; i++) {
        const double u1 = ct_philox_unit_f64(u[i][0], u[i][1]), u2 = ct_philox_unit_f64(u[i][2], u[i][3]);
        store(expected, dt, i, 1 + 0.5 * (sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * PI * u2)));
      }
      check_random_fill("normal", dt, expected, CLOSE, run_normal);
      for (int i = 0; i < RAND_N; i++) store(expected, dt, i, -1.0 / 2 * log(1.0 - ct_philox_unit_f64(u[i][0], u[i][1])));
      check_random_fill("exponential", dt, expected, CLOSE, run_exponential);
    }
    for (int i = 0; i < RAND_N; i++) store(expected, dt, i, ct_philox_unit_f64(u[i][0], u[i][1]) < 0.3);
    check_random_fill("bernoulli", dt, expected, EXACT, run_bernoulli);
    if (dt != CT_BOOL) {
      for (int i = 0; i < RAND_N; i++) store(expected, dt, i, -5 + (double)(u[i][0] % 10));
      check_random_fill("random integers", dt, expected, EXACT, run_integers);
    }
  }
}

// The runtime's allocator counters follow the caching allocator's rounding.
static void check_memory(void) {
  const ct_device_runtime *rt = gpu->runtime;
  const int dev = rt->current_device();
  const int64_t before = rt->memory_allocated(dev);
  void *p = gpu->memory->alloc(1000);
  checks++;
  if (!p || rt->memory_allocated(dev) != before + 1024 || rt->memory_reserved(dev) < 2 << 20) {
    failures++;
    fprintf(stderr, "FAIL memory counters: allocated %lld (before %lld), reserved %lld\n",
            (long long)rt->memory_allocated(dev), (long long)before, (long long)rt->memory_reserved(dev));
  }
  char msg[16] = "round trip";
  gpu->memory->from_host(p, msg, sizeof msg);
  void *q = gpu->memory->alloc(sizeof msg);
  gpu->memory->copy(q, p, sizeof msg);
  char back[16] = {0};
  gpu->memory->to_host(back, q, sizeof back);
  gpu->memory->zero(p, sizeof msg);
  char zeros[16] = {1};
  gpu->memory->to_host(zeros, p, sizeof zeros);
  static const char expected_zeros[16];
  checks++;
  if (strcmp(back, msg) != 0 || memcmp(zeros, expected_zeros, sizeof zeros) != 0) {
    failures++;
    fprintf(stderr, "FAIL memory hooks: copy/zero round trip\n");
  }
  void *pinned = rt->host_alloc_pinned(64);
  checks++;
  if (!pinned) {
    failures++;
    fprintf(stderr, "FAIL pinned allocation\n");
  } else {
    memcpy(pinned, msg, sizeof msg);
    rt->from_host_async(q, pinned, sizeof msg);
    rt->synchronize(dev);
    memset(back, 0, sizeof back);
    gpu->memory->to_host(back, q, sizeof back);
    checks++;
    if (strcmp(back, msg) != 0) failures++, fprintf(stderr, "FAIL from_host_async\n");
    rt->host_free_pinned(pinned);
  }
  gpu->memory->free(p, 1000);
  gpu->memory->free(q, sizeof msg);
  rt->empty_cache();
  checks++;
  if (rt->memory_allocated(dev) != before) failures++, fprintf(stderr, "FAIL memory_allocated after free\n");
}

int main(int argc, char **argv) {
  cpu = ct__kernels(CT_CPU);
  gpu = ct__kernels(CT_CUDA);
  // --cpu-against-cpu: the CPU table stands in for the CUDA one (memory hooks included), a
  // check of this harness itself (every comparison must hold) on machines without a GPU.
  if (argc > 1 && strcmp(argv[1], "--cpu-against-cpu") == 0) {
    gpu = cpu;
    check_copy();
    check_elementwise();
    check_reduce();
    check_blas();
    check_optim();
    check_loss();
    check_index();
    check_pool();
    check_norm();
    check_rnn();
    check_sort();
    check_conv();
    printf("%d checks, %d failures (CPU against CPU)\n", checks, failures);
    return failures ? 1 : 0;
  }
  if (!gpu) {
    printf("skipped: this build has no CUDA backend\n");
    return 77;
  }
  char why[512];
  if (gpu->runtime->device_count(why, sizeof why) == 0) {
    printf("skipped: %s\n", why);
    return 77;
  }
  check_memory();
  check_copy();
  check_elementwise();
  check_reduce();
  check_blas();
  check_optim();
  check_loss();
  check_index();
  check_pool();
  check_norm();
  check_rnn();
  check_sort();
  check_conv();
  check_random();
  gpu->runtime->synchronize(gpu->runtime->current_device());
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}

// CUDA against CPU: memory hooks and allocator counters, copy, elementwise, reduce and
// blas families (see test_cuda_kernels.c).
#include "cuda_harness.h"
#include "kernels/blas.h"
#include "kernels/elementwise.h"
#include "kernels/reduce.h"

// ---- families ----

void check_copy(void) {
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

void check_elementwise(void) {
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
    check_variants("where", c->where[dt], g->where[dt], 4, where_dt, &prm, EXACT, false);
    const ct_dtype lnot[2] = {CT_BOOL, dt};
    check_variants("logical_not", c->logical_not[dt], g->logical_not[dt], 2, lnot, &prm, EXACT, false);

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

void check_reduce(void) {
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

void check_blas(void) {
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
    // k == 0 and beta 0: zeros, with no alpha term (a nan alpha must not reach C)
    z.beta = 0, z.alpha = dt >= CT_FLOAT32 ? NAN : -1;
    check_gemm_case("gemm k=0 beta=0", dt, z, 1, 1, m * n, false);
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

// The runtime's allocator counters follow the caching allocator's rounding.
void check_memory(void) {
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

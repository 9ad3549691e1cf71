// The CUDA kernel tests' harness (cuda_harness.h).
#include "cuda_harness.h"

const ct_kernel_table *cpu, *gpu;
int failures, checks;
const char *dtype_names[CT_NUM_DTYPES] = {"bool", "int32", "int64", "float32", "float64"};

// ---- inputs ----

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
uint32_t next_u32(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(rng_state >> 33);
}
double uniform(double lo, double hi) { return lo + (hi - lo) * (next_u32() / 4294967296.0); }

// n elements of dtype: specials first for floats (0, -0, inf, -inf, nan), then uniform
// values in [-4, 4]; integers in [-50, 50], nonzero when `nonzero` (divisors).
void fill_values(void *buf, ct_dtype dt, int64_t n, bool nonzero, bool specials) {
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

void *dev_copy_of(const void *host, size_t nbytes) {
  void *d = gpu->memory->alloc(nbytes);
  if (!d) {
    fprintf(stderr, "device allocation of %zu bytes failed\n", nbytes);
    exit(1);
  }
  gpu->memory->from_host(d, host, nbytes);
  return d;
}

// ---- comparisons ----

double value_at(const void *buf, ct_dtype dt, int64_t i) {
  switch (dt) {
  case CT_BOOL: return ((const bool *)buf)[i];
  case CT_INT32: return ((const int32_t *)buf)[i];
  case CT_INT64: return (double)((const int64_t *)buf)[i];
  case CT_FLOAT32: return ((const float *)buf)[i];
  default: return ((const double *)buf)[i];
  }
}

bool close_enough(double got, double want, ct_dtype dt, double scale) {
  if (isnan(got) || isnan(want)) return isnan(got) && isnan(want);
  if (isinf(got) || isinf(want)) return got == want;
  const double rel = dt == CT_FLOAT32 ? 2e-5 : 1e-12;
  return fabs(got - want) <= rel * (fabs(want) + scale);
}

// Element i of n elements `step` apart in the two buffers: bitwise (EXACT) or close.
void compare(const char *what, ct_dtype dt, const void *got, const void *want, int64_t n, int64_t step,
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

// Runs loop_cpu on host buffers and loop_gpu on device copies of the same inputs;
// compares operand 0 (and operand 1 when `two_outputs`).
void check_run(const char *what, ct_loop_fn loop_cpu, ct_loop_fn loop_gpu, const run_spec *s, void *ctx,
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

run_spec spec(int nops, const ct_dtype *dt, int64_t n) {
  run_spec s = {.nops = nops, .n = n};
  for (int k = 0; k < nops; k++) s.dt[k] = dt[k], s.step[k] = 1;
  return s;
}

// Each loop contiguous (64 elements), strided (every other element of operand 1) and,
// for binary loops, with operand 2 a host scalar.
void check_variants(const char *what, ct_loop_fn c, ct_loop_fn g, int nops, const ct_dtype *dt, void *ctx,
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

// n values of dt uniform in [lo, hi).
void fill_range(void *buf, ct_dtype dt, int64_t n, double lo, double hi) {
  for (int64_t i = 0; i < n; i++) {
    const double v = uniform(lo, hi);
    if (dt == CT_FLOAT32) ((float *)buf)[i] = (float)v;
    else ((double *)buf)[i] = v;
  }
}

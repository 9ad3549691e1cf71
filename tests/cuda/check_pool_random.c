// CUDA against CPU: the pool family; the random family against the same Philox blocks
// mapped on the host (see test_cuda_kernels.c).
#include "cuda_harness.h"
#include "kernels/cuda/philox.h"
#include "kernels/pool.h"
#include "kernels/random.h"

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

void check_pool(void) {
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

// randperm: the host's Fisher-Yates over the same blocks.
static void check_randperm(void) {
  enum { PERM_N = 300 };
  int64_t expected[PERM_N], got[PERM_N];
  for (int64_t i = 0; i < PERM_N; i++) expected[i] = i;
  for (int64_t i = 0; i + 1 < PERM_N; i++) {
    uint32_t u[4];
    ct_philox_block(42, 7 + (uint64_t)i, u);
    const int64_t j = i + (int64_t)(u[0] % (uint64_t)(PERM_N - i)), t = expected[i];
    expected[i] = expected[j], expected[j] = t;
  }
  ct_philox_state st = {.seed = 42, .offset = 7};
  ct_random_source src = {.state = &st, .next_u32 = NULL, .normal = NULL};
  void *d = gpu->memory->alloc(sizeof got);
  gpu->random->randperm(d, PERM_N, &src);
  gpu->memory->to_host(got, d, sizeof got);
  compare("randperm", CT_INT64, got, expected, PERM_N, 1, EXACT, 0);
  checks++;
  if (st.offset != 7 + PERM_N) failures++, fprintf(stderr, "FAIL randperm offset\n");
  gpu->memory->free(d, 0);
}

void check_random(void) {
  check_randperm();
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

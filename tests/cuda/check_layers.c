// CUDA against CPU: index, optim, loss, norm, rnn, sort and conv families (see
// test_cuda_kernels.c).
#include "cuda_harness.h"
#include "kernels/conv.h"
#include "kernels/index.h"
#include "kernels/loss.h"
#include "kernels/norm.h"
#include "kernels/optim.h"
#include "kernels/rnn.h"
#include "kernels/sort.h"

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

void check_index(void) {
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
void check_optim(void) {
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

void check_loss(void) {
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
void check_norm(void) {
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

void check_rnn(void) {
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

void check_sort(void) {
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

void check_conv(void) {
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

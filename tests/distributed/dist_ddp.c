// DistributedDataParallel on 2 or 3 ranks: training with per-rank batch b equals one
// process training on the whole batch of world * b (computed on every rank as the
// reference), from ranks that start with different parameters (DDP broadcasts rank 0's);
// no_sync accumulation; unused parameters reported, or handled with find_unused_parameters.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dist_check.h"

#define B 4 // per-rank batch
#define IN 5
#define OUT 3
#define STEPS 5
static int world;

// A small MLP (IN -> hidden -> out); its initial parameters depend on `seed`.
static ct_module *mlp_of(uint64_t seed, int64_t hidden, int64_t out) {
  ct_manual_seed(seed);
  ct_module *layers[] = {ct_linear_new(IN, hidden, true), ct_tanh_new(), ct_linear_new(hidden, out, true)};
  return ct_sequential_new(3, layers);
}

static ct_module *mlp(uint64_t seed) { return mlp_of(seed, 16, OUT); }

// Step s's samples [first, first + n) of the global batch (world * B samples).
// (targets of `out` features)
static void batch_of(int step, int first, int n, int out, ct_tensor **x, ct_tensor **y) {
  double *xs = malloc(sizeof(double) * (size_t)(n * IN)), *ys = malloc(sizeof(double) * (size_t)(n * out));
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < IN; j++) xs[i * IN + j] = sin(0.7 * (first + i) + 1.3 * j + 0.11 * step);
    for (int j = 0; j < out; j++) ys[i * out + j] = cos(0.5 * (first + i) - 0.9 * j + 0.07 * step);
  }
  *x = ct_to_dtype(ct_tensor_from_f64(xs, 2, (int64_t[]){n, IN}), CT_FLOAT32);
  *y = ct_to_dtype(ct_tensor_from_f64(ys, 2, (int64_t[]){n, out}), CT_FLOAT32);
  free(xs);
  free(ys);
}

static void batch(int step, int first, int n, ct_tensor **x, ct_tensor **y) { batch_of(step, first, n, OUT, x, y); }

// Largest |a - b| over two modules' parameters.
static double max_param_diff(ct_module *a, ct_module *b) {
  int na, nb;
  ct_tensor **pa = ct_module_parameters(a, &na), **pb = ct_module_parameters(b, &nb);
  double worst = na == nb ? 0 : INFINITY;
  for (int i = 0; i < na && i < nb; i++) {
    double *x = malloc(sizeof(double) * (size_t)ct_numel(pa[i])), *y = malloc(sizeof(double) * (size_t)ct_numel(pb[i]));
    ct_to_f64_array(pa[i], x);
    ct_to_f64_array(pb[i], y);
    for (int64_t k = 0; k < ct_numel(pa[i]); k++) worst = fmax(worst, fabs(x[k] - y[k]));
    free(x);
    free(y);
  }
  free(pa);
  free(pb);
  return worst;
}

static ct_optimizer *sgd(ct_module *m) {
  int n;
  ct_tensor **params = ct_module_parameters(m, &n);
  ct_optimizer *opt = ct_sgd_new(params, n, ct_sgd_defaults(0.2));
  free(params);
  return opt;
}

// Checks the DDP model equals the reference, then frees both runs.
static void finish_pair(const char *what, ct_ddp *ddp, ct_module *model, ct_optimizer *opt, ct_module *reference,
                        ct_optimizer *opt_ref) {
  double diff = max_param_diff(model, reference);
  CHECK(diff < 1e-6, "%s: DDP differs from the whole-batch reference by %g", what, diff);
  ct_optimizer_free(opt_ref);
  ct_optimizer_free(opt);
  ct_ddp_free(ddp);
  ct_module_free(model);
  ct_module_free(reference);
}

// One step of the reference on the whole batch, or of DDP on this rank's share.
static void train_step(ct_module *m, ct_ddp *ddp, ct_optimizer *opt, int step) {
  ct_scope *scope = ct_scope_open();
  ct_tensor *x, *y;
  if (ddp) batch(step, dist_rank * B, B, &x, &y);
  else batch(step, 0, world * B, &x, &y);
  ct_optimizer_zero_grad(opt, false); // .grad kept: with gradient_as_bucket_view, the bucket views
  ct_tensor *out = ddp ? ct_ddp_forward(ddp, x) : ct_module_forward(m, x);
  CHECK_OK(ct_backward(ct_mse_loss(out, y, CT_REDUCTION_MEAN), NULL));
  // DDP needs no call here: the gradient hooks average during backward.
  CHECK_OK(ct_optimizer_step(opt));
  ct_scope_close(scope);
}

// gradient_as_bucket_view: .grad as a view of its bucket, or copied in and out.
static void test_training_equals_big_batch(bool gradient_as_bucket_view) {
  ct_module *reference = mlp(100), *model = mlp(100 + (uint64_t)dist_rank); // rank 0 seeds like the reference
  ct_ddp_options o = ct_ddp_defaults();
  o.gradient_as_bucket_view = gradient_as_bucket_view;
  ct_ddp *ddp = ct_ddp_new(model, &o);
  CHECK(ddp != NULL, "ddp_new");
  CHECK(max_param_diff(model, reference) == 0, "DDP starts every rank from rank 0's parameters");
  int params[4];
  CHECK(ct_ddp_num_buckets(ddp) == 1 && ct_ddp_bucket_params(ddp, 0, params) == 4 && params[0] == 3 && params[3] == 0,
        "one bucket, parameters in reverse order");
  ct_optimizer *opt_ref = sgd(reference), *opt = sgd(model);
  for (int step = 0; step < STEPS; step++) {
    train_step(reference, NULL, opt_ref, step);
    train_step(model, ddp, opt, step);
  }
  finish_pair(gradient_as_bucket_view ? "gradient_as_bucket_view" : "per-rank batch B vs world * B", ddp, model, opt,
              reference, opt_ref);
}

// no_sync: micro-batch 1 under no_sync, then micro-batch 2 synced, equals the sum of both
// whole-batch gradients. (A tiny bucket_cap_mb: the first bucket is still 1 MiB.)
static void test_no_sync(void) {
  ct_module *reference = mlp(0), *model = mlp(0);
  ct_ddp_options o = ct_ddp_defaults();
  o.bucket_cap_mb = 1e-5; // after the 1 MiB first bucket: every parameter its own bucket
  ct_ddp *ddp = ct_ddp_new(model, &o);
  CHECK(ddp && ct_ddp_num_buckets(ddp) == 1, "the first bucket takes everything under 1 MiB");
  ct_optimizer *opt_ref = sgd(reference), *opt = sgd(model);
  ct_scope *scope = ct_scope_open();
  ct_tensor *x, *y;
  ct_optimizer_zero_grad(opt, true);
  ct_optimizer_zero_grad(opt_ref, true);
  for (int micro = 0; micro < 2; micro++) {
    if (micro == 0) ct_ddp_no_sync_enter(ddp);
    batch(10 + micro, dist_rank * B, B, &x, &y);
    CHECK_OK(ct_backward(ct_mse_loss(ct_ddp_forward(ddp, x), y, CT_REDUCTION_MEAN), NULL));
    CHECK_OK(ct_ddp_sync_gradients(ddp)); // a no-op under no_sync
    if (micro == 0) ct_ddp_no_sync_exit(ddp);
    batch(10 + micro, 0, world * B, &x, &y);
    CHECK_OK(ct_backward(ct_mse_loss(ct_module_forward(reference, x), y, CT_REDUCTION_MEAN), NULL));
  }
  CHECK_OK(ct_optimizer_step(opt));
  CHECK_OK(ct_optimizer_step(opt_ref));
  ct_scope_close(scope);
  finish_pair("no_sync", ddp, model, opt, reference, opt_ref);
}

// Registered after DDP's hook on the first layer's bias (ready before its weight, the last
// gradient of backward): by then buckets 0 and 1 must be on their way.
static void check_overlap(ct_tensor *param, void *ctx) {
  (void)param;
  CHECK(ct_ddp_buckets_started(ctx) == 2, "backward started 2 buckets before its end, got %d",
        ct_ddp_buckets_started(ctx));
}

// Several buckets, each all-reduced as soon as backward has its gradients: the last
// layer's 64 x 4096 weight fills PyTorch's 1 MiB first bucket, then with a tiny cap every
// parameter gets its own. Training equals the whole-batch reference.
static void test_buckets(void) {
  const int hidden = 64, out = 4096;
  ct_module *reference = mlp_of(0, hidden, out), *model = mlp_of(0, hidden, out);
  ct_ddp_options o = ct_ddp_defaults();
  o.bucket_cap_mb = 1e-5;
  ct_ddp *ddp = ct_ddp_new(model, &o);
  int params[4];
  CHECK(ct_ddp_num_buckets(ddp) == 3, "3 buckets, got %d", ct_ddp_num_buckets(ddp));
  CHECK(ct_ddp_bucket_params(ddp, 0, params) == 2 && params[0] == 3 && params[1] == 2, "bucket 0 = [3, 2]");
  CHECK(ct_ddp_bucket_params(ddp, 1, params) == 1 && params[0] == 1, "bucket 1 = [1]");
  CHECK(ct_ddp_bucket_params(ddp, 2, params) == 1 && params[0] == 0, "bucket 2 = [0]");
  int n;
  ct_tensor **model_params = ct_module_parameters(model, &n);
  ct_hook_handle *overlap = ct_register_post_accumulate_grad_hook(model_params[1], check_overlap, ddp);
  free(model_params);
  ct_optimizer *opt_ref = sgd(reference), *opt = sgd(model);
  for (int step = 0; step < 2; step++) {
    ct_scope *scope = ct_scope_open();
    ct_tensor *x, *y;
    ct_optimizer_zero_grad(opt, true);
    ct_optimizer_zero_grad(opt_ref, true);
    batch_of(step, dist_rank * B, B, out, &x, &y);
    CHECK_OK(ct_backward(ct_mse_loss(ct_ddp_forward(ddp, x), y, CT_REDUCTION_MEAN), NULL));
    batch_of(step, 0, world * B, out, &x, &y);
    CHECK_OK(ct_backward(ct_mse_loss(ct_module_forward(reference, x), y, CT_REDUCTION_MEAN), NULL));
    CHECK_OK(ct_optimizer_step(opt));
    CHECK_OK(ct_optimizer_step(opt_ref));
    CHECK(ct_ddp_buckets_started(ddp) == 0, "the reduction completed within backward");
    ct_scope_close(scope);
  }
  ct_hook_remove(overlap);
  finish_pair("buckets", ddp, model, opt, reference, opt_ref);
}

// An extra parameter the forward never uses: an error naming find_unused_parameters, or
// with it, training goes on and the parameter keeps no gradient.
static void test_unused_parameters(void) {
  for (int find_unused = 0; find_unused < 2; find_unused++) {
    ct_module *model = mlp(0);
    ct_tensor *unused = ct_module_register_parameter(model, "unused", ct_keep(ct_zeros(1, (int64_t[]){4}, CT_FLOAT32)));
    ct_ddp_options o = ct_ddp_defaults();
    o.find_unused_parameters = find_unused;
    ct_ddp *ddp = ct_ddp_new(model, &o);
    ct_scope *scope = ct_scope_open();
    ct_tensor *x, *y;
    batch(0, dist_rank * B, B, &x, &y);
    CHECK_OK(ct_backward(ct_mse_loss(ct_ddp_forward(ddp, x), y, CT_REDUCTION_MEAN), NULL));
    ct_status st = ct_ddp_sync_gradients(ddp);
    if (find_unused) {
      CHECK(st == CT_OK && ct_grad(unused) == NULL, "find_unused_parameters: synced, the unused one has no grad");
    } else {
      CHECK(st == CT_ERR_RUNTIME && strstr(ct_last_error(), "find_unused_parameters"), "unused parameter reported");
      ct_clear_error();
    }
    ct_scope_close(scope);
    ct_ddp_free(ddp);
    ct_module_free(model);
  }
}

int main(void) {
  if ((world = dist_start(60)) < 0) return 1;
  ct_scope *scope = ct_scope_open();
  test_training_equals_big_batch(false);
  test_training_equals_big_batch(true);
  test_no_sync();
  test_buckets();
  test_unused_parameters();
  ct_scope_close(scope);
  return dist_finish("dist_ddp");
}

// The ring all-reduce (buffers of 256 KiB and more) on 2 or 3 ranks against the
// single-process reference computed from every rank's inputs: every dtype and reduce op,
// an element count that no rank count divides, contiguous, transposed and async tensors,
// the same bits on every rank, and DDP's pre-scaled bucket sum (both floating dtypes). With 2 ranks a float
// sum is one addition, whose order does not matter: those compare exactly.
#include "dist_check.h"
#include "distributed/scaled_sum.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 547
#define COLS 557
#define NUMEL ((int64_t)ROWS * COLS) // 304679: odd, not a multiple of 3; over 256 KiB as bool
static const ct_dtype dtypes[] = {CT_BOOL, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
static const char *op_names[] = {"SUM", "AVG", "PRODUCT", "MIN", "MAX"};
static int world;

// Rank r's value at index i: small integers (products stay exact) or, for floating SUM and
// AVG, values whose sums round.
static double value(ct_dtype dt, ct_reduce_op op, int r, int64_t i) {
  if (dt == CT_BOOL) return (r + i) % 3 != 0;
  if (op == CT_REDUCE_PRODUCT)
    return (double)((r + i) % 3 + 1) * (i % 7 == 0 ? -1 : 1) * (ct_dtype_is_floating(dt) ? 0.5 : 1);
  if (ct_dtype_is_floating(dt)) return sin(0.37 * (double)i + 1.1 * r) * (1 + (i % 11));
  return (double)((r + 1) * (i % 5 + 1) - (i % 2) * 3);
}

// A ROWS x COLS tensor of rank r's values: contiguous, or a transposed view.
static ct_tensor *input(ct_dtype dt, ct_reduce_op op, int r, bool transposed) {
  double *v = malloc(sizeof(double) * NUMEL);
  for (int64_t i = 0; i < ROWS; i++)
    for (int64_t j = 0; j < COLS; j++)
      v[transposed ? j * ROWS + i : i * COLS + j] = value(dt, op, r, i * COLS + j);
  ct_tensor *t = ct_to_dtype(
      ct_tensor_from_f64(v, 2, transposed ? (int64_t[]){COLS, ROWS} : (int64_t[]){ROWS, COLS}), dt);
  free(v);
  return transposed ? ct_t(t) : t;
}

// The reduction of every rank's value at i, in rank order, rounded to the dtype at each step.
static double reduce_ref(ct_dtype dt, ct_reduce_op op, int64_t i) {
  double acc = dt == CT_FLOAT32 ? (float)value(dt, op, 0, i) : value(dt, op, 0, i);
  for (int r = 1; r < world; r++) {
    double x = dt == CT_FLOAT32 ? (float)value(dt, op, r, i) : value(dt, op, r, i);
    if (dt == CT_BOOL)
      acc = (op == CT_REDUCE_SUM || op == CT_REDUCE_MAX) ? (acc || x) : (acc && x);
    else if (op == CT_REDUCE_SUM || op == CT_REDUCE_AVG)
      acc = dt == CT_FLOAT32 ? (float)((float)acc + (float)x) : acc + x;
    else if (op == CT_REDUCE_PRODUCT)
      acc *= x;
    else if (op == CT_REDUCE_MIN)
      acc = fmin(acc, x);
    else
      acc = fmax(acc, x);
  }
  return op != CT_REDUCE_AVG ? acc : dt == CT_FLOAT32 ? (float)acc / (float)world : acc / world;
}

// Whether t equals the reference within tol (relative above 1); exact when tol is 0.
static bool matches(const ct_tensor *t, ct_dtype dt, ct_reduce_op op, double tol) {
  double *got = malloc(sizeof(double) * NUMEL);
  bool ok = ct_numel(t) == NUMEL && ct_to_f64_array(t, got) == CT_OK;
  for (int64_t i = 0; ok && i < NUMEL; i++) {
    double want = reduce_ref(dt, op, i);
    ok = tol == 0 ? got[i] == want : fabs(got[i] - want) <= tol * fmax(1, fabs(want));
  }
  free(got);
  return ok;
}

// Whether every rank holds the same bits as rank 0 in t (broadcast, not a ring, compares).
static bool same_on_every_rank(ct_tensor *t) {
  ct_tensor *mine = ct_contiguous(t), *rank0 = ct_clone(mine);
  CHECK_OK(ct_dist_broadcast(rank0, 0, NULL));
  bool same =
      memcmp(ct_data_ptr(mine), ct_data_ptr(rank0), (size_t)NUMEL * ct_dtype_size(ct_get_dtype(t))) == 0;
  int64_t one = 1;
  ct_tensor *all_same = ct_full(1, &one, same, CT_INT32);
  CHECK_OK(ct_dist_all_reduce(all_same, CT_REDUCE_MIN, NULL));
  return ((int32_t *)ct_data_ptr(all_same))[0] == 1;
}

static void test_ops_and_dtypes(void) {
  for (int d = 0; d < 5; d++)
    for (int op = CT_REDUCE_SUM; op <= CT_REDUCE_MAX; op++)
      for (int layout = 0; layout < 3; layout++) { // contiguous, transposed, contiguous async polled
        ct_dtype dt = dtypes[d];
        if (op == CT_REDUCE_AVG && !ct_dtype_is_floating(dt)) continue; // rejected (dist_collectives)
        ct_tensor *t = input(dt, op, dist_rank, layout == 1);
        if (layout == 2) {
          ct_work *w = ct_dist_all_reduce_async(t, op, NULL);
          CHECK(w != NULL, "all_reduce_async");
          while (w && !ct_work_is_completed(w) && ct_last_status() == CT_OK)
            continue; // polled to the end
          CHECK_OK(ct_work_wait(w));
          ct_work_free(w);
        } else {
          CHECK_OK(ct_dist_all_reduce(t, op, NULL));
        }
        bool rounds = ct_dtype_is_floating(dt) && (op == CT_REDUCE_SUM || op == CT_REDUCE_AVG) && world > 2;
        CHECK(matches(t, dt, op, rounds ? 1e-6 : 0), "ring all_reduce %s %s layout %d", op_names[op],
              ct_dtype_name(dt), layout);
        CHECK(same_on_every_rank(t), "ring all_reduce %s %s: the ranks differ", op_names[op],
              ct_dtype_name(dt));
      }
}

// Several rings in flight at once on one group, finished in reverse order.
static void test_concurrent(void) {
  enum { K = 3 };
  ct_tensor *t[K];
  ct_work *w[K];
  for (int k = 0; k < K; k++)
    w[k] = ct_dist_all_reduce_async(t[k] = input(CT_FLOAT64, CT_REDUCE_MAX, dist_rank + k, false),
                                    CT_REDUCE_MAX, NULL);
  for (int k = K - 1; k >= 0; k--) {
    CHECK_OK(ct_work_wait(w[k]));
    ct_work_free(w[k]);
  }
  double *got = malloc(sizeof(double) * NUMEL);
  for (int k = 0; k < K; k++) {
    CHECK_OK(ct_to_f64_array(t[k], got));
    bool ok = true;
    for (int64_t i = 0; ok && i < NUMEL; i++) {
      double want = value(CT_FLOAT64, CT_REDUCE_MAX, k, i);
      for (int r = 1; r < world; r++)
        want = fmax(want, value(CT_FLOAT64, CT_REDUCE_MAX, r + k, i));
      ok = got[i] == want;
    }
    CHECK(ok, "concurrent ring %d", k);
  }
  free(got);
}

// DDP's buckets: the reduced gradient is the sum of every rank's gradient times 1 / world,
// bit for bit what the same model's gradients give through ct_mul_scalar_ and an
// all_reduce SUM (gradient_as_bucket_view off and on).
static void test_ddp_bucket(void) {
  for (int as_view = 0; as_view < 2; as_view++) {
    ct_manual_seed(1);
    ct_module *model = ct_linear_new(COLS, ROWS, false); // one 1.2 MB weight: a ring bucket
    ct_ddp_options o = ct_ddp_defaults();
    o.gradient_as_bucket_view = as_view;
    ct_ddp *ddp = ct_ddp_new(model, &o);
    CHECK(ddp != NULL, "ct_ddp_new");
    int n;
    ct_tensor **params = ct_module_parameters(model, &n);
    ct_tensor *grad = input(CT_FLOAT32, CT_REDUCE_SUM, dist_rank, false);
    CHECK_OK(ct_set_grad(params[0], ct_clone(grad)));
    ct_ddp_forward(ddp, ct_ones(2, (int64_t[]){1, COLS}, CT_FLOAT32));
    CHECK_OK(ct_ddp_sync_gradients(ddp));
    ct_tensor *expected = ct_mul_scalar_(ct_clone(grad), 1.0 / world);
    CHECK_OK(ct_dist_all_reduce(expected, CT_REDUCE_SUM, NULL));
    const ct_tensor *got = ct_grad(params[0]);
    CHECK(got && memcmp(ct_data_ptr(got), ct_data_ptr(expected), (size_t)NUMEL * sizeof(float)) == 0,
          "DDP's fused bucket average differs from mul_scalar_ then all_reduce (as_view %d)", as_view);
    CHECK(same_on_every_rank((ct_tensor *)got), "DDP's averaged gradient differs between ranks");
    free(params);
    ct_ddp_free(ddp);
    ct_module_free(model);
  }
}

// The pre-scaled sum itself in both floating dtypes, on a contiguous buffer (a ring) and a
// small one (one MPI_Iallreduce): bit for bit ct_mul_scalar_ then an all_reduce SUM.
static void test_scaled_sum(void) {
  const ct_dtype floating[] = {CT_FLOAT32, CT_FLOAT64};
  for (int d = 0; d < 2; d++) {
    for (int small = 0; small < 2; small++) {
      ct_tensor *values = input(floating[d], CT_REDUCE_SUM, dist_rank, false);
      if (small) values = ct_contiguous(ct_narrow(values, 0, 0, 3));
      ct_tensor *got = ct_clone(values), *expected = ct_mul_scalar_(ct_clone(values), 1.0 / world);
      ct_work *work = ct__dist_scaled_sum_async(got, 1.0 / world, NULL);
      CHECK(work != NULL, "scaled_sum_async: %s", ct_last_error());
      CHECK_OK(ct_work_wait(work));
      ct_work_free(work);
      CHECK_OK(ct_dist_all_reduce(expected, CT_REDUCE_SUM, NULL));
      size_t bytes = (size_t)ct_numel(got) * (floating[d] == CT_FLOAT32 ? 4 : 8);
      CHECK(memcmp(ct_data_ptr(got), ct_data_ptr(expected), bytes) == 0,
            "scaled sum differs from mul_scalar_ then all_reduce (%s, %s)", ct_dtype_name(floating[d]),
            small ? "small" : "ring");
    }
  }
}

int main(void) {
  if ((world = dist_start(60)) < 0) return 1;
  CHECK(world >= 2 && world <= 3, "run with mpirun -np 2 or 3 (world %d)", world);
  ct_scope *scope = ct_scope_open();
  test_ops_and_dtypes();
  test_concurrent();
  test_ddp_bucket();
  test_scaled_sum();
  ct_scope_close(scope);
  return dist_finish("dist_ring");
}

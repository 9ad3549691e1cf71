// Every collective on 2 or 3 ranks (mpirun -np N) against the single-process reference
// computed from every rank's inputs: all dtypes, contiguous and transposed tensors,
// blocking and async calls, point-to-point, and a subgroup.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dist_check.h"

#define ROWS 3
#define COLS 4
#define NUMEL (ROWS * COLS)
static const ct_dtype dtypes[] = {CT_BOOL, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
static const char *op_names[] = {"SUM", "AVG", "PRODUCT", "MIN", "MAX"};
static int world;

// Rank r's input value at logical index i (small: products stay exact in int32).
static double value(ct_dtype dt, int r, int64_t i) {
  if (dt == CT_BOOL) return (r + i) % 3 != 0;
  return (double)((r + 1) * (i % 5 + 1) - (i % 2) * 3) * (ct_dtype_is_floating(dt) ? 0.5 : 1);
}

// A ROWS x COLS tensor of rank r's values at offset `shift`: contiguous, or a transposed view.
static ct_tensor *input(ct_dtype dt, int r, int64_t shift, bool transposed) {
  double v[NUMEL];
  for (int i = 0; i < ROWS; i++)
    for (int j = 0; j < COLS; j++)
      v[transposed ? j * ROWS + i : i * COLS + j] = value(dt, r, shift + i * COLS + j);
  ct_tensor *t = ct_to_dtype(ct_tensor_from_f64(v, 2, transposed ? (int64_t[]){COLS, ROWS} : (int64_t[]){ROWS, COLS}), dt);
  return transposed ? ct_t(t) : t;
}

static double reduce_ref(ct_dtype dt, ct_reduce_op op, int64_t i, int ranks) {
  double acc = value(dt, 0, i);
  for (int r = 1; r < ranks; r++) {
    double x = value(dt, r, i);
    if (dt == CT_BOOL) acc = (op == CT_REDUCE_SUM || op == CT_REDUCE_MAX) ? (acc || x) : (acc && x);
    else if (op == CT_REDUCE_SUM || op == CT_REDUCE_AVG) acc += x;
    else if (op == CT_REDUCE_PRODUCT) acc *= x;
    else if (op == CT_REDUCE_MIN) acc = fmin(acc, x);
    else acc = fmax(acc, x);
  }
  return op == CT_REDUCE_AVG ? acc / ranks : acc;
}

static bool equals(const ct_tensor *t, const double *expected, int64_t n, double tol) {
  double got[NUMEL * 4];
  if (ct_numel(t) != n || ct_to_f64_array(t, got) != CT_OK) return false;
  for (int64_t i = 0; i < n; i++)
    if (fabs(got[i] - expected[i]) > tol * fmax(1, fabs(expected[i]))) return false;
  return true;
}

static void test_all_reduce(void) {
  for (int d = 0; d < 5; d++)
    for (int op = CT_REDUCE_SUM; op <= CT_REDUCE_MAX; op++)
      for (int layout = 0; layout < 3; layout++) { // contiguous, transposed, contiguous async
        ct_dtype dt = dtypes[d];
        ct_tensor *t = input(dt, dist_rank, 0, layout == 1);
        if (op == CT_REDUCE_AVG && !ct_dtype_is_floating(dt)) {
          CHECK(ct_dist_all_reduce(t, op, NULL) == CT_ERR_ARG, "AVG on %s must fail", ct_dtype_name(dt));
          ct_clear_error();
          continue;
        }
        if (layout == 2) {
          ct_work *w = ct_dist_all_reduce_async(t, op, NULL);
          CHECK(w != NULL, "all_reduce_async");
          CHECK_OK(ct_work_wait(w));
          CHECK(ct_work_is_completed(w), "is_completed after wait");
          ct_work_free(w);
        } else {
          CHECK_OK(ct_dist_all_reduce(t, op, NULL));
        }
        double expected[NUMEL];
        for (int i = 0; i < NUMEL; i++) expected[i] = reduce_ref(dt, op, i, world);
        CHECK(equals(t, expected, NUMEL, ct_dtype_is_floating(dt) ? 1e-6 : 0), "all_reduce %s %s layout %d",
              op_names[op], ct_dtype_name(dt), layout);
      }
}

static void test_broadcast_reduce(void) {
  for (int d = 0; d < 5; d++)
    for (int transposed = 0; transposed < 2; transposed++) {
      ct_dtype dt = dtypes[d];
      int src = world - 1;
      ct_tensor *t = input(dt, dist_rank, 0, transposed);
      CHECK_OK(ct_dist_broadcast(t, src, NULL));
      double expected[NUMEL];
      for (int i = 0; i < NUMEL; i++) expected[i] = value(dt, src, i);
      CHECK(equals(t, expected, NUMEL, 0), "broadcast %s", ct_dtype_name(dt));

      ct_reduce_op op = dt == CT_BOOL ? CT_REDUCE_MAX : ct_dtype_is_floating(dt) ? CT_REDUCE_AVG : CT_REDUCE_SUM;
      int dst = 1 % world;
      t = input(dt, dist_rank, 0, transposed);
      CHECK_OK(ct_dist_reduce(t, dst, op, NULL));
      for (int i = 0; i < NUMEL; i++) expected[i] = dist_rank == dst ? reduce_ref(dt, op, i, world) : value(dt, dist_rank, i);
      CHECK(equals(t, expected, NUMEL, 1e-6), "reduce %s %s", op_names[op], ct_dtype_name(dt));
    }
}

static void test_all_gather_reduce_scatter(void) {
  for (int d = 0; d < 5; d++)
    for (int transposed = 0; transposed < 2; transposed++) {
      ct_dtype dt = dtypes[d];
      ct_tensor *outputs[3], *inputs[3];
      for (int r = 0; r < world; r++) outputs[r] = input(dt, 99, 0, transposed);
      CHECK_OK(ct_dist_all_gather(outputs, world, input(dt, dist_rank, 0, transposed), NULL));
      for (int r = 0; r < world; r++) {
        double expected[NUMEL];
        for (int i = 0; i < NUMEL; i++) expected[i] = value(dt, r, i);
        CHECK(equals(outputs[r], expected, NUMEL, 0), "all_gather %s from rank %d", ct_dtype_name(dt), r);
      }
      ct_reduce_op op = dt == CT_BOOL ? CT_REDUCE_MIN : CT_REDUCE_SUM;
      for (int r = 0; r < world; r++) inputs[r] = input(dt, dist_rank, (int64_t)r * NUMEL, transposed);
      ct_tensor *out = input(dt, 99, 0, transposed);
      CHECK_OK(ct_dist_reduce_scatter(out, inputs, world, op, NULL));
      double expected[NUMEL];
      for (int i = 0; i < NUMEL; i++) expected[i] = reduce_ref(dt, op, (int64_t)dist_rank * NUMEL + i, world);
      CHECK(equals(out, expected, NUMEL, 0), "reduce_scatter %s", ct_dtype_name(dt));
    }
  ct_tensor *out = input(CT_FLOAT32, 0, 0, false), *inputs[3];
  for (int r = 0; r < world; r++) inputs[r] = input(CT_FLOAT32, dist_rank, (int64_t)r * NUMEL, false);
  ct_work *w = ct_dist_reduce_scatter_async(out, inputs, world, CT_REDUCE_AVG, NULL);
  CHECK_OK(ct_work_wait(w));
  ct_work_free(w);
  double expected[NUMEL];
  for (int i = 0; i < NUMEL; i++) expected[i] = reduce_ref(CT_FLOAT32, CT_REDUCE_AVG, (int64_t)dist_rank * NUMEL + i, world);
  CHECK(equals(out, expected, NUMEL, 1e-6), "reduce_scatter AVG async");
}

// A ring: each rank sends to the next and receives from the previous.
static void test_send_recv(void) {
  for (int d = 0; d < 5; d++) {
    ct_dtype dt = dtypes[d];
    int next = (dist_rank + 1) % world, prev = (dist_rank + world - 1) % world;
    ct_tensor *got = input(dt, 99, 0, true);
    ct_work *recv = ct_dist_irecv(got, prev, NULL, 7);
    ct_work *send = ct_dist_isend(input(dt, dist_rank, 0, d % 2), next, NULL, 7);
    CHECK(recv && send, "isend/irecv");
    CHECK_OK(ct_work_wait(send));
    CHECK_OK(ct_work_wait(recv));
    ct_work_free(send);
    ct_work_free(recv);
    double expected[NUMEL];
    for (int i = 0; i < NUMEL; i++) expected[i] = value(dt, prev, i);
    CHECK(equals(got, expected, NUMEL, 0), "isend/irecv %s", ct_dtype_name(dt));
  }
  if (dist_rank < 2 && world >= 2) { // blocking send/recv between 0 and 1
    ct_tensor *t = input(CT_INT64, dist_rank, 0, false);
    if (dist_rank == 0) CHECK_OK(ct_dist_send(t, 1, NULL, 3));
    else CHECK_OK(ct_dist_recv(t, 0, NULL, 3));
    double expected[NUMEL];
    for (int i = 0; i < NUMEL; i++) expected[i] = value(CT_INT64, 0, i);
    CHECK(equals(t, expected, NUMEL, 0), "send/recv");
  }
}

// An error MPI itself reports comes back as a ctorch error: rank 1 receives into a tensor
// smaller than what rank 0 sends (MPI_ERR_TRUNCATE). The last test: rank 1's group is then
// marked unusable.
static void test_mpi_error(void) {
  if (dist_rank == 0) CHECK_OK(ct_dist_send(input(CT_FLOAT32, 0, 0, false), 1, NULL, 5));
  if (dist_rank != 1) return;
  ct_status st = ct_dist_recv(ct_zeros(1, (int64_t[]){4}, CT_FLOAT32), 0, NULL, 5);
  CHECK(st == CT_ERR_RUNTIME && strstr(ct_last_error(), "recv: MPI error: "), "an MPI error becomes a ctorch error");
  ct_clear_error();
  CHECK(ct_dist_barrier(NULL) == CT_ERR_RUNTIME, "the group refuses further work");
  ct_clear_error();
}

// new_group([world - 1, 0]): its ranks follow the order given; a rank outside gets -1.
static void test_new_group(void) {
  int ranks[] = {world - 1, 0};
  ct_process_group *g = ct_dist_new_group(ranks, 2);
  CHECK(g != NULL, "new_group");
  bool member = dist_rank == 0 || dist_rank == world - 1;
  CHECK(ct_dist_get_rank(g) == (!member ? -1 : dist_rank == world - 1 ? 0 : 1), "group rank %d", ct_dist_get_rank(g));
  ct_tensor *t = input(CT_FLOAT64, dist_rank, 0, false);
  if (member) {
    CHECK(ct_dist_get_world_size(g) == 2, "group size");
    CHECK_OK(ct_dist_all_reduce(t, CT_REDUCE_SUM, g));
    double expected[NUMEL];
    for (int i = 0; i < NUMEL; i++) expected[i] = value(CT_FLOAT64, 0, i) + value(CT_FLOAT64, world - 1, i);
    CHECK(equals(t, expected, NUMEL, 0), "all_reduce in a group");
    CHECK_OK(ct_dist_broadcast(t, world - 1, g)); // src is a global rank
    CHECK_OK(ct_dist_barrier(g));
  } else {
    CHECK(ct_dist_all_reduce(t, CT_REDUCE_SUM, g) == CT_ERR_RUNTIME, "a non-member's all_reduce fails");
    ct_clear_error();
  }
  ct_dist_group_free(g);
}

int main(void) {
  if ((world = dist_start(60)) < 0) return 1;
  CHECK(world >= 2 && world <= 3, "run with mpirun -np 2 or 3 (world %d)", world);
  ct_scope *scope = ct_scope_open();
  test_all_reduce();
  test_broadcast_reduce();
  test_all_gather_reduce_scatter();
  test_send_recv();
  test_new_group();
  CHECK_OK(ct_dist_barrier(NULL));
  test_mpi_error();
  ct_scope_close(scope);
  return dist_finish("dist_collectives");
}

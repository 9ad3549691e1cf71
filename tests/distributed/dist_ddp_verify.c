// DDP's construction on 2 or 3 ranks whose models differ on rank 1: every rank fails with
// PyTorch 1.13's message (checked against a 2-process gloo run) instead of hanging, and
// the group stays usable (a DDP of equal models is built afterwards).
#include <stdio.h>
#include <string.h>
#include "dist_check.h"

static int world;

// Linear(5, hidden) then Linear(hidden, 3, bias): rank 1 may get another hidden or no bias.
static ct_module *model(int64_t hidden, bool last_bias) {
  ct_module *layers[] = {ct_linear_new(5, hidden, true), ct_linear_new(hidden, 3, last_bias)};
  return ct_sequential_new(2, layers);
}

// ct_ddp_new(m) must fail with `expected` on this rank.
static void expect_failure(ct_module *m, const char *expected, const char *what) {
  ct_ddp *ddp = ct_ddp_new(m, NULL);
  CHECK(ddp == NULL && ct_last_status() == CT_ERR_RUNTIME, "%s: ct_ddp_new must fail", what);
  CHECK(strcmp(ct_last_error(), expected) == 0, "%s: got \"%s\", expected \"%s\"", what, ct_last_error(), expected);
  ct_clear_error();
  ct_ddp_free(ddp);
  ct_module_free(m);
}

static void test_param_count(void) {
  char expected[256];
  if (dist_rank == 1)
    snprintf(expected, sizeof expected,
             "DDP expects same model across all ranks, but Rank 1 has 3 params, while rank 0 has inconsistent 4 params.");
  else
    snprintf(expected, sizeof expected,
             "DDP expects same model across all ranks, but Rank %d has 4 params, while rank 1 has inconsistent 3 params.",
             dist_rank);
  expect_failure(model(4, dist_rank != 1), expected, "parameter count");
}

static void test_param_sizes(void) {
  expect_failure(model(dist_rank == 1 ? 6 : 4, true),
                 "[1]: params[0] in this process with sizes [6, 5] appears not to match sizes of the same param in "
                 "process 0.",
                 "parameter sizes");
}

// An extra parameter, 4 elements on every rank, shaped 2 x 2 on rank 1 (another number of dims).
static void test_param_dims(void) {
  ct_module *m = model(4, true);
  int64_t four = 4;
  ct_tensor *extra = dist_rank == 1 ? ct_zeros(2, (int64_t[]){2, 2}, CT_FLOAT32) : ct_zeros(1, &four, CT_FLOAT32);
  CHECK(ct_module_register_parameter(m, "extra", extra) != NULL, "register_parameter");
  expect_failure(m, "[1]: params[0] in this process with sizes [2, 2] appears not to match sizes of the same param in "
                    "process 0.",
                 "parameter dims");
}

// After the failures: equal models give a DDP whose parameters are rank 0's.
static void test_group_still_usable(void) {
  ct_manual_seed((uint64_t)dist_rank);
  ct_module *m = model(4, true);
  ct_ddp *ddp = ct_ddp_new(m, NULL);
  CHECK(ddp != NULL, "ct_ddp_new of equal models");
  ct_ddp_free(ddp);
  ct_module_free(m);
}

int main(void) {
  if ((world = dist_start(60)) < 0) return 1;
  CHECK(world >= 2 && world <= 3, "run with mpirun -np 2 or 3 (world %d)", world);
  ct_scope *scope = ct_scope_open();
  test_param_count();
  test_param_sizes();
  test_param_dims();
  test_group_still_usable();
  ct_scope_close(scope);
  return dist_finish("dist_ddp_verify");
}

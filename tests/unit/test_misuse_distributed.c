// The misuse catalogue (tests/util/misuse.h) of torch.distributed, DistributedSampler and
// DistributedDataParallel, in one process (a world of one; built without MPI, every call
// says so). The collectives' results are tested under mpirun in tests/distributed.
#include <stdint.h>
#include "misuse.h"
#include "misuse_datasets.h"

#define NOT_INITIALIZED "Default process group has not been initialized"

// Before init_process_group (or in a build without MPI: its one message).
static void test_before_init(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const char *why = ct_dist_is_available() ? NOT_INITIALIZED : "ctorch was built without distributed support";
  ct_tensor *t = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  MISUSE_IF(ct_dist_get_rank(NULL) == -1, why);
  MISUSE_IF(ct_dist_get_world_size(NULL) == -1, why);
  MISUSE_STATUS(ct_dist_all_reduce(t, CT_REDUCE_SUM, NULL), why);
  MISUSE(ct_dist_broadcast_async(t, 0, NULL), why);
  MISUSE_STATUS(ct_dist_barrier(NULL), why);
  MISUSE_STATUS(ct_dist_destroy_process_group(), why);
  MISUSE(ct_dist_new_group(NULL, 0), why);
  MISUSE(ct_distributed_sampler_new(&ds, -1, 0, true, 0, false), why);
  ct_module *linear = ct_linear_new(2, 2, true);
  MISUSE(ct_ddp_new(linear, NULL), why);
  ct_module_free(linear);
  area_done(s);
}

// A world of one: arguments the collectives refuse.
static void test_collectives(void **state) {
  (void)state;
  if (!ct_dist_is_available()) skip();
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_ones(CT_SHAPE(3, 4), CT_FLOAT32), *ints = ct_ones(CT_SHAPE(3), CT_INT64), *bad = NULL;
  MISUSE_STATUS(ct_dist_init_process_group(0), "trying to initialize the default process group twice!");
  NULL_STATUS(ct_dist_all_reduce(bad, CT_REDUCE_SUM, NULL), "all_reduce");
  MISUSE_STATUS(ct_dist_all_reduce(ints, CT_REDUCE_AVG, NULL), "ReduceOp.AVG needs a floating tensor, got int64");
  MISUSE_STATUS(ct_dist_all_reduce(t, (ct_reduce_op)42, NULL), "all_reduce: unknown reduce op 42");
  MISUSE_STATUS(ct_dist_broadcast(t, 1, NULL), "broadcast: src rank 1 is not part of the group (of 1 ranks)");
  MISUSE_STATUS(ct_dist_reduce(t, -1, CT_REDUCE_SUM, NULL), "reduce: dst rank -1 is not part of the group");
  ct_tensor *outputs[2] = {ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32), ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32)};
  MISUSE_STATUS(ct_dist_all_gather(outputs, 2, t, NULL),
                "all_gather: output_tensor_list has 2 tensors; the group has 1 ranks");
  ct_tensor *wrong[1] = {ct_zeros(CT_SHAPE(3, 4), CT_FLOAT64)};
  MISUSE_STATUS(ct_dist_all_gather(wrong, 1, t, NULL),
                "all_gather: output_tensor_list[0] has 12 elements of float64; expected 12 of float32");
  MISUSE_STATUS(ct_dist_reduce_scatter(t, NULL, 1, CT_REDUCE_SUM, NULL),
                "reduce_scatter: input_list has 0 tensors; the group has 1 ranks");
  MISUSE_STATUS(ct_dist_send(t, 0, NULL, 0), "Invalid dst rank: dst rank should not be the same as the rank");
  MISUSE_STATUS(ct_dist_recv(t, 3, NULL, 0), "recv: src rank 3 is not part of the group");
  MISUSE_STATUS(ct_work_wait(NULL), "wait: work is NULL");
  MISUSE_IF(!ct_work_is_completed(NULL), "is_completed: work is NULL");
  MISUSE(ct_dist_new_group((int[]){0, 0}, 2), "new_group: rank 0 is given twice");
  MISUSE(ct_dist_new_group((int[]){5}, 1), "new_group: rank 5 is out of range (world size 1)");
  MISUSE(ct_dist_new_group(NULL, -1), "new_group: invalid ranks (n = -1)");
  MISUSE_STATUS(ct_dist_set_timeout(NULL, 0), "set_timeout: the timeout must be positive, got 0");
  MISUSE_IF(ct_dist_get_global_rank(NULL, 1) == -1, "get_global_rank: rank 1 is out of range");
  area_done(s);
}

static void test_sampler(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  ct_dataset negative = {.length = negative_length, .get_item = scalar_sample};
  MISUSE(ct_distributed_sampler_new(&ds, 2, 2, true, 0, false), "Invalid rank 2, rank should be in the interval [0, 1]");
  MISUSE(ct_distributed_sampler_new(&ds, 0, 0, true, 0, false), "num_replicas should be positive");
  MISUSE(ct_distributed_sampler_new(NULL, 2, 0, true, 0, false), "DistributedSampler: dataset is NULL");
  MISUSE(ct_distributed_sampler_new(&negative, 2, 0, true, 0, false), "dataset length is negative (-1)");
  ct_sampler *sequential = ct_sequential_sampler_new(&ds);
  MISUSE_STATUS(ct_distributed_sampler_set_epoch(sequential, 1), "set_epoch: the sampler is not a DistributedSampler");
  ct_sampler_free(sequential);
  area_done(s);
}

// A world of one is enough for DDP's own checks.
static void test_ddp(void **state) {
  (void)state;
  if (!ct_dist_is_available()) skip();
  ct_scope *s = ct_scope_open();
  ct_ddp_options tiny = ct_ddp_defaults();
  tiny.bucket_cap_mb = 0;
  ct_module *relu = ct_relu_new(), *linear = ct_linear_new(3, 2, true);
  int indices[2];
  MISUSE(ct_ddp_new(NULL, NULL), "DistributedDataParallel: module is NULL");
  MISUSE(ct_ddp_new(linear, &tiny), "bucket_cap_mb must be positive, got 0");
  MISUSE(ct_ddp_new(relu, NULL), "DistributedDataParallel is not needed when a module doesn't have any parameter");
  MISUSE(ct_ddp_forward(NULL, ct_ones(CT_SHAPE(1, 3), CT_FLOAT32)), "DistributedDataParallel: ddp is NULL");
  MISUSE_STATUS(ct_ddp_sync_gradients(NULL), "DistributedDataParallel: ddp is NULL");
  ct_ddp *ddp = ct_ddp_new(linear, NULL);
  MISUSE_IF(ct_ddp_bucket_params(ddp, 1, indices) == -1, "bucket 1 is out of range (1 buckets)");
  // A parameter the loss does not use: reported by sync, and by the next forward.
  ct_tensor *unused = ct_module_register_parameter(linear, "unused", ct_keep(ct_zeros(CT_SHAPE(2), CT_FLOAT32)));
  ct_ddp_free(ddp);
  ddp = ct_ddp_new(linear, NULL);
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32);
  assert_int_equal(ct_backward(ct_sum(ct_ddp_forward(ddp, x)), NULL), CT_OK);
  MISUSE(ct_ddp_forward(ddp, x), "Expected to have finished reduction in the prior iteration|find_unused_parameters");
  MISUSE_STATUS(ct_ddp_sync_gradients(ddp), "parameter 2 received no gradient|find_unused_parameters");
  assert_null(ct_grad(unused));
  ct_ddp_free(ddp);
  ct_module_free(relu);
  ct_module_free(linear);
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(ct_dist_is_available() ? 40 : 14);
}

// The tests after test_before_init run in a world of one.
static int world_of_one(void **state) {
  (void)state;
  return ct_dist_is_available() && !ct_dist_is_initialized() && ct_dist_init_process_group(0) != CT_OK;
}

static int destroy_world(void **state) {
  (void)state;
  return ct_dist_is_available() && ct_dist_destroy_process_group() != CT_OK;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_before_init),
      cmocka_unit_test_setup(test_collectives, world_of_one),
      cmocka_unit_test_setup(test_sampler, world_of_one),
      cmocka_unit_test_setup(test_ddp, world_of_one),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, destroy_world);
}

// Devices: ops given tensors of two devices fail with PyTorch's message (TensorIterator's
// rule for elementwise ops and reductions, the dispatcher's for ops outside it, which
// names the argument and PyTorch's CUDA wrapper), and ops on a device this build has no
// kernels for fail with a clear error, never a crash. A tensor "on CUDA" comes from the
// library's test hook, which relabels a CPU storage.
#include "unit.h"

// Declared in src/core/device.h (internal; the tests link the static library).
void ct__test_set_device(ct_tensor *t, ct_device device);
const char *ct__device_unusable(ct_device device);

#define MISMATCH "Expected all tensors to be on the same device, but found at least two devices, "
// Why CUDA cannot run here: "ctorch was built without CUDA support", or with the backend
// built, the runtime's reason ("Found no NVIDIA driver on your system. ..."). NULL on a
// machine with a GPU, where a relabelled host storage cannot stand in for device memory:
// the tests that need it skip.
#define NO_CUDA ct__device_unusable(CT_CUDA)

// t, its storage relabelled as CUDA memory.
static ct_tensor *on_cuda(ct_tensor *t) {
  assert_non_null(t);
  ct__test_set_device(t, CT_CUDA);
  return t;
}

typedef struct inputs {
  ct_tensor *c, *g, *c2, *g2, *c3, *g3, *cv, *gv, *c0, *g0, *idx, *gidx, *mask, *gmask, *logp, *target, *gtarget;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

// c*: CPU, g*: "CUDA". Made in a scope of their own and kept out of it (see unit.h).
static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .c = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32),
      .g = on_cuda(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32)),
      .c2 = ct_ones(CT_SHAPE(3, 2), CT_FLOAT32),
      .g2 = on_cuda(ct_ones(CT_SHAPE(3, 2), CT_FLOAT32)),
      .c3 = ct_ones(CT_SHAPE(2, 3, 2), CT_FLOAT32),
      .g3 = on_cuda(ct_ones(CT_SHAPE(2, 2, 3), CT_FLOAT32)),
      .cv = ct_ones(CT_SHAPE(3), CT_FLOAT32),
      .gv = on_cuda(ct_ones(CT_SHAPE(3), CT_FLOAT32)),
      .c0 = ct_scalar(2, CT_FLOAT32),
      .g0 = on_cuda(ct_scalar(2, CT_FLOAT32)),
      .idx = ct_zeros(CT_SHAPE(2), CT_INT64),
      .gidx = on_cuda(ct_zeros(CT_SHAPE(2, 3), CT_INT64)),
      .mask = ct_ones(CT_SHAPE(2, 3), CT_BOOL),
      .gmask = on_cuda(ct_ones(CT_SHAPE(2, 3), CT_BOOL)),
      .logp = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32),
      .target = ct_zeros(CT_SHAPE(2), CT_INT64),
      .gtarget = on_cuda(ct_zeros(CT_SHAPE(2), CT_INT64)),
  };
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

static void error_cases(bool scoped) {
  if (!NO_CUDA) skip();
  inputs in = make_inputs();
  ct_tensor *c = in.c, *g = in.g;

  // TensorIterator: the first non-CPU device is named first, whatever the order.
  EXPECT_ERROR(ct_add(g, c), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_add(c, g), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_mul_(c, g), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_lt(c, g), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_where(in.mask, g, c), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_where(in.gmask, c, c), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_outer(in.cv, in.gv), MISMATCH "cuda:0 and cpu!");
  // A 0-d CPU tensor may join a binary op on another device (read by value), not where.
  EXPECT_ERROR(ct_add(g, in.c0), NO_CUDA);
  EXPECT_ERROR(ct_mul(in.c0, g), NO_CUDA);
  EXPECT_ERROR(ct_where(in.mask, c, in.g0), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_add(c, in.g0), MISMATCH "cuda:0 and cpu!");

  // One device without kernels: a clear error from every family.
  EXPECT_ERROR(ct_add(g, g), NO_CUDA);
  EXPECT_ERROR(ct_add_scalar(g, 1), NO_CUDA);
  EXPECT_ERROR(ct_exp(g), NO_CUDA);
  EXPECT_ERROR(ct_sum(g), NO_CUDA);
  EXPECT_ERROR(ct_amax(g, (int[]){1}, 1, false), NO_CUDA);
  EXPECT_ERROR(ct_var(g), NO_CUDA);
  EXPECT_ERROR(ct_softmax(g, 1), NO_CUDA);
  EXPECT_ERROR(ct_sort(g, 1, false, false, NULL), NO_CUDA);
  EXPECT_ERROR(ct_topk(g, 1, 1, true, true, NULL), NO_CUDA);
  EXPECT_ERROR(ct_cumsum(g, 1), NO_CUDA);
  EXPECT_ERROR(ct_any(g), NO_CUDA);
  EXPECT_ERROR(ct_nonzero(g), NO_CUDA);
  EXPECT_ERROR(ct_unique(g, NULL, NULL), NO_CUDA);
  EXPECT_ERROR(ct_clone(g), NO_CUDA);
  EXPECT_ERROR(ct_to_dtype(g, CT_FLOAT64), NO_CUDA);
  EXPECT_ERROR(ct_mm(g, in.g2), NO_CUDA);
  EXPECT_ERROR(ct_one_hot(in.gtarget, 3), NO_CUDA);
  EXPECT_ERROR(ct_index(g, in.idx), NO_CUDA); // CPU indices are allowed for any device
  EXPECT_ERROR(ct_fill_(g, 1.0), NO_CUDA);
  EXPECT_ERROR(ct_uniform_(g, 0, 1), NO_CUDA);
  EXPECT_ERROR(ct_normal_(g, 0, 1), NO_CUDA);

  // The dispatcher: the first argument's device first, naming the argument and wrapper.
  EXPECT_ERROR(ct_mm(g, in.c2), MISMATCH "cuda:0 and cpu! (when checking argument for argument mat2 in method wrapper_mm)");
  EXPECT_ERROR(ct_mm(c, in.g2), MISMATCH "cpu and cuda:0! (when checking argument for argument mat2 in method wrapper_mm)");
  EXPECT_ERROR(ct_matmul(c, in.g2),
               MISMATCH "cpu and cuda:0! (when checking argument for argument mat2 in method wrapper_mm)");
  ct_tensor *bias = in.cv;
  EXPECT_ERROR(ct_linear(in.g2, in.c, bias),
               MISMATCH "cpu and cuda:0! (when checking argument for argument mat1 in method wrapper_addmm)");
  EXPECT_ERROR(ct_bmm(in.g3, in.c3), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_mv(c, in.gv), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_dot(in.gv, in.cv), MISMATCH "cuda:0 and cpu!");

  EXPECT_ERROR(ct_index_select(g, 0, in.idx),
               MISMATCH "cuda:0 and cpu! (when checking argument for argument index in method wrapper__index_select)");
  EXPECT_ERROR(ct_embedding(g, in.idx, CT_NO_PADDING_IDX),
               MISMATCH "cuda:0 and cpu! (when checking argument for argument index in method wrapper__index_select)");
  EXPECT_ERROR(ct_gather(c, 1, in.gidx),
               MISMATCH "cpu and cuda:0! (when checking argument for argument index in method wrapper_gather)");
  EXPECT_ERROR(ct_scatter_add(g, 1, in.gidx, c),
               MISMATCH "cuda:0 and cpu! (when checking argument for argument src in method wrapper_scatter_add)");
  EXPECT_ERROR(ct_index(c, in.gidx), "indices should be either on cpu or on the same device as the indexed tensor (cpu)");
  EXPECT_ERROR(ct_masked_fill(g, in.mask, 0),
               "expected self and mask to be on the same device, but got mask on cpu and self on cuda:0");

  EXPECT_ERROR(ct_cat((ct_tensor *[]){c, g}, 2, 0),
               MISMATCH "cpu and cuda:0! (when checking argument for argument tensors in method wrapper_cat)");
  EXPECT_ERROR(ct_stack((ct_tensor *[]){g, c}, 2, 0),
               MISMATCH "cuda:0 and cpu! (when checking argument for argument tensors in method wrapper_cat)");

  EXPECT_ERROR(ct_mse_loss(c, g, CT_REDUCTION_MEAN), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_binary_cross_entropy_with_logits(g, c, NULL, NULL, CT_REDUCTION_MEAN), MISMATCH "cuda:0 and cpu!");
  EXPECT_ERROR(ct_binary_cross_entropy(c, g, NULL, CT_REDUCTION_MEAN),
               MISMATCH "cpu and cuda:0! (when checking argument for argument target in method "
                        "wrapper__binary_cross_entropy)");
  EXPECT_ERROR(ct_nll_loss(in.logp, in.gtarget, NULL, -100, CT_REDUCTION_MEAN),
               MISMATCH "cpu and cuda:0! (when checking argument for argument target in method wrapper_nll_loss_forward)");
  EXPECT_ERROR(ct_cross_entropy(c, in.gtarget, NULL, -100, 0.0, CT_REDUCTION_MEAN),
               MISMATCH "cpu and cuda:0! (when checking argument for argument target in method wrapper_nll_loss_forward)");

  // copy_ may cross devices in PyTorch; this build copies within the CPU only.
  EXPECT_STATUS(ct_copy_(c, g), CT_ERR_RUNTIME, NO_CUDA);
  EXPECT_STATUS(ct_copy_(g, c), CT_ERR_RUNTIME, NO_CUDA);

  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

TU_ERROR_TESTS(error_cases, NUM_INPUTS)

// An optimizer step on a parameter of a device without kernels fails cleanly.
static void test_optimizer_step_on_device(void **state) {
  (void)state;
  if (!NO_CUDA) skip();
  ct_scope *s = ct_scope_open();
  ct_tensor *p = on_cuda(ct_ones(CT_SHAPE(3), CT_FLOAT32));
  ct_set_requires_grad(p, true);
  assert_int_equal(ct_set_grad(p, on_cuda(ct_ones(CT_SHAPE(3), CT_FLOAT32))), CT_OK);
  ct_optimizer *sgd = ct_sgd_new(&p, 1, ct_sgd_defaults(0.1));
  assert_non_null(sgd);
  EXPECT_STATUS(ct_optimizer_step(sgd), CT_ERR_RUNTIME, NO_CUDA);
  ct_optimizer_free(sgd);
  ct_scope_close(s);
}

// Views need no kernels: they work on any device and keep it.
static void test_views_keep_device(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *g = on_cuda(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32));
  ct_tensor *t = ct_transpose(g, 0, 1);
  assert_non_null(t);
  assert_int_equal(ct_get_device(t), CT_CUDA);
  assert_int_equal(ct_get_device(ct_view(g, CT_SHAPE(6))), CT_CUDA);
  ct_scope_close(s);
}

static void test_device_names(void **state) {
  (void)state;
  assert_string_equal(ct_device_name(CT_CPU), "cpu");
  assert_string_equal(ct_device_name(CT_CUDA), "cuda");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),
      cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_optimizer_step_on_device), cmocka_unit_test(test_views_keep_device),
      cmocka_unit_test(test_device_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

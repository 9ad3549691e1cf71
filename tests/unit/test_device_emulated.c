// Device plumbing on an emulated device (tests/util/emulated_device.h: the CPU's kernels
// behind CT_CUDA, with device memory of their own and one or two "GPUs"): moves between
// devices, creation on a device, printing, mixed-device errors (cuda:0 against cuda:1
// too), copies across devices, modules and optimizers on a device, state dicts, and
// backward on a device, each compared with the same work on the CPU. It tests the layers
// above the kernels, not CUDA. The device-absent behaviour (no backend, or no GPU) is
// tested first, against the build's own table.
#define _GNU_SOURCE // mkstemp
#include <stdlib.h>
#include <unistd.h>
#include "emulated_device.h"
#include "unit.h"

#define NO_BACKEND "ctorch was built without CUDA support"
#define MISMATCH "Expected all tensors to be on the same device, but found at least two devices, "

// The values of t as doubles (numel <= 64), read back through the device hooks.
static void values_of(const ct_tensor *t, double *out) { assert_int_equal(ct_to_f64_array(t, out), CT_OK); }

static void assert_same_values(const ct_tensor *a, const ct_tensor *b) {
  assert_int_equal(ct_numel(a), ct_numel(b));
  double va[256], vb[256];
  assert_true(ct_numel(a) <= 256);
  values_of(a, va), values_of(b, vb);
  assert_memory_equal(va, vb, (size_t)ct_numel(a) * sizeof(double)); // bitwise
}

static void assert_repr(const ct_tensor *t, const char *expected) {
  char *s = ct_repr_alloc(t);
  assert_non_null(s);
  assert_string_equal(s, expected);
  free(s);
}

static void assert_on(const ct_tensor *t, ct_device device, int index) {
  assert_non_null(t);
  assert_int_equal(ct_get_device(t), device);
  assert_int_equal(ct_tensor_device_index(t), index);
}

// Closes a test's scope: every block of device memory is freed; the emulation goes.
static void finish(ct_scope *s) {
  assert_int_equal(ct_scope_close(s), CT_OK);
  assert_int_equal(emu_live_blocks(), 0);
  emu_uninstall();
}

// Every CUDA entry point fails with `why` and leaves nothing behind.
static void cuda_calls_fail(const char *why) {
  int64_t blocks = ct__pool_live_blocks();
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  assert_false(ct_cuda_is_available());
  assert_int_equal(ct_cuda_device_count(), 0);
  EXPECT_ERROR(ct_cuda(c), why);
  EXPECT_ERROR(ct_to_device(c, CT_CUDA, 0), why);
  EXPECT_ERROR(ct_to_device_non_blocking(c, CT_CUDA, -1), why);
  EXPECT_ERROR(ct_zeros_on(CT_SHAPE(2), CT_FLOAT32, CT_CUDA, -1), why);
  EXPECT_ERROR(ct_full_on(CT_SHAPE(2), 3, CT_FLOAT32, CT_CUDA, 0), why);
  EXPECT_ERROR(ct_arange_on(0, 4, 1, CT_INT64, CT_CUDA, 0), why);
  EXPECT_ERROR(ct_randn_on(CT_SHAPE(2), CT_FLOAT32, CT_CUDA, 0), why);
  EXPECT_ERROR(ct_tensor_from_data_on((float[]){1, 2}, CT_FLOAT32, CT_FLOAT32, CT_SHAPE(2), CT_CUDA, 0), why);
  EXPECT_ERROR(ct_pin_memory(c), why);
  EXPECT_STATUS(ct_cuda_set_device(0), CT_ERR_RUNTIME, why);
  EXPECT_STATUS(ct_cuda_synchronize(-1), CT_ERR_RUNTIME, why);
  ct_clear_error();
  assert_int_equal(ct_cuda_current_device(), -1);
  EXPECT_LAST_ERROR(why);
  assert_int_equal(ct_cuda_memory_allocated(-1), 0); // PyTorch answers 0 before CUDA starts
  assert_int_equal(ct_cuda_memory_reserved(0), 0);
  ct_cuda_empty_cache();
  assert_false(ct_is_pinned(c));
  ct_module *lin = ct_linear_new(3, 2, true);
  EXPECT_STATUS(ct_module_to(lin, CT_CUDA, -1), CT_ERR_RUNTIME, why);
  EXPECT_STATUS(ct_module_cuda(lin), CT_ERR_RUNTIME, why);
  assert_on(ct_linear_weight(lin), CT_CPU, -1);
  ct_module_free(lin);
  assert_int_equal(ct_scope_close(s), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// The build's own CUDA table: none here (NO_BACKEND), or the real backend on a machine
// without a GPU (the runtime's reason); on a machine with a GPU there is nothing to test.
static void test_device_absent(void **state) {
  (void)state;
  if (ct_cuda_is_available()) skip();
  ct_clear_error();
  ct_tensor *probe = ct_zeros_on(CT_SHAPE(1), CT_FLOAT32, CT_CUDA, 0);
  assert_null(probe);
  const char *why = ct_last_error();
  if (strcmp(why, NO_BACKEND) != 0) tu_assert_contains(why, "NVIDIA");
  char expected[512];
  snprintf(expected, sizeof expected, "%s", why);
  cuda_calls_fail(expected);
}

static void test_no_driver(void **state) {
  (void)state;
  emu_install(0);
  cuda_calls_fail(EMU_NO_DRIVER);
  emu_uninstall();
}

static void test_moves(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  assert_true(ct_cuda_is_available());
  assert_int_equal(ct_cuda_device_count(), 2);
  assert_int_equal(ct_cuda_current_device(), 0);
  ct_tensor *c = ct_tensor_parse("[[1.5, -2.0, 3.25], [4.0, 0.5, -6.0]]");
  ct_tensor *g = ct_cuda(c);
  assert_on(g, CT_CUDA, 0);
  assert_on(c, CT_CPU, -1);
  assert_same_values(g, c);
  assert_ptr_equal(ct_to_device(g, CT_CUDA, 0), g); // already there: the tensor itself
  assert_ptr_equal(ct_cpu(c), c);
  ct_tensor *g1 = ct_to_device(g, CT_CUDA, 1);
  assert_on(g1, CT_CUDA, 1);
  assert_same_values(g1, c);
  assert_int_equal(ct_cuda_memory_allocated(1), 6 * 4);
  assert_int_equal(ct_cuda_memory_allocated(0), 6 * 4);
  ct_tensor *back = ct_cpu(g1);
  assert_on(back, CT_CPU, -1);
  assert_same_values(back, c);
  // A non-contiguous view moves as its values.
  ct_tensor *gt = ct_to_device(ct_transpose(c, 0, 1), CT_CUDA, 1);
  assert_same_values(gt, ct_contiguous(ct_transpose(c, 0, 1)));
  assert_same_values(ct_cpu(ct_transpose(g1, 0, 1)), gt);
  // The current device decides where a plain "cuda" goes.
  assert_int_equal(ct_cuda_set_device(1), CT_OK);
  assert_int_equal(ct_cuda_current_device(), 1);
  assert_on(ct_cuda(c), CT_CUDA, 1);
  assert_on(ct_zeros_on(CT_SHAPE(2), CT_FLOAT32, CT_CUDA, -1), CT_CUDA, 1);
  assert_int_equal(ct_cuda_set_device(0), CT_OK);
  // Index errors.
  EXPECT_ERROR(ct_to_device(c, CT_CUDA, 2), "CUDA error: invalid device ordinal");
  EXPECT_ERROR(ct_to_device(c, CT_CUDA, -2), "Device index must not be negative");
  EXPECT_STATUS(ct_cuda_set_device(2), CT_ERR_RUNTIME, "CUDA error: invalid device ordinal");
  EXPECT_STATUS(ct_cuda_set_device(-1), CT_ERR_ARG, "Device index must not be negative");
  EXPECT_ERROR(ct_to_device(c, CT_CPU, 1), "CPU device index must be -1 or zero, got 1");
  assert_int_equal(ct_cuda_synchronize(1), CT_OK);
  // Pinned memory and a non-blocking copy from it.
  ct_tensor *pinned = ct_pin_memory(c);
  assert_true(ct_is_pinned(pinned));
  assert_false(ct_is_pinned(c));
  assert_same_values(pinned, c);
  ct_tensor *nb = ct_to_device_non_blocking(pinned, CT_CUDA, 0);
  assert_int_equal(ct_cuda_synchronize(0), CT_OK);
  assert_same_values(nb, c);
  EXPECT_ERROR_CONTAINING(ct_pin_memory(g), "only dense CPU tensors can be pinned");
  // Host reads go through the hooks.
  int64_t transfers = emu_host_transfers();
  double v;
  assert_int_equal(ct_get(g, (int64_t[]){1, 2}, &v), CT_OK);
  assert_true(v == -6.0);
  assert_int_equal(ct_set(g, (int64_t[]){1, 2}, 7.0), CT_OK);
  assert_int_equal(ct_item(ct_sum(g), &v), CT_OK);
  assert_true(v == 1.5 - 2.0 + 3.25 + 4.0 + 0.5 + 7.0);
  assert_true(emu_host_transfers() > transfers);
  assert_int_equal(ct_scope_close(s), CT_OK);
  assert_int_equal(emu_live_blocks(), 0);
  assert_int_equal(ct_cuda_memory_allocated(0), 0);
  assert_int_equal(ct_cuda_memory_allocated(1), 0);
  emu_uninstall();
}

// PyTorch's _tensor_str: device= is the first suffix, before size=, dtype= and grad_fn= /
// requires_grad=, and is shown for every tensor off the CPU (the default device).
static void test_printing(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  ct_tensor *g = ct_cuda(ct_tensor_parse("[1., 2.]"));
  assert_repr(g, "tensor([1., 2.], device='cuda:0')");
  assert_repr(ct_to_device(ct_tensor_parse("[1, 2]"), CT_CUDA, 1), "tensor([1, 2], device='cuda:1')");
  assert_repr(ct_to_device(ct_to_dtype(g, CT_FLOAT64), CT_CUDA, 0),
              "tensor([1., 2.], device='cuda:0', dtype=torch.float64)");
  assert_repr(ct_zeros_on(CT_SHAPE(0, 3), CT_FLOAT32, CT_CUDA, 0), "tensor([], device='cuda:0', size=(0, 3))");
  assert_repr(ct_zeros_on(CT_SHAPE(0), CT_INT64, CT_CUDA, 1), "tensor([], device='cuda:1', dtype=torch.int64)");
  assert_int_equal(ct_set_requires_grad(g, true), CT_OK);
  assert_repr(g, "tensor([1., 2.], device='cuda:0', requires_grad=True)");
  assert_repr(ct_mul_scalar(g, 2), "tensor([2., 4.], device='cuda:0', grad_fn=<MulBackward0>)");
  assert_repr(ct_cuda(ct_scalar(0.5, CT_FLOAT32)), "tensor(0.5000, device='cuda:0')");
  finish(s);
}

static void test_creation_on_device(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  assert_same_values(ct_zeros_on(CT_SHAPE(2, 3), CT_FLOAT32, CT_CUDA, 1), ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32));
  assert_same_values(ct_ones_on(CT_SHAPE(4), CT_INT64, CT_CUDA, 0), ct_ones(CT_SHAPE(4), CT_INT64));
  assert_same_values(ct_full_on(CT_SHAPE(3), 2.5, CT_FLOAT64, CT_CUDA, 0), ct_full(CT_SHAPE(3), 2.5, CT_FLOAT64));
  assert_same_values(ct_empty_on(CT_SHAPE(3), CT_FLOAT32, CT_CUDA, 0), ct_empty(CT_SHAPE(3), CT_FLOAT32));
  assert_same_values(ct_scalar_on(7, CT_INT64, CT_CUDA, 1), ct_scalar(7, CT_INT64));
  assert_same_values(ct_arange_on(0, 2, 0.3, CT_FLOAT32, CT_CUDA, 0), ct_arange(0, 2, 0.3, CT_FLOAT32));
  assert_same_values(ct_linspace_on(-1, 1, 7, CT_FLOAT32, CT_CUDA, 0), ct_linspace(-1, 1, 7, CT_FLOAT32));
  assert_same_values(ct_eye_on(3, 4, CT_FLOAT32, CT_CUDA, 1), ct_eye(3, 4, CT_FLOAT32));
  const double data[] = {1.25, -3, 1e9};
  assert_same_values(ct_tensor_from_data_on(data, CT_FLOAT64, CT_FLOAT32, CT_SHAPE(3), CT_CUDA, 0),
                     ct_tensor_from_data(data, CT_FLOAT64, CT_FLOAT32, CT_SHAPE(3)));
  assert_on(ct_zeros_on(CT_SHAPE(2), CT_FLOAT32, CT_CPU, -1), CT_CPU, -1);
  // Random creation draws the CPU generator's numbers.
  ct_tensor *r[4], *cpu[4];
  for (int pass = 0; pass < 2; pass++) {
    ct_manual_seed(3);
    ct_tensor **out = pass ? cpu : r;
    ct_device d = pass ? CT_CPU : CT_CUDA;
    out[0] = ct_rand_on(CT_SHAPE(5), CT_FLOAT32, d, 0);
    out[1] = ct_randn_on(CT_SHAPE(2, 3), CT_FLOAT64, d, 0);
    out[2] = ct_randint_on(0, 10, CT_SHAPE(6), d, 0);
    out[3] = ct_randperm_on(8, d, 0);
  }
  for (int i = 0; i < 4; i++) {
    assert_on(r[i], CT_CUDA, 0);
    assert_same_values(r[i], cpu[i]);
  }
  // *_like and new_* keep their input's device.
  ct_tensor *g = ct_ones_on(CT_SHAPE(2, 2), CT_FLOAT32, CT_CUDA, 1);
  assert_on(ct_zeros_like(g), CT_CUDA, 1);
  assert_on(ct_full_like(g, 3), CT_CUDA, 1);
  assert_on(ct_ones_like(g), CT_CUDA, 1);
  assert_on(ct_empty_like(g), CT_CUDA, 1);
  assert_on(ct_rand_like(g), CT_CUDA, 1);
  assert_on(ct_randn_like(g), CT_CUDA, 1);
  assert_on(ct_new_zeros(g, CT_SHAPE(3), CT_INT64), CT_CUDA, 1);
  assert_same_values(ct_new_full(g, CT_SHAPE(3), 4, CT_FLOAT64), ct_full(CT_SHAPE(3), 4, CT_FLOAT64));
  assert_same_values(ct_new_ones(g, CT_SHAPE(1), CT_BOOL), ct_ones(CT_SHAPE(1), CT_BOOL));
  assert_on(ct_new_empty(g, CT_SHAPE(1), CT_BOOL), CT_CUDA, 1);
  // Plain creation stays on the CPU after work on a device.
  assert_on(ct_add(g, g), CT_CUDA, 1);
  assert_on(ct_zeros(CT_SHAPE(2), CT_FLOAT32), CT_CPU, -1);
  assert_on(ct_tensor_parse("[1, 2]"), CT_CPU, -1);
  assert_on(ct_rand(CT_SHAPE(2), CT_FLOAT32), CT_CPU, -1);
  finish(s);
}

static void test_mixed_devices(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_ones(CT_SHAPE(2, 2), CT_FLOAT32);
  ct_tensor *g0 = ct_cuda(c), *g1 = ct_to_device(c, CT_CUDA, 1);
  EXPECT_ERROR(ct_add(g0, g1), MISMATCH "cuda:0 and cuda:1!");
  EXPECT_ERROR(ct_add(g1, g0), MISMATCH "cuda:1 and cuda:0!");
  EXPECT_ERROR(ct_add(c, g1), MISMATCH "cuda:1 and cpu!");
  EXPECT_ERROR(ct_mm(g1, g0),
               MISMATCH "cuda:1 and cuda:0! (when checking argument for argument mat2 in method wrapper_mm)");
  EXPECT_ERROR(ct_mm(c, g0), MISMATCH "cpu and cuda:0! (when checking argument for argument mat2 in method wrapper_mm)");
  EXPECT_ERROR(ct_cat((ct_tensor *[]){g0, g1}, 2, 0),
               MISMATCH "cuda:0 and cuda:1! (when checking argument for argument tensors in method wrapper_cat)");
  // One 0-d CPU tensor may join an op on a device.
  assert_on(ct_mul(g1, ct_scalar(2, CT_FLOAT32)), CT_CUDA, 1);
  assert_same_values(ct_mm(g1, g1), ct_mm(c, c));
  finish(s);
}

// copy_ across devices: any layout on either side, broadcasting, dtype conversion.
static void test_copy_across(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_tensor_parse("[[1., 2., 3.], [4., 5., 6.]]");
  ct_tensor *expected_t = ct_contiguous(ct_transpose(c, 0, 1));
  // CPU -> non-contiguous device destination.
  ct_tensor *g = ct_zeros_on(CT_SHAPE(2, 3), CT_FLOAT32, CT_CUDA, 0);
  assert_int_equal(ct_copy_(ct_transpose(g, 0, 1), expected_t), CT_OK);
  assert_same_values(g, c);
  // Broadcast source, float64 CPU -> float32 on cuda:1.
  ct_tensor *g1 = ct_zeros_on(CT_SHAPE(2, 3), CT_FLOAT32, CT_CUDA, 1);
  ct_tensor *row = ct_tensor_parse("[0.1, 0.2, 0.3]");
  assert_int_equal(ct_copy_(g1, ct_to_dtype(row, CT_FLOAT64)), CT_OK);
  ct_tensor *cpu_row = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  assert_int_equal(ct_copy_(cpu_row, ct_to_dtype(row, CT_FLOAT64)), CT_OK);
  assert_same_values(g1, cpu_row);
  // Device to device (cuda:0 transposed view -> cuda:1), and device -> CPU int64.
  assert_int_equal(ct_copy_(g1, ct_transpose(ct_to_device(expected_t, CT_CUDA, 0), 0, 1)), CT_OK);
  assert_same_values(g1, c);
  ct_tensor *ints = ct_zeros(CT_SHAPE(2, 3), CT_INT64);
  assert_int_equal(ct_copy_(ints, g1), CT_OK);
  assert_same_values(ints, ct_to_dtype(c, CT_INT64));
  EXPECT_STATUS(ct_copy_(g1, ct_ones(CT_SHAPE(4), CT_FLOAT32)), CT_ERR_ARG,
                "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
  finish(s);
}

// Backward on a device: gradients on the device of their tensor; through .to(device) the
// gradient goes back to the CPU leaf.
static void test_backward_on_device(void **state) {
  (void)state;
  emu_install(2);
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_tensor_parse("[1., -2., 3.]");
  ct_tensor *g = ct_to_device(c, CT_CUDA, 1);
  assert_int_equal(ct_set_requires_grad(g, true), CT_OK);
  assert_int_equal(ct_backward(ct_sum(ct_mul(g, g)), NULL), CT_OK);
  assert_on(ct_grad(g), CT_CUDA, 1);
  assert_same_values(ct_grad(g), ct_tensor_parse("[2., -4., 6.]"));
  ct_tensor *leaf = ct_clone(c);
  assert_int_equal(ct_set_requires_grad(leaf, true), CT_OK);
  ct_tensor *moved = ct_cuda(leaf);
  assert_repr(moved, "tensor([ 1., -2.,  3.], device='cuda:0', grad_fn=<ToCopyBackward0>)");
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(ct_exp(moved), 2)), NULL), CT_OK);
  assert_on(ct_grad(leaf), CT_CPU, -1);
  assert_same_values(ct_grad(leaf), ct_mul_scalar(ct_exp(c), 2));
  finish(s);
}

// A small MLP trained on the device gives the CPU's bits, step by step.
typedef struct run {
  ct_module *model;
  ct_optimizer *opt;
  double losses[6];
} run;

static ct_module *mlp(void) {
  return ct_sequential_new(3, (ct_module *[]){ct_linear_new(4, 8, true), ct_relu_new(), ct_linear_new(8, 2, true)});
}

static void train(run *r, ct_device device, bool adam) {
  ct_manual_seed(0);
  r->model = mlp();
  assert_int_equal(ct_module_to(r->model, device, 0), CT_OK);
  int n;
  ct_tensor **params = ct_module_parameters(r->model, &n);
  assert_non_null(params);
  r->opt = adam ? ct_adam_new(params, n, ct_adam_defaults())
                : ct_sgd_new(params, n, (ct_sgd_options){.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
  free(params);
  assert_non_null(r->opt);
  ct_manual_seed(1);
  ct_scope *data = ct_scope_open();
  ct_tensor *x = ct_to_device(ct_randn(CT_SHAPE(16, 4), CT_FLOAT32), device, 0);
  ct_tensor *y = ct_to_device(ct_randint(0, 2, CT_SHAPE(16)), device, 0);
  for (int step = 0; step < 6; step++) {
    ct_scope *s = ct_scope_open();
    assert_int_equal(ct_optimizer_zero_grad(r->opt, true), CT_OK);
    ct_tensor *loss = ct_cross_entropy(ct_module_forward(r->model, x), y, NULL, -100, 0.0, CT_REDUCTION_MEAN);
    assert_on(loss, device, device == CT_CPU ? -1 : 0);
    assert_int_equal(ct_backward(loss, NULL), CT_OK);
    assert_int_equal(ct_item(loss, &r->losses[step]), CT_OK);
    assert_int_equal(ct_optimizer_step(r->opt), CT_OK);
    assert_int_equal(ct_scope_close(s), CT_OK);
  }
  assert_int_equal(ct_scope_close(data), CT_OK);
}

static void compare_training(bool adam) {
  emu_install(1);
  run cpu, dev;
  train(&cpu, CT_CPU, adam);
  train(&dev, CT_CUDA, adam);
  assert_memory_equal(cpu.losses, dev.losses, sizeof cpu.losses);
  ct_named_list *pc = ct_module_named_parameters(cpu.model), *pd = ct_module_named_parameters(dev.model);
  assert_int_equal(pc->count, pd->count);
  for (int i = 0; i < pc->count; i++) {
    assert_on(pd->items[i].tensor, CT_CUDA, 0);
    assert_on(ct_grad(pd->items[i].tensor), CT_CUDA, 0);
    assert_same_values(pd->items[i].tensor, pc->items[i].tensor);
  }
  ct_named_list_free(pc);
  ct_named_list_free(pd);
  // The device model's state dict, saved and loaded into a CPU model, and back.
  char path[] = "/tmp/ctorch_emulated_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(ct_save_state_dict_pt(dev.model, path), CT_OK);
  ct_module *fresh = mlp(), *fresh_dev = mlp();
  assert_int_equal(ct_module_load_state_dict_pt(fresh, path, true), CT_OK);
  assert_int_equal(ct_module_cuda(fresh_dev), CT_OK);
  assert_int_equal(ct_module_load_state_dict_pt(fresh_dev, path, true), CT_OK);
  pc = ct_module_named_parameters(fresh), pd = ct_module_named_parameters(fresh_dev);
  ct_named_list *trained = ct_module_named_parameters(cpu.model);
  for (int i = 0; i < pc->count; i++) {
    assert_on(pd->items[i].tensor, CT_CUDA, 0);
    assert_same_values(pc->items[i].tensor, trained->items[i].tensor);
    assert_same_values(pd->items[i].tensor, trained->items[i].tensor);
  }
  ct_named_list_free(pc);
  ct_named_list_free(pd);
  ct_named_list_free(trained);
  // The device optimizer's state, saved and loaded into an optimizer over the device copy:
  // the state lands on its parameters' device, so a step runs there.
  assert_int_equal(ct_save_optimizer_state_pt(dev.opt, path), CT_OK);
  int n;
  ct_tensor **params = ct_module_parameters(fresh_dev, &n);
  ct_optimizer *resumed = adam ? ct_adam_new(params, n, ct_adam_defaults()) : ct_sgd_new(params, n, ct_sgd_defaults(0.1));
  free(params);
  assert_int_equal(ct_optimizer_load_state_pt(resumed, path), CT_OK);
  unlink(path);
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_randn_on(CT_SHAPE(3, 4), CT_FLOAT32, CT_CUDA, 0);
  assert_int_equal(ct_backward(ct_sum(ct_module_forward(fresh_dev, x)), NULL), CT_OK);
  assert_int_equal(ct_optimizer_step(resumed), CT_OK);
  assert_int_equal(ct_scope_close(s), CT_OK);
  ct_optimizer_free(resumed);
  // Back to the CPU: the same parameter tensors, now on the CPU.
  ct_tensor *w = ct_linear_weight(ct_module_child(fresh_dev, 0));
  assert_int_equal(ct_module_cpu(fresh_dev), CT_OK);
  assert_ptr_equal(ct_linear_weight(ct_module_child(fresh_dev, 0)), w);
  assert_on(w, CT_CPU, -1);
  ct_module_free(fresh);
  ct_module_free(fresh_dev);
  ct_optimizer_free(cpu.opt);
  ct_optimizer_free(dev.opt);
  ct_module_free(cpu.model);
  ct_module_free(dev.model);
  assert_int_equal(emu_live_blocks(), 0);
  emu_uninstall();
}

static void test_training_sgd(void **state) {
  (void)state;
  compare_training(false);
}
static void test_training_adam(void **state) {
  (void)state;
  compare_training(true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_device_absent),     cmocka_unit_test(test_no_driver),
      cmocka_unit_test(test_moves),             cmocka_unit_test(test_printing),
      cmocka_unit_test(test_creation_on_device), cmocka_unit_test(test_mixed_devices),
      cmocka_unit_test(test_copy_across),       cmocka_unit_test(test_backward_on_device),
      cmocka_unit_test(test_training_sgd),      cmocka_unit_test(test_training_adam),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

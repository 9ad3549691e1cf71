// Module buffers and the normalisation layers: the buffer registry (names, order, state
// dicts, files, what optimizers and flags leave alone), BatchNorm's running statistics,
// error texts of the functional ops and layers (PyTorch 1.13's, checked against it), NULL
// propagation and no leaks on error paths. (Parity with torch on generated cases is
// oracle_norm's job.)
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include "unit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double item(const ct_tensor *t) {
  double v = NAN;
  assert_int_equal(ct_item(t, &v), CT_OK);
  return v;
}

// a and b hold the same values (compared as doubles; at most 8 elements).
static void assert_same_values(const ct_tensor *a, const ct_tensor *b) {
  double va[8], vb[8];
  assert_int_equal(ct_numel(a), ct_numel(b));
  assert_true(ct_numel(a) <= 8);
  assert_int_equal(ct_to_f64_array(a, va), CT_OK);
  assert_int_equal(ct_to_f64_array(b, vb), CT_OK);
  assert_memory_equal(va, vb, (size_t)ct_numel(a) * sizeof *va);
}

static void assert_names(ct_named_list *l, int n, const char *const *names) {
  assert_non_null(l);
  assert_int_equal(l->count, n);
  for (int i = 0; i < n; i++) assert_string_equal(l->items[i].name, names[i]);
  ct_named_list_free(l);
}

// The seed-style custom module with a parameter, a persistent and a non-persistent buffer
// and a BatchNorm1d child, registered in that (mixed) order.
typedef struct net {
  ct_module base;
  ct_tensor *w, *steps, *scratch;
  ct_module *bn;
} net;

static ct_tensor *net_forward(ct_module *self, ct_tensor *x) {
  net *m = (net *)self;
  return ct_mul(ct_module_forward(m->bn, x), m->w);
}
static const ct_module_vtable net_vtable = {"Net", net_forward, NULL, NULL};

// Built outside any caller scope: its tensors are held only by the module.
static net *net_new(void) {
  ct_scope *s = ct_scope_open();
  net *m = ct_module_new(sizeof *m, &net_vtable);
  m->steps = ct_module_register_buffer(&m->base, "steps", ct_zeros(0, NULL, CT_INT64), true);
  m->bn = ct_module_register_module(&m->base, "bn", ct_batch_norm1d_new(2, ct_batch_norm_defaults()));
  m->w = ct_module_register_parameter(&m->base, "w", ct_ones(CT_SHAPE(2), CT_FLOAT32));
  m->scratch = ct_module_register_buffer(&m->base, "scratch", ct_ones(CT_SHAPE(3), CT_FLOAT32), false);
  ct_scope_close(s);
  assert_non_null(m->steps);
  assert_non_null(m->bn);
  assert_non_null(m->w);
  assert_non_null(m->scratch);
  return m;
}

// PyTorch's orders (checked live): state_dict lists a module's parameters, then its
// persistent buffers, then its children's entries; named_buffers also lists non-persistent
// buffers; parameters never include buffers; the repr shows no buffer.
static void test_buffer_registry_orders(void **state) {
  (void)state;
  net *m = net_new();
  assert_names(ct_module_state_dict(&m->base), 7,
               (const char *[]){"w", "steps", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                                "bn.num_batches_tracked"});
  assert_names(ct_module_named_buffers(&m->base), 5,
               (const char *[]){"steps", "scratch", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"});
  assert_names(ct_module_named_parameters(&m->base), 3, (const char *[]){"w", "bn.weight", "bn.bias"});
  int count = 0;
  ct_tensor **params = ct_module_parameters(&m->base, &count);
  assert_int_equal(count, 3);
  free(params);
  char repr[512];
  assert_int_equal(ct_module_repr(&m->base, repr, sizeof repr), CT_OK);
  assert_string_equal(repr, "Net(\n  (bn): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, "
                            "track_running_stats=True)\n)");
  assert_ptr_equal(ct_module_buffer(&m->base, "steps"), m->steps);
  assert_null(ct_module_buffer(&m->base, "w")); // a parameter, not a buffer
  assert_ptr_equal(ct_module_parameter(&m->base, "w"), m->w);
  assert_null(ct_module_parameter(&m->base, "steps"));
  ct_named_list *buffers = ct_module_named_buffers(&m->base);
  assert_ptr_equal(buffers->items[3].tensor, ct_module_buffer(m->bn, "running_var"));
  ct_named_list_free(buffers);
  ct_module_free(&m->base);
}

// Buffers keep their own flags: not parameters, requires_grad as given, untouched by
// requires_grad_ and zero_grad; an optimizer over parameters() never steps them.
static void test_buffers_are_not_parameters(void **state) {
  (void)state;
  net *m = net_new();
  assert_false(ct_requires_grad(m->scratch));
  ct_module_requires_grad_(&m->base, true);
  assert_false(ct_requires_grad(m->scratch));
  assert_false(ct_requires_grad(ct_module_buffer(m->bn, "running_mean")));
  assert_string_equal(tu_repr(m->scratch), "tensor([1., 1., 1.])");
  ct_scope *s = ct_scope_open();
  int count = 0;
  ct_tensor **params = ct_module_parameters(&m->base, &count);
  ct_optimizer *opt = ct_sgd_new(params, count, ct_sgd_defaults(0.5));
  free(params);
  ct_tensor *y = ct_module_forward(&m->base, ct_tensor_parse("[[1., 2.], [3., 5.]]"));
  assert_int_equal(ct_backward(ct_sum(y), NULL), CT_OK);
  assert_int_equal(ct_optimizer_step(opt), CT_OK);
  ct_optimizer_free(opt);
  // running_mean moved by the forward alone: 0.1 * batch mean (2, 3.5)
  assert_true(tu_allclose(ct_module_buffer(m->bn, "running_mean"), (double[]){0.2, 0.35}, 2, 1e-7, 0));
  assert_true(tu_allclose(m->scratch, (double[]){1, 1, 1}, 3, 0, 0));
  assert_int_equal((int)item(ct_module_buffer(m->bn, "num_batches_tracked")), 1);
  ct_scope_close(s);
  ct_module_free(&m->base);
}

static void test_register_buffer_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  net *m = net_new();
  ct_tensor *t = ct_ones(CT_SHAPE(1), CT_FLOAT32);
  EXPECT_ERROR(ct_module_register_buffer(&m->base, "a.b", t, true), "buffer name can't contain \".\"");
  EXPECT_ERROR(ct_module_register_buffer(&m->base, "", t, true), "buffer name can't be empty string \"\"");
  EXPECT_ERROR(ct_module_register_buffer(&m->base, "w", t, true), "attribute 'w' already exists");
  EXPECT_ERROR(ct_module_register_buffer(&m->base, NULL, t, true), "buffer name should be a string. Got NoneType");
  EXPECT_ERROR(ct_module_register_parameter(&m->base, "steps", ct_ones(CT_SHAPE(1), CT_FLOAT32)),
               "attribute 'steps' already exists");
  EXPECT_ERROR(ct_module_register_buffer(NULL, "x", t, true), "register_buffer: module is NULL");
  ct_clear_error();
  assert_null(ct_module_register_buffer(&m->base, "x", NULL, true)); // NULL input: no new message
  assert_int_equal(ct_last_status(), CT_OK);
  assert_null(ct_module_named_buffers(NULL));
  ct_module_free(&m->base);
  ct_scope_close(s);
}

// load_state_dict with buffers: PyTorch's missing / unexpected keys (a non-persistent
// buffer is no key), dtype conversion into an int64 buffer, and BatchNorm's rule for a
// state dict without num_batches_tracked (it loads as 0).
static void test_load_state_dict_with_buffers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  net *m = net_new();
  ct_named_list *sd = ct_module_state_dict(&m->base);
  ct_named_tensor items[8];
  memcpy(items, sd->items, (size_t)sd->count * sizeof *items);
  ct_named_list extra = {8, items};
  snprintf(items[7].name, sizeof items[7].name, "scratch");
  items[7].tensor = m->scratch;
  assert_int_equal(ct_module_load_state_dict(&m->base, &extra, true), CT_ERR_ARG);
  EXPECT_LAST_ERROR("Error(s) in loading state_dict for Net:\n\tUnexpected key(s) in state_dict: \"scratch\". ");
  ct_named_tensor fewer[5] = {items[0], items[2], items[3], items[4], items[6]}; // no steps, no running_var
  ct_named_list missing = {5, fewer};
  assert_int_equal(ct_module_load_state_dict(&m->base, &missing, true), CT_ERR_ARG);
  EXPECT_LAST_ERROR(
      "Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: \"steps\", \"bn.running_var\". ");
  // values convert as copy_ does; num_batches_tracked may be missing (loads 0)
  ct_tensor *steps = ct_full(0, NULL, 7.9, CT_FLOAT64), *nbt = ct_module_buffer(m->bn, "num_batches_tracked");
  assert_non_null(ct_add_(nbt, ct_scalar(5, CT_INT64)));
  ct_named_tensor loaded[6] = {items[0], {"steps", steps}, items[2], items[3], items[4], items[5]};
  assert_int_equal(ct_module_load_state_dict(&m->base, &(ct_named_list){6, loaded}, true), CT_OK);
  assert_int_equal((int)item(m->steps), 7);
  assert_int_equal(ct_get_dtype(m->steps), CT_INT64);
  assert_int_equal((int)item(nbt), 0);
  ct_named_list_free(sd);
  ct_module_free(&m->base);
  ct_scope_close(s);
}

// ct_module_save writes every state entry (buffers too, the int64 counter as a 0-d file);
// ct_module_load reads them back into a fresh module.
static void test_save_and_load_buffers(void **state) {
  (void)state;
  char dir[] = "/tmp/ctorch_norm_XXXXXX";
  assert_non_null(mkdtemp(dir));
  ct_scope *s = ct_scope_open();
  ct_module *bn = ct_batch_norm2d_new(3, ct_batch_norm_defaults());
  ct_manual_seed(0);
  for (int i = 0; i < 3; i++) assert_non_null(ct_module_forward(bn, ct_randn(CT_SHAPE(2, 3, 2, 2), CT_FLOAT32)));
  assert_int_equal(ct_module_save(bn, dir), CT_OK);
  ct_module *fresh = ct_batch_norm2d_new(3, ct_batch_norm_defaults());
  assert_int_equal(ct_module_load(fresh, dir), CT_OK);
  const char *keys[] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
  for (int i = 0; i < 5; i++) {
    ct_tensor *a = i < 2 ? ct_module_parameter(bn, keys[i]) : ct_module_buffer(bn, keys[i]);
    ct_tensor *b = i < 2 ? ct_module_parameter(fresh, keys[i]) : ct_module_buffer(fresh, keys[i]);
    assert_same_values(a, b);
    char path[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, keys[i]);
    assert_int_equal(remove(path), 0);
  }
  assert_int_equal((int)item(ct_module_buffer(fresh, "num_batches_tracked")), 3);
  ct_module_free(bn);
  ct_module_free(fresh);
  ct_scope_close(s);
  assert_int_equal(rmdir(dir), 0);
}

// BatchNorm1d's running statistics: momentum 0.1 with the unbiased variance; momentum None
// averages the batches; eval normalises with the running statistics; no tracking keeps no
// buffers and uses the batch in eval too.
static void test_batch_norm_running_statistics(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *bn = ct_batch_norm1d_new(1, ct_batch_norm_defaults());
  ct_tensor *x = ct_tensor_parse("[[1.], [3.]]"); // mean 2, biased var 1, unbiased 2
  ct_tensor *y = ct_module_forward(bn, x);
  assert_true(tu_allclose(y, (double[]){-1 / sqrt(1 + 1e-5), 1 / sqrt(1 + 1e-5)}, 2, 1e-6, 0));
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "NativeBatchNormBackward0");
  assert_true(tu_allclose(ct_module_buffer(bn, "running_mean"), (double[]){0.2}, 1, 1e-7, 0));
  assert_true(tu_allclose(ct_module_buffer(bn, "running_var"), (double[]){0.9 + 0.2}, 1, 1e-7, 0));
  ct_module_eval(bn);
  y = ct_module_forward(bn, ct_tensor_parse("[[0.2]]")); // one value is fine in eval
  assert_true(tu_allclose(y, (double[]){0}, 1, 0, 1e-7));
  ct_module_free(bn);

  ct_batch_norm_options o = ct_batch_norm_defaults();
  o.cumulative_average = true;
  bn = ct_batch_norm1d_new(1, o);
  assert_non_null(ct_module_forward(bn, x));
  assert_non_null(ct_module_forward(bn, ct_tensor_parse("[[5.], [7.]]")));
  // factor 1 then 1/2: running_mean = (2 + 6) / 2
  assert_true(tu_allclose(ct_module_buffer(bn, "running_mean"), (double[]){4}, 1, 1e-7, 0));
  char repr[256];
  assert_int_equal(ct_module_repr(bn, repr, sizeof repr), CT_OK);
  assert_string_equal(repr, "BatchNorm1d(1, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  ct_module_free(bn);

  o = ct_batch_norm_defaults();
  o.track_running_stats = false;
  o.affine = false;
  bn = ct_batch_norm1d_new(1, o);
  assert_names(ct_module_state_dict(bn), 0, NULL);
  ct_module_eval(bn);
  assert_true(tu_allclose(ct_module_forward(bn, x), (double[]){-1 / sqrt(1 + 1e-5), 1 / sqrt(1 + 1e-5)}, 2, 1e-6, 0));
  ct_module_free(bn);
  ct_scope_close(s);
}

// Each failing call leaves nothing in the scope; with no scope open, releasing the inputs
// from the root scope gives back every block. Texts are PyTorch 1.13's.
static void check_errors(bool in_root_scope) {
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *one = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32);
  ct_tensor *c3 = ct_zeros(CT_SHAPE(3), CT_FLOAT32), *c2 = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  ct_tensor *d3 = ct_zeros(CT_SHAPE(3), CT_FLOAT64), *g = ct_ones(CT_SHAPE(2, 4, 3), CT_FLOAT32);
  ct_scope *probe = ct_scope_open();
  EXPECT_ERROR(ct_batch_norm(one, NULL, NULL, NULL, NULL, true, 0.1, 1e-5),
               "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])");
  EXPECT_ERROR(ct_batch_norm(x, c2, c3, NULL, NULL, true, 0.1, 1e-5), "running_mean should contain 3 elements not 2");
  EXPECT_ERROR(ct_batch_norm(x, NULL, NULL, NULL, NULL, false, 0.1, 1e-5),
               "running_mean must be defined in evaluation mode");
  EXPECT_ERROR(ct_batch_norm(x, c3, c3, c2, NULL, false, 0.1, 1e-5), "weight should contain 3 elements not 2");
  EXPECT_ERROR(ct_batch_norm(x, d3, d3, NULL, NULL, true, 0.1, 1e-5),
               "mixed dtype (CPU): expect parameter to have scalar type of Float");
  EXPECT_ERROR(ct_batch_norm(x, c3, d3, NULL, NULL, true, 0.1, 1e-5), "expected scalar type Float but found Double");
  EXPECT_ERROR(ct_layer_norm(x, 1, (int64_t[]){4}, NULL, NULL, 1e-5),
               "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]");
  EXPECT_ERROR(ct_layer_norm(x, 1, (int64_t[]){3}, c2, NULL, 1e-5),
               "Expected weight to be of same shape as normalized_shape, but got weight of shape [2] and "
               "normalized_shape = [3]");
  EXPECT_ERROR(ct_layer_norm(x, 0, NULL, NULL, NULL, 1e-5),
               "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, "
               "but got normalized_shape = []");
  EXPECT_ERROR(ct_group_norm(g, 3, NULL, NULL, 1e-5),
               "Expected number of channels in input to be divisible by num_groups, but got input of shape "
               "[2, 4, 3] and num_groups=3");
  EXPECT_ERROR(ct_group_norm(g, 0, NULL, NULL, 1e-5), "integer division or modulo by zero");
  EXPECT_ERROR(ct_group_norm(g, -2, NULL, NULL, 1e-5), "Expected num groups to be greater than 0, got -2");
  EXPECT_ERROR(ct_pad(x, (int64_t[]){1, 2, 3}, 3, 0), "Padding length must be divisible by 2");
  EXPECT_ERROR(ct_pad(x, (int64_t[]){1, 1, 1, 1, 1, 1}, 6, 0), "Padding length too large");
  EXPECT_ERROR(ct_pad(x, (int64_t[]){-2, -2}, 2, 0), "start (0) + length (-1) exceeds dimension size (1).");
  EXPECT_ERROR(ct_pad(x, (int64_t[]){-2, -1, 1, 1}, 4, 0),
               "The input size 3, plus negative padding -2 and -1 resulted in a negative output size, which is "
               "invalid. Check dimension 1 of your input.");
  EXPECT_ERROR(ct_dropout2d(c3, 0.5, true), "Feature dropout requires at least 2 dimensions in the input");
  EXPECT_ERROR(ct_dropout2d(x, 1.5, true), "dropout probability has to be between 0 and 1, but got 1.5");
  assert_int_equal(ct_scope_size(probe), 0);
  assert_int_equal(ct_scope_close(probe), CT_OK);
  if (in_root_scope) {
    tu_release_inputs((ct_tensor *[]){x, one, c3, c2, d3, g}, 6);
    assert_int_equal(ct__pool_live_blocks(), blocks);
  }
}

static void test_errors_without_and_with_scope(void **state) {
  (void)state;
  check_errors(true);
  ct_scope *s = ct_scope_open();
  check_errors(false);
  ct_scope_close(s);
}

// Layers' own checks: BatchNorm's input rank, GroupNorm's divisibility (Python's modulo),
// the training batch-size check that PyTorch makes after counting the batch.
static void test_layer_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *bn1 = ct_batch_norm1d_new(3, ct_batch_norm_defaults());
  ct_module *bn2 = ct_batch_norm2d_new(3, ct_batch_norm_defaults());
  EXPECT_ERROR(ct_module_forward(bn1, ct_ones(CT_SHAPE(2, 3, 2, 2), CT_FLOAT32)), "expected 2D or 3D input (got 4D input)");
  EXPECT_ERROR(ct_module_forward(bn2, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32)), "expected 4D input (got 2D input)");
  EXPECT_ERROR(ct_module_forward(bn1, ct_ones(CT_SHAPE(1, 3), CT_FLOAT32)),
               "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])");
  assert_int_equal((int)item(ct_module_buffer(bn1, "num_batches_tracked")), 1);
  EXPECT_ERROR(ct_group_norm_new(3, 4, 1e-5, true), "num_channels must be divisible by num_groups");
  EXPECT_ERROR(ct_group_norm_new(0, 4, 1e-5, true), "integer modulo by zero");
  ct_module *gn = ct_group_norm_new(-2, 4, 1e-5, true); // 4 % -2 == 0: accepted, fails at forward
  assert_non_null(gn);
  EXPECT_ERROR(ct_module_forward(gn, ct_ones(CT_SHAPE(2, 4), CT_FLOAT32)), "Expected num groups to be greater than 0, got -2");
  EXPECT_ERROR(ct_batch_norm1d_new(-2, ct_batch_norm_defaults()), "Trying to create tensor with negative dimension -2: [-2]");
  EXPECT_ERROR(ct_dropout2d_new(-0.5), "dropout probability has to be between 0 and 1, but got -0.5");
  ct_module_free(bn1);
  ct_module_free(bn2);
  ct_module_free(gn);
  ct_scope_close(s);
}

static void test_null_inputs_propagate_silently(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_clear_error();
  assert_null(ct_batch_norm(NULL, NULL, NULL, NULL, NULL, true, 0.1, 1e-5));
  assert_null(ct_layer_norm(NULL, 1, (int64_t[]){3}, NULL, NULL, 1e-5));
  assert_null(ct_group_norm(NULL, 1, NULL, NULL, 1e-5));
  assert_null(ct_pad(NULL, (int64_t[]){1, 1}, 2, 0));
  assert_null(ct_dropout2d(NULL, 0.5, true));
  assert_int_equal(ct_last_status(), CT_OK);
  ct_scope_close(s);
}

// Dropout2d returns its input itself when it does nothing; pad's gradient crops back.
static void test_identity_cases_and_pad_gradient(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3, 2), CT_FLOAT32), true);
  assert_ptr_equal(ct_dropout2d(x, 0.5, false), x);
  assert_ptr_equal(ct_dropout2d(x, 0.0, true), x);
  ct_tensor *p = ct_pad(x, (int64_t[]){1, -1, 0, 2}, 4, 7.0);
  assert_string_equal(ct_node_name(ct_grad_fn(p)), "ConstantPadNdBackward0");
  assert_int_equal(ct_size(p, 1), 5);
  assert_int_equal(ct_size(p, 2), 2);
  assert_int_equal(ct_backward(p, ct_ones_like(p)), CT_OK);
  // the element cropped on the right of the last dim gets no gradient
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, 12, 0, 0));
  ct_scope_close(s);
}

// Declared in src/core/device.h (internal; the tests link the static library).
void ct__test_set_device(ct_tensor *t, ct_device device);
const char *ct__device_unusable(ct_device device);

static ct_tensor *on_cuda(ct_tensor *t) {
  ct__test_set_device(t, CT_CUDA);
  return t;
}

#define MISMATCH "Expected all tensors to be on the same device, but found at least two devices, "
// Why CUDA cannot run here (test_device.c): NULL with a GPU, where the test skips.
#define NO_CUDA ct__device_unusable(CT_CUDA)

// Devices (tests/unit/test_device.c's hook): the dispatcher's rule naming the argument and
// PyTorch's CUDA wrapper, and a clear error for a device without kernels.
static void test_devices(void **state) {
  (void)state;
  if (!NO_CUDA) skip();
  ct_scope *s = ct_scope_open();
  ct_tensor *c = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *g = on_cuda(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32));
  ct_tensor *cv = ct_ones(CT_SHAPE(3), CT_FLOAT32), *gv = on_cuda(ct_ones(CT_SHAPE(3), CT_FLOAT32));
  EXPECT_ERROR(ct_batch_norm(g, NULL, NULL, NULL, NULL, true, 0.1, 1e-5), NO_CUDA);
  EXPECT_ERROR(ct_batch_norm(c, gv, cv, NULL, NULL, true, 0.1, 1e-5),
               MISMATCH "cpu and cuda:0! (when checking argument for argument running_mean in method "
                        "wrapper__native_batch_norm)");
  EXPECT_ERROR(ct_layer_norm(g, 1, (int64_t[]){3}, NULL, NULL, 1e-5), NO_CUDA);
  EXPECT_ERROR(ct_layer_norm(c, 1, (int64_t[]){3}, gv, NULL, 1e-5),
               MISMATCH "cpu and cuda:0! (when checking argument for argument weight in method "
                        "wrapper__native_layer_norm)");
  EXPECT_ERROR(ct_group_norm(g, 3, NULL, NULL, 1e-5), NO_CUDA);
  EXPECT_ERROR(ct_group_norm(c, 3, cv, gv, 1e-5),
               MISMATCH "cpu and cuda:0! (when checking argument for argument bias in method "
                        "wrapper__native_group_norm)");
  EXPECT_ERROR(ct_pad(g, (int64_t[]){1, 1}, 2, 0), NO_CUDA);
  EXPECT_ERROR(ct_dropout2d(g, 0.5, true), NO_CUDA);
  assert_ptr_equal(ct_dropout2d(g, 0.5, false), g); // eval runs no kernel
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buffer_registry_orders),
      cmocka_unit_test(test_buffers_are_not_parameters),
      cmocka_unit_test(test_register_buffer_errors),
      cmocka_unit_test(test_load_state_dict_with_buffers),
      cmocka_unit_test(test_save_and_load_buffers),
      cmocka_unit_test(test_batch_norm_running_statistics),
      cmocka_unit_test(test_errors_without_and_with_scope),
      cmocka_unit_test(test_layer_errors),
      cmocka_unit_test(test_null_inputs_propagate_silently),
      cmocka_unit_test(test_identity_cases_and_pad_gradient),
      cmocka_unit_test(test_devices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

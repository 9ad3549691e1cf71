// View and shape ops: every error case returns NULL (or a status) with PyTorch 1.13's
// message (checked against torch when this file was written) and leaves its inputs
// unchanged and nothing behind, with and without a scope; NULL propagates without a new
// message; views share storage (writes show through), copies do not; gradients by exact
// math. Values, strides and graphs on random inputs are compared with PyTorch in
// tests/oracle/oracle_views.
#include "unit.h"
#include <stdlib.h>
#include <string.h>

// The inputs of error_cases, made in a scope of their own and kept out of it: they end up
// owned by the caller's scope, or by the root scope when none is open.
typedef struct inputs {
  ct_tensor *x, *xt, *scalar, *empty, *vec4, *cube, *col, *wide, *leaf, *long_vec, *x23b, *eight, *row3;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .x = ct_view(ct_arange(0, 6, 1, CT_FLOAT32), CT_SHAPE(2, 3)),
      .scalar = ct_scalar(1, CT_FLOAT32),
      .empty = ct_zeros(CT_SHAPE(0, 3), CT_FLOAT32),
      .vec4 = ct_arange(0, 4, 1, CT_FLOAT32),
      .cube = ct_zeros(CT_SHAPE(1, 2, 3), CT_FLOAT32),
      .col = ct_zeros(CT_SHAPE(2, 1), CT_FLOAT32),
      .wide = ct_zeros(CT_SHAPE(2, 4), CT_FLOAT32),
      .leaf = ct_requires_grad_(ct_zeros(CT_SHAPE(3), CT_FLOAT32), true),
      .long_vec = ct_zeros(CT_SHAPE(4), CT_FLOAT32),
      .x23b = ct_zeros(CT_SHAPE(3, 3), CT_FLOAT32),
      .eight = ct_zeros(CT_SHAPE(1, 1, 1, 1, 1, 1, 1, 1), CT_FLOAT32),
      .row3 = ct_zeros(CT_SHAPE(3), CT_FLOAT32),
  };
  in.xt = ct_t(in.x);
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

// What an input looks like: failing calls must not change any of it.
typedef struct snapshot {
  int ndim;
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS], offset;
  bool requires_grad;
  ct_node *grad_fn;
  double values[64];
} snapshot;

static snapshot take(const ct_tensor *t) {
  snapshot s = {.ndim = ct_dim(t), .offset = ct_storage_offset(t), .requires_grad = ct_requires_grad(t),
                .grad_fn = ct_grad_fn(t)};
  memcpy(s.shape, ct_shape(t), (size_t)s.ndim * sizeof(int64_t));
  memcpy(s.strides, ct_strides(t), (size_t)s.ndim * sizeof(int64_t));
  assert_true(ct_numel(t) <= 64);
  ct_to_f64_array(t, s.values);
  return s;
}

static void assert_unchanged(const ct_tensor *t, const snapshot *before) {
  snapshot now = take(t);
  assert_int_equal(now.ndim, before->ndim);
  assert_memory_equal(now.shape, before->shape, (size_t)now.ndim * sizeof(int64_t));
  assert_memory_equal(now.strides, before->strides, (size_t)now.ndim * sizeof(int64_t));
  assert_int_equal(now.offset, before->offset);
  assert_int_equal(now.requires_grad, before->requires_grad);
  assert_ptr_equal(now.grad_fn, before->grad_fn);
  assert_memory_equal(now.values, before->values, (size_t)ct_numel(t) * sizeof(double));
}

static void error_cases(bool scoped) {
  inputs in = make_inputs();
  ct_tensor **all = (ct_tensor **)&in;
  snapshot before[NUM_INPUTS];
  for (size_t i = 0; i < NUM_INPUTS; i++) before[i] = take(all[i]);
  ct_tensor *x = in.x, *xt = in.xt, *scalar = in.scalar;
  const char *dim_2 = "Dimension out of range (expected to be in range of [-2, 1], but got 2)";

  // view / reshape
  EXPECT_ERROR(ct_view(x, CT_SHAPE(-1, -1)), "only one dimension can be inferred");
  EXPECT_ERROR(ct_view(x, CT_SHAPE(-2, 3)), "invalid shape dimension -2");
  EXPECT_ERROR(ct_view(x, CT_SHAPE(7)), "shape '[7]' is invalid for input of size 6");
  EXPECT_ERROR(ct_view(in.empty, CT_SHAPE(-1, 0)), "cannot reshape tensor of 0 elements into shape [-1, 0] because "
                                                   "the unspecified dimension size -1 can be any value and is ambiguous");
  EXPECT_ERROR(ct_view(xt, CT_SHAPE(6)), "view size is not compatible with input tensor's size and stride (at least "
                                         "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                                         "instead.");
  EXPECT_ERROR(ct_reshape(x, CT_SHAPE(4, -1)), "shape '[4, -1]' is invalid for input of size 6");
  EXPECT_ERROR(ct_reshape(xt, CT_SHAPE(-1, -1)), "only one dimension can be inferred");
  // (ctorch's own limits: PyTorch has no NULL shapes and allows more than 8 dims)
  EXPECT_ERROR(ct_view(x, 2, NULL), "shape is NULL");
  EXPECT_ERROR(ct_reshape(x, 9, (int64_t[9]){6, 1, 1, 1, 1, 1, 1, 1, 1}), "shapes have at most 8 dimensions, got 9");
  // transpose / t / permute
  EXPECT_ERROR(ct_transpose(x, 0, 2), dim_2);
  EXPECT_ERROR(ct_transpose(x, -3, 0), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  EXPECT_ERROR(ct_t(in.cube), "t() expects a tensor with <= 2 dimensions, but self is 3D");
  EXPECT_ERROR(ct_permute(x, (int[]){1, 1}), "permute(): duplicate dims are not allowed.");
  EXPECT_ERROR(ct_permute(x, (int[]){0, 2}), dim_2);
  EXPECT_ERROR(ct_permute(x, NULL), "permute: dims is NULL");
  // squeeze / unsqueeze
  EXPECT_ERROR(ct_squeeze_dim(x, 2), dim_2);
  EXPECT_ERROR(ct_unsqueeze(x, 3), "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_ERROR(ct_unsqueeze(x, -4), "Dimension out of range (expected to be in range of [-3, 2], but got -4)");
  EXPECT_ERROR(ct_unsqueeze(in.eight, 0), "tensors have at most 8 dimensions");
  // expand
  EXPECT_ERROR(ct_expand(x, CT_SHAPE(3)), "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided "
                                          "(1) must be greater or equal to the number of dimensions in the tensor (2)");
  EXPECT_ERROR(ct_expand(x, CT_SHAPE(3, 4)), "The expanded size of the tensor (4) must match the existing size (3) at "
                                             "non-singleton dimension 1.  Target sizes: [3, 4].  Tensor sizes: [2, 3]");
  EXPECT_ERROR(ct_expand(x, CT_SHAPE(-1, 2, 3)),
               "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0");
  EXPECT_ERROR(ct_expand(in.col, CT_SHAPE(2, -2)), "numel: integer multiplication overflow");
  // flatten
  EXPECT_ERROR(ct_flatten(in.cube, 2, 1), "flatten() has invalid args: start_dim cannot come after end_dim");
  EXPECT_ERROR(ct_flatten(x, 0, 2), dim_2);
  EXPECT_ERROR(ct_flatten(scalar, 0, 1), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  // narrow / select / slice
  EXPECT_ERROR(ct_narrow(scalar, 0, 0, 1), "narrow() cannot be applied to a 0-dim tensor.");
  EXPECT_ERROR(ct_narrow(x, 1, 5, 0), "Dimension out of range (expected to be in range of [-3, 2], but got 5)");
  EXPECT_ERROR(ct_narrow(x, 1, 2, 2), "start (2) + length (2) exceeds dimension size (3).");
  EXPECT_ERROR(ct_narrow(x, 1, 0, -1), "start (0) + length (-1) exceeds dimension size (3).");
  EXPECT_ERROR(ct_narrow(x, 2, 0, 1), dim_2);
  EXPECT_ERROR(ct_select(scalar, 0, 0), "select() cannot be applied to a 0-dim tensor.");
  EXPECT_ERROR(ct_select(x, 0, 3), "select(): index 3 out of range for tensor of size [2, 3] at dimension 0");
  EXPECT_ERROR(ct_select(x, 1, -4), "select(): index -4 out of range for tensor of size [2, 3] at dimension 1");
  EXPECT_ERROR(ct_select(x, -3, 0), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  EXPECT_ERROR(ct_slice(x, 1, 0, 2, 0), "slice step must be positive");
  EXPECT_ERROR(ct_slice(x, 1, 0, 2, -1), "slice step must be positive");
  EXPECT_ERROR(ct_slice(scalar, 0, 0, 1, 1), "slice() cannot be applied to a 0-dim tensor.");
  EXPECT_ERROR(ct_slice(x, 2, 0, 1, 1), dim_2);
  // unfold
  EXPECT_ERROR(ct_unfold(in.vec4, 0, 5, 1), "maximum size for tensor at dimension 0 is 4 but size is 5");
  EXPECT_ERROR(ct_unfold(in.vec4, 0, 2, 0), "step is 0 but must be > 0");
  EXPECT_ERROR(ct_unfold(in.vec4, 0, 2, -1), "step is -1 but must be > 0");
  EXPECT_ERROR(ct_unfold(in.vec4, 0, -1, 1), "Storage size calculation overflowed with sizes=[6, -1] and strides=[1, 1]");
  EXPECT_ERROR(ct_unfold(x, 2, 1, 1), dim_2);
  EXPECT_ERROR(ct_unfold(scalar, 1, 1, 1), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  // cat / stack
  EXPECT_ERROR(ct_cat((ct_tensor *[]){x, in.wide}, 2, 0), "Sizes of tensors must match except in dimension 0. "
                                                          "Expected size 3 but got size 4 for tensor number 1 in the "
                                                          "list.");
  EXPECT_ERROR(ct_cat((ct_tensor *[]){x, in.cube}, 2, 0), "Tensors must have same number of dimensions: got 2 and 3");
  EXPECT_ERROR(ct_cat((ct_tensor *[]){x}, 0, 0), "torch.cat(): expected a non-empty list of Tensors");
  EXPECT_ERROR(ct_cat(NULL, 0, 0), "torch.cat(): expected a non-empty list of Tensors");
  EXPECT_ERROR(ct_cat((ct_tensor *[]){x, scalar}, 2, 0), "zero-dimensional tensor (at position 1) cannot be concatenated");
  EXPECT_ERROR(ct_cat((ct_tensor *[]){x, x}, 2, 2), dim_2);
  EXPECT_ERROR(ct_stack((ct_tensor *[]){x, in.x23b}, 2, 0),
               "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 3] at entry 1");
  EXPECT_ERROR(ct_stack((ct_tensor *[]){x}, 0, 0), "stack expects a non-empty TensorList");
  EXPECT_ERROR(ct_stack((ct_tensor *[]){x, x}, 2, 3),
               "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_ERROR(ct_stack((ct_tensor *[]){in.eight, in.eight}, 2, 0), "tensors have at most 8 dimensions");
  // to_dtype (ctorch's own check: C enums can hold anything)
  EXPECT_ERROR(ct_to_dtype(x, (ct_dtype)42), "invalid dtype 42");
  // copy_: the destinations are inputs too, and must stay unchanged
  EXPECT_STATUS(ct_copy_(in.row3, x), CT_ERR_ARG, "output with shape [3] doesn't match the broadcast shape [2, 3]");
  EXPECT_STATUS(ct_copy_(x, in.wide), CT_ERR_ARG,
                "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
  EXPECT_STATUS(ct_copy_(in.leaf, in.row3), CT_ERR_RUNTIME,
                "a leaf Variable that requires grad is being used in an in-place operation.");
  ct_tensor *expanded = ct_expand(in.row3, CT_SHAPE(2, 3)), *head = ct_narrow(in.vec4, 0, 1, 3),
            *tail = ct_narrow(in.vec4, 0, 0, 3);
  EXPECT_STATUS(ct_copy_(expanded, in.row3), CT_ERR_RUNTIME,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
  EXPECT_STATUS(ct_copy_(head, tail), CT_ERR_RUNTIME,
                "unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                "single memory location. Please clone() the tensor before performing the operation.");

  for (size_t i = 0; i < NUM_INPUTS; i++) assert_unchanged(all[i], &before[i]);
  if (!scoped) { // else the caller's scope owns all of them
    tu_release_inputs((ct_tensor *[]){expanded, head, tail}, 3);
    tu_release_inputs(all, NUM_INPUTS);
  }
}

static void test_errors_in_scope(void **state) {
  (void)state;
  tu_errors_in_scope(error_cases, NUM_INPUTS + 3); // the three copy_ operands; failed calls added nothing
}

static void test_errors_without_scope(void **state) {
  (void)state;
  tu_errors_in_root_scope(error_cases);
}

static void test_null_propagates(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  assert_null(ct_view(ct_view(x, CT_SHAPE(7)), CT_SHAPE(6)));
  const char *first = "shape '[7]' is invalid for input of size 6";
  assert_string_equal(ct_last_error(), first);
  assert_null(ct_view(NULL, CT_SHAPE(6)));
  assert_null(ct_reshape(NULL, CT_SHAPE(6)));
  assert_null(ct_transpose(NULL, 0, 1));
  assert_null(ct_t(NULL));
  assert_null(ct_T(NULL));
  assert_null(ct_permute(NULL, (int[]){1, 0}));
  assert_null(ct_squeeze(NULL));
  assert_null(ct_squeeze_dim(NULL, 0));
  assert_null(ct_unsqueeze(NULL, 0));
  assert_null(ct_expand(NULL, CT_SHAPE(2, 3)));
  assert_null(ct_flatten(NULL, 0, -1));
  assert_null(ct_contiguous(NULL));
  assert_null(ct_clone(NULL));
  assert_null(ct_narrow(NULL, 0, 0, 1));
  assert_null(ct_select(NULL, 0, 0));
  assert_null(ct_slice(NULL, 0, 0, CT_END, 1));
  assert_null(ct_unfold(NULL, 0, 1, 1));
  assert_null(ct_cat((ct_tensor *[]){x, NULL}, 2, 0));
  assert_null(ct_stack((ct_tensor *[]){NULL, x}, 2, 0));
  assert_null(ct_to_dtype(NULL, CT_FLOAT64));
  assert_string_equal(ct_last_error(), first);
  assert_int_equal(ct_copy_(NULL, x), CT_ERR_ARG); // a status: the first cause is kept
  assert_string_equal(ct_last_error(), first);
  ct_clear_error(); // with no error pending, the NULL itself is reported
  assert_int_equal(ct_copy_(NULL, x), CT_ERR_ARG);
  assert_string_equal(ct_last_error(), "copy_: tensor is NULL");
  ct_scope_close(s);
}

// Each op once on the success path with no scope open: the root scope owns every result;
// releasing them early (ct_scope_release) must free every block they took, graphs included.
static void test_success_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), CT_FLOAT64), true);
  ct_tensor *xt = ct_t(x);
  ct_tensor *results[] = {
      ct_view(x, CT_SHAPE(3, 2)),
      ct_reshape(xt, CT_SHAPE(6)), // a copy
      ct_transpose(x, 0, 1),
      ct_T(x),
      ct_permute(x, (int[]){1, 0}),
      ct_squeeze(x),
      ct_squeeze_dim(x, 0),
      ct_unsqueeze(x, 1),
      ct_expand(x, CT_SHAPE(4, 2, 3)),
      ct_flatten(x, 0, 1),
      ct_contiguous(xt),
      ct_clone(x),
      ct_narrow(x, 1, 1, 2),
      ct_select(x, 1, -1),
      ct_slice(x, 1, 0, CT_END, 2),
      ct_unfold(x, 1, 2, 1),
      ct_cat((ct_tensor *[]){x, x}, 2, 1),
      ct_stack((ct_tensor *[]){x, x}, 2, 2),
      ct_to_dtype(x, CT_FLOAT32),
  };
  size_t n = sizeof results / sizeof *results;
  ct_tensor *ones = ct_ones(CT_SHAPE(1), CT_FLOAT64);
  for (size_t i = 0; i < n; i++) {
    assert_non_null(results[i]);
    ct_tensor *flat = ct_reshape(results[i], CT_SHAPE(-1));
    ct_tensor *sum = ct_sum(flat);
    assert_int_equal(ct_backward(sum, NULL), CT_OK);
    tu_release_inputs((ct_tensor *[]){sum, flat, results[i]}, 3);
  }
  assert_int_not_equal(ct_copy_(ones, x), CT_OK); // [1] cannot hold [2, 3]
  tu_release_inputs((ct_tensor *[]){ones, xt, x}, 3);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// Views share storage: a write through the view shows in the input. Copies do not.
static void test_views_share_storage(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_view(ct_arange(0, 12, 1, CT_FLOAT32), CT_SHAPE(3, 4));
  ct_tensor *views[] = {ct_view(x, CT_SHAPE(4, 3)), ct_t(x), ct_select(x, 0, 1), ct_slice(x, 1, 1, 4, 2),
                        ct_narrow(x, 0, 1, 2), ct_unfold(x, 1, 2, 2), ct_expand(ct_unsqueeze(x, 0), CT_SHAPE(2, 3, 4)),
                        ct_flatten(x, 0, 1), ct_reshape(x, CT_SHAPE(2, 6)), ct_squeeze(ct_unsqueeze(x, 2)),
                        ct_contiguous(x)};
  for (size_t i = 0; i < sizeof views / sizeof *views; i++) {
    assert_true(ct_shares_storage(views[i], x));
    int64_t zero[CT_MAX_DIMS] = {0};
    double before, after;
    assert_int_equal(ct_get(views[i], zero, &before), CT_OK);
    assert_int_equal(ct_set(views[i], zero, 100 + (double)i), CT_OK);
    // The view's first element is x's element at its offset.
    int64_t at[2] = {ct_storage_offset(views[i]) / 4, ct_storage_offset(views[i]) % 4};
    assert_int_equal(ct_get(x, at, &after), CT_OK);
    assert_true(after == 100 + (double)i);
    ct_set(views[i], zero, before);
  }
  ct_tensor *copies[] = {ct_clone(x), ct_reshape(ct_t(x), CT_SHAPE(12)), ct_contiguous(ct_t(x)),
                         ct_to_dtype(x, CT_FLOAT64), ct_cat((ct_tensor *[]){x}, 1, 0), ct_stack((ct_tensor *[]){x}, 1, 0)};
  for (size_t i = 0; i < sizeof copies / sizeof *copies; i++) assert_false(ct_shares_storage(copies[i], x));
  // contiguous and to_dtype of the same dtype return the input itself.
  assert_ptr_equal(ct_contiguous(x), x);
  assert_ptr_equal(ct_to_dtype(x, CT_FLOAT32), x);
  ct_scope_close(s);
}

// unfold's overlapping windows add up in backward: element i of a length-n vector lies
// in min(i + 1, n - i, windows) windows of size k, step 1 (here exact counts).
static void test_unfold_gradient_counts(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int n = 7, k = 3;
  ct_tensor *x = ct_requires_grad_(ct_zeros(CT_SHAPE(n), CT_FLOAT32), true);
  ct_tensor *w = ct_unfold(x, 0, k, 1);
  assert_string_equal(ct_node_name(ct_grad_fn(w)), "UnfoldBackward0");
  assert_int_equal(ct_size(w, 0), n - k + 1);
  assert_int_equal(ct_backward(w, ct_ones(CT_SHAPE(n - k + 1, k), CT_FLOAT32)), CT_OK);
  double want[7];
  for (int i = 0; i < n; i++) {
    int count = 0;
    for (int start = 0; start + k <= n; start++) count += start <= i && i < start + k;
    want[i] = count;
  }
  assert_true(tu_allclose(ct_grad(x), want, n, 0, 0));
  // A 0-dim input has one window of size 1 (or size 0).
  ct_tensor *c = ct_requires_grad_(ct_scalar(2, CT_FLOAT64), true);
  ct_tensor *u = ct_unfold(c, 0, 1, 1);
  assert_int_equal(ct_dim(u), 1);
  assert_int_equal(ct_backward(u, ct_full(CT_SHAPE(1), 5, CT_FLOAT64)), CT_OK);
  assert_true(tu_allclose(ct_grad(c), (double[]){5}, 1, 0, 0));
  ct_scope_close(s);
}

// cat and stack route each slice of the gradient back, converting to the input's dtype;
// a skipped legacy [0] input gets an empty gradient of its own dtype.
static void test_cat_stack_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_requires_grad_(ct_zeros(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *b = ct_requires_grad_(ct_zeros(CT_SHAPE(3), CT_FLOAT64), true);
  ct_tensor *e = ct_requires_grad_(ct_zeros(CT_SHAPE(0), CT_FLOAT32), true);
  ct_tensor *y = ct_cat((ct_tensor *[]){a, e, b}, 3, 0);
  assert_int_equal(ct_get_dtype(y), CT_FLOAT64);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "CatBackward0");
  assert_int_equal(ct_backward(y, ct_arange(1, 6, 1, CT_FLOAT64)), CT_OK);
  assert_int_equal(ct_get_dtype(ct_grad(a)), CT_FLOAT32);
  assert_true(tu_allclose(ct_grad(a), (double[]){1, 2}, 2, 0, 0));
  assert_true(tu_allclose(ct_grad(b), (double[]){3, 4, 5}, 3, 0, 0));
  assert_int_equal(ct_numel(ct_grad(e)), 0);
  assert_int_equal(ct_get_dtype(ct_grad(e)), CT_FLOAT32);
  ct_tensor *z = ct_stack((ct_tensor *[]){a, a}, 2, 1);
  assert_string_equal(ct_node_name(ct_grad_fn(z)), "StackBackward0");
  assert_int_equal(ct_backward(z, ct_view(ct_arange(0, 4, 1, CT_FLOAT32), CT_SHAPE(2, 2))), CT_OK);
  assert_true(tu_allclose(ct_grad(a), (double[]){1 + 0 + 1, 2 + 2 + 3}, 2, 0, 0));
  ct_scope_close(s);
}

// copy_ broadcasts and converts, records CopyBackwards: the old values get no gradient,
// src gets the gradient summed over its broadcast dims.
static void test_copy_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *src = ct_requires_grad_(ct_tensor_from_f32((float[]){1.5f, -2}, CT_SHAPE(2)), true);
  ct_tensor *dst = ct_zeros(CT_SHAPE(3, 2), CT_FLOAT64);
  assert_int_equal(ct_copy_(dst, src), CT_OK);
  assert_true(tu_allclose(dst, (double[]){1.5, -2, 1.5, -2, 1.5, -2}, 6, 0, 0));
  assert_string_equal(ct_node_name(ct_grad_fn(dst)), "CopyBackwards");
  assert_int_equal(ct_backward(dst, ct_ones(CT_SHAPE(3, 2), CT_FLOAT64)), CT_OK);
  assert_true(tu_allclose(ct_grad(src), (double[]){3, 3}, 2, 0, 0));
  // Into an integer tensor: truncation, and no graph.
  ct_tensor *ints = ct_zeros(CT_SHAPE(2), CT_INT64);
  assert_int_equal(ct_copy_(ints, src), CT_OK);
  assert_true(tu_allclose(ints, (double[]){1, -2}, 2, 0, 0));
  assert_null(ct_grad_fn(ints));
  // Under no_grad nothing is recorded, and a leaf that requires grad may be written.
  bool prev = ct_no_grad_enter();
  assert_int_equal(ct_copy_(src, ints), CT_OK);
  ct_grad_mode_restore(prev);
  assert_null(ct_grad_fn(src));
  assert_true(tu_allclose(src, (double[]){1, -2}, 2, 0, 0));
  ct_scope_close(s);
}

// The strides PyTorch gives: expand's new leading dims, clone keeping a permuted layout.
static void test_strides(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *v = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *e = ct_expand(v, CT_SHAPE(2, 1, 3));
  assert_memory_equal(ct_strides(e), ((int64_t[]){0, 3, 1}), 3 * sizeof(int64_t));
  ct_tensor *xt = ct_t(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32));
  assert_memory_equal(ct_strides(ct_clone(xt)), ((int64_t[]){1, 3}), 2 * sizeof(int64_t));
  assert_memory_equal(ct_strides(ct_contiguous(xt)), ((int64_t[]){2, 1}), 2 * sizeof(int64_t));
  assert_memory_equal(ct_strides(ct_to_dtype(xt, CT_FLOAT64)), ((int64_t[]){1, 3}), 2 * sizeof(int64_t));
  ct_scope_close(s);
}

// A step past a dim's end picks one element: the stride keeps PyTorch's stride * step
// when that fits, and the base's stride when it would overflow (it addresses nothing);
// values and gradients are those of the one element.
static void test_steps_past_the_end(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_view(ct_arange(0, 12, 1, CT_FLOAT32), CT_SHAPE(3, 4)), true);
  ct_tensor *fits = ct_slice(x, 0, 0, CT_END, 5);
  assert_memory_equal(ct_shape(fits), ((int64_t[]){1, 4}), 2 * sizeof(int64_t));
  assert_memory_equal(ct_strides(fits), ((int64_t[]){20, 1}), 2 * sizeof(int64_t));
  ct_tensor *rows = ct_slice(x, 0, 1, CT_END, INT64_MAX), *cols = ct_slice(x, 1, 2, CT_END, INT64_MAX / 2);
  assert_memory_equal(ct_shape(rows), ((int64_t[]){1, 4}), 2 * sizeof(int64_t));
  assert_memory_equal(ct_strides(rows), ((int64_t[]){4, 1}), 2 * sizeof(int64_t));
  // 4 * (INT64_MAX / 2) fits in elements, not in bytes: the base's stride.
  assert_memory_equal(ct_strides(cols), ((int64_t[]){4, 1}), 2 * sizeof(int64_t));
  assert_true(tu_allclose(rows, (double[]){4, 5, 6, 7}, 4, 0, 0));
  assert_true(tu_allclose(cols, (double[]){2, 6, 10}, 3, 0, 0));
  ct_tensor *windows = ct_unfold(x, 1, 3, INT64_MAX);
  assert_memory_equal(ct_shape(windows), ((int64_t[]){3, 1, 3}), 3 * sizeof(int64_t));
  assert_memory_equal(ct_strides(windows), ((int64_t[]){4, 1, 1}), 3 * sizeof(int64_t));
  ct_tensor *sum = ct_add(ct_add(ct_sum(rows), ct_sum(cols)), ct_sum(windows));
  assert_int_equal(ct_backward(sum, NULL), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 1, 2, 0, 2, 2, 3, 1, 1, 1, 2, 0}, 12, 0, 0));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),        cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_null_propagates),        cmocka_unit_test(test_success_without_scope),
      cmocka_unit_test(test_views_share_storage),    cmocka_unit_test(test_unfold_gradient_counts),
      cmocka_unit_test(test_cat_stack_gradients),    cmocka_unit_test(test_copy_gradients),
      cmocka_unit_test(test_strides),                cmocka_unit_test(test_steps_past_the_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

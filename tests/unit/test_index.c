// Indexing ops: error cases (NULL + PyTorch's message, nothing leaked, with and without a
// scope), NULL propagation, and gradients checked by exact math (counts of duplicates,
// the embedding padding row). Values are compared with PyTorch in oracle_index.
#include "unit.h"
#include <stdlib.h>
#include <string.h>

static ct_tensor *i64(int ndim, const int64_t *shape, const int64_t *values) {
  return ct_tensor_from_i64(values, ndim, shape);
}

typedef struct inputs {
  ct_tensor *x, *idx, *negidx, *fidx, *fidx1, *iidx, *col, *big, *bad, *scalar, *empty_rows, *mask2, *mask3, *mask_long,
      *weight1d, *neg, *empty_idx, *src, *src32, *ints;
} inputs;
#define NUM_INPUTS (sizeof(inputs) / sizeof(ct_tensor *))

// Builds the inputs of error_cases in a scope of its own and keeps them out of it: they
// end up owned by the caller's scope, or by the root scope when none is open.
static inputs make_inputs(void) {
  ct_scope *s = ct_scope_open();
  inputs in = {
      .x = ct_view(ct_arange(0, 6, 1, CT_FLOAT32), CT_SHAPE(3, 2)),
      .idx = i64(CT_SHAPE(2), (int64_t[]){0, 5}),
      .negidx = i64(CT_SHAPE(2), (int64_t[]){0, -5}),
      .fidx = ct_zeros(CT_SHAPE(1, 1), CT_FLOAT32),
      .fidx1 = ct_zeros(CT_SHAPE(1), CT_FLOAT32),
      .iidx = ct_zeros(CT_SHAPE(1, 1), CT_INT32),
      .col = i64(CT_SHAPE(1, 1), (int64_t[]){0}),
      .big = i64(CT_SHAPE(5, 3), (int64_t[15]){0}),
      .bad = i64(CT_SHAPE(1, 1), (int64_t[]){-1}),
      .scalar = ct_scalar(1, CT_FLOAT32),
      .empty_rows = ct_zeros(CT_SHAPE(0, 2), CT_FLOAT32),
      .mask2 = ct_ones(CT_SHAPE(2), CT_BOOL),
      .mask3 = ct_ones(CT_SHAPE(3), CT_BOOL),
      .mask_long = ct_ones(CT_SHAPE(2), CT_INT64),
      .weight1d = ct_ones(CT_SHAPE(3), CT_FLOAT32),
      .neg = i64(CT_SHAPE(2), (int64_t[]){0, -1}),
      .empty_idx = ct_zeros(CT_SHAPE(0), CT_INT64),
      .src = ct_ones(CT_SHAPE(1, 1), CT_FLOAT64),
      .src32 = ct_ones(CT_SHAPE(1, 1), CT_FLOAT32),
      .ints = ct_ones(CT_SHAPE(2), CT_INT32),
  };
  tu_keep_inputs((ct_tensor **)&in, NUM_INPUTS, s);
  return in;
}

// Every error case once; the failing calls must leave nothing behind (LeakSanitizer).
static void error_cases(bool scoped) {
  inputs in = make_inputs();
  ct_tensor *x = in.x, *idx = in.idx, *fidx = in.fidx, *iidx = in.iidx, *col = in.col, *big = in.big, *bad = in.bad,
            *scalar = in.scalar, *empty_rows = in.empty_rows, *mask3 = in.mask3, *neg = in.neg, *src32 = in.src32;
  // x[index]
  EXPECT_ERROR(ct_index(x, idx), "index 5 is out of bounds for dimension 0 with size 3");
  EXPECT_ERROR(ct_index(x, in.negidx), "index -5 is out of bounds for dimension 0 with size 3");
  EXPECT_ERROR(ct_index(x, fidx), "tensors used as indices must be long, byte or bool tensors");
  EXPECT_ERROR(ct_index(x, iidx), "tensors used as indices must be long, byte or bool tensors");
  EXPECT_ERROR(ct_index(scalar, col), "too many indices for tensor of dimension 0");
  EXPECT_ERROR(ct_index(empty_rows, col), "index is out of bounds for dimension with size 0");
  EXPECT_ERROR(ct_index(x, in.mask2),
               "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 2] at index 0");
  EXPECT_ERROR(ct_index(scalar, mask3), "too many indices for tensor of dimension 0");
  // index_select
  EXPECT_ERROR(ct_index_select(x, 2, idx), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_ERROR(ct_index_select(x, 0, col), "index_select(): Index is supposed to be a vector");
  EXPECT_ERROR(ct_index_select(x, 0, in.fidx1), "index_select(): Expected dtype int32 or int64 for index");
  EXPECT_ERROR(ct_index_select(x, 0, idx), "index out of range in self");
  EXPECT_ERROR(ct_index_select(x, 1, idx), "INDICES element is out of DATA bounds, id=5 axis_dim=2");
  EXPECT_ERROR(ct_index_select(empty_rows, 0, neg), "index_select(): self indexing axis dim should be positive");
  // gather
  EXPECT_ERROR(ct_gather(x, 3, col), "Dimension out of range (expected to be in range of [-2, 1], but got 3)");
  EXPECT_ERROR(ct_gather(x, 0, fidx), "gather(): Expected dtype int64 for index");
  EXPECT_ERROR(ct_gather(x, 0, iidx), "gather(): Expected dtype int64 for index");
  EXPECT_ERROR(ct_gather(x, 0, neg), "Index tensor must have the same number of dimensions as input tensor");
  EXPECT_ERROR(ct_gather(x, 0, big),
               "Size does not match at dimension 1 expected index [5, 3] to be smaller than self [3, 2] apart from dimension 0");
  EXPECT_ERROR(ct_gather(x, 0, bad), "index -1 is out of bounds for dimension 0 with size 3");
  // scatter_add
  EXPECT_ERROR(ct_scatter_add(x, 0, fidx, src32), "scatter(): Expected dtype int64 for index");
  EXPECT_ERROR(ct_scatter_add(x, 0, col, in.src), "scatter(): Expected self.dtype to be equal to src.dtype");
  EXPECT_ERROR(ct_scatter_add(x, 0, neg, src32), "Index tensor must have the same number of dimensions as self tensor");
  EXPECT_ERROR(ct_scatter_add(x, 0, big, src32),
               "Expected index [5, 3] to be smaller than self [3, 2] apart from dimension 0 and to be smaller size than "
               "src [1, 1]");
  EXPECT_ERROR(ct_scatter_add(x, 0, bad, src32), "index -1 is out of bounds for dimension 0 with size 3");
  EXPECT_ERROR(ct_scatter_add(x, 5, col, src32), "Dimension out of range (expected to be in range of [-2, 1], but got 5)");
  // masked_fill (torch 1.13 silently accepts non-bool masks; ctorch refuses them with the
  // wording of later PyTorch releases)
  EXPECT_ERROR(ct_masked_fill(x, in.mask_long, 1), "masked_fill_ only supports boolean masks, but got mask with dtype long int");
  EXPECT_ERROR(ct_masked_fill(x, mask3, 1),
               "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  EXPECT_ERROR(ct_masked_fill(in.ints, in.mask2, 3e9), "value cannot be converted to type int without overflow");
  EXPECT_ERROR(ct_masked_fill(idx, in.mask2, 1e19),
               "value cannot be converted to type int64_t without overflow");
  EXPECT_ERROR(ct_masked_fill(x, in.mask2, 1e39), "value cannot be converted to type float without overflow");
  // embedding
  EXPECT_ERROR(ct_embedding(x, fidx, CT_NO_PADDING_IDX),
               "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
               "torch.FloatTensor instead (while checking arguments for embedding)");
  EXPECT_ERROR(ct_embedding(in.weight1d, col, CT_NO_PADDING_IDX), "'weight' must be 2-D");
  EXPECT_ERROR(ct_embedding(x, col, 3), "Padding_idx must be within num_embeddings");
  EXPECT_ERROR(ct_embedding(x, col, -4), "Padding_idx must be within num_embeddings");
  EXPECT_ERROR(ct_embedding(x, idx, 0), "index out of range in self");
  EXPECT_ERROR(ct_embedding(empty_rows, col, CT_NO_PADDING_IDX), "index_select(): self indexing axis dim should be positive");
  // one_hot
  EXPECT_ERROR(ct_one_hot(iidx, 3), "one_hot is only applicable to index tensor.");
  EXPECT_ERROR(ct_one_hot(neg, 3), "Class values must be non-negative.");
  EXPECT_ERROR(ct_one_hot(idx, 5), "Class values must be smaller than num_classes.");
  EXPECT_ERROR(ct_one_hot(in.empty_idx, -1), "Can not infer total number of classes from empty tensor.");

  if (!scoped) tu_release_inputs((ct_tensor **)&in, NUM_INPUTS);
}

TU_ERROR_TESTS(error_cases, NUM_INPUTS)

static void test_null_propagates(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(3, 2), CT_FLOAT32), *idx = ct_zeros(CT_SHAPE(2), CT_INT64);
  assert_null(ct_index(x, idx = ct_index(idx, ct_full(CT_SHAPE(5), 7, CT_INT64)))); // inner call fails
  const char *first = "index 7 is out of bounds for dimension 0 with size 2";
  assert_string_equal(ct_last_error(), first);
  assert_null(ct_index(NULL, idx));
  assert_null(ct_index_select(x, 0, NULL));
  assert_null(ct_gather(NULL, 0, idx));
  assert_null(ct_scatter_add(x, 0, idx, NULL));
  assert_null(ct_masked_fill(NULL, NULL, 0));
  assert_null(ct_embedding(x, NULL, 0));
  assert_null(ct_one_hot(NULL, 3));
  assert_string_equal(ct_last_error(), first);
  ct_scope_close(s);
}

// Sum of a tensor's elements (elementwise ops are another area: plain C here).
static double total(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  double *v = malloc(sizeof *v * (size_t)(n ? n : 1)), sum = 0;
  ct_to_f64_array(t, v);
  for (int64_t i = 0; i < n; i++) sum += v[i];
  free(v);
  return sum;
}

// d(sum(x[idx]))/dx[r] = number of times r appears in idx (negative indices wrapped).
static void test_index_duplicates_accumulate(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(4, 3), CT_FLOAT32), true);
  int64_t v[] = {1, -3, 3, 1, 0, -1};
  ct_tensor *y = ct_index(x, i64(CT_SHAPE(2, 3), v));
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "IndexBackward0");
  assert_int_equal(ct_dim(y), 3);
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(2, 3, 3), CT_FLOAT32)), CT_OK);
  double count[4] = {0};
  for (int i = 0; i < 6; i++) count[(v[i] + 4) % 4] += 1;
  double want[12];
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 3; c++) want[r * 3 + c] = count[r];
  assert_true(tu_allclose(ct_grad(x), want, 12, 0, 0));
  ct_scope_close(s);
}

// Embedding: the padding row gets no gradient; other rows get their counts.
static void test_embedding_padding_row(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(5, 2), CT_FLOAT32), true);
  int64_t v[] = {0, 2, 0, 4, 2, 2, 0, 1};
  ct_tensor *y = ct_embedding(w, i64(CT_SHAPE(2, 4), v), -5); // -5 wraps to row 0
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "EmbeddingBackward0");
  assert_int_equal(ct_size(y, 2), 2);
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(2, 4, 2), CT_FLOAT32)), CT_OK);
  double want[10] = {0};
  for (int i = 0; i < 8; i++)
    if (v[i] != 0) want[v[i] * 2] += 1, want[v[i] * 2 + 1] += 1;
  assert_true(tu_allclose(ct_grad(w), want, 10, 0, 0));
  ct_scope_close(s);
}

// Large enough for the parallel path: every output row equals its weight row.
static void test_embedding_large(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t rows = 1000, dim = 64, n = 4096;
  ct_tensor *w = ct_view(ct_arange(0, (double)(rows * dim), 1, CT_FLOAT32), CT_SHAPE(rows, dim));
  int64_t *v = malloc(sizeof *v * (size_t)n);
  for (int64_t i = 0; i < n; i++) v[i] = (i * 7919) % rows;
  ct_tensor *y = ct_embedding(w, i64(CT_SHAPE(n), v), CT_NO_PADDING_IDX);
  float *got = ct_data_ptr(y);
  bool ok = ct_is_contiguous(y);
  for (int64_t i = 0; ok && i < n; i++)
    for (int64_t k = 0; k < dim; k++) ok = ok && got[i * dim + k] == (float)(v[i] * dim + k);
  assert_true(ok);
  free(v);
  ct_scope_close(s);
}

// gather's gradient is scatter_add's: with all-zero indices everything lands on row 0.
static void test_gather_scatter_gradients(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3, 2), CT_FLOAT64), true);
  ct_tensor *idx = ct_zeros(CT_SHAPE(4, 2), CT_INT64);
  ct_tensor *g = ct_gather(x, 0, idx);
  assert_string_equal(ct_node_name(ct_grad_fn(g)), "GatherBackward0");
  assert_int_equal(ct_backward(g, ct_ones(CT_SHAPE(4, 2), CT_FLOAT64)), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){4, 4, 0, 0, 0, 0}, 6, 0, 0));
  // scatter_add: x's gradient passes through, src's is gathered; values add up.
  ct_tensor *src = ct_requires_grad_(ct_ones(CT_SHAPE(4, 2), CT_FLOAT64), true);
  ct_tensor *y = ct_scatter_add(x, 0, idx, src);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "ScatterAddBackward0");
  assert_true(total(y) == 6 + 8);
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(3, 2), CT_FLOAT64)), CT_OK);
  assert_true(total(ct_grad(src)) == 8);
  // A src larger than index has no gradient of its shape: PyTorch's backward error.
  ct_tensor *wide = ct_requires_grad_(ct_ones(CT_SHAPE(4, 3), CT_FLOAT64), true);
  ct_tensor *z = ct_scatter_add(x, 0, idx, wide);
  assert_non_null(z);
  assert_int_equal(ct_backward(z, ct_ones(CT_SHAPE(3, 2), CT_FLOAT64)), CT_ERR_RUNTIME);
  assert_string_equal(ct_last_error(), "Function ScatterAddBackward0 returned an invalid gradient at index 1 - got [4, 2] "
                                       "but expected shape compatible with [4, 3]");
  ct_scope_close(s);
}

// masked_fill: filled positions get no gradient; a mask that broadcasts x sums it back.
static void test_masked_fill_gradient(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3), CT_FLOAT32), true);
  ct_tensor *mask = ct_tensor_from_bool((bool[]){true, false, false, false, false, true}, CT_SHAPE(2, 3));
  ct_tensor *y = ct_masked_fill(x, mask, -1);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "MaskedFillBackward0");
  assert_true(tu_allclose(y, (double[]){-1, 1, 1, 1, 1, -1}, 6, 0, 0));
  assert_int_equal(ct_backward(y, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32)), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){1, 2, 1}, 3, 0, 0));
  ct_scope_close(s);
}

static void test_no_grad_and_second_backward(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3, 2), CT_FLOAT32), true);
  ct_tensor *idx = ct_zeros(CT_SHAPE(2), CT_INT64);
  bool prev = ct_no_grad_enter();
  ct_tensor *y = ct_index_select(x, 1, idx);
  ct_grad_mode_restore(prev);
  assert_null(ct_grad_fn(y));
  assert_false(ct_requires_grad(y));
  y = ct_index_select(x, 1, idx);
  assert_string_equal(ct_node_name(ct_grad_fn(y)), "IndexSelectBackward0");
  ct_tensor *ones = ct_ones(CT_SHAPE(3, 2), CT_FLOAT32);
  assert_int_equal(ct_backward(y, ones), CT_OK);
  assert_true(tu_allclose(ct_grad(x), (double[]){2, 0, 2, 0, 2, 0}, 6, 0, 0));
  assert_int_equal(ct_backward(y, ones), CT_ERR_RUNTIME); // saved index released
  ct_scope_close(s);
}

// one_hot: one 1 per row, at the index; int64 values and grad-free.
static void test_one_hot(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  int64_t v[] = {2, 0, 3};
  ct_tensor *y = ct_one_hot(i64(CT_SHAPE(3), v), -1);
  assert_int_equal(ct_get_dtype(y), CT_INT64);
  assert_int_equal(ct_size(y, 1), 4);
  double want[12] = {0};
  for (int i = 0; i < 3; i++) want[i * 4 + v[i]] = 1;
  assert_true(tu_allclose(y, want, 12, 0, 0));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_in_scope),          cmocka_unit_test(test_errors_without_scope),
      cmocka_unit_test(test_null_propagates),          cmocka_unit_test(test_index_duplicates_accumulate),
      cmocka_unit_test(test_embedding_padding_row),    cmocka_unit_test(test_embedding_large),
      cmocka_unit_test(test_gather_scatter_gradients), cmocka_unit_test(test_masked_fill_gradient),
      cmocka_unit_test(test_no_grad_and_second_backward), cmocka_unit_test(test_one_hot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

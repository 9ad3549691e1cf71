// Takes along dim 0 (embedding, index_select, x[index]) copy and accumulate whole rows when
// the rows are dense, and fall back to element-wise loops otherwise. Both paths must give
// the same values: forward from a weight with dense or strided rows, and gradients from
// a dense or a strided output gradient, with and without embedding's padding row; both
// must refuse out-of-range indices (the row path checks them while copying).
// (Parity with torch is oracle_index's job.)
#include "unit.h"
#include <stdlib.h>

// A float32 rows×cols tensor with distinct values; `strided`: a transposed copy viewed
// back, same values, column-major.
static ct_tensor *table(int64_t rows, int64_t cols, bool strided, float scale) {
  ct_tensor *t = ct_mul_scalar(ct_arange(1, 1 + (double)(rows * cols), 1, CT_FLOAT32), scale);
  t = ct_view(t, CT_SHAPE(rows, cols));
  return strided ? ct_transpose(ct_contiguous(ct_transpose(t, 0, 1)), 0, 1) : t;
}

static void assert_same_values(ct_tensor *a, ct_tensor *b) {
  assert_int_equal(ct_dim(a), ct_dim(b));
  const int64_t n = ct_numel(a);
  assert_int_equal(n, ct_numel(b));
  double *x = malloc((size_t)(n ? n : 1) * sizeof *x), *y = malloc((size_t)(n ? n : 1) * sizeof *y);
  assert_int_equal(ct_to_f64_array(a, x), CT_OK);
  assert_int_equal(ct_to_f64_array(b, y), CT_OK);
  assert_memory_equal(x, y, (size_t)n * sizeof *x);
  free(x);
  free(y);
}

// Embedding forward and backward through both paths; indices repeat and hit the padding row.
static void check_embedding(int64_t pad) {
  ct_scope *s = ct_scope_open();
  const int64_t ix[6] = {2, 0, 2, 3, 0, 1};
  ct_tensor *idx = ct_view(ct_tensor_from_i64(ix, 1, (const int64_t[]){6}), CT_SHAPE(2, 3));
  ct_tensor *grads[2], *outs[2];
  for (int strided = 0; strided < 2; strided++) {
    ct_tensor *w = ct_requires_grad_(table(4, 5, strided, 0.5f), true); // strided: rows not dense
    ct_tensor *out = ct_embedding(w, idx, pad);
    // The same output gradient, reaching the embedding dense, or through a transpose
    // (backward is given a copy, so strides come from an op).
    ct_tensor *g = ct_view(table(6, 5, false, 0.25f), CT_SHAPE(2, 3, 5));
    if (strided)
      assert_int_equal(ct_backward(ct_transpose(out, 1, 2), ct_contiguous(ct_transpose(g, 1, 2))), CT_OK);
    else
      assert_int_equal(ct_backward(out, g), CT_OK);
    outs[strided] = out;
    grads[strided] = ct_grad(w);
  }
  assert_same_values(outs[0], outs[1]);
  assert_same_values(grads[0], grads[1]);
  if (pad >= 0) { // the padding row gets no gradient
    double v;
    for (int64_t c = 0; c < 5; c++) {
      assert_int_equal(ct_get(grads[0], (int64_t[]){pad, c}, &v), CT_OK);
      assert_true(v == 0.0);
    }
  }
  ct_scope_close(s);
}

static void test_embedding_paths_agree(void **state) {
  (void)state;
  check_embedding(CT_NO_PADDING_IDX);
  check_embedding(0);
  check_embedding(2);
}

// Out-of-range indices are caught whichever path takes the rows, nothing leaked.
static void test_embedding_range_checked(void **state) {
  (void)state;
  for (int strided = 0; strided < 2; strided++)
    for (int k = 0; k < 3; k++) {
      ct_scope *s = ct_scope_open();
      int64_t ix[4] = {1, 0, 3, 2};
      ix[k + 1] = k == 1 ? -1 : 4; // past the end, negative, past the end (last)
      ct_tensor *idx = ct_tensor_from_i64(ix, 1, (const int64_t[]){4});
      assert_null(ct_embedding(table(4, 5, strided, 1.0f), idx, CT_NO_PADDING_IDX));
      assert_int_equal(ct_last_status(), CT_ERR_INDEX);
      ct_clear_error();
      ct_scope_close(s);
    }
}

// index_select along dim 0 and x[index]: the same rows either way.
static void test_index_select_paths_agree(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t ix[5] = {3, 1, 1, 0, 3};
  ct_tensor *idx = ct_tensor_from_i64(ix, 1, (const int64_t[]){5});
  ct_tensor *dense = ct_requires_grad_(ct_contiguous(table(4, 3, false, 1.0f)), true);
  ct_tensor *strided = table(4, 3, true, 1.0f);
  assert_same_values(ct_index_select(dense, 0, idx), ct_index_select(strided, 0, idx));
  assert_same_values(ct_index(dense, idx), ct_index(strided, idx));
  // The output gradient reaching index_select strided (through a transpose), then dense.
  ct_tensor *g = table(5, 3, false, 2.0f);
  assert_int_equal(ct_backward(ct_t(ct_index_select(dense, 0, idx)), ct_contiguous(ct_t(g))), CT_OK);
  ct_tensor *g_strided = ct_clone(ct_grad(dense));
  assert_int_equal(ct_set_grad(dense, NULL), CT_OK);
  assert_int_equal(ct_backward(ct_index_select(dense, 0, idx), g), CT_OK);
  assert_same_values(g_strided, ct_grad(dense));
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_embedding_paths_agree),
      cmocka_unit_test(test_embedding_range_checked),
      cmocka_unit_test(test_index_select_paths_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

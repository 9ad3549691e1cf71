// Printing: error handling and API contracts of ct_repr / ct_repr_alloc / ct_print /
// ct_fprint / ct_print_shape / ct_parameter. The printed text itself is compared with live
// PyTorch in tests/oracle/oracle_print.py.
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ct_tensor *small_float(void) {
  return ct_tensor_from_f32((const float[]){1.5f, -2.25f, 3.0f}, CT_SHAPE(3));
}

static void repr_alloc_matches_repr(void **state) {
  (void)state;
  ct_tensor *t = small_float();
  char *s = ct_repr_alloc(t);
  assert_non_null(s);
  char buf[256];
  assert_int_equal(ct_repr(t, buf, sizeof buf), CT_OK);
  assert_string_equal(buf, s);
  free(s);
}

static void repr_short_buffer_truncates(void **state) {
  (void)state;
  ct_tensor *t = small_float();
  char *full = ct_repr_alloc(t);
  size_t len = strlen(full);
  char *buf = malloc(len + 1);
  assert_int_equal(ct_repr(t, buf, len + 1), CT_OK); // exactly enough
  assert_string_equal(buf, full);
  for (size_t cap = 1; cap <= len; cap++) {
    memset(buf, 'x', len + 1);
    assert_int_equal(ct_repr(t, buf, cap), CT_ERR_ARG);
    assert_int_equal(strlen(buf), cap - 1); // NUL-terminated prefix
    assert_memory_equal(buf, full, cap - 1);
  }
  assert_non_null(strstr(ct_last_error(), "too small"));
  free(buf);
  free(full);
}

static void repr_bad_buffer_arguments(void **state) {
  (void)state;
  ct_tensor *t = small_float();
  char buf[8];
  assert_int_equal(ct_repr(t, NULL, 8), CT_ERR_ARG);
  assert_int_equal(ct_repr(t, buf, 0), CT_ERR_ARG);
  assert_int_equal(ct_fprint(NULL, t), CT_ERR_ARG);
}

static void null_tensor_reports_once(void **state) {
  (void)state;
  char buf[64] = "junk";
  ct_clear_error();
  // With nothing pending, a NULL tensor is itself the error.
  assert_int_equal(ct_repr(NULL, buf, sizeof buf), CT_ERR_ARG);
  assert_string_equal(buf, "");
  assert_non_null(strstr(ct_last_error(), "NULL"));
  // After a failing call, printing its NULL result keeps the first cause.
  assert_null(ct_arange(0, 1, 0, CT_FLOAT32));
  char first[1024];
  snprintf(first, sizeof first, "%s", ct_last_error());
  assert_int_equal(ct_print(NULL), CT_ERR_ARG);
  assert_int_equal(ct_fprint(stdout, NULL), CT_ERR_ARG);
  assert_int_equal(ct_print_shape(NULL), CT_ERR_ARG);
  assert_int_equal(ct_repr(NULL, buf, sizeof buf), CT_ERR_ARG);
  assert_null(ct_repr_alloc(NULL));
  assert_string_equal(ct_last_error(), first);
}

static void fprint_writes_repr_and_newline(void **state) {
  (void)state;
  ct_scope *scope = ct_scope_open();
  ct_tensor *t = ct_zeros(CT_SHAPE(2, 3, 4), CT_FLOAT64);
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(ct_fprint(f, t), CT_OK);
  long n = ftell(f);
  rewind(f);
  char *got = calloc(1, (size_t)n + 1);
  assert_int_equal(fread(got, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  char *want = ct_repr_alloc(t);
  size_t len = strlen(want);
  assert_int_equal((size_t)n, len + 1);
  assert_memory_equal(got, want, len);
  assert_int_equal(got[len], '\n');
  free(got);
  free(want);
  ct_scope_close(scope);
}

static void parameter_marks_a_leaf(void **state) {
  (void)state;
  ct_tensor *w = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  assert_ptr_equal(ct_parameter(w), w);
  assert_true(ct_requires_grad(w));
  assert_true(ct_is_leaf(w));
  char *s = ct_repr_alloc(w);
  const char prefix[] = "Parameter containing:\ntensor(";
  assert_memory_equal(s, prefix, sizeof prefix - 1);
  assert_non_null(strstr(s, "requires_grad=True)"));
  free(s);
}

static void parameter_errors(void **state) {
  (void)state;
  ct_clear_error();
  assert_null(ct_parameter(NULL)); // NULL propagates silently
  assert_int_equal(ct_last_status(), CT_OK);

  ct_tensor *ints = ct_arange(0, 3, 1, CT_INT64);
  EXPECT_ERROR_CONTAINING(ct_parameter(ints), "floating point");
  char *s = ct_repr_alloc(ints); // unchanged: not a parameter
  assert_null(strstr(s, "Parameter"));
  free(s);

  ct_scope *scope = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 2), CT_FLOAT32), true);
  ct_tensor *y = ct_clone(x); // a non-leaf (CloneBackward0)
  assert_non_null(ct_grad_fn(y));
  EXPECT_ERROR_CONTAINING(ct_parameter(y), "leaf");
  ct_scope_close(scope);
}

// Above the threshold only the shown elements are formatted; the repr stays short.
static void big_tensor_repr_is_summarised(void **state) {
  (void)state;
  ct_scope *scope = ct_scope_open();
  ct_tensor *t = ct_arange(0, 4000000, 1, CT_FLOAT32);
  char *s = ct_repr_alloc(ct_view(t, CT_SHAPE(2000, 2000)));
  assert_non_null(s);
  assert_true(strlen(s) < 1000);
  assert_non_null(strstr(s, "..."));
  free(s);
  ct_scope_close(scope);
}

static void shape_printing_errors(void **state) {
  (void)state;
  ct_tensor *t = ct_zeros(CT_SHAPE(4, 3), CT_FLOAT32);
  assert_int_equal(ct_print_shape(t), CT_OK);
  char small[8];
  assert_int_equal(ct_shape_str(t, small, sizeof small), CT_ERR_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(repr_alloc_matches_repr),
      cmocka_unit_test(repr_short_buffer_truncates),
      cmocka_unit_test(repr_bad_buffer_arguments),
      cmocka_unit_test(null_tensor_reports_once),
      cmocka_unit_test(fprint_writes_repr_and_newline),
      cmocka_unit_test(parameter_marks_a_leaf),
      cmocka_unit_test(parameter_errors),
      cmocka_unit_test(big_tensor_repr_is_summarised),
      cmocka_unit_test(shape_printing_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

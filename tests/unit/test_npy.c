// .npy load/save: hand-built files for the layouts NumPy writes (Fortran order, big-endian,
// versions 2 and 3), save/load round trips, and every kind of broken input: each must
// return NULL (or a status) with a meaningful message, leave nothing in the scope, and
// leak nothing (LeakSanitizer). The live comparison with NumPy is oracle_npy.
#define _POSIX_C_SOURCE 200809L
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char temp_dir[] = "/tmp/ctorch_test_npy_XXXXXX";
static char temp_path[128];

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state) {
  (void)state;
  unlink(temp_path);
  return rmdir(temp_dir);
}

static const char *write_temp(const void *bytes, size_t n) {
  snprintf(temp_path, sizeof temp_path, "%s/case.npy", temp_dir);
  FILE *f = fopen(temp_path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  return temp_path;
}

// A .npy image as NumPy lays it out: magic, version, header length, the dict padded with
// spaces to a multiple of 64 and a newline, then `data`. Returns its length.
static size_t make_npy(unsigned char *out, int major, const char *dict, const void *data, size_t data_len) {
  size_t len_size = major == 1 ? 2 : 4, prefix = 8 + len_size, body = strlen(dict) + 1;
  size_t pad = 64 - (prefix + body) % 64, header_len = body + pad;
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  for (size_t i = 0; i < len_size; i++) out[8 + i] = (unsigned char)(header_len >> (8 * i));
  memcpy(out + prefix, dict, body - 1);
  memset(out + prefix + body - 1, ' ', pad);
  out[prefix + header_len - 1] = '\n';
  if (data_len) memcpy(out + prefix + header_len, data, data_len);
  return prefix + header_len + data_len;
}

static unsigned char image[1 << 16];

static bool contains(const void *haystack, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp((const char *)haystack + i, needle, k)) return true;
  return false;
}

// Loads `bytes` from a file and from memory; both must fail with CT_ERR_IO, a message
// containing `expect`, and nothing left in the scope.
static void expect_load_error(const void *bytes, size_t n, const char *expect) {
  ct_scope *s = ct_scope_open();
  EXPECT_ERROR_CONTAINING(ct_load_npy(write_temp(bytes, n)), expect);
  assert_int_equal(ct_last_status(), CT_ERR_IO);
  tu_assert_contains(ct_last_error(), temp_path);
  EXPECT_ERROR_CONTAINING(ct_load_npy_buffer(bytes, n), expect);
  assert_int_equal(ct_last_status(), CT_ERR_IO);
  assert_int_equal(ct_scope_size(s), 0);
  ct_scope_close(s);
}

static void expect_header_error(const char *dict, const char *expect) {
  float data[12] = {0};
  size_t n = make_npy(image, 1, dict, data, sizeof data);
  expect_load_error(image, n, expect);
}

// ---- valid files ----

static void test_round_trip_every_dtype(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const char *literals[] = {"[[1.5, -2.25, 3e30], [0.0, -0.0, 7.0]]", "[[1, -2, 9007199254740993]]", "True",
                            "[[[True, False], [False, True]]]"};
  for (size_t i = 0; i < sizeof literals / sizeof *literals; i++) {
    ct_tensor *base = ct_tensor_parse(literals[i]);
    assert_non_null(base);
    for (int d = 0; d < CT_NUM_DTYPES; d++) {
      ct_tensor *t = ct_to_dtype(base, (ct_dtype)d);
      assert_non_null(t);
      assert_int_equal(ct_save_npy(write_temp("", 0), t), CT_OK);
      ct_tensor *back = ct_load_npy(temp_path);
      assert_non_null(back);
      assert_int_equal(ct_get_dtype(back), d);
      assert_int_equal(ct_dim(back), ct_dim(t));
      assert_memory_equal(ct_shape(back), ct_shape(t), sizeof(int64_t) * (size_t)ct_dim(t));
      assert_memory_equal(ct_data_ptr(back), ct_data_ptr(t), (size_t)ct_numel(t) * ct_dtype_size((ct_dtype)d));
      void *buf = NULL;
      size_t len = 0;
      assert_int_equal(ct_save_npy_buffer(t, &buf, &len), CT_OK);
      assert_int_equal(len % 64, (size_t)ct_numel(t) * ct_dtype_size((ct_dtype)d) % 64);
      ct_tensor *again = ct_load_npy_buffer(buf, len);
      free(buf);
      assert_non_null(again);
      assert_memory_equal(ct_data_ptr(again), ct_data_ptr(t), (size_t)ct_numel(t) * ct_dtype_size((ct_dtype)d));
    }
  }
  ct_scope_close(s);
}

// Above 4 MB the loader advises huge pages for the new storage: same bytes either way.
static void test_large_round_trip(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_arange(0, 3 << 20, 1, CT_FLOAT64);
  assert_non_null(t);
  assert_int_equal(ct_save_npy(write_temp("", 0), t), CT_OK);
  ct_tensor *back = ct_load_npy(temp_path);
  assert_non_null(back);
  assert_int_equal(ct_numel(back), 3 << 20);
  assert_memory_equal(ct_data_ptr(back), ct_data_ptr(t), (size_t)(3 << 20) * sizeof(double));
  ct_scope_close(s);
}

static void test_header_is_numpys(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(ct_save_npy_buffer(ct_zeros(CT_SHAPE(3, 4), CT_FLOAT32), &buf, &len), CT_OK);
  static const char want[] = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  assert_int_equal(len, 128 + 48);
  assert_memory_equal(buf, want, sizeof want - 1);
  assert_int_equal(((char *)buf)[127], '\n');
  free(buf);
  assert_int_equal(ct_save_npy_buffer(ct_scalar(1, CT_BOOL), &buf, &len), CT_OK);
  assert_true(contains(buf, len, "'descr': '|b1', 'fortran_order': False, 'shape': (), }"));
  free(buf);
  assert_int_equal(ct_save_npy_buffer(ct_zeros(CT_SHAPE(5), CT_INT64), &buf, &len), CT_OK);
  assert_true(contains(buf, len, "'shape': (5,), }"));
  free(buf);
  ct_scope_close(s);
}

static void test_saves_non_contiguous_by_value(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  int64_t storage[12];
  for (int i = 0; i < 12; i++) storage[i] = 100 + i;
  // Column 1..2 of a 3x4 matrix, transposed: shape (2, 3), strides (1, 4), offset 1.
  ct_tensor *t = ct_from_blob(storage + 1, CT_INT64, CT_SHAPE(2, 3), (int64_t[]){1, 4}, NULL, NULL);
  assert_non_null(t);
  assert_false(ct_is_contiguous(t));
  assert_int_equal(ct_save_npy(write_temp("", 0), t), CT_OK);
  ct_tensor *back = ct_load_npy(temp_path);
  assert_non_null(back);
  assert_true(ct_is_contiguous(back));
  const int64_t want[] = {101, 105, 109, 102, 106, 110};
  assert_memory_equal(ct_data_ptr(back), want, sizeof want);
  ct_scope_close(s);
}

static void test_fortran_order_loads_as_column_major_view(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const double data[] = {0, 1, 2, 3, 4, 5}; // column-major [[0, 2, 4], [1, 3, 5]]
  size_t n = make_npy(image, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data, sizeof data);
  ct_tensor *t = ct_load_npy_buffer(image, n);
  assert_non_null(t);
  assert_int_equal(ct_strides(t)[0], 1);
  assert_int_equal(ct_strides(t)[1], 2);
  const double want[] = {0, 2, 4, 1, 3, 5};
  assert_true(tu_allclose(t, want, 6, 0, 0));
  ct_scope_close(s);
}

static void test_big_endian_and_versions(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const unsigned char be_i32[] = {0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0x7f, 0xff, 0xff, 0xff};
  for (int major = 1; major <= 3; major++) {
    size_t n = make_npy(image, major, "{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }", be_i32,
                        sizeof be_i32);
    ct_tensor *t = ct_load_npy(write_temp(image, n));
    assert_non_null(t);
    assert_int_equal(ct_get_dtype(t), CT_INT32);
    const int32_t want[] = {1, -2, INT32_MAX};
    assert_memory_equal(ct_data_ptr(t), want, sizeof want);
  }
  const unsigned char be_f64[] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0}; // 1.5
  size_t n = make_npy(image, 2, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", be_f64, 8);
  double x = 0;
  assert_int_equal(ct_item(ct_load_npy_buffer(image, n), &x), CT_OK);
  assert_true(x == 1.5);
  ct_scope_close(s);
}

static void test_bool_bytes_normalised(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const unsigned char raw[] = {0, 1, 2, 255};
  size_t n = make_npy(image, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", raw, 4);
  ct_tensor *t = ct_load_npy_buffer(image, n);
  assert_non_null(t);
  assert_memory_equal(ct_data_ptr(t), ((const unsigned char[]){0, 1, 1, 1}), 4);
  ct_scope_close(s);
}

static void test_empty_and_scalar(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  size_t n = make_npy(image, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 3), }", NULL, 0);
  ct_tensor *t = ct_load_npy_buffer(image, n);
  assert_non_null(t);
  assert_int_equal(ct_numel(t), 0);
  assert_int_equal(ct_dim(t), 3);
  // An empty array may have huge other dims: nothing is read or allocated for them.
  n = make_npy(image, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000000000), }", NULL, 0);
  assert_non_null(ct_load_npy_buffer(image, n));
  ct_scope_close(s);
}

// With no scope open the root scope owns the loaded tensor; giving it up frees every block.
static void test_ownership_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  float v = 2.5f;
  size_t n = make_npy(image, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &v, 4);
  ct_tensor *t = ct_load_npy_buffer(image, n);
  assert_non_null(t);
  assert_int_equal(ct_scope_release(t), CT_OK);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

// Streams (pipes) have no size to check up front: the reader must still refuse short data
// without allocating what the header claims.
static ct_tensor *load_through_pipe(const void *bytes, size_t n) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  assert_true(n < 65536); // fits the pipe buffer: no writer process needed
  assert_int_equal(write(fds[1], bytes, n), (ssize_t)n);
  close(fds[1]);
  char path[64];
  snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
  ct_tensor *t = ct_load_npy(path);
  close(fds[0]);
  return t;
}

static void test_load_from_pipe(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t data[] = {5, -6, 7};
  size_t n = make_npy(image, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", data, sizeof data);
  ct_tensor *t = load_through_pipe(image, n);
  assert_non_null(t);
  assert_memory_equal(ct_data_ptr(t), data, sizeof data);
  EXPECT_ERROR_CONTAINING(load_through_pipe(image, n - 1),
                          "EOF: reading array data, expected 24 bytes got 23");
  n = make_npy(image, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", data, 8);
  EXPECT_ERROR_CONTAINING(load_through_pipe(image, n),
                          "EOF: reading array data, expected 8000000000000 bytes got 8");
  assert_int_equal(ct_scope_size(s), 1);
  ct_scope_close(s);
}

// ---- broken input ----

static void test_unreadable_files(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  assert_null(ct_load_npy("/nonexistent/dir/x.npy"));
  assert_int_equal(ct_last_status(), CT_ERR_IO);
  tu_assert_contains(ct_last_error(), "No such file or directory");
  EXPECT_ERROR_CONTAINING(ct_load_npy(temp_dir), "Is a directory");
  assert_null(ct_load_npy(NULL));
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  assert_null(ct_load_npy_buffer(NULL, 10));
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  assert_int_equal(ct_scope_size(s), 0);
  ct_scope_close(s);
}

static void test_bad_preamble(void **state) {
  (void)state;
  float data[12] = {0};
  size_t n = make_npy(image, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data, sizeof data);
  expect_load_error(image, 0, "EOF: reading magic string, expected 8 bytes got 0");
  expect_load_error(image, 7, "EOF: reading magic string, expected 8 bytes got 7");
  expect_load_error("PK\x03\x04zip", 7, "the magic string is not correct; expected b'\\x93NUMPY', got b'PK\\x03\\x04zi'");
  expect_load_error(image, 9, "EOF: reading array header length, expected 2 bytes got 1");
  expect_load_error(image, 40, "EOF: reading array header, expected 118 bytes got 30");
  expect_load_error(image, n - 1, "EOF: reading array data, expected 48 bytes got 47");
  image[6] = 4;
  expect_load_error(image, n, "we only support format version (1,0), (2,0), and (3,0), not (4, 0)");
  image[6] = 1;
  image[7] = 1;
  expect_load_error(image, n, "not (1, 1)");
  image[7] = 0;
  image[8] = 0x60;
  image[9] = 0xea; // 60000
  // NumPy reads a header before judging its length: a short file is truncated, a long
  // header that is all there is refused as large.
  expect_load_error(image, n, "EOF: reading array header, expected 60000 bytes got 166");
  unsigned char *large = calloc(10 + 60000, 1);
  assert_non_null(large);
  memcpy(large, image, 10);
  expect_load_error(large, 10 + 60000, "Header info length (60000) is large");
  free(large);
  n = make_npy(image, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data, sizeof data);
  expect_load_error(image, 11, "EOF: reading array header length, expected 4 bytes got 3");
}

static void test_malformed_header_dict(void **state) {
  (void)state;
  expect_header_error("['descr', '<f4']", "Header is not a dictionary");
  expect_header_error("", "Header is not a dictionary");
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ", "Cannot parse header");
  expect_header_error("{'descr': '<f4' 'fortran_order': False, 'shape': (3, 4)}", "Cannot parse header");
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)]}", "Cannot parse header");
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)} x", "Cannot parse header");
  expect_header_error("{descr: '<f4', 'fortran_order': False, 'shape': (3, 4)}", "Cannot parse header");
  expect_header_error("{'descr': '<f4, 'fortran_order': False, 'shape': (3, 4)}", "Cannot parse header");
  expect_header_error("{'descr': '<f4', 'fortran_order': False}",
                      "Header does not contain the correct keys: ['descr', 'fortran_order']");
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}",
                      "Header does not contain the correct keys: ['descr', 'fortran_order', 'shape', 'x']");
  expect_header_error("{'descr': '<f4', 'fortran_order': 1, 'shape': (3, 4)}", "fortran_order is not a valid bool: 1");
}

static void test_bad_shape_and_descr(void **state) {
  (void)state;
  const char *bad_shapes[] = {"[3, 4]", "(12)", "(3,, 4)", "(3, 4.0)", "(3, x)", "(03, 4)", "12", "(3 4)", "(,)"};
  char dict[256];
  for (size_t i = 0; i < sizeof bad_shapes / sizeof *bad_shapes; i++) {
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", bad_shapes[i]);
    char expect[64];
    snprintf(expect, sizeof expect, "shape is not valid: %s", bad_shapes[i]);
    expect_header_error(dict, expect);
  }
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (-12,), }", "negative dimensions");
  expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 12), }",
                      "the array has 9 dimensions; ctorch tensors have at most 8");
  const char *bad_descrs[] = {"'<f2'", "'<u1'", "'<c8'", "'<f'", "'float32'", "'<f4 '", "3", "[('a', '<f4')]", "'|O'"};
  for (size_t i = 0; i < sizeof bad_descrs / sizeof *bad_descrs; i++) {
    snprintf(dict, sizeof dict, "{'descr': %s, 'fortran_order': False, 'shape': (3, 4), }", bad_descrs[i]);
    char expect[160];
    snprintf(expect, sizeof expect, "descr is not a valid dtype descriptor or not supported by ctorch: %s",
             bad_descrs[i]);
    expect_header_error(dict, expect);
  }
}

static void test_huge_shapes_allocate_nothing(void **state) {
  (void)state;
  // numel * itemsize overflows int64: refused by the header check.
  expect_header_error("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                      "array is too big");
  expect_header_error("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                      "array is too big");
  // Fits in memory arithmetic but not in the file: refused before allocating 8 TB
  // (AddressSanitizer would abort on such an allocation).
  expect_header_error("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }",
                      "EOF: reading array data, expected 8000000000000 bytes got 48");
}

static void test_save_errors(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *t = ct_ones(CT_SHAPE(2, 2), CT_FLOAT32);
  assert_int_equal(ct_save_npy("/nonexistent/dir/x.npy", t), CT_ERR_IO);
  tu_assert_contains(ct_last_error(), "cannot save .npy file '/nonexistent/dir/x.npy': No such file");
  struct stat st;
  if (stat("/dev/full", &st) == 0) {
    assert_int_equal(ct_save_npy("/dev/full", t), CT_ERR_IO);
    tu_assert_contains(ct_last_error(), "No space left on device");
    assert_int_equal(stat("/dev/full", &st), 0); // a device is not removed
  }
  assert_int_equal(ct_save_npy(NULL, t), CT_ERR_ARG);
  void *buf = NULL;
  assert_int_equal(ct_save_npy_buffer(t, &buf, NULL), CT_ERR_ARG);
  // A NULL tensor from a failed op: the first cause stays the reported error.
  assert_null(ct_view(t, CT_SHAPE(3, -1)));
  char first[256];
  snprintf(first, sizeof first, "%s", ct_last_error());
  assert_int_equal(ct_save_npy(write_temp("", 0), NULL), CT_ERR_ARG);
  assert_string_equal(ct_last_error(), first);
  ct_clear_error();
  assert_int_equal(ct_save_npy_buffer(NULL, &buf, &(size_t){0}), CT_ERR_ARG);
  tu_assert_contains(ct_last_error(), "tensor is NULL");
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_dtype),
      cmocka_unit_test(test_large_round_trip),
      cmocka_unit_test(test_header_is_numpys),
      cmocka_unit_test(test_saves_non_contiguous_by_value),
      cmocka_unit_test(test_fortran_order_loads_as_column_major_view),
      cmocka_unit_test(test_big_endian_and_versions),
      cmocka_unit_test(test_bool_bytes_normalised),
      cmocka_unit_test(test_empty_and_scalar),
      cmocka_unit_test(test_ownership_without_scope),
      cmocka_unit_test(test_load_from_pipe),
      cmocka_unit_test(test_unreadable_files),
      cmocka_unit_test(test_bad_preamble),
      cmocka_unit_test(test_malformed_header_dict),
      cmocka_unit_test(test_bad_shape_and_descr),
      cmocka_unit_test(test_huge_shapes_allocate_nothing),
      cmocka_unit_test(test_save_errors),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}

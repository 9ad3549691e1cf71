// The value tree and the file formats' behaviour that the live oracles (oracle_pt,
// oracle_safetensors) cannot see from outside: the value API's ownership rules, a
// safetensors mapping that outlives its tree and never writes the file back, shared
// storages and Parameters surviving a .pt round trip in C, the module state-dict helpers,
// and the atomic save leaving no temporary file behind.
#define _POSIX_C_SOURCE 200809L
#include "unit.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char temp_dir[] = "/tmp/ctorch_test_serialize_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

// Removes every file the tests left, then the folder.
static int remove_temp_dir(void **state) {
  (void)state;
  DIR *d = opendir(temp_dir);
  struct dirent *e;
  char path[300];
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", temp_dir, e->d_name);
      unlink(path);
    }
  if (d) closedir(d);
  return rmdir(temp_dir);
}

static const char *temp_path(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

static int files_in_temp_dir(void) {
  DIR *d = opendir(temp_dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    n += e->d_name[0] != '.';
  if (d) closedir(d);
  return n;
}

static void test_value_tree(void **state) {
  (void)state;
  ct_value *d = ct_value_dict();
  assert_int_equal(ct_value_dict_set_str(d, "a", ct_value_int(1)), CT_OK);
  assert_int_equal(ct_value_dict_set(d, ct_value_int(7), ct_value_string("seven")), CT_OK);
  assert_int_equal(ct_value_dict_set_str(d, "a", ct_value_float(2.5)), CT_OK); // replaces, keeps the position
  assert_int_equal(ct_value_len(d), 2);
  assert_string_equal(ct_value_as_string(ct_value_key_at(d, 0)), "a");
  assert_true(ct_value_as_float(ct_value_get(d, "a")) == 2.5);
  assert_int_equal(ct_value_as_int(ct_value_key_at(d, 1)), 7);
  assert_null(ct_value_get(d, "missing"));
  ct_value *list = ct_value_list();
  assert_int_equal(ct_value_append(list, ct_value_bool(true)), CT_OK);
  assert_int_equal(ct_value_append(list, ct_value_none()), CT_OK);
  assert_int_equal(ct_value_dict_set_str(d, "l", list), CT_OK);
  assert_true(ct_value_as_bool(ct_value_at(ct_value_get(d, "l"), 0)));
  assert_int_equal(ct_value_get_kind(ct_value_at(ct_value_get(d, "l"), 1)), CT_VALUE_NONE);
  // Kinds that do not match read as neutral values.
  assert_null(ct_value_as_tensor(ct_value_get(d, "a")));
  assert_int_equal(ct_value_as_int(ct_value_get(d, "l")), 0);
  assert_null(ct_value_at(d, 5));
  ct_value *bytes = ct_value_uint8("abc", 3);
  assert_int_equal(ct_value_len(bytes), 3);
  assert_null(ct_value_at(bytes, 0)); // bytes, not items
  assert_int_equal(ct_value_as_uint8(bytes)[2], 'c');
  ct_value_free(bytes);
  ct_value_free(d);
}

// A tensor from a mapped file stays valid after its tree is freed; writing to it copies
// the page and leaves the file as it was.
static void test_safetensors_mapping(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_value *d = ct_value_dict();
  ct_value_dict_set_str(d, "w", ct_value_tensor(ct_arange(0, 6, 1, CT_FLOAT32)));
  const char *path = temp_path("map.safetensors");
  assert_int_equal(ct_save_safetensors(path, d, NULL), CT_OK);
  ct_value_free(d);
  ct_value *meta = NULL;
  ct_value *loaded = ct_load_safetensors(path, &meta);
  assert_non_null(loaded);
  assert_int_equal(ct_value_len(meta), 0);
  ct_tensor *w = ct_retain(ct_value_as_tensor(ct_value_get(loaded, "w")));
  ct_value_free(loaded);
  ct_value_free(meta);
  double v = 0;
  assert_int_equal(ct_get(w, (int64_t[]){5}, &v), CT_OK);
  assert_true(v == 5.0);
  assert_int_equal(ct_set(w, (int64_t[]){5}, 42.0), CT_OK);
  ct_release(w);
  ct_value *again = ct_load_safetensors(path, NULL);
  assert_int_equal(ct_get(ct_value_as_tensor(ct_value_get(again, "w")), (int64_t[]){5}, &v), CT_OK);
  assert_true(v == 5.0);
  ct_value_free(again);
  ct_scope_close(s);
}

// Views sharing a storage, a Parameter and a leaf that requires grad come back as such.
static void test_pt_round_trip(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *base = ct_view(ct_arange(0, 12, 1, CT_FLOAT64), CT_SHAPE(3, 4));
  ct_tensor *param = ct_parameter(ct_zeros(CT_SHAPE(2), CT_FLOAT32));
  ct_value *list = ct_value_list();
  ct_value_append(list, ct_value_tensor(base));
  ct_value_append(list, ct_value_tensor(ct_transpose(base, 0, 1)));
  ct_value_append(list, ct_value_tensor(param));
  void *bytes = NULL;
  size_t size = 0;
  assert_int_equal(ct_save_pt_buffer(list, &bytes, &size), CT_OK);
  ct_value_free(list);
  ct_value *back = ct_load_pt_buffer(bytes, size);
  free(bytes);
  assert_non_null(back);
  ct_tensor *b0 = ct_value_as_tensor(ct_value_at(back, 0)), *b1 = ct_value_as_tensor(ct_value_at(back, 1));
  ct_tensor *p = ct_value_as_tensor(ct_value_at(back, 2));
  assert_true(ct_shares_storage(b0, b1));
  assert_int_equal(ct_strides(b1)[0], 1);
  assert_int_equal(ct_strides(b1)[1], 4);
  assert_true(ct_is_parameter(p) && ct_requires_grad(p));
  assert_false(ct_is_parameter(b0));
  ct_value_free(back);
  ct_scope_close(s);
}

static void test_state_dict_files(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_manual_seed(1);
  ct_module *a = ct_linear_new(3, 2, true);
  ct_manual_seed(2);
  ct_module *b = ct_linear_new(3, 2, true);
  const char *path = temp_path("linear.pt");
  assert_int_equal(ct_save_state_dict_pt(a, path), CT_OK);
  assert_int_equal(ct_module_load_state_dict_pt(b, path, true), CT_OK);
  ct_tensor *wa = ct_module_parameter(a, "weight"), *wb = ct_module_parameter(b, "weight");
  double x = 0, y = 1;
  for (int64_t i = 0; i < 6; i++) {
    assert_int_equal(ct_get(wa, (int64_t[]){i / 3, i % 3}, &x), CT_OK);
    assert_int_equal(ct_get(wb, (int64_t[]){i / 3, i % 3}, &y), CT_OK);
    assert_true(x == y);
  }
  // A file holding a list is not a state dict; nothing changes.
  ct_value *list = ct_value_list();
  ct_value_append(list, ct_value_int(1));
  assert_int_equal(ct_save_pt(temp_path("list.pt"), list), CT_OK);
  ct_value_free(list);
  ct_clear_error();
  assert_int_equal(ct_module_load_state_dict_pt(b, temp_path("list.pt"), true), CT_ERR_IO);
  assert_non_null(strstr(ct_last_error(), "holds a list, not a dict"));
  ct_module_free(a);
  ct_module_free(b);
  ct_scope_close(s);
}

// Saving over a file replaces it whole; a failed save leaves neither a partial file nor a
// temporary one.
static void test_atomic_save(void **state) {
  (void)state;
  int before = files_in_temp_dir();
  ct_value *v = ct_value_string("first");
  const char *path = temp_path("atomic.pt");
  assert_int_equal(ct_save_pt(path, v), CT_OK);
  ct_value_free(v);
  v = ct_value_string("second");
  assert_int_equal(ct_save_pt(path, v), CT_OK);
  ct_value_free(v);
  ct_value *back = ct_load_pt(path);
  assert_string_equal(ct_value_as_string(back), "second");
  ct_value_free(back);
  assert_int_equal(files_in_temp_dir(), before + 1);
  ct_value *t = ct_value_tensor(ct_zeros(CT_SHAPE(1), CT_FLOAT32));
  ct_clear_error();
  assert_int_equal(ct_save_pt(temp_path("no_such_dir/x.pt"), t), CT_ERR_IO);
  assert_non_null(strstr(ct_last_error(), "no_such_dir/x.pt"));
  ct_value_free(t);
  assert_int_equal(files_in_temp_dir(), before + 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_value_tree),    cmocka_unit_test(test_safetensors_mapping),
      cmocka_unit_test(test_pt_round_trip), cmocka_unit_test(test_state_dict_files),
      cmocka_unit_test(test_atomic_save),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}

// nn_extra.h mechanics that the oracle does not reach: ModuleList insert/get order,
// ModuleDict replacement keeping the key's place (and freeing the old module), apply's
// order, and ownership of arguments on failure (LeakSanitizer under make sanitize).
// Reprs, parameter names and values against PyTorch are oracle_nn's and oracle_nn_extra's job.
#include "unit.h"
#include <string.h>

static const char *name_of(ct_module *m) {
  static char buf[256];
  assert_int_equal(ct_module_repr(m, buf, sizeof buf), CT_OK);
  return buf;
}

static void test_module_list_order(void **state) {
  (void)state;
  ct_module *list = ct_module_list_new(2, (ct_module *[]){ct_relu_new(), ct_tanh_new()});
  assert_non_null(list);
  assert_int_equal(ct_module_list_insert(list, 0, ct_silu_new()), CT_OK);
  assert_int_equal(ct_module_list_insert(list, 2, ct_mish_new()), CT_OK);
  assert_int_equal(ct_module_list_insert(list, 4, ct_elu_new(1.0)), CT_OK);
  assert_int_equal(ct_module_list_extend(list, 1, (ct_module *[]){ct_sigmoid_new()}), CT_OK);
  assert_int_equal(ct_module_list_len(list), 6);
  const char *want[] = {"SiLU()", "ReLU()", "Mish()", "Tanh()", "ELU(alpha=1.0)", "Sigmoid()"};
  for (int i = 0; i < 6; i++) {
    assert_string_equal(name_of(ct_module_list_get(list, i)), want[i]);
    assert_ptr_equal(ct_module_list_get(list, i - 6), ct_module_list_get(list, i));
  }
  ct_named_list *children = ct_module_named_children(list);
  for (int i = 0; i < children->count; i++) {
    char key[16];
    snprintf(key, sizeof key, "%d", i);
    assert_string_equal(children->items[i].name, key);
  }
  ct_named_list_free(children);
  ct_module_free(list);
}

static void test_module_dict_replace(void **state) {
  (void)state;
  ct_module *dict = ct_module_dict_new(3, (const char *[]){"b", "a", "c"},
                                       (ct_module *[]){ct_linear_new(2, 2, true), ct_relu_new(), ct_tanh_new()});
  assert_non_null(dict);
  assert_int_equal(ct_module_dict_set(dict, "a", ct_silu_new()), CT_OK); // replaces, keeps its place
  assert_int_equal(ct_module_dict_set(dict, "d", ct_mish_new()), CT_OK);
  ct_module *same = ct_module_dict_get(dict, "d");
  assert_int_equal(ct_module_dict_set(dict, "d", same), CT_OK); // itself: nothing changes
  assert_int_equal(ct_module_dict_len(dict), 4);
  assert_true(ct_module_dict_contains(dict, "c"));
  assert_false(ct_module_dict_contains(dict, "e"));
  ct_named_list *children = ct_module_named_children(dict);
  const char *keys[] = {"b", "a", "c", "d"};
  for (int i = 0; i < 4; i++) assert_string_equal(children->items[i].name, keys[i]);
  ct_named_list_free(children);
  assert_string_equal(name_of(ct_module_dict_get(dict, "a")), "SiLU()");
  // A failed replacement keeps the old module.
  assert_int_not_equal(ct_module_dict_set(dict, "a", ct_linear_new(-1, 2, true)), CT_OK);
  assert_int_not_equal(ct_module_dict_set(dict, "a", dict), CT_OK);
  ct_clear_error();
  assert_string_equal(name_of(ct_module_dict_get(dict, "a")), "SiLU()");
  ct_module_free(dict);
}

static void record(ct_module *m, void *ctx) {
  char *out = ctx;
  strcat(out, m->vtable->name);
  strcat(out, " ");
}

static void test_apply_children_first(void **state) {
  (void)state;
  ct_module *model = ct_sequential_new(
      2, (ct_module *[]){ct_linear_new(1, 1, true), ct_sequential_new(2, (ct_module *[]){ct_relu_new(), ct_tanh_new()})});
  char order[256] = "";
  assert_ptr_equal(ct_module_apply(model, record, order), model);
  assert_string_equal(order, "Linear ReLU Tanh Sequential Sequential "); // PyTorch's order
  ct_module_free(model);
}

// Parameters without a gradient are skipped; none at all gives 0.0 (float32).
static void test_clip_grad_norm_skips_missing_grads(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *b = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  double v = -1;
  ct_tensor *none = ct_clip_grad_norm_((ct_tensor *[]){a, b}, 2, 1.0, 2.0, true);
  assert_int_equal(ct_item(none, &v), CT_OK);
  assert_true(v == 0.0 && ct_get_dtype(none) == CT_FLOAT32 && ct_dim(none) == 0);
  ct_set_grad(b, ct_tensor_parse("[3.0, 4.0]"));
  ct_tensor *total = ct_clip_grad_norm_((ct_tensor *[]){a, b}, 2, 10.0, 2.0, true);
  assert_int_equal(ct_item(total, &v), CT_OK);
  assert_true(v == 5.0);
  assert_null(ct_grad(a));
  assert_int_equal(ct_item(ct_select(ct_grad(b), 0, 1), &v), CT_OK);
  assert_true(v == 4.0); // coefficient clamped to 1: unchanged
  ct_scope_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_module_list_order),
      cmocka_unit_test(test_module_dict_replace),
      cmocka_unit_test(test_apply_children_first),
      cmocka_unit_test(test_clip_grad_norm_skips_missing_grads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

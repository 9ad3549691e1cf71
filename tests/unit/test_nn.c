// nn module system misuse and lifetime: NULL arguments, bad names, bad parameters,
// ownership (Sequential with a NULL element, modules registered twice, cycles),
// load_state_dict failures that must leave the module unchanged, save/load directories,
// modules without forward, and no leaks with and without a scope open (LeakSanitizer).
// Parity with torch.nn (reprs, values, gradients, masks, error texts) is oracle_nn's job.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include "unit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// ---- helpers ----

// A user module: children chained by forward, with an optional parameter.
typedef struct user_module {
  ct_module base;
} user_module;

static int destroy_calls;
static void user_destroy(ct_module *self) {
  (void)self;
  destroy_calls++;
}
static ct_tensor *user_forward(ct_module *self, ct_tensor *x) {
  for (int i = 0; i < ct_module_num_children(self) && x; i++) x = ct_module_forward(ct_module_child(self, i), x);
  return x;
}
static const ct_module_vtable user_vtable = {"Net", user_forward, NULL, user_destroy};
static const ct_module_vtable no_forward_vtable = {"NoForward", NULL, NULL, NULL};

static ct_module *user_new(void) { return ct_module_new(sizeof(user_module), &user_vtable); }

// A float32 leaf with values 0, 1, 2, ... (owned by the innermost scope, the root scope
// when none is open).
static ct_tensor *iota(int ndim, const int64_t *shape) {
  ct_tensor *t = ct_zeros(ndim, shape, CT_FLOAT32);
  float *p = ct_data_ptr(t);
  for (int64_t i = 0; i < ct_numel(t); i++) p[i] = (float)i;
  return t;
}

static bool same_values(const ct_tensor *a, const ct_tensor *b) {
  return ct_numel(a) == ct_numel(b) && !memcmp(ct_data_ptr(a), ct_data_ptr(b), (size_t)ct_numel(a) * 4);
}

// Copies of every parameter (owned by the current scope) to compare with later.
static ct_named_list *snapshot(ct_module *m) {
  ct_named_list *l = ct_module_named_parameters(m);
  assert_non_null(l);
  for (int i = 0; i < l->count; i++) l->items[i].tensor = ct_clone(ct_detach(l->items[i].tensor));
  return l;
}

static void assert_unchanged(ct_module *m, const ct_named_list *before) {
  ct_named_list *now = ct_module_named_parameters(m);
  assert_non_null(now);
  assert_int_equal(now->count, before->count);
  for (int i = 0; i < now->count; i++) {
    assert_string_equal(now->items[i].name, before->items[i].name);
    assert_true(same_values(now->items[i].tensor, before->items[i].tensor));
  }
  ct_named_list_free(now);
}

static const char *repr_of(const ct_module *m) {
  static char buf[4096];
  assert_int_equal(ct_module_repr(m, buf, sizeof buf), CT_OK);
  return buf;
}

// ---- NULL arguments ----

static void test_null_arguments(void **state) {
  (void)state;
  char expected[64];
  snprintf(expected, sizeof expected, "module size %zu is smaller than ct_module", sizeof(ct_module) - 1);
  assert_null(ct_module_new(sizeof(ct_module) - 1, &user_vtable));
  assert_string_equal(ct_last_error(), expected);
  assert_null(ct_module_new(sizeof(ct_module), NULL));
  assert_string_equal(ct_last_error(), "module vtable needs a name");
  ct_module_free(NULL);

  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32);
  assert_null(ct_module_forward(NULL, x));
  assert_string_equal(ct_last_error(), "forward: module is NULL");
  ct_module *relu = ct_relu_new();
  ct_clear_error();
  assert_null(ct_module_forward(relu, NULL)); // NULL tensors propagate without a new message
  assert_int_equal(ct_last_status(), CT_OK);
  assert_null(ct_module_register_parameter(NULL, "w", x));
  assert_string_equal(ct_last_error(), "register_parameter: module is NULL");
  ct_clear_error();
  assert_null(ct_module_register_parameter(relu, "w", NULL));
  assert_int_equal(ct_last_status(), CT_OK);
  assert_null(ct_module_register_module(relu, "child", NULL));
  assert_int_equal(ct_last_status(), CT_OK);
  assert_null(ct_module_register_module(NULL, "child", ct_tanh_new())); // the child is freed (LSan)
  assert_string_equal(ct_last_error(), "register_module: module is NULL");
  ct_scope_close(s);

  assert_null(ct_module_named_parameters(NULL));
  assert_string_equal(ct_last_error(), "named_parameters: module is NULL");
  assert_null(ct_module_state_dict(NULL));
  assert_string_equal(ct_last_error(), "state_dict: module is NULL");
  assert_null(ct_module_named_children(NULL));
  int count = 7;
  assert_null(ct_module_parameters(NULL, &count));
  assert_int_equal(count, 0);
  assert_int_equal(ct_module_num_children(NULL), 0);
  assert_null(ct_module_child(NULL, 0));
  assert_null(ct_module_child(relu, 0));
  assert_null(ct_module_child(relu, -1));
  ct_module_train(NULL, true);
  ct_module_eval(NULL);
  ct_module_zero_grad(NULL, true);
  ct_module_requires_grad_(NULL, false);
  char buf[16];
  assert_int_equal(ct_module_repr(NULL, buf, sizeof buf), CT_ERR_ARG);
  assert_int_equal(ct_module_repr(relu, NULL, 16), CT_ERR_ARG);
  assert_int_equal(ct_module_repr(relu, buf, 0), CT_ERR_ARG);
  assert_int_equal(ct_module_print(NULL), CT_ERR_ARG);
  ct_named_list empty = {0};
  assert_int_equal(ct_module_load_state_dict(NULL, &empty, true), CT_ERR_ARG);
  assert_int_equal(ct_module_load_state_dict(relu, NULL, true), CT_ERR_ARG);
  assert_int_equal(ct_module_load_state_dict(relu, &empty, true), CT_OK);
  assert_int_equal(ct_module_save(NULL, "/tmp"), CT_ERR_ARG);
  assert_int_equal(ct_module_save(relu, NULL), CT_ERR_ARG);
  assert_int_equal(ct_module_load(NULL, "/tmp"), CT_ERR_ARG);
  assert_int_equal(ct_module_load(relu, NULL), CT_ERR_ARG);
  assert_null(ct_linear_weight(NULL));
  assert_null(ct_linear_weight(relu)); // not a Linear
  assert_null(ct_linear_bias(relu));
  assert_null(ct_embedding_weight(relu));
  ct_named_list_free(NULL);
  ct_module_free(relu);
}

// ---- names and parameters ----

static void test_bad_names_use_pytorch_text(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *m = user_new();
  ct_tensor *w = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  assert_non_null(ct_module_register_parameter(m, "w", w));
  assert_non_null(ct_module_register_module(m, "act", ct_relu_new()));

  assert_null(ct_module_register_parameter(m, "a.b", w));
  assert_string_equal(ct_last_error(), "parameter name can't contain \".\"");
  assert_null(ct_module_register_parameter(m, "", w));
  assert_string_equal(ct_last_error(), "parameter name can't be empty string \"\"");
  assert_null(ct_module_register_parameter(m, NULL, w));
  assert_string_equal(ct_last_error(), "parameter name should be a string. Got NoneType");
  assert_null(ct_module_register_parameter(m, "w", w));
  assert_string_equal(ct_last_error(), "attribute 'w' already exists");
  assert_null(ct_module_register_parameter(m, "act", w));
  assert_string_equal(ct_last_error(), "attribute 'act' already exists");

  // A failed module registration frees the child (LeakSanitizer checks).
  assert_null(ct_module_register_module(m, "a.b", ct_relu_new()));
  assert_string_equal(ct_last_error(), "module name can't contain \".\", got: a.b");
  assert_null(ct_module_register_module(m, "", ct_relu_new()));
  assert_string_equal(ct_last_error(), "module name can't be empty string \"\"");
  assert_null(ct_module_register_module(m, NULL, ct_relu_new()));
  assert_string_equal(ct_last_error(), "module name should be a string. Got NoneType");
  assert_null(ct_module_register_module(m, "act", ct_relu_new()));
  assert_string_equal(ct_last_error(), "attribute 'act' already exists");
  assert_null(ct_module_register_module(m, "w", ct_relu_new()));
  assert_string_equal(ct_last_error(), "attribute 'w' already exists");

  // Nothing was added by the failures.
  ct_named_list *l = ct_module_named_parameters(m);
  assert_int_equal(l->count, 1);
  assert_string_equal(l->items[0].name, "w");
  ct_named_list_free(l);
  assert_int_equal(ct_module_num_children(m), 1);
  ct_module_free(m);
  ct_scope_close(s);
}

static void test_parameter_must_be_a_floating_leaf(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *m = user_new();
  assert_null(ct_module_register_parameter(m, "i", ct_zeros(CT_SHAPE(2), CT_INT64)));
  assert_string_equal(ct_last_error(), "Only Tensors of floating point and complex dtype can require gradients");
  assert_null(ct_module_register_parameter(m, "b", ct_zeros(CT_SHAPE(2), CT_BOOL)));
  assert_string_equal(ct_last_error(), "Only Tensors of floating point and complex dtype can require gradients");
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *non_leaf = ct_mul_scalar(leaf, 2);
  assert_null(ct_module_register_parameter(m, "h", non_leaf));
  assert_string_equal(ct_last_error(),
                      "Cannot assign non-leaf Tensor to parameter 'h'. Model parameters must be created explicitly. "
                      "To express 'h' as a function of another Tensor, compute the value in the forward() method.");
  // A leaf becomes a Parameter that requires grad, shared with the caller.
  ct_tensor *p = ct_zeros(CT_SHAPE(2), CT_FLOAT64);
  assert_ptr_equal(ct_module_register_parameter(m, "p", p), p);
  assert_true(ct_requires_grad(p));
  assert_string_equal(tu_repr(p), "Parameter containing:\ntensor([0., 0.], dtype=torch.float64, requires_grad=True)");
  ct_named_list *l = ct_module_named_parameters(m);
  assert_int_equal(l->count, 1);
  ct_named_list_free(l);
  ct_scope_close(s);
  // The module holds its own reference: the parameter outlives the scope.
  assert_int_equal(ct_numel(p), 2);
  ct_module_free(m);
}

static void test_no_forward(void **state) {
  (void)state;
  ct_module *m = ct_module_new(sizeof(ct_module), &no_forward_vtable);
  ct_tensor *x = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  assert_null(ct_module_forward(m, x));
  assert_int_equal(ct_last_status(), CT_ERR_RUNTIME);
  assert_string_equal(ct_last_error(), "Module [NoForward] is missing the required \"forward\" function");
  // Inside a Sequential the failure propagates, intermediates are released.
  ct_module *seq = ct_sequential_new(2, (ct_module *[]){ct_relu_new(), m});
  ct_scope *s = ct_scope_open();
  assert_null(ct_module_forward(seq, x));
  assert_string_equal(ct_last_error(), "Module [NoForward] is missing the required \"forward\" function");
  assert_int_equal(ct_scope_size(s), 0);
  ct_scope_close(s);
  ct_module_free(seq);
}

// ---- ownership ----

static void test_sequential_with_null_element_frees_the_others(void **state) {
  (void)state;
  ct_clear_error();
  assert_null(ct_sequential_new(3, (ct_module *[]){ct_linear_new(3, 2, true), NULL, ct_relu_new()}));
  assert_string_equal(ct_last_error(), "Sequential: a module argument is NULL");
  // A failed constructor inside: its message stands, the others are freed.
  assert_null(ct_sequential_new(3, (ct_module *[]){ct_relu_new(), ct_linear_new(-1, 2, true), ct_tanh_new()}));
  assert_string_equal(ct_last_error(), "Trying to create tensor with negative dimension -1: [2, -1]");
  assert_null(ct_sequential_new(-1, NULL));
  assert_string_equal(ct_last_error(), "Sequential: bad module list (n=-1)");
  assert_null(ct_sequential_new(2, NULL));
  assert_string_equal(ct_last_error(), "Sequential: bad module list (n=2)");
  // The same module twice would be freed twice: refused, everything freed once.
  ct_module *r = ct_relu_new();
  assert_null(ct_sequential_new(3, (ct_module *[]){r, ct_sigmoid_new(), r}));
  assert_string_equal(ct_last_error(), "register_module: this ReLU is already registered in another module");
  ct_module *t = ct_tanh_new();
  assert_null(ct_sequential_new(4, (ct_module *[]){t, t, t, NULL}));
  // Empty and nested Sequentials.
  ct_module *empty = ct_sequential_new(0, NULL);
  assert_non_null(empty);
  assert_string_equal(repr_of(empty), "Sequential()");
  ct_module *nested = ct_sequential_new(2, (ct_module *[]){empty, ct_sequential_new(1, (ct_module *[]){ct_relu_new()})});
  assert_string_equal(repr_of(nested), "Sequential(\n  (0): Sequential()\n  (1): Sequential(\n    (0): ReLU()\n  )\n)");
  ct_module_free(nested);
}

static void test_registered_children_are_owned_once(void **state) {
  (void)state;
  destroy_calls = 0;
  ct_module *a = user_new(), *b = user_new(), *child = ct_relu_new();
  assert_ptr_equal(ct_module_register_module(a, "c", child), child);
  // A child already owned by a is neither taken by b nor freed.
  assert_null(ct_module_register_module(b, "c", child));
  assert_string_equal(ct_last_error(), "register_module: this ReLU is already registered in another module");
  assert_int_equal(ct_module_num_children(b), 0);
  // Freeing an owned child directly is refused (its parent frees it).
  ct_module_free(child);
  assert_string_equal(ct_last_error(), "ct_module_free: this ReLU is registered in a parent module, which owns and frees it");
  assert_ptr_equal(ct_module_child(a, 0), child);
  // Cycles: a module inside itself, or an ancestor inside its descendant.
  assert_null(ct_module_register_module(a, "self", a));
  assert_string_equal(ct_last_error(), "register_module: a module can't be registered inside itself");
  assert_ptr_equal(ct_module_register_module(b, "a", a), a);
  ct_module *root = user_new();
  assert_ptr_equal(ct_module_register_module(root, "b", b), b);
  assert_null(ct_module_register_module(a, "root", root));
  assert_string_equal(ct_last_error(), "register_module: a module can't be registered inside itself");
  assert_string_equal(repr_of(root), "Net(\n  (b): Net(\n    (a): Net(\n      (c): ReLU()\n    )\n  )\n)");
  ct_module_free(root);
  assert_int_equal(destroy_calls, 3); // each user module's destroy ran once
}

static void test_shared_parameter_listed_once_saved_under_each_name(void **state) {
  (void)state;
  ct_module *m = user_new();
  ct_module *enc = ct_module_register_module(m, "enc", ct_embedding_new(5, 3, CT_NO_PADDING_IDX));
  ct_module *dec = ct_module_register_module(m, "dec", user_new());
  ct_tensor *w = ct_embedding_weight(enc);
  assert_ptr_equal(ct_module_register_parameter(dec, "weight", w), w); // weight tying
  ct_named_list *np = ct_module_named_parameters(m), *sd = ct_module_state_dict(m);
  assert_int_equal(np->count, 1);
  assert_string_equal(np->items[0].name, "enc.weight");
  assert_int_equal(sd->count, 2);
  assert_string_equal(sd->items[1].name, "dec.weight");
  assert_ptr_equal(sd->items[1].tensor, w);
  int count = 0;
  ct_tensor **params = ct_module_parameters(m, &count);
  assert_int_equal(count, 1);
  assert_ptr_equal(params[0], w);
  free(params);
  ct_named_list_free(np);
  ct_named_list_free(sd);
  ct_module_free(m);
}

static void test_parameters_before_children_and_long_names(void **state) {
  (void)state;
  ct_module *m = user_new();
  ct_module_register_module(m, "fc", ct_linear_new(2, 2, false));
  ct_tensor *scale = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_module_register_parameter(m, "scale", scale);
  assert_int_equal(ct_scope_release(scale), CT_OK); // the module holds the only reference now
  ct_named_list *l = ct_module_named_parameters(m);
  assert_int_equal(l->count, 2);
  assert_string_equal(l->items[0].name, "scale"); // a module's own parameters come first
  assert_string_equal(l->items[1].name, "fc.weight");
  ct_named_list_free(l);
  l = ct_module_named_children(m);
  assert_int_equal(l->count, 1);
  assert_string_equal(l->items[0].name, "fc");
  assert_null(l->items[0].tensor);
  ct_named_list_free(l);
  // Dotted names longer than a list item can hold are an error, never a truncated name.
  char name[200];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  ct_module *outer = user_new();
  ct_module_register_module(ct_module_register_module(outer, name, user_new()), name, ct_linear_new(1, 1, true));
  assert_null(ct_module_named_parameters(outer));
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  assert_non_null(strstr(ct_last_error(), "is longer than 255 characters"));
  assert_null(ct_module_state_dict(outer));
  ct_module_free(outer);
  ct_module_free(m);
}

// ---- load_state_dict ----

static void test_load_state_dict_failures_leave_module_unchanged(void **state) {
  (void)state;
  ct_manual_seed(0);
  ct_module *m = ct_sequential_new(2, (ct_module *[]){ct_linear_new(3, 2, true), ct_linear_new(2, 1, false)});
  ct_scope *s = ct_scope_open();
  ct_named_list *before = snapshot(m);
  ct_tensor *w0 = iota(CT_SHAPE(2, 3)), *b0 = iota(CT_SHAPE(2)), *w1 = iota(CT_SHAPE(1, 2));
  ct_tensor *bad = iota(CT_SHAPE(3, 3)), *extra = iota(CT_SHAPE(1));
  ct_tensor *b64 = ct_tensor_from_f64((double[]){0.1, 1.0 / 3}, 1, (int64_t[]){2});
  size_t in_scope = ct_scope_size(s);
  struct {
    bool strict;
    int n;
    ct_named_tensor items[4];
    const char *message;
  } cases[] = {
      {true, 2, {{"0.weight", w0}, {"0.bias", b0}},
       "Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"1.weight\". "},
      {true, 4, {{"0.weight", w0}, {"0.bias", b0}, {"1.weight", w1}, {"2.weight", extra}},
       "Error(s) in loading state_dict for Sequential:\n\tUnexpected key(s) in state_dict: \"2.weight\". "},
      {true, 3, {{"0.weight", bad}, {"0.bias", b0}, {"1.weight", w1}},
       "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a param with shape "
       "torch.Size([3, 3]) from checkpoint, the shape in current model is torch.Size([2, 3])."},
      {false, 2, {{"0.weight", bad}, {"zz", extra}},
       "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a param with shape "
       "torch.Size([3, 3]) from checkpoint, the shape in current model is torch.Size([2, 3])."},
      {true, 3, {{"0.weight", w0}, {"0.bias", NULL}, {"1.weight", w1}},
       "Error(s) in loading state_dict for Sequential:\n\tWhile copying the parameter named \"0.bias\", expected "
       "torch.Tensor or Tensor-like object from checkpoint but received <class 'NoneType'>"},
      {true, 2, {{"1.weight", bad}, {"x", extra}},
       "Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"0.weight\", \"0.bias\". "
       "\n\tUnexpected key(s) in state_dict: \"x\". \n\tsize mismatch for 1.weight: copying a param with shape "
       "torch.Size([3, 3]) from checkpoint, the shape in current model is torch.Size([1, 2])."},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ct_named_list list = {cases[i].n, cases[i].items};
    assert_int_equal(ct_module_load_state_dict(m, &list, cases[i].strict), CT_ERR_ARG);
    assert_string_equal(ct_last_error(), cases[i].message);
    assert_unchanged(m, before);
  }
  // Non-strict: missing and unexpected keys are fine, matching ones are copied.
  ct_named_list partial = {2, (ct_named_tensor[]){{"zz", extra}, {"1.weight", w1}}};
  assert_int_equal(ct_module_load_state_dict(m, &partial, false), CT_OK);
  ct_named_list *now = ct_module_named_parameters(m);
  assert_true(same_values(now->items[0].tensor, before->items[0].tensor));
  assert_true(same_values(now->items[2].tensor, w1));
  // Strict with converted dtypes: float64 values round to float32.
  ct_named_list all = {3, (ct_named_tensor[]){{"1.weight", w1}, {"0.bias", b64}, {"0.weight", w0}}};
  assert_int_equal(ct_module_load_state_dict(m, &all, true), CT_OK);
  assert_true(same_values(now->items[0].tensor, w0));
  const float *bias = ct_data_ptr(now->items[1].tensor);
  assert_true(bias[0] == 0.1f && bias[1] == 1.0f / 3);
  assert_true(ct_requires_grad(now->items[1].tensor)); // still a parameter
  ct_named_list_free(now);
  ct_named_list_free(before);
  assert_int_equal(ct_scope_size(s), in_scope); // loading left nothing behind
  ct_scope_close(s);
  ct_module_free(m);
}

// ---- save / load directories ----

static char temp_dir[] = "/tmp/ctorch_test_nn_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", temp_dir);
  return system(cmd);
}

// "<temp dir>/<name>", in a static buffer (valid until the next call).
static const char *temp_path(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

static ct_module *mlp(uint64_t seed) {
  ct_manual_seed(seed);
  ct_module *m = user_new();
  ct_module_register_module(m, "model", ct_sequential_new(3, (ct_module *[]){ct_linear_new(5, 3, true), ct_relu_new(),
                                                                              ct_linear_new(3, 5, false)}));
  ct_module_register_module(m, "emb", ct_embedding_new(4, 5, 0));
  return m;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_save_load_round_trip(void **state) {
  (void)state;
  ct_module *a = mlp(1), *b = mlp(2);
  char dir[256];
  snprintf(dir, sizeof dir, "%s", temp_path("mlp"));
  assert_int_equal(ct_module_save(a, dir), CT_OK);
  assert_int_equal(ct_module_save(a, dir), CT_OK); // an existing directory is reused
  struct stat info;
  assert_int_equal(stat(temp_path("mlp/model.0.weight.npy"), &info), 0);
  assert_int_equal(stat(temp_path("mlp/emb.weight.npy"), &info), 0);
  write_text(temp_path("mlp/README"), "not an .npy file: ignored\n");
  if (ct_module_load(b, dir) != CT_OK) fail_msg("%s", ct_last_error());
  ct_scope *s = ct_scope_open();
  ct_named_list *pa = ct_module_named_parameters(a), *pb = ct_module_named_parameters(b);
  assert_int_equal(pa->count, 4);
  for (int i = 0; i < pa->count; i++) {
    assert_true(same_values(pa->items[i].tensor, pb->items[i].tensor));
    assert_false(ct_shares_storage(pa->items[i].tensor, pb->items[i].tensor));
  }
  // Same outputs afterwards.
  ct_tensor *x = ct_randn(CT_SHAPE(2, 5), CT_FLOAT32);
  ct_module *seq_a = ct_module_child(a, 0), *seq_b = ct_module_child(b, 0);
  assert_true(same_values(ct_module_forward(seq_a, x), ct_module_forward(seq_b, x)));
  ct_named_list_free(pa);
  ct_named_list_free(pb);
  ct_scope_close(s);
  ct_module_free(a);
  ct_module_free(b);
}

static void test_load_errors_leave_module_unchanged(void **state) {
  (void)state;
  ct_module *a = mlp(3), *b = mlp(4);
  char dir[256];
  snprintf(dir, sizeof dir, "%s", temp_path("broken"));
  assert_int_equal(ct_module_save(a, dir), CT_OK);
  ct_scope *s = ct_scope_open();
  ct_named_list *before = snapshot(b);
  size_t kept = ct_scope_size(s);

  assert_int_equal(ct_module_load(b, temp_path("no_such_dir")), CT_ERR_IO);
  assert_non_null(strstr(ct_last_error(), "cannot open directory"));
  // An unexpected file.
  ct_tensor *one = ct_ones(CT_SHAPE(1), CT_FLOAT32);
  assert_int_equal(ct_save_npy(temp_path("broken/zz.npy"), one), CT_OK);
  assert_int_equal(ct_module_load(b, dir), CT_ERR_ARG);
  assert_string_equal(ct_last_error(),
                      "Error(s) in loading state_dict for Net:\n\tUnexpected key(s) in state_dict: \"zz\". ");
  assert_int_equal(unlink(temp_path("broken/zz.npy")), 0);
  // A missing one and a wrong shape.
  assert_int_equal(unlink(temp_path("broken/emb.weight.npy")), 0);
  assert_int_equal(ct_save_npy(temp_path("broken/model.0.bias.npy"), one), CT_OK);
  assert_int_equal(ct_module_load(b, dir), CT_ERR_ARG);
  assert_string_equal(ct_last_error(),
                      "Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: \"emb.weight\". "
                      "\n\tsize mismatch for model.0.bias: copying a param with shape torch.Size([1]) from "
                      "checkpoint, the shape in current model is torch.Size([3]).");
  // A corrupt file of a key.
  write_text(temp_path("broken/emb.weight.npy"), "garbage");
  assert_int_equal(ct_module_load(b, dir), CT_ERR_IO);
  assert_unchanged(b, before);
  assert_int_equal(ct_scope_size(s), kept + 1); // only `one`: loads leave nothing in the scope
  ct_named_list_free(before);
  ct_scope_close(s);

  // Saving: into a path that is a file, or a name that can't be a file name.
  write_text(temp_path("file"), "x");
  assert_int_equal(ct_module_save(a, temp_path("file")), CT_ERR_IO);
  assert_non_null(strstr(ct_last_error(), "cannot create directory"));
  assert_int_equal(ct_module_save(a, temp_path("no/such/parent")), CT_ERR_IO);
  ct_module *slash = user_new();
  ct_tensor *p = ct_zeros(CT_SHAPE(1), CT_FLOAT32);
  ct_module_register_parameter(slash, "a/b", p);
  assert_int_equal(ct_scope_release(p), CT_OK);
  assert_int_equal(ct_module_save(slash, temp_path("slash")), CT_ERR_ARG);
  assert_string_equal(ct_last_error(), "module save: parameter name 'a/b' can't be a file name (it contains '/')");
  assert_int_equal(stat(temp_path("slash"), &(struct stat){0}), -1); // nothing created
  // A module without parameters saves an empty directory and loads from one.
  ct_module *relu = ct_relu_new();
  assert_int_equal(ct_module_save(relu, temp_path("empty")), CT_OK);
  assert_int_equal(ct_module_load(relu, temp_path("empty")), CT_OK);
  ct_module_free(relu);
  ct_module_free(slash);
  ct_module_free(a);
  ct_module_free(b);
}

// ---- lifetime: with and without scopes ----

// forward, sum, backward; `in_root_scope`: no scope is open, so the results are given up
// from the root scope here.
static void train_step(ct_module *m, ct_tensor *x, bool in_root_scope) {
  ct_tensor *y = ct_module_forward(m, x);
  assert_non_null(y);
  ct_tensor *loss = ct_sum(y);
  assert_int_equal(ct_backward(loss, NULL), CT_OK);
  if (in_root_scope) tu_release_inputs((ct_tensor *[]){loss, y}, 2);
}

static ct_module *every_layer(void) {
  ct_manual_seed(5);
  return ct_sequential_new(
      11, (ct_module *[]){ct_linear_new(4, 6, true), ct_relu_new(), ct_dropout_new(0.5), ct_leaky_relu_new(0.1),
                          ct_gelu_new(), ct_tanh_new(), ct_sigmoid_new(), ct_identity_new(), ct_softmax_new(1),
                          ct_log_softmax_new(-1), ct_flatten_new(0, -1)});
}

// Training steps with no scope open: the root scope owns every result; once they and the
// modules are released, every block they took is back.
static void test_no_leaks_without_scope(void **state) {
  (void)state;
  int64_t blocks = ct__pool_live_blocks();
  ct_module *m = every_layer();
  ct_tensor *x = ct_randn(CT_SHAPE(3, 4), CT_FLOAT32);
  ct_set_requires_grad(x, true);
  for (int step = 0; step < 3; step++) {
    ct_module_zero_grad(m, step % 2 == 0);
    train_step(m, x, true);
  }
  ct_module_eval(m);
  train_step(m, x, true);
  // Embedding and a Dropout in training mode, on their own.
  ct_module *emb = ct_embedding_new(6, 3, -1);
  ct_tensor *idx = ct_tensor_from_i64((int64_t[]){0, 5, 5, 2}, 1, (int64_t[]){4});
  train_step(emb, idx, true);
  double row[3];
  for (int j = 0; j < 3; j++) assert_int_equal(ct_get(ct_grad(ct_embedding_weight(emb)), (int64_t[]){5, j}, &row[j]), CT_OK);
  assert_true(row[0] == 0 && row[1] == 0 && row[2] == 0); // the padding row gets no gradient
  tu_release_inputs((ct_tensor *[]){idx, x}, 2);
  ct_module_free(emb);
  ct_module_free(m);
  assert_int_equal(ct__pool_live_blocks(), blocks);
}

static void test_scope_holds_only_the_output(void **state) {
  (void)state;
  ct_module *m = every_layer();
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_requires_grad_(ct_randn(CT_SHAPE(3, 4), CT_FLOAT32), true);
  assert_int_equal(ct_scope_size(s), 1);
  ct_tensor *y = ct_module_forward(m, x);
  assert_non_null(y);
  assert_int_equal(ct_scope_size(s), 2); // the Sequential's intermediates and the dropout noise are gone
  ct_module *drop = ct_dropout_new(0.3);
  assert_non_null(ct_module_forward(drop, x));
  assert_int_equal(ct_scope_size(s), 3);
  // Identity and Dropout in eval mode return the input itself (a new reference).
  ct_module *id = ct_identity_new();
  assert_ptr_equal(ct_module_forward(id, x), x);
  ct_module_eval(drop);
  assert_ptr_equal(ct_module_forward(drop, x), x);
  assert_int_equal(ct_scope_size(s), 5);
  // A failing forward leaves nothing behind.
  ct_tensor *wrong = ct_randn(CT_SHAPE(3, 5), CT_FLOAT32);
  size_t n = ct_scope_size(s);
  assert_null(ct_module_forward(m, wrong));
  assert_string_equal(ct_last_error(), "mat1 and mat2 shapes cannot be multiplied (3x5 and 4x6)");
  assert_int_equal(ct_scope_size(s), n);
  ct_scope_close(s);
  ct_module_free(id);
  ct_module_free(drop);
  ct_module_free(m);
}

static void test_parameters_outlive_step_scopes(void **state) {
  (void)state;
  ct_module *m = ct_linear_new(3, 2, true);
  ct_tensor *w = ct_linear_weight(m);
  for (int step = 0; step < 2; step++) {
    ct_scope *s = ct_scope_open();
    train_step(m, ct_ones(CT_SHAPE(4, 3), CT_FLOAT32), false);
    ct_scope_close(s);
    // d(sum(x W^T + b))/dW = column sums of x (ones) = 4, accumulated per step.
    double g;
    assert_int_equal(ct_get(ct_grad(w), (int64_t[]){1, 2}, &g), CT_OK);
    assert_true(g == 4.0 * (step + 1));
  }
  ct_module_zero_grad(m, false);
  double g = -1;
  assert_int_equal(ct_get(ct_grad(w), (int64_t[]){0, 0}, &g), CT_OK);
  assert_true(g == 0);
  ct_module_requires_grad_(m, false);
  assert_false(ct_requires_grad(w));
  ct_module_zero_grad(m, true);
  assert_null(ct_grad(w));
  ct_module_free(m);
}

// ---- flags and reprs ----

static void test_train_eval_reach_every_submodule(void **state) {
  (void)state;
  ct_module *m = user_new();
  ct_module *inner = ct_module_register_module(m, "inner", ct_sequential_new(1, (ct_module *[]){ct_dropout_new(0.5)}));
  ct_module *drop = ct_module_child(inner, 0);
  assert_true(m->training && inner->training && drop->training);
  ct_module_eval(m);
  assert_false(m->training || inner->training || drop->training);
  ct_module_train(inner, true);
  assert_false(m->training);
  assert_true(inner->training && drop->training);
  ct_module_free(m);
}

static void test_repr_buffer_and_layers(void **state) {
  (void)state;
  ct_module *m = ct_sequential_new(
      4, (ct_module *[]){ct_linear_new(4, 3, false), ct_leaky_relu_new(1), ct_dropout_new(0.25), ct_embedding_new(10, 3, -1)});
  assert_string_equal(repr_of(m), "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=False)\n"
                                  "  (1): LeakyReLU(negative_slope=1.0)\n  (2): Dropout(p=0.25, inplace=False)\n"
                                  "  (3): Embedding(10, 3, padding_idx=9)\n)");
  char small[20], expected[64];
  snprintf(expected, sizeof expected, "module repr needs %zu bytes, buffer has 20", strlen(repr_of(m)) + 1);
  assert_int_equal(ct_module_repr(m, small, sizeof small), CT_ERR_ARG);
  assert_string_equal(ct_last_error(), expected);
  assert_int_equal(strlen(small), sizeof small - 1); // a truncated, terminated prefix
  assert_int_equal(ct_module_print(m), CT_OK);
  ct_module_free(m);
  // A repr longer than ct_module_print's first buffer.
  ct_module *items[300];
  for (int i = 0; i < 300; i++) items[i] = ct_identity_new();
  m = ct_sequential_new(300, items);
  char *big = malloc(1 << 14), *want = malloc(1 << 14);
  size_t len = (size_t)sprintf(want, "Sequential(");
  for (int i = 0; i < 300; i++) len += (size_t)sprintf(want + len, "\n  (%d): Identity()", i);
  sprintf(want + len, "\n)");
  assert_int_equal(ct_module_repr(m, big, 1 << 14), CT_OK);
  assert_string_equal(big, want);
  free(big);
  free(want);
  ct_module_free(m);
}

static void test_constructor_errors(void **state) {
  (void)state;
  assert_null(ct_linear_new(3, -2, true));
  assert_string_equal(ct_last_error(), "Trying to create tensor with negative dimension -2: [-2, 3]");
  assert_null(ct_embedding_new(3, 2, 3));
  assert_string_equal(ct_last_error(), "Padding_idx must be within num_embeddings");
  assert_null(ct_embedding_new(0, 2, 0));
  assert_string_equal(ct_last_error(), "index 0 is out of bounds for dimension 0 with size 0");
  assert_null(ct_dropout_new(1.0000001));
  assert_string_equal(ct_last_error(), "dropout probability has to be between 0 and 1, but got 1.0000001");
  assert_null(ct_dropout_new(NAN));
  assert_string_equal(ct_last_error(), "dropout probability has to be between 0 and 1, but got nan");
  ct_module *e = ct_embedding_new(3, 2, CT_NO_PADDING_IDX);
  assert_string_equal(repr_of(e), "Embedding(3, 2)");
  ct_module_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_bad_names_use_pytorch_text),
      cmocka_unit_test(test_parameter_must_be_a_floating_leaf),
      cmocka_unit_test(test_no_forward),
      cmocka_unit_test(test_sequential_with_null_element_frees_the_others),
      cmocka_unit_test(test_registered_children_are_owned_once),
      cmocka_unit_test(test_shared_parameter_listed_once_saved_under_each_name),
      cmocka_unit_test(test_parameters_before_children_and_long_names),
      cmocka_unit_test(test_load_state_dict_failures_leave_module_unchanged),
      cmocka_unit_test(test_save_load_round_trip),
      cmocka_unit_test(test_load_errors_leave_module_unchanged),
      cmocka_unit_test(test_no_leaks_without_scope),
      cmocka_unit_test(test_scope_holds_only_the_output),
      cmocka_unit_test(test_parameters_outlive_step_scopes),
      cmocka_unit_test(test_train_eval_reach_every_submodule),
      cmocka_unit_test(test_repr_buffer_and_layers),
      cmocka_unit_test(test_constructor_errors),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}

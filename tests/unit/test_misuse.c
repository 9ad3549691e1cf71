// The misuse catalogue: calls a new user gets wrong, each checked for failing with the
// message that names the cause (key words, or PyTorch's exact text where ctorch mirrors
// it), leaking nothing (LeakSanitizer under make sanitize) and leaving the library usable.
// Grouped by area; every case runs inside the test's scope.
#include <math.h>
#include <stdint.h>
#include "ctorch.h"
#include "unit.h"

// A call returning a pointer fails (NULL) with a message containing each of the
// '|'-separated key phrases.
#define MISUSE(call, keys) expect_failure((call) == NULL, #call, keys)
// A call returning a ct_status fails with a message containing each key phrase.
#define MISUSE_STATUS(call, keys) expect_failure((call) != CT_OK, #call, keys)

static int cases_run;

static void expect_failure(bool failed, const char *call, const char *keys) {
  cases_run++;
  if (!failed) fail_msg("%s succeeded; expected a failure mentioning \"%s\"", call, keys);
  const char *message = ct_last_error();
  for (const char *k = keys; *k;) {
    const char *bar = strchr(k, '|');
    size_t len = bar ? (size_t)(bar - k) : strlen(k);
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)len, k);
    if (!strstr(message, key)) fail_msg("%s: message \"%s\" lacks \"%s\"", call, message, key);
    k += len + (bar != NULL);
  }
  ct_clear_error();
}

static void test_creation(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  MISUSE(ct_zeros(2, (int64_t[]){2, -1}, CT_FLOAT32), "Trying to create tensor with negative dimension -1: [2, -1]");
  MISUSE(ct_zeros(9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, CT_FLOAT32), "at most 8 dimensions");
  MISUSE(ct_zeros(4, (int64_t[]){1 << 20, 1 << 20, 1 << 20, 1 << 20}, CT_FLOAT32), "too large");
  MISUSE(ct_zeros(2, (int64_t[]){INT64_C(1) << 62, 2}, CT_FLOAT64), "too large");
  MISUSE(ct_full(1, (int64_t[]){2}, NAN, CT_INT64), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_full(1, (int64_t[]){2}, 1e30, CT_INT64), "value cannot be converted to type int64_t without overflow");
  MISUSE(ct_full(1, (int64_t[]){2}, 3e9, CT_INT32), "value cannot be converted to type int without overflow");
  MISUSE(ct_full(1, (int64_t[]){2}, 1e39, CT_FLOAT32), "value cannot be converted to type float without overflow");
  MISUSE(ct_full(1, (int64_t[]){-2}, NAN, CT_INT64), "negative dimension"); // shape first, as torch.full
  MISUSE(ct_scalar(INFINITY, CT_INT32), "value cannot be converted to type int without overflow");
  float buf[4] = {0};
  MISUSE(ct_from_blob(buf, CT_FLOAT32, 2, (int64_t[]){2, 2}, (int64_t[]){INT64_MAX / 2, 1}, NULL, NULL), "too large");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, 1, (int64_t[]){2}, (int64_t[]){-1}, NULL, NULL), "negative strides");
  MISUSE(ct_from_blob(NULL, CT_FLOAT32, 1, (int64_t[]){2}, NULL, NULL, NULL), "data is NULL");
  MISUSE(ct_tensor_parse("[1, 2"), "tensor literal|at offset 5|end of the input");
  MISUSE(ct_tensor_parse("[1, x]"), "tensor literal|at offset 4|found 'x'");
  MISUSE(ct_tensor_parse("[[1], 2]"), "tensor literal|at offset 6");
  MISUSE(ct_tensor_parse("[1] ]"), "tensor literal|at offset 4|after the value");
  ct_scope_close(s);
}

static void test_elements(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *i64 = ct_zeros(1, (int64_t[]){2}, CT_INT64);
  ct_tensor *f32 = ct_tensor_parse("[1.5]");
  ct_tensor *nan = ct_full(1, (int64_t[]){1}, NAN, CT_FLOAT64);
  ct_tensor *inf = ct_full(1, (int64_t[]){1}, -INFINITY, CT_FLOAT32);
  ct_tensor *big = ct_full(1, (int64_t[]){1}, 1e19, CT_FLOAT64);
  int64_t iv;
  double dv;
  MISUSE_STATUS(ct_set(i64, (int64_t[]){0}, NAN), "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_set(i64, (int64_t[]){5}, 1), "index 5 is out of bounds for dimension 0 with size 2");
  MISUSE_STATUS(ct_set(i64, NULL, 1), "index is NULL");
  MISUSE_STATUS(ct_item_int(nan, &iv), "cannot convert float NaN to integer");
  MISUSE_STATUS(ct_item_int(inf, &iv), "cannot convert float infinity to integer");
  MISUSE_STATUS(ct_item_int(big, &iv), "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_item(f32, NULL), "out is NULL");
  MISUSE_STATUS(ct_item_int(f32, NULL), "out is NULL");
  MISUSE_STATUS(ct_item(i64, &dv), "a Tensor with 2 elements cannot be converted to Scalar");
  ct_tensor *leaf = ct_zeros(1, (int64_t[]){2}, CT_FLOAT32);
  ct_set_requires_grad(leaf, true);
  MISUSE_STATUS(ct_set(leaf, (int64_t[]){0}, 1), "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  ct_scope_close(s);
}

static void test_reductions_and_pow(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(2, (int64_t[]){2, 3}, CT_FLOAT32);
  MISUSE(ct_sum_dims(x, (int[]){0}, -1, false), "number of dims is negative");
  MISUSE(ct_sum_dims(x, NULL, 1, false), "dims is NULL");
  MISUSE(ct_sum_dims(x, (int[]){2}, 1, false), "Dimension out of range");
  MISUSE(ct_sum_dims(x, (int[]){0, -2}, 2, false), "dim 0 appears multiple times in the list of dims");
  MISUSE(ct_mean_dims(x, (int[]){0}, -3, false), "number of dims is negative");
  ct_tensor *ints = ct_tensor_parse("[2, 3]");
  ct_tensor *neg = ct_tensor_parse("[-1, 2]");
  MISUSE(ct_pow(ints, neg), "Integers to negative integer powers are not allowed.");
  ct_scope_close(s);
}

static int64_t ten_samples(void *ctx) {
  (void)ctx;
  return 10;
}

static ct_status scalar_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_scalar((double)index, CT_INT64);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

static void test_data(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_batch samples[2] = {{.count = CT_BATCH_MAX_FIELDS + 1}, {.count = 1}};
  ct_batch batch = {0};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|9 fields");
  samples[0].count = -1;
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|-1 fields");
  const char *words[] = {"a"}, *specials[] = {"<unk>"};
  MISUSE(ct_vocab_new(words, INT64_MAX, specials, 1, "<unk>"), "too many");
  MISUSE(ct_vocab_new(words, -1, specials, 1, "<unk>"), "number of words is negative");
  MISUSE(ct_vocab_new(words, 1, specials, -1, "<unk>"), "number of specials is negative");
  MISUSE(ct_vocab_new(NULL, 1, specials, 1, "<unk>"), "words is NULL");
  MISUSE(ct_vocab_new(words, 1, NULL, 1, "<unk>"), "specials is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, NULL), "unk_token is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, "<oov>"), "'<oov>' is not in the vocabulary");
  MISUSE(ct_pad_sequence(NULL, 2, true, 0), "sequences is NULL");
  MISUSE(ct_pad_sequence(NULL, -1, true, 0), "number of sequences is negative");
  ct_tensor *seq = ct_ones(1, (int64_t[]){3}, CT_FLOAT32);
  MISUSE(ct_pad_sequence(&seq, 0, true, 0), "received an empty list of sequences");
  // Not an error: PyTorch answers 1 batch for a batch size beyond the dataset.
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  ct_dataloader *loader = ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = INT64_MAX});
  assert_non_null(loader);
  assert_int_equal(ct_dataloader_len(loader), 1);
  ct_dataloader_free(loader);
  ct_scope_close(s);
}

static void test_files(void **state) {
  (void)state;
  // A 13-byte .npy that announces a 60000-byte header: truncated, as NumPy reports it.
  const unsigned char truncated[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x60, 0xea, 'a', 'b', 'c'};
  MISUSE(ct_load_npy_buffer(truncated, sizeof truncated), "EOF: reading array header, expected 60000 bytes got 3");
  ct_module *lin = ct_linear_new(2, 2, true);
  assert_non_null(lin);
  ct_named_list bad = {.count = -1};
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "count is negative");
  bad.count = 2;
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "items are NULL");
  MISUSE_STATUS(ct_module_load_state_dict(lin, NULL, true), "state dict is NULL");
  MISUSE_STATUS(ct_module_load_state_dict(NULL, &bad, true), "module is NULL");
  ct_module_free(lin);
}

static void test_catalogue_size(void **state) {
  (void)state;
  // Keeps the catalogue from shrinking unnoticed (each test above counts its cases).
  assert_true(cases_run >= 40);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_creation),   cmocka_unit_test(test_elements), cmocka_unit_test(test_reductions_and_pow),
      cmocka_unit_test(test_data),       cmocka_unit_test(test_files),    cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

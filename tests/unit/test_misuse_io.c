// The misuse catalogue (tests/util/misuse.h): data loading, files, printing, random numbers, sizes, scopes.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "misuse.h"
#include "misuse_datasets.h"

// ---- data: datasets, loader, collate, pad_sequence, vocabulary ----

// Sample i has i + 1 elements: the default collate cannot stack two of them.
static ct_status growing_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)ctx;
  sample->count = 1;
  sample->fields[0] = ct_zeros(CT_SHAPE(index + 1), CT_FLOAT32);
  return sample->fields[0] ? CT_OK : ct_last_status();
}

// A dataset whose item fails with its own message, or silently.
static ct_status failing_sample(void *ctx, int64_t index, ct_batch *sample) {
  (void)index;
  (void)sample;
  if (ctx) return ct_zeros(CT_SHAPE(-7), CT_FLOAT32) ? CT_OK : ct_last_status();
  return CT_ERR_RUNTIME;
}

static void test_data(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *two = ct_ones(CT_SHAPE(2), CT_FLOAT32), *three = ct_ones(CT_SHAPE(3), CT_FLOAT32);
  ct_tensor *scalar = ct_scalar(1, CT_FLOAT32), *bad = NULL;
  ct_batch batch = {0};
  ct_batch samples[2] = {{.count = CT_BATCH_MAX_FIELDS + 1}, {.count = 1}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|9 fields");
  samples[0].count = -1;
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate|-1 fields");
  samples[0] = (ct_batch){.count = 1, .fields = {two}};
  samples[1] = (ct_batch){.count = 2, .fields = {two, two}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate: samples have different field counts");
  samples[1] = (ct_batch){.count = 1, .fields = {three}};
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, &batch),
                "stack expects each tensor to be equal size, but got "
                "[2] at entry 0 and [3] at entry 1");
  MISUSE_STATUS(ct_default_collate(NULL, samples, 0, &batch), "collate: empty batch");
  MISUSE_STATUS(ct_default_collate(NULL, NULL, 2, &batch), "collate: samples is NULL");
  MISUSE_STATUS(ct_default_collate(NULL, samples, 2, NULL), "collate: batch is NULL");
  samples[1] = (ct_batch){.count = 1, .fields = {NULL}};
  NULL_STATUS(ct_default_collate(NULL, samples, 2, &batch), "collate");
  MISUSE(ct_tensor_dataset_new(0, (ct_tensor *[]){two}), "TensorDataset takes 1 to 8 tensors, got 0");
  MISUSE(ct_tensor_dataset_new(9, (ct_tensor *[9]){two}), "TensorDataset takes 1 to 8 tensors, got 9");
  MISUSE(ct_tensor_dataset_new(1, NULL), "TensorDataset: tensors is NULL but 1 were announced");
  MISUSE(ct_tensor_dataset_new(2, (ct_tensor *[]){two, three}), "Size mismatch between tensors");
  MISUSE(ct_tensor_dataset_new(1, (ct_tensor *[]){scalar}), "TensorDataset: tensors need a first dimension");
  NULL_PASSES(ct_tensor_dataset_new(2, (ct_tensor *[]){two, bad}));
  ct_dataset ds = {.length = ten_samples, .get_item = scalar_sample};
  MISUSE(ct_dataloader_new(NULL, (ct_dataloader_options){0}), "DataLoader: dataset is NULL");
  MISUSE(ct_dataloader_new(&(ct_dataset){.length = ten_samples}, (ct_dataloader_options){0}),
         "DataLoader: dataset needs length and get_item callbacks");
  MISUSE(ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = -1}),
         "batch_size should be a positive integer "
         "value, but got batch_size=-1");
  MISUSE_STATUS(ct_dataloader_start_epoch(NULL), "DataLoader is NULL");
  MISUSE_IF(ct_dataloader_next(NULL, &batch) == CT_BATCH_ERROR, "DataLoader next: NULL argument");
  MISUSE_IF(ct_dataloader_len(NULL) < 0, "DataLoader is NULL");
  ct_dataset negative = {.length = negative_length, .get_item = scalar_sample};
  ct_dataloader *loader = ct_dataloader_new(&negative, (ct_dataloader_options){0});
  MISUSE_STATUS(ct_dataloader_start_epoch(loader), "dataset length is negative (-1)");
  ct_dataloader_free(loader);
  ct_dataset growing = {.length = ten_samples, .get_item = growing_sample};
  loader = ct_dataloader_new(&growing, (ct_dataloader_options){.batch_size = 2});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR,
            "stack expects each tensor to be equal size, but got [1] at entry 0 "
            "and [2] at entry 1");
  MISUSE_IF(ct_dataloader_next(loader, NULL) == CT_BATCH_ERROR, "DataLoader next: NULL argument");
  ct_dataloader_free(loader);
  int with_message = 1;
  ct_dataset failing = {.ctx = &with_message, .length = ten_samples, .get_item = failing_sample};
  loader = ct_dataloader_new(&failing, (ct_dataloader_options){0});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR, "Trying to create tensor with negative dimension -7: [-7]");
  ct_dataloader_free(loader);
  failing.ctx = NULL;
  loader = ct_dataloader_new(&failing, (ct_dataloader_options){0});
  MISUSE_IF(ct_dataloader_next(loader, &batch) == CT_BATCH_ERROR, "DataLoader: a dataset or collate callback failed");
  ct_dataloader_free(loader);
  // Not an error: PyTorch answers 1 batch for a batch size beyond the dataset.
  loader = ct_dataloader_new(&ds, (ct_dataloader_options){.batch_size = INT64_MAX});
  assert_non_null(loader);
  assert_int_equal(ct_dataloader_len(loader), 1);
  ct_dataloader_free(loader);
  MISUSE(ct_pad_sequence(NULL, 2, true, 0), "sequences is NULL");
  MISUSE(ct_pad_sequence(NULL, -1, true, 0), "number of sequences is negative");
  MISUSE(ct_pad_sequence(&three, 0, true, 0), "received an empty list of sequences");
  MISUSE(ct_pad_sequence((ct_tensor *[]){two, scalar}, 2, true, 0),
         "pad_sequence: sequences must have a first "
         "dimension");
  MISUSE(ct_pad_sequence((ct_tensor *[]){two, ct_ones(CT_SHAPE(2, 2), CT_FLOAT32)}, 2, false, 0),
         "pad_sequence: sequences must have the same number of dimensions");
  MISUSE(ct_pad_sequence(
             (ct_tensor *[]){ct_ones(CT_SHAPE(3, 2), CT_FLOAT32), ct_ones(CT_SHAPE(2, 3), CT_FLOAT32)}, 2,
             true, 0),
         "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1");
  NULL_PASSES(ct_pad_sequence((ct_tensor *[]){two, bad}, 2, true, 0));
  const char *words[] = {"a"}, *specials[] = {"<unk>"}, *null_word[] = {NULL};
  MISUSE(ct_vocab_new(words, INT64_MAX, specials, 1, "<unk>"), "too many");
  MISUSE(ct_vocab_new(words, -1, specials, 1, "<unk>"), "number of words is negative");
  MISUSE(ct_vocab_new(words, 1, specials, -1, "<unk>"), "number of specials is negative");
  MISUSE(ct_vocab_new(NULL, 1, specials, 1, "<unk>"), "words is NULL");
  MISUSE(ct_vocab_new(words, 1, NULL, 1, "<unk>"), "specials is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, NULL), "unk_token is NULL");
  MISUSE(ct_vocab_new(words, 1, specials, 1, "<oov>"), "'<oov>' is not in the vocabulary");
  MISUSE(ct_vocab_new(null_word, 1, specials, 1, "<unk>"), "vocab: word 0 is NULL");
  MISUSE(ct_vocab_new(words, 1, null_word, 1, "a"), "vocab: special 0 is NULL");
  area_done(s);
}

// ---- files: .npy and module directories ----

// The files of test_npy and test_module_files live in a directory made for this run.
static char temp_dir[] = "/tmp/ctorch_misuse_XXXXXX";

static int make_temp_dir(void **state) {
  (void)state;
  return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state) {
  (void)state;
  return rmdir(temp_dir);
}

static const char *temp_path(const char *name) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", temp_dir, name);
  return path;
}

static void write_file(const char *path, const void *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, size, f), size);
  assert_int_equal(fclose(f), 0);
}

// A .npy file: the magic, version 1.0, and `header` padded to a multiple of 64 with '\n'.
static size_t npy_bytes(unsigned char *out, const char *header, const void *data, size_t data_len) {
  size_t len = strlen(header), total = 10 + len + 1;
  size_t padded = (total + 63) / 64 * 64;
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (unsigned char)((padded - 10) & 0xff);
  out[9] = (unsigned char)((padded - 10) >> 8);
  memcpy(out + 10, header, len);
  memset(out + 10 + len, ' ', padded - total);
  out[padded - 1] = '\n';
  memcpy(out + padded, data, data_len);
  return padded + data_len;
}

static void test_npy(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  unsigned char file[256];
  const float two[2] = {1, 2};
  // A 13-byte .npy that announces a 60000-byte header: truncated, as NumPy reports it.
  const unsigned char truncated[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x60, 0xea, 'a', 'b', 'c'};
  MISUSE(ct_load_npy_buffer(truncated, sizeof truncated),
         "EOF: reading array header, expected 60000 bytes got 3");
  MISUSE(ct_load_npy_buffer(truncated, 5), "EOF|magic");
  MISUSE(ct_load_npy_buffer("PK\x03\x04zipfile!", 14),
         "the magic string is not correct; expected b'\\x93NUMPY', "
         "got b'PK\\x03\\x04zi'");
  MISUSE(ct_load_npy_buffer(NULL, 10), "load_npy_buffer: data is NULL");
  size_t n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two, sizeof two);
  file[6] = 4;
  MISUSE(ct_load_npy_buffer(file, n), "we only support format version (1,0), (2,0), and (3,0), not (4, 0)");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "EOF: reading array data, expected 16 bytes got 8");
  n = npy_bytes(file, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "'<f2'");
  n = npy_bytes(file, "{'descr': '<f4', 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "Header does not contain the correct keys");
  n = npy_bytes(file, "[1, 2]", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "Header is not a dictionary: [1, 2]");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "shape is not valid");
  n = npy_bytes(file, "{'descr': '<f4', 'fortran_order': 2, 'shape': (2,), }", two, sizeof two);
  MISUSE(ct_load_npy_buffer(file, n), "fortran_order is not a valid bool");
  write_file(temp_path("short.npy"), file, 9);
  MISUSE(ct_load_npy(temp_path("short.npy")), "short.npy|EOF");
  MISUSE(ct_load_npy(temp_path("missing.npy")), "missing.npy|No such file or directory");
  MISUSE(ct_load_npy(temp_dir), "Is a directory");
  MISUSE(ct_load_npy(NULL), "load_npy: path is NULL");
  ct_tensor *x = ct_ones(CT_SHAPE(2), CT_FLOAT32), *bad = NULL;
  void *data = NULL;
  size_t size = 0;
  MISUSE_STATUS(ct_save_npy(temp_path("no/such/dir.npy"), x),
                "cannot save .npy file|No such file or directory");
  MISUSE_STATUS(ct_save_npy(temp_dir, x), "cannot save .npy file|Is a directory");
  MISUSE_STATUS(ct_save_npy(NULL, x), "save_npy: path is NULL");
  MISUSE_STATUS(ct_save_npy_buffer(x, NULL, &size), "save_npy_buffer: data or size is NULL");
  MISUSE_STATUS(ct_save_npy_buffer(x, &data, NULL), "save_npy_buffer: data or size is NULL");
  NULL_STATUS(ct_save_npy(temp_path("null.npy"), bad), "save_npy");
  NULL_STATUS(ct_save_npy_buffer(bad, &data, &size), "save_npy");
  remove(temp_path("short.npy"));
  area_done(s);
}

static void test_module_files(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *lin = ct_linear_new(2, 1, true);
  assert_int_equal(ct_module_save(lin, temp_path("lin")), CT_OK);
  MISUSE_STATUS(ct_module_save(lin, temp_path("lin/weight.npy")), "cannot create directory|Not a directory");
  MISUSE_STATUS(ct_module_save(lin, temp_path("no/such")),
                "cannot create directory|No such file or directory");
  MISUSE_STATUS(ct_module_save(lin, NULL), "module save: NULL argument");
  MISUSE_STATUS(ct_module_save(NULL, temp_path("lin")), "module save: NULL argument");
  MISUSE_STATUS(ct_module_load(lin, temp_path("absent")), "cannot open directory|No such file or directory");
  MISUSE_STATUS(ct_module_load(lin, NULL), "module load: NULL argument");
  ct_module *wider = ct_linear_new(3, 1, true);
  MISUSE_STATUS(ct_module_load(wider, temp_path("lin")),
                "Error(s) in loading state_dict for Linear:|size mismatch "
                "for weight: copying a param with shape torch.Size([1, 2]) "
                "from checkpoint, the shape in current model is "
                "torch.Size([1, 3]).");
  ct_module_free(wider);
  remove(temp_path("lin/bias.npy"));
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "Missing key(s) in state_dict: \"bias\".");
  write_file(temp_path("lin/bias.npy"), "\x93NUMPY\x01", 7);
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "bias.npy|EOF");
  write_file(temp_path("lin/bias.npy"), "not a numpy file", 16);
  MISUSE_STATUS(ct_module_load(lin, temp_path("lin")), "bias.npy|the magic string is not correct");
  remove(temp_path("lin/bias.npy"));
  remove(temp_path("lin/weight.npy"));
  rmdir(temp_path("lin"));
  ct_module_free(lin);
  area_done(s);
}

// ---- printing and formatting ----

static void test_printing(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *bad = NULL;
  char text[8];
  MISUSE_STATUS(ct_repr(x, text, sizeof text), "ct_repr: buffer of 8 bytes is too small");
  MISUSE_STATUS(ct_repr(x, NULL, 64), "ct_repr: buffer is NULL or empty");
  MISUSE_STATUS(ct_repr(x, text, 0), "ct_repr: buffer is NULL or empty");
  MISUSE_STATUS(ct_fprint(NULL, x), "ct_fprint: stream is NULL");
  FILE *read_only = fopen("/dev/null", "r");
  assert_non_null(read_only);
  MISUSE_STATUS(ct_fprint(read_only, x), "writing to the stream failed");
  fclose(read_only);
  MISUSE_STATUS(ct_format_float(0.1, text, 3), "format_float: buffer too small");
  MISUSE_STATUS(ct_format_float(0.1, NULL, 16), "format_float: no buffer");
  NULL_STATUS(ct_repr(bad, text, sizeof text), "ct_repr");
  NULL_STATUS(ct_print(bad), "ct_print");
  NULL_STATUS(ct_fprint(stdout, bad), "ct_fprint");
  NULL_STATUS(ct_print_shape(bad), "ct_print_shape");
  NULL_PASSES(ct_repr_alloc(bad));
  area_done(s);
}

// ---- random numbers and generators ----

static void test_random(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_zeros(CT_SHAPE(3), CT_FLOAT32), *i = ct_zeros(CT_SHAPE(3), CT_INT64);
  ct_tensor *i32 = ct_zeros(CT_SHAPE(3), CT_INT32), *bad = NULL;
  ct_tensor *leaf = ct_requires_grad_(ct_zeros(CT_SHAPE(3), CT_FLOAT32), true);
  const char *leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation.";
  MISUSE(ct_rand(CT_SHAPE(2), CT_INT64), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_randn(CT_SHAPE(2), CT_BOOL), "\"normal_kernel_cpu\" not implemented for 'Bool'");
  MISUSE(ct_rand(CT_SHAPE(-2), CT_FLOAT32), "Trying to create tensor with negative dimension -2: [-2]");
  MISUSE(ct_randn_gen(CT_SHAPE(2, -1), CT_FLOAT64, NULL), "negative dimension -1");
  MISUSE(ct_randint(5, 5, CT_SHAPE(2)),
         "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  MISUSE(ct_randint(5, 1, CT_SHAPE(2)),
         "random_ expects 'from' to be less than 'to', but got from=5 >= to=1");
  MISUSE(ct_randint_gen(0, INT64_C(1) << 40, CT_SHAPE(2), CT_INT32, NULL), "to - 1 is out of bounds for int");
  MISUSE(ct_randint_gen(-5, 2, CT_SHAPE(2), CT_BOOL, NULL), "from is out of bounds for bool");
  MISUSE(ct_randperm(-1), "Trying to create tensor with negative dimension -1: [-1]");
  MISUSE(ct_bernoulli(x, 1.5), "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  MISUSE(ct_bernoulli(x, NAN), "bernoulli_ expects p to be in [0, 1], but got p=nan");
  MISUSE(ct_bernoulli_(x, -0.5), "bernoulli_ expects p to be in [0, 1], but got p=-0.5");
  MISUSE(ct_uniform_(x, 2, 1), "uniform_ expects to return a [from, to) range, but found from=2 > to=1");
  MISUSE(ct_uniform_(i, 0, 1), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_uniform_(x, -3e38, 3e38),
         "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found "
         "to=3e+38 and from=-3e+38 which result in to-from to exceed the limit");
  MISUSE(ct_normal_(x, 0, -1), "normal expects std >= 0.0, but found std -1");
  MISUSE(ct_normal_(i, 0, 1), "\"normal_kernel_cpu\" not implemented for 'Long'");
  MISUSE(ct_random_(x, 3, 3), "random_ expects 'from' to be less than 'to', but got from=3 >= to=3");
  MISUSE(ct_random_(i32, 0, INT64_C(1) << 40), "to - 1 is out of bounds for int");
  MISUSE(ct_uniform_(leaf, 0, 1), leaf_msg);
  MISUSE(ct_normal_(leaf, 0, 1), leaf_msg);
  MISUSE(ct_bernoulli_(leaf, 0.5), leaf_msg);
  MISUSE(ct_random_(leaf, 0, 5), leaf_msg);
  unsigned char blob[CT_GENERATOR_STATE_SIZE];
  assert_int_equal(ct_get_rng_state(blob, sizeof blob), CT_OK);
  MISUSE_STATUS(ct_set_rng_state(blob, 10),
                "Expected either a CPUGeneratorImplStateLegacy of size 5048 or a "
                "CPUGeneratorImplState of size 5056 but found the input RNG state size to "
                "be 10");
  MISUSE_STATUS(ct_set_rng_state(NULL, sizeof blob), "set_state: state is NULL");
  MISUSE_STATUS(ct_get_rng_state(blob, 100),
                "get_state: buffer of 100 bytes is smaller than the 5056-byte state");
  MISUSE_STATUS(ct_get_rng_state(NULL, sizeof blob), "get_state: buffer is NULL");
  ct_generator *gen = ct_generator_new();
  unsigned char broken[CT_GENERATOR_STATE_SIZE];
  assert_int_equal(ct_generator_get_state(gen, broken, sizeof broken), CT_OK);
  memset(broken + 8, 0xff, 4); // left = -1
  MISUSE_STATUS(ct_generator_set_state(gen, broken, sizeof broken), "Invalid mt19937 state");
  MISUSE_STATUS(ct_generator_set_state(gen, blob, 5000), "found the input RNG state size to be 5000");
  ct_generator_free(gen);
  NULL_PASSES(ct_rand_like(bad));
  NULL_PASSES(ct_randn_like_gen(bad, NULL));
  NULL_PASSES(ct_bernoulli(bad, 0.5));
  NULL_PASSES(ct_uniform_(bad, 0, 1));
  NULL_PASSES(ct_normal_(bad, 0, 1));
  NULL_PASSES(ct_bernoulli_(bad, 0.5));
  NULL_PASSES(ct_random_(bad, 0, 5));
  area_done(s);
}

// ---- sizes: counts, sizes, strides and offsets that overflow (core/checked.h) ----

static int64_t huge_length(void *ctx) { // 2^61 samples: their order would take 2^64 bytes
  (void)ctx;
  return INT64_C(1) << 61;
}

static void test_sizes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  const int64_t big = INT64_C(1) << 40, huge = INT64_C(1) << 62;
  float buf[4] = {0};
  ct_tensor *one = ct_ones(CT_SHAPE(1), CT_FLOAT32), *empty = ct_zeros(CT_SHAPE(0), CT_FLOAT32);
  ct_tensor *vec4 = ct_ones(CT_SHAPE(4), CT_FLOAT32), *scalar = ct_scalar(1, CT_FLOAT32);
  ct_tensor *long_row = ct_expand(one, CT_SHAPE(huge)); // 2^62 elements, all the same one
  assert_non_null(long_row);
  // Creation: the sizes (a 0 counted as 1) and the bytes are bounded.
  MISUSE(ct_zeros(CT_SHAPE(0, huge, huge), CT_FLOAT32), "tensor is too large|product of its sizes");
  MISUSE(ct_zeros(CT_SHAPE(huge + 1), CT_BOOL), "tensor is too large|size in bytes exceeds 2^62");
  MISUSE(ct_full(CT_SHAPE(big, big), 1, CT_INT32), "tensor is too large");
  MISUSE(ct_linspace(0, 1, huge, CT_FLOAT32), "tensor is too large");
  MISUSE(ct_eye(big, -1, CT_FLOAT64), "tensor is too large");
  MISUSE(ct_from_blob(buf, CT_FLOAT32, CT_SHAPE(1), (int64_t[]){INT64_MAX}, NULL, NULL),
         "from_blob: the view is too large|exceeds 2^62 bytes");
  MISUSE(ct_from_blob(buf, CT_BOOL, CT_SHAPE(2), (int64_t[]){huge}, NULL, NULL),
         "from_blob: the view is too large|spans more than 2^62 bytes");
  MISUSE(ct_randperm(huge), "tensor is too large");
  MISUSE(ct_randint(0, 10, CT_SHAPE(huge, 4)), "tensor is too large");
  // Views whose sizes multiply past int64, and joins whose sizes add up past it.
  MISUSE(ct_expand(one, CT_SHAPE(big, big)),
         "expand: the expanded size [1099511627776, 1099511627776] is too large");
  MISUSE(ct_expand(scalar, CT_SHAPE(big, big)), "expand|is too large");
  MISUSE(ct_view(empty, CT_SHAPE(0, huge, huge)),
         "shape '[0, 4611686018427387904, 4611686018427387904]' is too large");
  MISUSE(ct_reshape(empty, CT_SHAPE(huge, 0, huge)),
         "shape '[4611686018427387904, 0, 4611686018427387904]' is too large");
  MISUSE(ct_unfold(ct_expand(one, CT_SHAPE(big)), 0, big / 2, 1), "unfold: the result is too large");
  MISUSE(ct_unfold(vec4, 0, INT64_MIN, 1),
         "unfold: size -9223372036854775808 is too large a negative number");
  MISUSE(ct_cat((ct_tensor *[]){long_row, long_row}, 2, 0), "torch.cat(): the result is too large");
  MISUSE(ct_stack((ct_tensor *[]){long_row, long_row}, 2, 0), "stack: the result is too large");
  MISUSE(ct_stack((ct_tensor *[]){long_row, long_row}, 2, 1), "tensor is too large");
  MISUSE(ct_contiguous(long_row), "tensor is too large|size in bytes");
  MISUSE(ct_pad_sequence((ct_tensor *[]){long_row, vec4}, 2, true, 0), "tensor is too large");
  // Counts derived from values.
  MISUSE(ct_one_hot(ct_tensor_from_i64((int64_t[]){INT64_MAX}, CT_SHAPE(1)), -1),
         "one_hot: the number of classes (the largest class value 9223372036854775807 plus 1) is too large");
  MISUSE(ct_one_hot(ct_zeros(CT_SHAPE(2), CT_INT64), huge), "tensor is too large");
  MISUSE(ct_embedding_new(INT64_MIN, 2, -1), "Padding_idx must be within num_embeddings");
  MISUSE(ct_linear_new(big, big, false), "tensor is too large");
  // A sequential order is not stored (PyTorch's range); a permutation of the samples is.
  ct_dataset huge_data = {.length = huge_length, .get_item = scalar_sample};
  ct_dataloader *loader = ct_dataloader_new(&huge_data, (ct_dataloader_options){.shuffle = true});
  MISUSE_IF(ct_dataloader_next(loader, &(ct_batch){0}) == CT_BATCH_ERROR,
            "sampler: a draw of 2305843009213693952 indices is too large");
  ct_dataloader_free(loader);
  ct_sampler *sampler = ct_random_sampler_new(&huge_data, false, 0, NULL);
  int64_t index;
  MISUSE_IF(ct_sampler_next(sampler, &index) == CT_BATCH_ERROR, "is too large");
  ct_sampler_free(sampler);
  // .npy headers: NumPy's rule, the item size times the sizes (zeros skipped) fits int64.
  unsigned char file[256];
  const char *too_big[] = {
      "{'descr': '|b1', 'fortran_order': False, 'shape': (4611686018427387904, 2), }",
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2305843009213693952, 0, 4), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 99999999999999999999), }",
  };
  for (int i = 0; i < 3; i++) MISUSE(ct_load_npy_buffer(file, npy_bytes(file, too_big[i], "", 0)), "array is too big");
  area_done(s);
}

// ---- .pt and safetensors files, and the value tree they load into ----

static void test_serialize_files(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_value *list = ct_value_list(), *dict = ct_value_dict();
  void *bytes = NULL;
  size_t size = 0;
  MISUSE(ct_load_pt(NULL), "ct_load_pt: path is NULL");
  MISUSE(ct_load_pt(temp_path("absent.pt")), "absent.pt|No such file or directory");
  MISUSE(ct_load_pt(temp_dir), "not a regular file");
  MISUSE(ct_load_pt_buffer(NULL, 4), "data is NULL");
  MISUSE(ct_load_pt_buffer("PK\x03\x04", 4), "cannot load .pt buffer|zip archive");
  MISUSE_STATUS(ct_save_pt(NULL, list), "ct_save_pt: path is NULL");
  MISUSE_STATUS(ct_save_pt(temp_path("absent/x.pt"), list), "absent/x.pt|No such file or directory");
  MISUSE_STATUS(ct_save_pt(temp_path("x.pt"), NULL), "ct_save_pt: value is NULL");
  MISUSE_STATUS(ct_save_pt_buffer(list, NULL, &size), "data or size is NULL");
  MISUSE(ct_load_safetensors(NULL, NULL), "ct_load_safetensors: path is NULL");
  MISUSE(ct_load_safetensors(temp_path("absent.safetensors"), NULL), "absent.safetensors|No such file");
  MISUSE(ct_load_safetensors_buffer("{}", 2, NULL), "safetensors buffer|too short");
  MISUSE_STATUS(ct_save_safetensors(temp_path("x.safetensors"), list, NULL), "tensors must be a dict");
  MISUSE_STATUS(ct_save_safetensors(temp_path("x.safetensors"), NULL, NULL), "value is NULL");
  MISUSE_STATUS(ct_save_safetensors_buffer(dict, list, &bytes, &size), "metadata must be a dict");
  ct_value_dict_set_str(dict, "n", ct_value_int(3));
  MISUSE_STATUS(ct_save_safetensors_buffer(dict, NULL, &bytes, &size), "entry 0 is not a (string name, tensor) pair");
  ct_value *meta = ct_value_dict();
  ct_value_dict_set_str(meta, "k", ct_value_int(1));
  MISUSE_STATUS(ct_save_safetensors_buffer(ct_value_dict_set_str(dict, "n", ct_value_tensor(ct_ones(CT_SHAPE(2), CT_FLOAT32))) == CT_OK
                                               ? dict : NULL, meta, &bytes, &size),
                "metadata must map strings to strings");
  ct_value_free(meta);
  MISUSE_STATUS(ct_value_append(dict, ct_value_none()), "ct_value_append: the value is not a list or tuple");
  MISUSE_STATUS(ct_value_append(NULL, ct_value_none()), "ct_value_append: value is NULL");
  MISUSE_STATUS(ct_value_dict_set(list, ct_value_int(1), ct_value_none()), "ct_value_dict_set: the value is not a dict");
  MISUSE_STATUS(ct_value_dict_set(dict, ct_value_float(1.5), ct_value_none()), "a key must be a string or an int");
  MISUSE_STATUS(ct_value_dict_set_str(dict, NULL, ct_value_none()), "key is NULL");
  MISUSE(ct_value_string(NULL), "ct_value_string: string is NULL");
  NULL_PASSES(ct_value_tensor(NULL));
  ct_module *lin = ct_linear_new(2, 1, true);
  MISUSE_STATUS(ct_module_load_state_dict_pt(lin, temp_path("absent.pt"), true), "absent.pt");
  MISUSE_STATUS(ct_module_load_state_dict_pt(NULL, temp_path("absent.pt"), true), "module is NULL");
  MISUSE_STATUS(ct_save_state_dict_pt(lin, NULL), "path is NULL");
  MISUSE_STATUS(ct_save_state_dict_pt(NULL, temp_path("x.pt")), "module is NULL");
  ct_module_free(lin);
  ct_value_free(list);
  ct_value_free(dict);
  area_done(s);
}

// ---- optimizer and scheduler state trees, checkpoints with a scheduler ----

static ct_value *optimizer_tree(ct_value *group_option, ct_value *params, ct_value *state_value) {
  ct_value *root = ct_value_dict(), *state = ct_value_dict(), *groups = ct_value_list(), *group = ct_value_dict();
  ct_value *per = ct_value_dict();
  ct_value_dict_set_str(group, "lr", group_option);
  ct_value_dict_set_str(group, "params", params);
  ct_value_append(groups, group);
  ct_value_dict_set_str(per, "step", state_value);
  ct_value_dict_set(state, ct_value_int(0), per);
  ct_value_dict_set_str(root, "state", state);
  ct_value_dict_set_str(root, "param_groups", groups);
  return root;
}

static ct_value *index_list(int n) {
  ct_value *l = ct_value_list();
  for (int i = 0; i < n; i++) ct_value_append(l, ct_value_int(i));
  return l;
}

static void test_state_trees(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *lin = ct_linear_new(2, 1, true);
  int n = 0;
  ct_tensor **params = ct_module_parameters(lin, &n);
  ct_optimizer *opt = ct_adam_new(params, n, ct_adam_defaults());
  free(params);
  ct_lr_scheduler *sched = ct_step_lr_new(opt, 2, 0.5);
  ct_value *list = ct_value_list(), *dict = ct_value_dict();
  MISUSE(ct_lr_scheduler_state_value(NULL), "ct_lr_scheduler_state_value: scheduler is NULL");
  MISUSE_STATUS(ct_lr_scheduler_load_state_value(NULL, dict), "scheduler is NULL");
  MISUSE_STATUS(ct_lr_scheduler_load_state_value(sched, NULL), "value is NULL");
  MISUSE_STATUS(ct_lr_scheduler_load_state_value(sched, list), "expected a dict of attributes");
  ct_value_dict_set_str(dict, "gamma2", ct_value_float(0.5));
  MISUSE_STATUS(ct_lr_scheduler_load_state_value(sched, dict), "scheduler state has key 'gamma2'");
  ct_lr_state *lr_state = ct_lr_state_new();
  MISUSE_STATUS(ct_lr_state_add(lr_state, "a_key_that_is_much_longer_than_forty_seven_bytes_", (double[]){1}, 1),
                "longer than 47 bytes");
  ct_lr_state_free(lr_state);
  ct_value *tree = optimizer_tree(ct_value_string("fast"), index_list(2), ct_value_none());
  MISUSE_STATUS(ct_optimizer_load_state_value(opt, tree), "param group option 'lr' is not a number");
  ct_value_free(tree);
  tree = optimizer_tree(ct_value_float(0.1), ct_value_int(2), ct_value_none());
  MISUSE_STATUS(ct_optimizer_load_state_value(opt, tree), "each param group must be a dict with a 'params' list");
  ct_value_free(tree);
  tree = optimizer_tree(ct_value_float(0.1), index_list(2), ct_value_string("one"));
  MISUSE_STATUS(ct_optimizer_load_state_value(opt, tree), "a state value is not a tensor or an int");
  ct_value_free(tree);
  tree = optimizer_tree(ct_value_float(0.1), index_list(1), ct_value_none());
  MISUSE_STATUS(ct_optimizer_load_state_value(opt, tree),
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  ct_value_free(tree);
  ct_checkpoint c = {.model = lin, .optimizer = opt};
  assert_int_equal(ct_save_checkpoint(temp_path("no_scheduler.pt"), &c), CT_OK);
  c.scheduler = sched;
  MISUSE_STATUS(ct_load_checkpoint(temp_path("no_scheduler.pt"), &c), "no_scheduler.pt': it holds no scheduler state");
  MISUSE(ct_optimizer_state_value(NULL), "optimizer is NULL");
  remove(temp_path("no_scheduler.pt"));
  ct_value_free(list);
  ct_value_free(dict);
  ct_lr_scheduler_free(sched);
  ct_optimizer_free(opt);
  ct_module_free(lin);
  area_done(s);
}

// ---- scopes ----

static void test_scopes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  NULL_PASSES(ct_keep(NULL));
  MISUSE_STATUS(ct_scope_close(NULL), "scope is NULL");
  ct_scope *closed = ct_scope_open();
  assert_int_equal(ct_scope_close(closed), CT_OK);
  MISUSE_STATUS(ct_scope_close(closed), "not open on this thread");
  ct_scope *outer = ct_scope_open(), *inner = ct_scope_open();
  assert_non_null(inner);
  MISUSE_STATUS(ct_scope_close(outer), "opened inside this one");
  MISUSE_STATUS(ct_scope_close(inner), "not open on this thread"); // closed with its outer scope
  ct_tensor *retained = ct_retain(ct_ones(CT_SHAPE(2), CT_FLOAT32));
  ct_tensor *owned = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_scope_release(owned); // gives up the scope's reference: now nobody owns it
  ct_release(retained);    // balances the retain; the scope keeps its reference
  ct_tensor *scope_owned = ct_ones(CT_SHAPE(2), CT_FLOAT32);
  ct_clear_error();
  ct_release(scope_owned); // not retained: refused, nothing freed
  tu_assert_contains(ct_last_error(), "owned by a scope");
  cases_run++;
  assert_non_null(ct_add(scope_owned, scope_owned)); // still alive
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(196);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_data),
      cmocka_unit_test(test_npy),
      cmocka_unit_test(test_module_files),
      cmocka_unit_test(test_serialize_files),
      cmocka_unit_test(test_state_trees),
      cmocka_unit_test(test_printing),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_scopes),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}

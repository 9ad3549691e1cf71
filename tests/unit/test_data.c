// Data helpers. pad_sequence: sequences that record no gradient are padded by a direct
// fill and copy, the others through cat + stack (the autograd path). Both must give the
// same values: element (i, t) is sequence i's element t, or the padding value past its
// length. (Parity with torch's printed results is oracle_data's job.) The vocabulary:
// sorted distinct words, hashed lookup, unknown words at the unknown token's index.
#include "unit.h"
#include <stdio.h>
#include <string.h>

// Checks that padded (int64 or float values read as double) holds the sequences
// seq[i] = start_i, start_i + 1, ... of lengths len[i], rows of `width` elements
// (width 0: 1-D sequences), padded with `pad`.
static void check_padded(const ct_tensor *padded, bool batch_first, int n, const int64_t *len, int64_t width,
                         double pad) {
  int64_t longest = 0;
  for (int i = 0; i < n; i++) longest = len[i] > longest ? len[i] : longest;
  const int64_t w = width ? width : 1;
  assert_int_equal(ct_size(padded, batch_first ? 0 : 1), n);
  assert_int_equal(ct_size(padded, batch_first ? 1 : 0), longest);
  for (int i = 0; i < n; i++)
    for (int64_t t = 0; t < longest; t++)
      for (int64_t e = 0; e < w; e++) {
        int64_t at[3] = {batch_first ? i : t, batch_first ? t : i, e};
        double v;
        assert_int_equal(ct_get(padded, at, &v), CT_OK);
        const double want = t < len[i] ? (double)(100 * i + t * w + e) : pad;
        assert_true(v == want);
      }
}

// Sequence i: 100*i + arange(len*width), shape [len] or [len, width].
static ct_tensor *sequence(int i, int64_t len, int64_t width, ct_dtype dtype) {
  const int64_t w = width ? width : 1;
  ct_tensor *flat = ct_arange(100.0 * i, 100.0 * i + (double)(len * w), 1, dtype);
  return width ? ct_view(flat, CT_SHAPE(len, width)) : flat;
}

static void test_int64_sequences_padded_directly(void **state) {
  (void)state;
  const int64_t len[3] = {3, 5, 0};
  for (int bf = 0; bf < 2; bf++) {
    ct_scope *s = ct_scope_open();
    ct_tensor *seqs[3];
    for (int i = 0; i < 3; i++) seqs[i] = sequence(i, len[i], 0, CT_INT64);
    ct_tensor *padded = ct_pad_sequence(seqs, 3, bf, 7);
    assert_non_null(padded);
    assert_int_equal(ct_get_dtype(padded), CT_INT64);
    check_padded(padded, bf, 3, len, 0, 7);
    ct_scope_close(s);
  }
}

// A strided sequence (a transposed view) is copied by its values.
static void test_strided_sequence(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *rows = ct_transpose(ct_contiguous(ct_transpose(sequence(1, 4, 3, CT_FLOAT32), 0, 1)), 0, 1);
  assert_false(ct_is_contiguous(rows));
  ct_tensor *seqs[2] = {sequence(0, 2, 3, CT_FLOAT32), rows};
  ct_tensor *padded = ct_pad_sequence(seqs, 2, true, -1.5);
  check_padded(padded, true, 2, (const int64_t[]){2, 4}, 3, -1.5);
  ct_scope_close(s);
}

// Sequences that require grad take the recorded path: same values, a graph to the inputs.
static void test_recorded_path_gives_the_same_values(void **state) {
  (void)state;
  const int64_t len[3] = {2, 4, 1};
  for (int bf = 0; bf < 2; bf++) {
    ct_scope *s = ct_scope_open();
    ct_tensor *plain[3], *tracked[3];
    for (int i = 0; i < 3; i++) {
      plain[i] = sequence(i, len[i], 2, CT_FLOAT32);
      tracked[i] = ct_requires_grad_(ct_clone(plain[i]), true);
    }
    ct_tensor *direct = ct_pad_sequence(plain, 3, bf, 0.5), *recorded = ct_pad_sequence(tracked, 3, bf, 0.5);
    assert_null(ct_grad_fn(direct));
    assert_non_null(ct_grad_fn(recorded));
    check_padded(direct, bf, 3, len, 2, 0.5);
    check_padded(recorded, bf, 3, len, 2, 0.5);
    assert_int_equal(ct_backward(ct_sum(recorded), NULL), CT_OK);
    double g;
    assert_int_equal(ct_get(ct_grad(tracked[1]), (int64_t[]){3, 1}, &g), CT_OK);
    assert_true(g == 1.0);
    ct_scope_close(s);
  }
}

// Mixed dtypes promote (cat's rule); other trailing shapes are refused.
static void test_mixed_dtypes_and_shapes(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *mixed[2] = {sequence(0, 2, 0, CT_INT64), sequence(1, 3, 0, CT_FLOAT32)};
  ct_tensor *padded = ct_pad_sequence(mixed, 2, true, 0);
  assert_int_equal(ct_get_dtype(padded), CT_FLOAT32);
  check_padded(padded, true, 2, (const int64_t[]){2, 3}, 0, 0);
  ct_tensor *shapes[2] = {sequence(0, 2, 3, CT_FLOAT32), sequence(1, 3, 4, CT_FLOAT32)};
  assert_null(ct_pad_sequence(shapes, 2, true, 0));
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  ct_clear_error();
  ct_scope_close(s);
}

// Vocabulary: words sorted and distinct, each found at its index, others at <unk>'s.
static void test_vocab_lookup(void **state) {
  (void)state;
  char words[300][8];
  const char *list[300];
  for (int i = 0; i < 300; i++) { // 100 distinct words, each three times, unsorted
    snprintf(words[i], sizeof words[i], "w%d", (i * 37) % 100);
    list[i] = words[i];
  }
  ct_vocab *v = ct_vocab_new(list, 300, (const char *[]){"<unk>", "<pad>"}, 2, "<unk>");
  assert_non_null(v);
  assert_int_equal(ct_vocab_size(v), 102);
  for (int64_t i = 0; i < ct_vocab_size(v); i++) {
    const char *w = ct_vocab_word(v, i);
    assert_int_equal(ct_vocab_index(v, w), i);
    if (i) assert_true(strcmp(ct_vocab_word(v, i - 1), w) < 0);
  }
  assert_int_equal(ct_vocab_index(v, "<pad>"), 0);
  assert_int_equal(ct_vocab_index(v, "<unk>"), 1);
  assert_int_equal(ct_vocab_index(v, "w100"), 1);
  assert_int_equal(ct_vocab_index(v, ""), 1);
  assert_int_equal(ct_vocab_index(v, NULL), -1);
  assert_null(ct_vocab_word(v, 102));
  ct_vocab_free(v);
  // An empty word list: only the specials; the unknown token must be one of them.
  v = ct_vocab_new(NULL, 0, (const char *[]){"<unk>"}, 1, "<unk>");
  assert_int_equal(ct_vocab_size(v), 1);
  assert_int_equal(ct_vocab_index(v, "x"), 0);
  ct_vocab_free(v);
  assert_null(ct_vocab_new(list, 3, NULL, 0, "<unk>"));
  assert_int_equal(ct_last_status(), CT_ERR_ARG);
  ct_clear_error();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_int64_sequences_padded_directly),
      cmocka_unit_test(test_strided_sequence),
      cmocka_unit_test(test_recorded_path_gives_the_same_values),
      cmocka_unit_test(test_mixed_dtypes_and_shapes),
      cmocka_unit_test(test_vocab_lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

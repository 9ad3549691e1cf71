// libFuzzer target for the tensor-literal parser (ct_tensor_parse, ct_tensor_parse_float).
// Any text must either parse or fail with a message; never crash, overflow or leak. A
// float32 or bool result must parse back to the same dtype, shape and values from the
// nested list its values print as.
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

typedef struct text_buffer {
  char *text;
  size_t len, cap;
} text_buffer;

static void put(text_buffer *b, const char *piece) {
  size_t n = strlen(piece);
  if (b->len + n + 1 > b->cap) abort(); // sized by the caller
  memcpy(b->text + b->len, piece, n + 1);
  b->len += n;
}

// The values of t (row-major) as a nested list: True/False, or floats that keep their
// decimal point ("%#.9g" holds a float32 exactly).
static void put_list(text_buffer *b, const ct_tensor *t, const double *values, int64_t *next, int dim) {
  if (dim == ct_dim(t)) {
    char number[64];
    double v = values[(*next)++];
    if (ct_get_dtype(t) == CT_BOOL) snprintf(number, sizeof number, "%s", v != 0 ? "True" : "False");
    else snprintf(number, sizeof number, "%#.9g", v);
    put(b, number);
    return;
  }
  put(b, "[");
  for (int64_t i = 0; i < ct_shape(t)[dim]; i++) {
    if (i) put(b, ", ");
    put_list(b, t, values, next, dim + 1);
  }
  put(b, "]");
}

static bool same_values(const double *a, const double *b, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]))) return false;
  return true;
}

// A float32 or bool tensor prints as a literal that parses back to itself.
static void check_round_trip(const ct_tensor *t) {
  int64_t n = ct_numel(t);
  if (n > 4096) return;
  double *values = malloc((size_t)(n ? n : 1) * sizeof *values), *again = malloc((size_t)(n ? n : 1) * sizeof *again);
  text_buffer b = {.cap = (size_t)n * 40 + 8 * CT_MAX_DIMS + 64};
  b.text = malloc(b.cap);
  if (!values || !again || !b.text || ct_to_f64_array(t, values) != CT_OK) abort();
  int64_t next = 0;
  put_list(&b, t, values, &next, 0);
  ct_tensor *back = ct_tensor_parse(b.text);
  if (!back || ct_get_dtype(back) != ct_get_dtype(t) || ct_dim(back) != ct_dim(t) ||
      memcmp(ct_shape(back), ct_shape(t), sizeof(int64_t) * (size_t)ct_dim(t)) != 0 ||
      ct_to_f64_array(back, again) != CT_OK || !same_values(values, again, n))
    abort();
  free(values);
  free(again);
  free(b.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  ct_scope *scope = ct_scope_open();
  for (int as_float = 0; as_float < 2; as_float++) {
    ct_clear_error();
    ct_tensor *t = as_float ? ct_Tensor_parse(text) : ct_tensor_parse(text);
    if (!t) {
      if (ct_last_status() == CT_OK || ct_last_error()[0] == '\0') abort(); // a failure must say why
    } else if (ct_get_dtype(t) != CT_INT64) { // int64 values need not fit a double exactly
      check_round_trip(t);
    }
  }
  ct_scope_close(scope);
  free(text);
  return 0;
}

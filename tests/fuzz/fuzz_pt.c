// libFuzzer target for the .pt reader (zip archive + strict unpickler). Any bytes must
// either load or fail with a message; never crash, read out of bounds, overflow, leak or
// allocate more than the input can fill. A tree that loads must save, and load back from
// its own file with the same shape of tree (kinds and lengths).
#include "ctorch.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Same kinds, lengths, scalars and tensor geometry (dtype, shape) in a and b.
static int same_tree(const ct_value *a, const ct_value *b) {
  ct_value_kind k = ct_value_get_kind(a);
  if (k != ct_value_get_kind(b) || ct_value_len(a) != ct_value_len(b)) return 0;
  if (k == CT_VALUE_INT && ct_value_as_int(a) != ct_value_as_int(b)) return 0;
  if (k == CT_VALUE_STRING && strcmp(ct_value_as_string(a), ct_value_as_string(b))) return 0;
  if (k == CT_VALUE_TENSOR) {
    const ct_tensor *x = ct_value_as_tensor(a), *y = ct_value_as_tensor(b);
    if (ct_get_dtype(x) != ct_get_dtype(y) || ct_dim(x) != ct_dim(y) ||
        memcmp(ct_shape(x), ct_shape(y), sizeof(int64_t) * (size_t)ct_dim(x)))
      return 0;
  }
  for (int64_t i = 0; i < ct_value_len(a); i++) {
    if (k == CT_VALUE_DICT && !same_tree(ct_value_key_at(a, i), ct_value_key_at(b, i))) return 0;
    if (!same_tree(ct_value_at(a, i), ct_value_at(b, i))) return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_scope *scope = ct_scope_open();
  ct_clear_error();
  ct_value *v = ct_load_pt_buffer(data, size);
  if (!v) {
    if (ct_last_status() == CT_OK || ct_last_error()[0] == '\0') abort(); // a failure must say why
  } else {
    void *saved = NULL;
    size_t saved_len = 0;
    ct_status st = ct_save_pt_buffer(v, &saved, &saved_len);
    // Saving refuses only what the writer cannot express (bytes over 255, mixed-dtype storages).
    if (st == CT_OK) {
      ct_value *back = ct_load_pt_buffer(saved, saved_len);
      if (!back || !same_tree(v, back)) abort();
      ct_value_free(back);
    } else if (ct_last_error()[0] == '\0') {
      abort();
    }
    free(saved);
    ct_value_free(v);
  }
  ct_scope_close(scope);
  return 0;
}

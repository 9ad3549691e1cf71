// libFuzzer target for the safetensors reader. Any bytes must either load or fail with a
// message; never crash, read out of bounds, overflow, leak or allocate more than the input
// holds. What loads must save and load back with the same names, dtypes, shapes and bytes.
#include "ctorch.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int same_tensors(const ct_value *a, const ct_value *b) {
  if (ct_value_len(a) != ct_value_len(b)) return 0;
  for (int64_t i = 0; i < ct_value_len(a); i++) {
    const char *name = ct_value_as_string(ct_value_key_at(a, i));
    const ct_tensor *x = ct_value_as_tensor(ct_value_at(a, i)),
                    *y = ct_value_as_tensor(ct_value_get(b, name));
    if (!y || ct_get_dtype(x) != ct_get_dtype(y) || ct_dim(x) != ct_dim(y) || ct_numel(x) != ct_numel(y) ||
        memcmp(ct_shape(x), ct_shape(y), sizeof(int64_t) * (size_t)ct_dim(x)) ||
        memcmp(ct_data_ptr(x), ct_data_ptr(y), (size_t)ct_numel(x) * ct_dtype_size(ct_get_dtype(x))))
      return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_scope *scope = ct_scope_open();
  ct_clear_error();
  ct_value *meta = NULL;
  ct_value *v = ct_load_safetensors_buffer(data, size, &meta);
  if (!v) {
    if (ct_last_status() == CT_OK || ct_last_error()[0] == '\0' || meta) abort();
  } else {
    void *saved = NULL;
    size_t saved_len = 0;
    if (ct_save_safetensors_buffer(v, meta, &saved, &saved_len) != CT_OK) abort();
    ct_value *back_meta = NULL, *back = ct_load_safetensors_buffer(saved, saved_len, &back_meta);
    if (!back || !same_tensors(v, back) || ct_value_len(meta) != ct_value_len(back_meta)) abort();
    free(saved);
    ct_value_free(back);
    ct_value_free(back_meta);
    ct_value_free(v);
    ct_value_free(meta);
  }
  ct_scope_close(scope);
  return 0;
}

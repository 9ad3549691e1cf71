// libFuzzer target for the .npy reader. Any bytes must either load or fail with a message;
// never crash, read out of bounds, overflow, leak or allocate more than the input can fill
// (ASan+UBSan+LSan, libFuzzer's -rss_limit_mb). A tensor that loads must come back
// unchanged (dtype, shape, element bytes) from a save/load round trip.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

// Element bytes equal, walking a's strides (a may be a Fortran-ordered view), b contiguous.
static int same_elements(const ct_tensor *a, const ct_tensor *b) {
  int nd = ct_dim(a);
  size_t size = ct_dtype_size(ct_get_dtype(a));
  const int64_t *shape = ct_shape(a), *strides = ct_strides(a);
  const char *pa = ct_data_ptr(a), *pb = ct_data_ptr(b);
  int64_t index[CT_MAX_DIMS] = {0}, n = ct_numel(a);
  for (int64_t i = 0; i < n; i++) {
    int64_t offset = 0;
    for (int d = 0; d < nd; d++) offset += index[d] * strides[d];
    if (memcmp(pa + offset * (int64_t)size, pb + i * (int64_t)size, size) != 0) return 0;
    for (int d = nd - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_scope *scope = ct_scope_open();
  ct_clear_error();
  ct_tensor *t = ct_load_npy_buffer(data, size);
  if (!t) {
    if (ct_last_status() == CT_OK || ct_last_error()[0] == '\0') abort(); // a failure must say why
  } else {
    void *saved = NULL;
    size_t saved_len = 0;
    if (ct_save_npy_buffer(t, &saved, &saved_len) != CT_OK) abort();
    ct_tensor *back = ct_load_npy_buffer(saved, saved_len);
    free(saved);
    if (!back || ct_get_dtype(back) != ct_get_dtype(t) || ct_dim(back) != ct_dim(t) ||
        memcmp(ct_shape(back), ct_shape(t), sizeof(int64_t) * (size_t)ct_dim(t)) != 0 || !same_elements(t, back))
      abort();
  }
  ct_scope_close(scope);
  return 0;
}

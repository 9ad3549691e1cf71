// TensorDataset: samples are rows of tensors sharing their first dimension.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/data.h"
#include "ctorch/view.h"

typedef struct tensor_dataset {
  ct_dataset base; // first: the public handle points here
  int count;
  ct_tensor *tensors[CT_BATCH_MAX_FIELDS];
} tensor_dataset;

static int64_t td_length(void *ctx) { return ct_size(((tensor_dataset *)ctx)->tensors[0], 0); }

static ct_status td_get(void *ctx, int64_t index, ct_batch *sample) {
  tensor_dataset *td = ctx;
  sample->count = td->count;
  for (int k = 0; k < td->count; k++) {
    sample->fields[k] = ct_select(td->tensors[k], 0, index);
    if (!sample->fields[k]) return ct_last_status();
  }
  return CT_OK;
}

ct_dataset *ct_tensor_dataset_new(int n, ct_tensor *const *tensors) {
  if (n <= 0 || n > CT_BATCH_MAX_FIELDS)
    return ct__error_null(CT_ERR_ARG, "TensorDataset takes 1 to %d tensors, got %d", CT_BATCH_MAX_FIELDS, n);
  if (!tensors) return ct__error_null(CT_ERR_ARG, "TensorDataset: tensors is NULL but %d were announced", n);
  for (int k = 0; k < n; k++) {
    if (!tensors[k]) return NULL;
    if (ct_dim(tensors[k]) == 0) return ct__error_null(CT_ERR_ARG, "TensorDataset: tensors need a first dimension");
    if (ct_size(tensors[k], 0) != ct_size(tensors[0], 0))
      return ct__error_null(CT_ERR_ARG, "Size mismatch between tensors");
  }
  tensor_dataset *td = calloc(1, sizeof *td);
  if (!td) return ct__error_null(CT_ERR_MEMORY, "out of memory");
  td->base = (ct_dataset){.ctx = td, .length = td_length, .get_item = td_get};
  td->count = n;
  for (int k = 0; k < n; k++) td->tensors[k] = ct_retain(tensors[k]);
  return &td->base;
}

void ct_tensor_dataset_free(ct_dataset *dataset) {
  if (!dataset) return;
  tensor_dataset *td = (tensor_dataset *)dataset;
  for (int k = 0; k < td->count; k++) ct_release(td->tensors[k]);
  free(td);
}

// torch.nn.utils.rnn.pad_sequence: pad each sequence to the longest, then stack.
#include <stdlib.h>
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/data.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

ct_tensor *ct_pad_sequence(ct_tensor *const *sequences, int n, bool batch_first, double padding_value) {
  if (!sequences || n <= 0) return ct__error_null(CT_ERR_ARG, "pad_sequence: received an empty list of sequences");
  int64_t longest = 0;
  for (int i = 0; i < n; i++) {
    if (!sequences[i]) return NULL;
    if (ct_dim(sequences[i]) < 1) return ct__error_null(CT_ERR_ARG, "pad_sequence: sequences must have a first dimension");
    if (ct_dim(sequences[i]) != ct_dim(sequences[0]))
      return ct__error_null(CT_ERR_ARG, "pad_sequence: sequences must have the same number of dimensions");
    if (ct_size(sequences[i], 0) > longest) longest = ct_size(sequences[i], 0);
  }
  ct_tensor **padded = malloc((size_t)n * sizeof *padded);
  if (!padded) return ct__error_null(CT_ERR_MEMORY, "out of memory in pad_sequence");
  ct_scope *scope = ct_scope_open();
  ct_tensor *out = NULL;
  bool ok = scope != NULL;
  for (int i = 0; ok && i < n; i++) {
    ct_tensor *seq = sequences[i];
    int64_t missing = longest - ct_size(seq, 0);
    if (!missing) {
      padded[i] = seq;
      continue;
    }
    int64_t shape[CT_MAX_DIMS];
    for (int d = 0; d < ct_dim(seq); d++) shape[d] = ct_shape(seq)[d];
    shape[0] = missing;
    ct_tensor *fill = ct_full(ct_dim(seq), shape, padding_value, ct_get_dtype(seq));
    padded[i] = ct_cat((ct_tensor *[]){seq, fill}, 2, 0);
    ok = padded[i] != NULL;
  }
  if (ok) out = ct_keep(ct_stack(padded, n, batch_first ? 0 : 1));
  ct_scope_close(scope);
  free(padded);
  return out;
}

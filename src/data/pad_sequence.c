// torch.nn.utils.rnn.pad_sequence: pad each sequence to the longest, then stack.
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/data.h"
#include "ctorch/device.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

// Whether the padded batch can be written directly (pad_direct): one dtype and one
// trailing shape (else cat/stack promote or report PyTorch's errors), nothing recorded.
static bool plain_batch(ct_tensor *const *sequences, int n) {
  const ct_tensor *first = sequences[0];
  if (first->ndim + 1 > CT_MAX_DIMS || ct__needs_grad(n, sequences)) return false;
  for (int i = 1; i < n; i++) {
    const ct_tensor *s = sequences[i];
    if (s->dtype != first->dtype || !ct__same_place(s->storage, first->storage) ||
        memcmp(s->shape + 1, first->shape + 1, (size_t)(first->ndim - 1) * sizeof(int64_t)))
      return false;
  }
  return true;
}

// The values cat + stack give, without their temporaries: the batch filled with the
// padding value, each sequence copied into its slot.
static ct_tensor *pad_direct(ct_tensor *const *sequences, int n, int64_t longest, bool batch_first, double value) {
  const ct_tensor *first = sequences[0];
  const int nd = first->ndim, batch_dim = batch_first ? 0 : 1, time_dim = 1 - batch_dim;
  int64_t shape[CT_MAX_DIMS];
  shape[batch_dim] = n;
  shape[time_dim] = longest;
  memcpy(shape + 2, first->shape + 1, (size_t)(nd - 1) * sizeof *shape);
  ct_tensor *out = ct__alloc_like(first, first->dtype, nd + 1, shape);
  if (!out) return NULL;
  ct_status st = ct__fill(out, value);
  // Slot i is out[i, :len] (batch_first) or out[:len, i]: out's dims without batch_dim.
  ct_operand slot = ct__operand(out);
  const int64_t slot_step = slot.strides[batch_dim];
  slot.ndim = nd;
  slot.strides[0] = slot.strides[time_dim];
  for (int d = 1; d < nd; d++) slot.shape[d] = slot.shape[d + 1], slot.strides[d] = slot.strides[d + 1];
  const size_t es = ct_dtype_size(out->dtype);
  for (int i = 0; st == CT_OK && i < n; i++, slot.data += slot_step) {
    const ct_tensor *seq = sequences[i];
    if (batch_first && ct_is_contiguous(seq) && !seq->storage->memory) { // both dense in host memory: a plain copy
      const int64_t n_i = ct_numel(seq);
      if (n_i) memcpy(slot.data, ct__data(seq), (size_t)n_i * es);
    } else {
      slot.shape[0] = seq->shape[0];
      const ct_operand ops[2] = {slot, ct__operand(seq)};
      st = ct__copy_operands(ops);
    }
  }
  if (st != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_pad_sequence(ct_tensor *const *sequences, int n, bool batch_first, double padding_value) {
  if (n < 0) return ct__error_null(CT_ERR_ARG, "pad_sequence: the number of sequences is negative (%d)", n);
  if (n > 0 && !sequences) return ct__error_null(CT_ERR_ARG, "pad_sequence: sequences is NULL but %d were announced", n);
  if (n == 0) return ct__error_null(CT_ERR_ARG, "pad_sequence: received an empty list of sequences");
  int64_t longest = 0;
  for (int i = 0; i < n; i++) {
    if (!sequences[i]) return NULL;
    if (ct_dim(sequences[i]) < 1) return ct__error_null(CT_ERR_ARG, "pad_sequence: sequences must have a first dimension");
    if (ct_dim(sequences[i]) != ct_dim(sequences[0]))
      return ct__error_null(CT_ERR_ARG, "pad_sequence: sequences must have the same number of dimensions");
    // PyTorch copies each sequence into an output shaped after the first one's trailing dims.
    for (int d = 1; d < ct_dim(sequences[i]); d++)
      if (ct_size(sequences[i], d) != ct_size(sequences[0], d))
        return ct__error_null(CT_ERR_ARG,
                              "The size of tensor a (%lld) must match the size of tensor b (%lld) at non-singleton "
                              "dimension %d",
                              (long long)ct_size(sequences[0], d), (long long)ct_size(sequences[i], d), d);
    if (ct_size(sequences[i], 0) > longest) longest = ct_size(sequences[i], 0);
  }
  if (plain_batch(sequences, n)) return pad_direct(sequences, n, longest, batch_first, padding_value);
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
    ct_tensor *fill = ct_new_full(seq, ct_dim(seq), shape, padding_value, ct_get_dtype(seq));
    padded[i] = ct_cat((ct_tensor *[]){seq, fill}, 2, 0);
    ok = padded[i] != NULL;
  }
  if (ok) out = ct_keep(ct_stack(padded, n, batch_first ? 0 : 1));
  ct_scope_close(scope);
  free(padded);
  return out;
}

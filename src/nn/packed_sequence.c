// pack_padded_sequence / pad_packed_sequence (torch/nn/utils/rnn.py and ATen's
// _pack_padded_sequence / _pad_packed_sequence): argument checks and texts in PyTorch's
// order; the data built from views with cat and stack, so both are differentiable.
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/creation.h"
#include "ctorch/index.h"
#include "ctorch/rnn.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "nn/rnn_internal.h"
#include <stdlib.h>

ct_status ct__rnn_read_int64s(ct_tensor *t, int64_t n, int64_t *out) {
  ct_tensor *c = ct_contiguous(ct_to_dtype(t, CT_INT64));
  if (!c) return ct_last_status();
  const int64_t *v = ct_data_ptr(c);
  for (int64_t i = 0; i < n; i++)
    out[i] = v[i];
  return CT_OK;
}

// Indices of `len` in decreasing order of length, ties in their order (torch.sort's
// result on such small arrays); insertion sort, batches are small.
static void sort_decreasing(const int64_t *len, int64_t n, int64_t *order) {
  for (int64_t i = 0; i < n; i++) {
    int64_t j = i;
    for (; j > 0 && len[order[j - 1]] < len[i]; j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
}

static ct_status check_lengths(const int64_t *len, int64_t n, int64_t steps, bool enforce_sorted) {
  if (len[n - 1] <= 0)
    return ct__error(CT_ERR_RUNTIME,
                     "Length of all samples has to be greater than 0, but found an element in "
                     "'lengths' that is <= 0");
  for (int64_t i = 0; i + 1 < n; i++)
    if (enforce_sorted && len[i] < len[i + 1])
      return ct__error(
          CT_ERR_RUNTIME,
          "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
          "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
          "requirement if you do not need ONNX exportability.");
  for (int64_t i = 0; i < n; i++)
    if (len[i] > steps)
      return ct__error(CT_ERR_RUNTIME,
                       "pack_padded_sequence: length %lld exceeds the input's %lld time steps",
                       (long long)len[i], (long long)steps);
  return CT_OK;
}

// The packing itself in the current scope; `scratch` holds 3 * B values.
static ct_status pack(ct_tensor *input, ct_tensor *lengths, bool batch_first, bool enforce_sorted,
                      int64_t *scratch, ct_packed_sequence *out) {
  const int64_t B = input->shape[batch_first ? 0 : 1], steps = input->shape[batch_first ? 1 : 0];
  int64_t *len = scratch, *order = scratch + B, *sorted_len = scratch + 2 * B;
  if (ct__rnn_read_int64s(lengths, B, len) != CT_OK) return ct_last_status();
  for (int64_t i = 0; i < B; i++)
    order[i] = i;
  if (!enforce_sorted) sort_decreasing(len, B, order);
  for (int64_t i = 0; i < B; i++)
    sorted_len[i] = len[order[i]];
  if (check_lengths(enforce_sorted ? len : sorted_len, B, steps, enforce_sorted) != CT_OK)
    return ct_last_status();
  ct_tensor *x = batch_first ? ct_transpose(input, 0, 1) : input;
  if (!enforce_sorted) {
    for (int64_t i = 0; i < B; i++)
      len[order[i]] = i; // the inverse permutation
    out->sorted_indices = ct_tensor_from_i64(order, 1, &B);
    out->unsorted_indices = ct_tensor_from_i64(len, 1, &B);
    x = ct_index_select(x, 1, out->sorted_indices);
  }
  const int64_t steps_used = sorted_len[0];
  int64_t sizes[steps_used];
  ct_tensor **pieces = calloc((size_t)steps_used, sizeof *pieces);
  if (!pieces) return ct__error(CT_ERR_MEMORY, "pack_padded_sequence: out of memory");
  for (int64_t t = 0; t < steps_used; t++) {
    int64_t bs = 0;
    while (bs < B && sorted_len[bs] > t)
      bs++;
    sizes[t] = bs;
    pieces[t] = ct_narrow(ct_select(x, 0, t), 0, 0, bs);
  }
  out->data = ct_cat(pieces, (int)steps_used, 0);
  free(pieces);
  out->batch_sizes = ct_tensor_from_i64(sizes, 1, &steps_used);
  return out->data && out->batch_sizes && (enforce_sorted || (out->sorted_indices && out->unsorted_indices))
             ? CT_OK
             : ct_last_status();
}

ct_status ct_pack_padded_sequence(ct_tensor *input, ct_tensor *lengths, bool batch_first, bool enforce_sorted,
                                  ct_packed_sequence *out) {
  if (!out) return ct__error(CT_ERR_ARG, "pack_padded_sequence: out is NULL");
  *out = (ct_packed_sequence){0};
  if (!input || !lengths) return ct__null_tensor_status("pack_padded_sequence");
  if (input->ndim < 2)
    return ct__error(CT_ERR_INDEX, "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  if (ct_numel(input) == 0) return ct__error(CT_ERR_RUNTIME, "Cannot pack empty tensors.");
  const int64_t B = input->shape[batch_first ? 0 : 1];
  if (lengths->ndim != 1 || lengths->shape[0] != B)
    return ct__error(CT_ERR_RUNTIME,
                     "Expected `len(lengths)` to be equal to batch_size, but got %lld (batch_size=%lld)",
                     (long long)(lengths->ndim ? lengths->shape[0] : 1), (long long)B);
  if (ct_dtype_is_floating(lengths->dtype) || lengths->dtype == CT_BOOL)
    return ct__error(CT_ERR_ARG, "pack_padded_sequence: lengths must be an integer tensor");
  int64_t *scratch = calloc((size_t)(3 * B), sizeof *scratch);
  ct_scope *s = scratch ? ct_scope_open() : NULL;
  if (!s) {
    free(scratch);
    return scratch ? ct_last_status() : ct__error(CT_ERR_MEMORY, "pack_padded_sequence: out of memory");
  }
  ct_packed_sequence p = {0};
  ct_status st = pack(input, lengths, batch_first, enforce_sorted, scratch, &p);
  free(scratch);
  ct_tensor *keep[4] = {p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices};
  if (st == CT_OK)
    st = ct__close_keeping(s, keep, 4);
  else
    ct_scope_close(s);
  if (st == CT_OK) *out = (ct_packed_sequence){keep[0], keep[1], keep[2], keep[3]};
  return st;
}

// The padded (T, B, *) tensor in sorted order, in the current scope.
static ct_tensor *pad(const ct_packed_sequence *seq, const int64_t *bs, int64_t steps, int64_t out_steps,
                      double value) {
  ct_tensor *data = seq->data;
  const int64_t B = bs[0];
  ct_tensor **rows = calloc((size_t)out_steps, sizeof *rows);
  if (!rows) return ct__error_null(CT_ERR_MEMORY, "pad_packed_sequence: out of memory");
  int64_t shape[CT_MAX_DIMS];
  for (int d = 0; d < data->ndim; d++)
    shape[d] = data->shape[d];
  for (int64_t t = 0, off = 0; t < out_steps; t++) {
    const int64_t n = t < steps ? bs[t] : 0;
    shape[0] = B - n;
    ct_tensor *filler = ct_full(data->ndim, shape, value, data->dtype);
    ct_tensor *part = n ? ct_narrow(data, 0, off, n) : NULL;
    rows[t] = n == B ? part : n ? ct_cat((ct_tensor *[]){part, filler}, 2, 0) : filler;
    off += n;
  }
  ct_tensor *out = ct_stack(rows, (int)out_steps, 0);
  free(rows);
  return out;
}

ct_tensor *ct_pad_packed_sequence(const ct_packed_sequence *seq, bool batch_first, double padding_value,
                                  int64_t total_length, ct_tensor **lengths_out) {
  if (lengths_out) *lengths_out = NULL;
  if (!seq) return ct__error_null(CT_ERR_ARG, "pad_packed_sequence: sequence is NULL");
  CT_CHECK_NULL(seq->data);
  CT_CHECK_NULL(seq->batch_sizes);
  const int64_t steps = ct_numel(seq->batch_sizes);
  if (seq->batch_sizes->ndim != 1 || steps == 0 || seq->data->ndim < 1)
    return ct__error_null(CT_ERR_ARG, "pad_packed_sequence: batch_sizes must be a non-empty 1-D tensor");
  int64_t *bs = calloc((size_t)steps, sizeof *bs);
  if (!bs) return ct__error_null(CT_ERR_MEMORY, "pad_packed_sequence: out of memory");
  ct_scope *s = ct_scope_open();
  ct_tensor *out = NULL, *lengths = NULL;
  if (s && ct__rnn_read_int64s(seq->batch_sizes, steps, bs) == CT_OK) {
    const int64_t B = bs[0];
    int64_t total = 0;
    for (int64_t t = 0; t < steps; t++)
      total += bs[t];
    if (total != seq->data->shape[0] || B <= 0)
      ct__error(CT_ERR_RUNTIME, "pad_packed_sequence: the batch sizes add up to %lld rows, data has %lld",
                (long long)total, (long long)seq->data->shape[0]);
    else if (total_length >= 0 && total_length < steps)
      ct__error(CT_ERR_ARG,
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                "total_length=%lld and max sequence length being %lld",
                (long long)total_length, (long long)steps);
    else {
      out = pad(seq, bs, steps, total_length >= 0 ? total_length : steps, padding_value);
      int64_t len[B];
      for (int64_t b = 0; b < B; b++) {
        len[b] = 0;
        while (len[b] < steps && bs[len[b]] > b)
          len[b]++;
      }
      lengths = ct_tensor_from_i64(len, 1, &B);
      if (seq->unsorted_indices) {
        out = ct_index_select(out, 1, seq->unsorted_indices);
        lengths = ct_index_select(lengths, 0, seq->unsorted_indices);
      }
      if (batch_first) out = ct_transpose(out, 0, 1);
    }
  }
  free(bs);
  if (!s) return NULL;
  ct_tensor *keep[2] = {out, lengths};
  if (!out || !lengths) {
    ct_scope_close(s);
    return NULL;
  }
  if (ct__close_keeping(s, keep, 2) != CT_OK) return NULL;
  if (lengths_out) *lengths_out = keep[1];
  return keep[0];
}

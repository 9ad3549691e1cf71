/// @file rnn.h
/// @brief Recurrent layers (torch.nn.RNN, LSTM, GRU and their cells) and packed
/// sequences (torch.nn.utils.rnn.pack_padded_sequence / pad_packed_sequence).
///
/// PyTorch 1.13's argument rules, defaults, reprs, messages, parameter names and layouts
/// (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `..._reverse`; gates
/// LSTM i, f, g, o and GRU r, z, n; GRU's n = tanh(W_in x + b_in + r * (W_hn h + b_hn))),
/// and initialisation draws (every parameter, in registration order, from
/// U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))), so state dicts are interchangeable
/// with PyTorch's. Float32 and float64; results equal PyTorch's to float rounding.
///
/// ```c
/// ct_rnn_options o = ct_rnn_defaults();
/// o.num_layers = 2, o.batch_first = true;
/// ct_module *lstm = ct_lstm_new(64, 128, o);
/// ct_rnn_output r;
/// ct_rnn_forward(lstm, x, NULL, NULL, &r);   // output, (h_n, c_n) = lstm(x)
/// ```
///
/// Each layer and direction is one fused operation: its grad_fn is ctorch's own
/// `RnnLayerBackward` (reached through views of its output), not PyTorch's per-op graph.
#ifndef CTORCH_RNN_H
#define CTORCH_RNN_H
#include "ctorch/nn.h"
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// torch.nn.utils.rnn.PackedSequence: data (sum of lengths, *), batch_sizes (int64, one
/// per time step), and, when packed with enforce_sorted false, sorted_indices /
/// unsorted_indices (int64; NULL otherwise). Tensors belong to the scope they were made in.
typedef struct ct_packed_sequence {
  ct_tensor *data, *batch_sizes, *sorted_indices, *unsorted_indices;
} ct_packed_sequence;

/// pack_padded_sequence(input, lengths, batch_first, enforce_sorted): input (T, B, *)
/// (batch_first: (B, T, *)), lengths an int64 tensor of B values (each in 1..T).
/// enforce_sorted true needs lengths in decreasing order (PyTorch's error otherwise);
/// false sorts them (ties keep their order) and records the permutations.
/// Differentiable in input.
CT_API ct_status ct_pack_padded_sequence(ct_tensor *input, ct_tensor *lengths, bool batch_first,
                                         bool enforce_sorted, ct_packed_sequence *out);
/// pad_packed_sequence(sequence, batch_first, padding_value, total_length): the padded
/// (T, B, *) tensor (batch_first: (B, T, *)) in the original batch order; T is the
/// longest length, or total_length when it is not negative (at least the longest
/// length). *lengths_out (optional) gets the int64 lengths. Differentiable.
CT_API ct_tensor *ct_pad_packed_sequence(const ct_packed_sequence *sequence, bool batch_first,
                                         double padding_value, int64_t total_length, ct_tensor **lengths_out);

/// Arguments of RNN, LSTM and GRU. Start from ct_rnn_defaults() (PyTorch's defaults).
typedef struct ct_rnn_options {
  int64_t num_layers;       ///< 1
  bool bias;                ///< true
  bool batch_first;         ///< false
  double dropout;           ///< 0: dropout on every layer's output but the last, in training
  bool bidirectional;       ///< false
  const char *nonlinearity; ///< "tanh" or "relu" (RNN and RNNCell only; NULL means "tanh")
  ct_dtype dtype;           ///< CT_FLOAT32: the parameters' dtype (PyTorch's dtype= argument)
} ct_rnn_options;

CT_API ct_rnn_options ct_rnn_defaults(void);

/// nn.RNN / nn.LSTM / nn.GRU(input_size, hidden_size, ...). Refused with PyTorch's
/// ValueError texts: dropout outside [0, 1], an unknown nonlinearity; hidden_size and
/// num_layers must be positive. ct_module_forward(m, x) returns the output alone (zero
/// initial states).
CT_API ct_module *ct_rnn_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);
CT_API ct_module *ct_lstm_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);
CT_API ct_module *ct_gru_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);

/// What a recurrent layer returns (tensors in the caller's scope).
typedef struct ct_rnn_output {
  /// (T, B, D*H), (B, T, D*H) with batch_first, (T, D*H) for an unbatched input; NULL
  /// for a packed input.
  ct_tensor *output;
  /// A packed input's output, packed like it (same batch_sizes and indices).
  ct_packed_sequence packed;
  /// (D*num_layers, B, H) ((D*num_layers, H) unbatched); c_n for LSTM only (else NULL).
  ct_tensor *h_n, *c_n;
} ct_rnn_output;

/// module(input, h0) / module(input, (h0, c0)): input (T, B, input_size), (B, T, ...)
/// with batch_first, or unbatched (T, input_size). h0 (and c0 for LSTM; give both or
/// neither) of shape (D*num_layers, B, H), or unbatched (D*num_layers, H); NULL: zeros.
/// In training mode with dropout, each layer's output but the last goes through
/// F.dropout (PyTorch's draws).
CT_API ct_status ct_rnn_forward(ct_module *rnn, ct_tensor *input, ct_tensor *h0, ct_tensor *c0,
                                ct_rnn_output *out);
/// The same for a packed input: states are in the caller's batch order (permuted with
/// the sequence's sorted_indices and back, as PyTorch does); out->packed is set.
CT_API ct_status ct_rnn_forward_packed(ct_module *rnn, const ct_packed_sequence *input, ct_tensor *h0,
                                       ct_tensor *c0, ct_rnn_output *out);

/// nn.RNNCell(input_size, hidden_size, bias, nonlinearity), nn.LSTMCell, nn.GRUCell,
/// with o.bias, o.nonlinearity (RNNCell) and o.dtype (the other options are ignored):
/// parameters weight_ih, weight_hh, bias_ih, bias_hh. ct_module_forward(cell, x)
/// returns h' from zero states.
CT_API ct_module *ct_rnn_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);
CT_API ct_module *ct_lstm_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);
CT_API ct_module *ct_gru_cell_new(int64_t input_size, int64_t hidden_size, ct_rnn_options o);
/// cell(input, hx) / lstm_cell(input, (hx, cx)): input (B, input_size) or unbatched
/// (input_size); hx, cx (B, H) / (H) or NULL (zeros; for LSTM give both or neither).
/// *h_out = h'; *c_out = c' for LSTMCell (may be NULL otherwise).
CT_API ct_status ct_rnn_cell_forward(ct_module *cell, ct_tensor *input, ct_tensor *hx, ct_tensor *cx,
                                     ct_tensor **h_out, ct_tensor **c_out);

#ifdef __cplusplus
}
#endif
#endif

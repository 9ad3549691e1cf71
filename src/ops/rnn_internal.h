// One recurrent layer in one direction, fused (src/ops/rnn_layer.c): the building block
// of the RNN/LSTM/GRU modules and their cells (src/nn/rnn_*.c).
#ifndef CTORCH_SRC_OPS_RNN_INTERNAL_H
#define CTORCH_SRC_OPS_RNN_INTERNAL_H
#include "ctorch/tensor.h"
#include "kernels/rnn.h"

/// The parameters of one layer and direction: weight_ih (G, I), weight_hh (G, H), and
/// bias_ih, bias_hh (G each; both NULL without biases).
typedef struct ct_rnn_weights {
  ct_tensor *w_ih, *w_hh, *b_ih, *b_hh;
} ct_rnn_weights;

/// What a layer returns, in the caller's scope: output (N, H), h_n (B, H), and c_n
/// (B, H) for LSTM (NULL otherwise).
typedef struct ct_rnn_layer_out {
  ct_tensor *output, *h_n, *c_n;
} ct_rnn_layer_out;

/// Runs one layer over a packed sequence: x (N, I) holds the rows of time step 0, then
/// step 1 ..., batch_sizes[t] rows for step t (non-increasing, summing to N; B =
/// batch_sizes[0] > 0); h0 and c0 (LSTM) are (B, H). `reverse` walks the steps from the
/// last. Operands were checked by the caller (shapes, one dtype, one device). Records one
/// node ("RnnLayerBackward", ctorch's own) whose backward runs BPTT with the same fused
/// kernels; the three results are views of its one output.
ct_status ct__rnn_layer(ct_rnn_mode mode, ct_tensor *x, const int64_t *batch_sizes, int64_t steps,
                        ct_tensor *h0, ct_tensor *c0, const ct_rnn_weights *w, bool reverse,
                        ct_rnn_layer_out *out);
#endif

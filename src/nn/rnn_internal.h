// Pieces shared by the recurrent modules (rnn_modules.c), their cells (rnn_cells.c) and
// packed sequences (packed_sequence.c).
#ifndef CTORCH_SRC_NN_RNN_INTERNAL_H
#define CTORCH_SRC_NN_RNN_INTERNAL_H
#include "ctorch/rnn.h"
#include "ops/rnn_internal.h"

/// out[0..n) = the first n values of t read as int64 (t has at least n elements).
ct_status ct__rnn_read_int64s(ct_tensor *t, int64_t n, int64_t *out);
/// The mode for nonlinearity "tanh" (or NULL) / "relu"; PyTorch's ValueError otherwise
/// (`quoted`: RNN's "Unknown nonlinearity 'x'", else RNNCell's "Unknown nonlinearity: x").
ct_status ct__rnn_nonlinearity(const char *nonlinearity, bool quoted, ct_rnn_mode *mode);
/// Registers the four parameters of one layer and direction (names "weight_ih<sfx>",
/// "weight_hh<sfx>", "bias_ih<sfx>", "bias_hh<sfx>"; no biases without `bias`) as
/// zeros of `dtype`, filling *w (borrowed pointers).
ct_status ct__rnn_add_parameters(ct_module *m, const char *suffix, int64_t gates, int64_t in, int64_t hidden,
                                 bool bias, ct_dtype dtype, ct_rnn_weights *w);
/// reset_parameters: every parameter, in registration order, from
/// U(-1/sqrt(hidden), 1/sqrt(hidden)).
ct_status ct__rnn_reset_parameters(ct_module *m, int64_t hidden);
/// The weights' dtype check before the products: "mat1 and mat2 must have the same
/// dtype" for an input, "expected scalar type Float but found Double" for a state.
ct_status ct__rnn_check_dtype(const ct_tensor *t, ct_dtype want, bool is_input);
#endif

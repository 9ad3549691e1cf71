// The create_graph path of the fused recurrent layer's backward (rnn_layer_recorded.c).
#ifndef CTORCH_SRC_OPS_RNN_RECORDED_H
#define CTORCH_SRC_OPS_RNN_RECORDED_H
#include "ctorch/tensor.h"
#include "kernels/rnn.h"

/// One layer direction as its node recorded it; tensors as ct__saved hands them back
/// (with their history); b_ih, b_hh, c0 may be NULL.
typedef struct ct_rnn_recorded {
  ct_rnn_mode mode;
  bool reverse;
  int64_t steps, batch, hidden;
  const int64_t *plan; // batch_sizes[steps], then row offsets[steps]
  ct_tensor *x, *h0, *c0, *w_ih, *w_hh, *b_ih, *b_hh;
  bool needed[7];      // gradients wanted, in the node's input order (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
} ct_rnn_recorded;

/// BPTT from recorded public ops on a recomputed forward: fills grad_in like the fused
/// backward does, each gradient differentiable again.
ct_status ct__rnn_layer_backward_recorded(const ct_rnn_recorded *r, ct_tensor *grad, ct_tensor **grad_in);
#endif

// Shared pieces of the fused losses (src/nn/loss_*.c): argument checks, and the driver of
// the elementwise losses (BCE, BCE with logits, MSE, L1). Their loops are in the kernel
// table (kernels/loss.h).
#ifndef CTORCH_SRC_NN_LOSS_INTERNAL_H
#define CTORCH_SRC_NN_LOSS_INTERNAL_H
#include "autograd/node.h"
#include "ctorch/loss.h"
#include "kernels/loss.h"

/// True for a valid reduction; otherwise records PyTorch's "<r> is not a valid value for
/// reduction" and returns false.
bool ct__loss_reduction_ok(ct_reduction reduction);
/// "\"<op>\" not implemented for '<Type>'" unless t is float32/float64; returns CT_OK or
/// the error status.
ct_status ct__loss_check_floating(const ct_tensor *t, const char *op);
/// PyTorch's "torch.Size([2, 1])" of a tensor's shape, into buf.
void ct__loss_size_str(const ct_tensor *t, char *buf, size_t cap);
/// A contiguous tensor of `dtype` holding t's values broadcast to shape[ndim]: t itself
/// (a new reference in the current scope) when it already is one, else a copy. No autograd.
ct_tensor *ct__loss_dense(ct_tensor *t, ct_dtype dtype, int ndim, const int64_t *shape);

// ---- elementwise losses ----

/// One elementwise loss: its loops in the kernel table (kernels/loss.h) and the grad_fn
/// name per reduction. `backward` is the node's function, which calls
/// ct__pointwise_loss_backward with this description (CT__POINTWISE_LOSS defines both).
typedef struct ct_pointwise_loss {
  const char *node_name[3];
  ct_backward_fn backward;
  ct_pointwise_loss_kind kind;
} ct_pointwise_loss;

/// Runs loss L on input and target already checked to broadcast to shape[ndim] (the
/// loss's element shape) in float dtype `dtype`. extras (weight, pos_weight; entries may be
/// NULL) broadcast to the same shape. Reduces, records the node, returns the result.
ct_tensor *ct__pointwise_loss(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target,
                              ct_tensor *weight, ct_tensor *pos_weight, ct_dtype dtype, int ndim,
                              const int64_t *shape, ct_reduction reduction);
/// ct__pointwise_loss for a loss with a parameter (smooth_l1's beta, huber's delta) and no
/// weights.
ct_tensor *ct__pointwise_loss_with(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target, double param,
                                   ct_dtype dtype, int ndim, const int64_t *shape, ct_reduction reduction);
/// A regression loss (mse, l1, smooth_l1, huber): input and target broadcast together,
/// computed in the wider float dtype ("\"<kernel_name>\" not implemented for 'Long'" when
/// neither is floating), with the loss's parameter.
ct_tensor *ct__regression_loss(const ct_pointwise_loss *L, const char *kernel_name, ct_tensor *input,
                               ct_tensor *target, double param, ct_reduction reduction);
/// Backward of a node recorded by ct__pointwise_loss.
ct_status ct__pointwise_loss_backward(const ct_pointwise_loss *L, ct_node *node, ct_tensor *grad,
                                      ct_tensor **grad_in);
/// Defines `static const ct_pointwise_loss NAME` from the other fields' designated
/// initializers, with its node function NAME_backward (a backward function gets no
/// context, so each loss needs its own).
#define CT__POINTWISE_LOSS(NAME, ...)                                                          \
  static ct_status NAME##_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in);        \
  static const ct_pointwise_loss NAME = {.backward = NAME##_backward, __VA_ARGS__};             \
  static ct_status NAME##_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {       \
    return ct__pointwise_loss_backward(&NAME, node, grad, grad_in);                            \
  }
/// Checks that an optional weight-like tensor (any dtype: it is converted to the loss's,
/// as PyTorch's in-place multiply does) broadcasts to shape[ndim] and does not
/// require grad (PyTorch: "The function '<op>' is not differentiable with respect to
/// argument '<arg>'..."). `w_first`: name w "tensor a" in the broadcast message.
ct_status ct__loss_check_weight(const ct_tensor *w, const char *op, const char *arg, int ndim,
                                const int64_t *shape, bool w_first);

// ---- nll_loss / cross_entropy ----

/// nll_loss on log-probabilities with optional label smoothing (ls > 0: PyTorch's
/// cross_entropy formula, node AddBackward0).
ct_tensor *ct__nll_loss(ct_tensor *log_probs, ct_tensor *target, ct_tensor *weight, int64_t ignore_index,
                        double label_smoothing, ct_reduction reduction);
#endif

// Double backward for backward functions linear in their incoming gradient (see
// linear_backward.c).
#ifndef CTORCH_SRC_AUTOGRAD_LINEAR_BACKWARD_H
#define CTORCH_SRC_AUTOGRAD_LINEAR_BACKWARD_H
#include "autograd/node.h"

/// The op's Jacobian for input `input` applied to v (v has that input's shape; the result
/// has the op's output shape, described by `out`). Runs under no_grad; the op's saved
/// tensors (indices, masks) are read with ct__saved.
typedef ct_tensor *(*ct__jvp_fn)(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out);

/// For a backward function B linear in grad: call it first thing as
/// `if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, my_jvp);`.
/// Runs B itself with grad mode off (its fused path), then records on each gradient a node
/// whose backward is `jvp`, so the gradients can be differentiated again.
ct_status ct__linear_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in, ct__jvp_fn jvp);

/// One application, recorded: jvp(v) (jvp_side; `out` describes the op's output) or the op's
/// backward of v for input `input`, computed with grad mode off, with a node mapping back
/// (the transpose) when v requires grad. NULL with the error recorded on failure.
ct_tensor *ct__linear_apply(ct_node *op, int input, ct_tensor *v, bool jvp_side, ct__jvp_fn jvp,
                            const ct_input_meta *out);

#endif

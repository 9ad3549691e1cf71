// Double backward of backward functions that are linear in their incoming gradient and
// read no differentiable saved tensor (gather, index_select, embedding, masked_fill,
// select/slice, pooling, nll_loss ...). Under create_graph such a backward still runs
// its fused kernels (with grad mode off); each result then gets a node whose backward is
// the transpose of that linear map: the op's Jacobian applied to a vector, which for a
// linear op is the op itself (its `jvp`, run under no_grad). That node's result is
// recorded the same way in turn, with the op's backward as its transpose, so gradients
// of any order stay recorded.
#include <stdlib.h>
#include "autograd/linear_backward.h"
#include "core/error_impl.h"

// Arguments of the nodes this file records. The op node is owned through extra->copy_fn.
typedef struct linear_args {
  int input;            // which input of the op the gradient is for
  bool jvp_side;        // the node maps v to jvp(v) (else to the op's backward of v)
  ct__jvp_fn jvp;
} linear_args;

static ct_status linear_node_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in);

// Records on `out` (= map(v)) a node mapping back (the transpose), when v requires grad.
static ct_status record_transpose(ct_tensor **out, ct_tensor *v, ct_node *op, int input, bool jvp_side,
                                  ct__jvp_fn jvp) {
  if (!ct_requires_grad(v)) return CT_OK;
  if (*out == v && !(*out = ct__alias(v))) return ct_last_status(); // a node needs its own result tensor
  ct_node *n;
  ct_status st = ct__record(*out, jvp_side ? "LinearBackwardBackward" : "LinearBackwardBackwardBackward",
                            linear_node_backward, 1, &v, 0, NULL, &n);
  if (st != CT_OK || !n) return st;
  if (!ct__node_extra_of(n)) return ct_last_status();
  *ct__node_args(n, linear_args) = (linear_args){.input = input, .jvp_side = jvp_side, .jvp = jvp};
  n->extra->copy_fn = ct__node_retain(op);
  return CT_OK;
}

// The op's backward on v for its input `input`, computed fused (grad mode off).
static ct_tensor *op_backward(ct_node *op, int input, ct_tensor *v) {
  ct_tensor *small[8] = {0};
  ct_tensor **grad_in = op->num_next <= 8 ? small : calloc((size_t)op->num_next, sizeof *grad_in);
  if (!grad_in) return ct__error_null(CT_ERR_MEMORY, "out of memory in backward");
  bool mode = ct_no_grad_enter();
  ct_status st = op->backward(op, v, grad_in);
  ct_grad_mode_restore(mode);
  ct_tensor *r = st == CT_OK ? grad_in[input] : NULL;
  if (grad_in != small) free(grad_in);
  return r;
}

ct_tensor *ct__linear_apply(ct_node *op, int input, ct_tensor *v, bool jvp_side, ct__jvp_fn jvp,
                            const ct_input_meta *out) {
  ct_tensor *r;
  if (jvp_side) {
    bool mode = ct_no_grad_enter();
    r = jvp(op, input, v, out);
    ct_grad_mode_restore(mode);
  } else {
    r = op_backward(op, input, v);
  }
  return r && record_transpose(&r, v, op, input, !jvp_side, jvp) == CT_OK ? r : NULL;
}

// The JVP node maps v (input-shaped) to jvp(v) (output-shaped, inputs[0] of this node is
// the op's output gradient's geometry); the other maps v back through the op's backward.
static ct_status linear_node_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const linear_args *a = ct__node_args(node, linear_args);
  grad_in[0] = ct__linear_apply(node->extra->copy_fn, a->input, grad, a->jvp_side, a->jvp, &node->inputs[0]);
  return grad_in[0] ? CT_OK : ct_last_status();
}

ct_status ct__linear_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in, ct__jvp_fn jvp) {
  bool mode = ct_no_grad_enter();
  ct_status st = node->backward(node, grad, grad_in);
  ct_grad_mode_restore(mode);
  for (int i = 0; st == CT_OK && i < node->num_next; i++)
    if (grad_in[i]) st = record_transpose(&grad_in[i], grad, node, i, true, jvp);
  return st;
}

// The public entry points of a backward pass: backward (accumulating into leaves) and
// autograd.grad (answering the gradients of chosen inputs), both over ct__run_backward.
#include <stdlib.h>
#include <string.h>
#include "autograd/engine.h"
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

static bool same_shape(const ct_tensor *a, const ct_tensor *b) {
  return a->ndim == b->ndim && !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(int64_t));
}

// PyTorch checks the given gradients' shapes before whether the outputs require grad.
static ct_status check_gradient_shape(int i, const ct_tensor *output, const ct_tensor *gradient) {
  if (!gradient || same_shape(gradient, output)) return CT_OK;
  char a[256], b[256];
  ct__shape_to_str(gradient->ndim, gradient->shape, a, sizeof a);
  ct__shape_to_str(output->ndim, output->shape, b, sizeof b);
  return ct__error(CT_ERR_RUNTIME,
                   "Mismatch in shape: grad_output[%d] has a shape of torch.Size(%s) and output[%d] "
                   "has a shape of torch.Size(%s).",
                   i, a, i, b);
}

// The gradient a pass starts from at output: the given one (in the output's dtype; kept
// as is under create_graph, where its history matters) or an implicit 1.
static ct_tensor *root_gradient(ct_tensor *output, ct_tensor *gradient, bool create_graph) {
  if (!gradient) {
    if (ct_numel(output) != 1)
      return ct__error_null(CT_ERR_RUNTIME, "grad can be implicitly created only for scalar outputs");
    ct_tensor *ones = ct__alloc_like(output, output->dtype, output->ndim, output->shape); // on the graph's device
    if (ones) ct__fill(ones, 1.0);
    return ones;
  }
  if (create_graph) return gradient->dtype == output->dtype ? gradient : ct_to_dtype(gradient, output->dtype);
  return ct__copy_as(gradient, output->dtype);
}

// Starts a pass from the outputs: checks them, builds their roots and gradients. The
// roots are new node references the caller releases.
static ct_status start(int n, ct_tensor *const *outputs, ct_tensor *const *gradients, bool create_graph,
                       ct_node **roots, ct_tensor **root_grads) {
  for (int i = 0; i < n; i++) {
    if (!outputs[i]) return ct__null_tensor_status("backward");
    ct_status st = check_gradient_shape(i, outputs[i], gradients ? gradients[i] : NULL);
    if (st != CT_OK) return st;
  }
  for (int i = 0; i < n; i++) {
    if (!ct_requires_grad(outputs[i]))
      return ct__error(CT_ERR_RUNTIME, "element %d of tensors does not require grad and does not have a grad_fn", i);
    root_grads[i] = root_gradient(outputs[i], gradients ? gradients[i] : NULL, create_graph);
    if (!root_grads[i]) return ct_last_status();
    roots[i] = ct__grad_edge(outputs[i], 0);
    if (!roots[i]) return ct__error(CT_ERR_MEMORY, "out of memory in backward");
  }
  return CT_OK;
}

ct_status ct_backward_opts(ct_tensor *root, const ct_tensor *gradient, const ct_grad_options *opts) {
  const ct_grad_options o = opts ? *opts : (ct_grad_options){0};
  ct_scope *scope = ct_scope_open();
  if (!scope) return ct_last_status();
  ct_node *node = NULL;
  ct_tensor *g = NULL, *given = (ct_tensor *)gradient;
  ct_status st = start(1, &root, gradient ? &given : NULL, o.create_graph, &node, &g);
  if (st == CT_OK) {
    ct__backward_task task = {.n_roots = 1, .roots = &node, .root_grads = &g,
                              .keep_graph = o.retain_graph || o.create_graph, .create_graph = o.create_graph};
    st = ct__run_backward(&task);
  }
  ct__node_release(node);
  ct_status close_st = ct_scope_close(scope);
  return st != CT_OK ? st : close_st;
}

ct_status ct_backward_ex(ct_tensor *root, const ct_tensor *gradient, bool retain_graph) {
  return ct_backward_opts(root, gradient, &(ct_grad_options){.retain_graph = retain_graph});
}

ct_status ct_backward(ct_tensor *root, const ct_tensor *gradient) { return ct_backward_ex(root, gradient, false); }

// The edges autograd.grad answers for: each input's grad_fn, or its leaf's AccumulateGrad
// (new references).
static ct_status input_edges(int n, ct_tensor *const *inputs, ct_node **edges) {
  for (int i = 0; i < n; i++) {
    if (!inputs[i]) return ct__null_tensor_status("grad");
    if (!ct_requires_grad(inputs[i]))
      return ct__error(CT_ERR_RUNTIME, "One of the differentiated Tensors does not require grad");
  }
  for (int i = 0; i < n; i++)
    if (!(edges[i] = ct__grad_edge(inputs[i], 0))) return ct__error(CT_ERR_MEMORY, "out of memory in grad");
  return CT_OK;
}

ct_status ct_autograd_grad(int n_outputs, ct_tensor *const *outputs, ct_tensor *const *grad_outputs,
                           int n_inputs, ct_tensor *const *inputs, const ct_grad_options *opts,
                           ct_tensor **grads) {
  if (!grads) return ct__error(CT_ERR_ARG, "grad: grads is NULL");
  for (int i = 0; i < n_inputs; i++) grads[i] = NULL;
  if (n_outputs <= 0 || !outputs) return ct__error(CT_ERR_RUNTIME, "grad requires at least one output");
  if (n_inputs <= 0 || !inputs) return ct__error(CT_ERR_RUNTIME, "grad requires non-empty inputs.");
  const ct_grad_options o = opts ? *opts : (ct_grad_options){0};
  ct_node **nodes = calloc((size_t)(n_outputs + n_inputs), sizeof *nodes);
  ct_tensor **root_grads = calloc((size_t)n_outputs, sizeof *root_grads);
  if (!nodes || !root_grads) {
    free(nodes);
    free(root_grads);
    return ct__error(CT_ERR_MEMORY, "out of memory in grad");
  }
  ct_scope *scope = ct_scope_open();
  ct_status st = scope ? CT_OK : ct_last_status();
  if (st == CT_OK) st = start(n_outputs, outputs, grad_outputs, o.create_graph, nodes, root_grads);
  if (st == CT_OK) st = input_edges(n_inputs, inputs, nodes + n_outputs);
  if (st == CT_OK) {
    ct__backward_task task = {.n_roots = n_outputs, .roots = nodes, .root_grads = root_grads,
                              .keep_graph = o.retain_graph || o.create_graph, .create_graph = o.create_graph,
                              .n_captures = n_inputs, .capture_nodes = nodes + n_outputs, .captured = grads};
    st = ct__run_backward(&task);
  }
  for (int i = 0; st == CT_OK && i < n_inputs; i++)
    if (!grads[i] && !o.allow_unused)
      st = ct__error(CT_ERR_RUNTIME, "One of the differentiated Tensors appears to not have been used in the graph. "
                                     "Set allow_unused=True if this is the desired behavior.");
  // The answers are references the pass took: the scope hands them to the caller's.
  ct_tensor **taken = calloc((size_t)n_inputs, sizeof *taken);
  if (!taken && st == CT_OK) st = ct__error(CT_ERR_MEMORY, "out of memory in grad");
  for (int i = 0; i < n_inputs; i++) {
    if (taken) taken[i] = grads[i];
    else ct__release(grads[i]);
    if (st != CT_OK) grads[i] = NULL;
  }
  for (int i = 0; i < n_outputs + n_inputs; i++) ct__node_release(nodes[i]);
  free(nodes);
  free(root_grads);
  if (scope) {
    ct_status close_st = ct__close_keeping(scope, grads, n_inputs);
    if (st == CT_OK) st = close_st;
  }
  for (int i = 0; taken && i < n_inputs; i++) ct__release(taken[i]);
  free(taken);
  if (st != CT_OK)
    for (int i = 0; i < n_inputs; i++) grads[i] = NULL;
  return st;
}

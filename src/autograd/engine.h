// The backward engine's entry point, shared by backward and autograd.grad (grad.c).
#ifndef CTORCH_SRC_AUTOGRAD_ENGINE_H
#define CTORCH_SRC_AUTOGRAD_ENGINE_H
#include "autograd/node.h"

/// One backward pass. Gradients start at the roots (the outputs' grad_fn, or a leaf
/// output's AccumulateGrad; a root may repeat: its gradients add up). Without captures
/// every reachable node runs and leaves accumulate into .grad; with captures (autograd.grad)
/// only the nodes leading to a capture node run, and the gradient reaching capture node k
/// is stored in captured[k] (a new reference, NULL when none arrives).
typedef struct ct__backward_task {
  int n_roots;
  ct_node *const *roots;
  ct_tensor *const *root_grads;
  bool keep_graph;   // retain_graph
  bool create_graph; // run backward functions under grad mode, recording them
  int n_captures;
  ct_node *const *capture_nodes;
  ct_tensor **captured;
} ct__backward_task;

/// Runs node n's backward under create_graph (double_backward.c): as is when it is known to
/// record its gradients; else its plain path, each gradient given a node that fails with
/// PyTorch's (or ctorch's) "not supported" error when it is differentiated.
ct_status ct__backward_create_graph(ct_node *n, ct_tensor *g, ct_tensor **grad_in);

/// Runs the pass; tensors it makes (captured ones aside) belong to the current scope.
ct_status ct__run_backward(const ct__backward_task *task);

#endif

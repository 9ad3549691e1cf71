// Reducing a gradient to the shape of the input it belongs to (PyTorch's sum_to), for
// backward functions of ops whose inputs broadcast. It runs ops (a sum, a reshape), so
// it lives here rather than in the autograd engine, which depends on core only.
#ifndef CTORCH_SRC_OPS_SUM_TO_H
#define CTORCH_SRC_OPS_SUM_TO_H
#include "autograd/node.h"

/// PyTorch's sum_to: `grad` summed over its leading dims and over the dims where `shape`
/// has size 1 (one ct_sum_dims, so float sums keep torch's order), as a tensor of
/// `shape`. Returns grad itself when nothing needs summing; NULL on error.
ct_tensor *ct__sum_to_shape(ct_tensor *grad, int ndim, const int64_t *shape);

/// The gradient of the node's input i: `grad` summed to that input's shape
/// (ct__sum_to_shape) and converted to its dtype. Returns grad itself when nothing needs
/// doing; a NULL grad gives NULL without a new error.
ct_tensor *ct__grad_for_input(const ct_node *node, int i, ct_tensor *grad);

#endif

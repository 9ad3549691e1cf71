// F.pad in constant mode (ConstantPadNdBackward0): PyTorch 1.13's pad checks, then
// constant_pad_nd: negative amounts narrow the input first (narrow's own errors), the
// result is filled with the value and the (narrowed) input copied into its middle. The
// gradient is the incoming gradient padded by the negated amounts.
#include <stdlib.h>
#include <string.h>
#include "autograd/node.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"
#include "ctorch/norm.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"

typedef struct pad_args {
  int n_pads;
  int64_t *pads; // owned by the node (ct__node_adopt)
} pad_args;

// The view of t that constant_pad_nd narrows to: with `positive` false, the negative
// amounts cropped from t (the part of the input kept); with `positive` true, the positive
// amounts cut from t (where a padded result holds the input). NULL with narrow's error
// when a crop is impossible.
static ct_tensor *middle(ct_tensor *t, const int64_t *pads, int n_pads, bool positive) {
  ct_tensor *v = t;
  const int first = t->ndim - n_pads / 2;
  for (int d = first; d < t->ndim && v; d++) {
    const int64_t before = pads[2 * (t->ndim - d - 1)], after = pads[2 * (t->ndim - d - 1) + 1];
    if (positive ? before > 0 : before < 0) {
      const int64_t cut = positive ? before : -before;
      v = ct_narrow(v, d, cut, v->shape[d] - cut);
    }
    if (v && (positive ? after > 0 : after < 0)) v = ct_narrow(v, d, 0, v->shape[d] - (positive ? after : -after));
  }
  return v;
}

static ct_tensor *constant_pad(ct_tensor *input, const int64_t *pads, int n_pads, double value) {
  ct_tensor *cropped = middle(input, pads, n_pads, false);
  if (!cropped) return NULL;
  bool any_positive = false;
  for (int i = 0; i < n_pads; i++) any_positive |= pads[i] > 0;
  if (!any_positive) return ct_clone(cropped);
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, input->shape, sizeof shape);
  const int first = input->ndim - n_pads / 2;
  for (int d = first; d < input->ndim; d++) {
    const int64_t before = pads[2 * (input->ndim - d - 1)], after = pads[2 * (input->ndim - d - 1) + 1];
    shape[d] = input->shape[d] + before + after;
    if (shape[d] <= 0)
      return ct__error_null(CT_ERR_RUNTIME,
                            "The input size %lld, plus negative padding %lld and %lld resulted in a negative output "
                            "size, which is invalid. Check dimension %d of your input.",
                            (long long)input->shape[d], (long long)before, (long long)after, d);
  }
  ct_tensor *out = ct__alloc(input->dtype, input->ndim, shape);
  if (!out || ct__fill(out, value) != CT_OK) return NULL;
  ct_tensor *inside = middle(out, pads, n_pads, true);
  if (!inside || ct__copy_into(inside, cropped) != CT_OK) return NULL;
  return out;
}

static ct_status pad_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const pad_args *a = ct__node_args(node, pad_args);
  int64_t negated[2 * CT_MAX_DIMS];
  for (int i = 0; i < a->n_pads; i++) negated[i] = -a->pads[i];
  grad_in[0] = ct_pad(grad, negated, a->n_pads, 0);
  return grad_in[0] ? CT_OK : ct_last_status();
}

ct_tensor *ct_pad(ct_tensor *input, const int64_t *pads, int n_pads, double value) {
  CT_CHECK_NULL(input);
  if (n_pads < 0 || (n_pads > 0 && !pads))
    return ct__error_null(CT_ERR_ARG, "pad: %s", n_pads < 0 ? "the number of pads is negative" : "pads is NULL");
  if (n_pads % 2) return ct__error_null(CT_ERR_RUNTIME, "Padding length must be divisible by 2");
  if (n_pads > 2 * input->ndim) return ct__error_null(CT_ERR_RUNTIME, "Padding length too large");
  if (ct__check_device(input) != CT_OK) return NULL;
  ct_scope *s = ct_scope_open();
  if (!s) return NULL;
  const bool prev = ct_no_grad_enter();
  ct_tensor *out = constant_pad(input, pads, n_pads, value);
  ct_grad_mode_restore(prev);
  ct_node *node = NULL;
  if (out && ct__record(out, "ConstantPadNdBackward0", pad_backward, 1, &input, 0, NULL, &node) != CT_OK) out = NULL;
  if (node) {
    int64_t *copy = ct__node_adopt(node, malloc((size_t)(n_pads ? n_pads : 1) * sizeof *copy));
    if (copy) {
      memcpy(copy, pads, (size_t)n_pads * sizeof *copy);
      *ct__node_args(node, pad_args) = (pad_args){.n_pads = n_pads, .pads = copy};
    } else {
      ct__error(CT_ERR_MEMORY, "out of memory recording ConstantPadNdBackward0");
      out = NULL;
    }
  }
  ct_keep(out);
  ct_scope_close(s);
  return out;
}

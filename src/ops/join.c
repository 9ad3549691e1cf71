// Joining tensors: cat and stack.
#include <stdlib.h>
#include <string.h>
#include "core/copy.h"
#include "core/error_impl.h"
#include "ctorch/view.h"
#include "ops/view_internal.h"

// PyTorch skips legacy empty 1-D inputs of shape [0] in cat.
static bool skipped(const ct_tensor *t) { return t->ndim == 1 && t->shape[0] == 0; }

// CatBackward0: extra[i] = size of input i along ints[0] (0 for skipped inputs).
static ct_status cat_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  int d = (int)node->ints[0];
  int64_t start = 0;
  for (int i = 0; i < node->num_next; i++) {
    int64_t len = node->extra[i];
    if (node->next[i]) {
      int64_t shape[CT_MAX_DIMS];
      memcpy(shape, grad->shape, sizeof shape);
      shape[d] = len;
      if (node->inputs[i].ndim != grad->ndim) { // a skipped [0] input
        grad_in[i] = ct__zeros_for_input(node, i, grad);
      } else {
        ct_tensor *part = ct__make_view(grad, grad->ndim, shape, grad->strides, grad->offset + start * grad->strides[d]);
        grad_in[i] = ct__grad_for_input(node, i, part); // converts dtype if cat promoted
      }
      if (!grad_in[i]) return ct_last_status();
    }
    start += len;
  }
  return CT_OK;
}

ct_tensor *ct_cat(ct_tensor *const *tensors, int n, int dim) {
  if (!tensors || n <= 0) return ct__error_null(CT_ERR_ARG, "torch.cat(): expected a non-empty list of Tensors");
  for (int i = 0; i < n; i++)
    if (!tensors[i]) return NULL;
  const ct_tensor *ref = NULL;
  ct_dtype dtype = tensors[0]->dtype;
  for (int i = 0; i < n; i++) {
    if (tensors[i]->dtype > dtype) dtype = tensors[i]->dtype; // promotion for non-0-d tensors
    if (!ref && !skipped(tensors[i])) ref = tensors[i];
  }
  if (!ref) ref = tensors[0];
  if (ref->ndim == 0) return ct__error_null(CT_ERR_ARG, "zero-dimensional tensor (at position 0) cannot be concatenated");
  int d = ct__wrap_dim(dim, ref->ndim, false);
  if (d < 0) return NULL;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, ref->shape, sizeof shape);
  shape[d] = 0;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = tensors[i];
    if (skipped(t) && t != ref) continue;
    if (t->ndim != ref->ndim)
      return ct__error_null(CT_ERR_ARG, "Tensors must have same number of dimensions: got %d and %d", ref->ndim,
                            t->ndim);
    for (int k = 0; k < ref->ndim; k++)
      if (k != d && t->shape[k] != ref->shape[k])
        return ct__error_null(CT_ERR_ARG,
                              "Sizes of tensors must match except in dimension %d. Expected size %lld but got size "
                              "%lld for tensor number %d in the list.",
                              d, (long long)ref->shape[k], (long long)t->shape[k], i);
    shape[d] += t->shape[d];
  }
  ct_tensor *out = ct__alloc(dtype, ref->ndim, shape);
  if (!out) return NULL;
  int64_t *sizes = calloc((size_t)n, sizeof *sizes);
  if (!sizes) {
    ct__drop(out);
    return ct__error_null(CT_ERR_MEMORY, "out of memory in cat");
  }
  int64_t start = 0;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = tensors[i];
    if (skipped(t) && t != ref) continue;
    sizes[i] = t->shape[d];
    int64_t part[CT_MAX_DIMS];
    memcpy(part, shape, sizeof part);
    part[d] = t->shape[d];
    ct_tensor *region = ct__make_view(out, out->ndim, part, out->strides, start * out->strides[d]);
    ct_status st = region ? ct__copy_into(region, t) : ct_last_status();
    ct__drop(region);
    if (st != CT_OK) {
      free(sizes);
      ct__drop(out);
      return NULL;
    }
    start += t->shape[d];
  }
  ct_node *node = NULL;
  if (ct_dtype_is_floating(dtype) &&
      ct__record(out, "CatBackward0", cat_back, n, tensors, 0, NULL, &node) != CT_OK) {
    free(sizes);
    ct__drop(out);
    return NULL;
  }
  if (node) {
    node->ints[0] = d;
    node->extra = sizes;
  } else {
    free(sizes);
  }
  return out;
}

// StackBackward0: input i's gradient is grad selected at index i along ints[0].
static ct_status stack_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  int d = (int)node->ints[0];
  for (int i = 0; i < node->num_next; i++) {
    if (!node->next[i]) continue;
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int k = 0, j = 0; k < grad->ndim; k++) {
      if (k == d) continue;
      shape[j] = grad->shape[k];
      strides[j++] = grad->strides[k];
    }
    ct_tensor *part = ct__make_view(grad, grad->ndim - 1, shape, strides, grad->offset + i * grad->strides[d]);
    grad_in[i] = ct__grad_for_input(node, i, part);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

ct_tensor *ct_stack(ct_tensor *const *tensors, int n, int dim) {
  if (!tensors || n <= 0) return ct__error_null(CT_ERR_ARG, "stack expects a non-empty TensorList");
  for (int i = 0; i < n; i++)
    if (!tensors[i]) return NULL;
  const ct_tensor *ref = tensors[0];
  for (int i = 1; i < n; i++) {
    const ct_tensor *t = tensors[i];
    if (t->ndim != ref->ndim || memcmp(t->shape, ref->shape, (size_t)ref->ndim * sizeof(int64_t))) {
      char a[256], b[256];
      ct__shape_to_str(ref->ndim, ref->shape, a, sizeof a);
      ct__shape_to_str(t->ndim, t->shape, b, sizeof b);
      return ct__error_null(CT_ERR_ARG, "stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %d",
                            a, b, i);
    }
  }
  int d = ct__wrap_dim(dim, ref->ndim, true);
  if (d < 0) return NULL;
  if (ref->ndim >= CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  ct_dtype dtype = ref->dtype;
  for (int i = 0; i < n; i++)
    if (tensors[i]->dtype > dtype) dtype = tensors[i]->dtype;
  int64_t shape[CT_MAX_DIMS];
  for (int k = 0, j = 0; k <= ref->ndim; k++) shape[k] = k == d ? n : ref->shape[j++];
  ct_tensor *out = ct__alloc(dtype, ref->ndim + 1, shape);
  if (!out) return NULL;
  for (int i = 0; i < n; i++) {
    int64_t part[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int k = 0, j = 0; k <= ref->ndim; k++) {
      if (k == d) continue;
      part[j] = shape[k];
      strides[j++] = out->strides[k];
    }
    ct_tensor *slot = ct__make_view(out, ref->ndim, part, strides, i * out->strides[d]);
    ct_status st = slot ? ct__copy_into(slot, tensors[i]) : ct_last_status();
    ct__drop(slot);
    if (st != CT_OK) {
      ct__drop(out);
      return NULL;
    }
  }
  ct_node *node = NULL;
  if (ct_dtype_is_floating(dtype) &&
      ct__record(out, "StackBackward0", stack_back, n, tensors, 0, NULL, &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) node->ints[0] = d;
  return out;
}

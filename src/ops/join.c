// Joining tensors: cat and stack. Both fill one new tensor (the "joined" tensor: the
// inputs side by side along a dim) laid out in the memory format PyTorch's cat picks.
#include <stdlib.h>
#include <string.h>
#include "core/checked.h"
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/view.h"
#include "ops/sum_to.h"
#include "ops/view_internal.h"

// PyTorch skips legacy empty 1-D inputs of shape [0] in cat.
static bool skipped(const ct_tensor *t) { return t->ndim == 1 && t->shape[0] == 0; }

// PyTorch's cat_compute_output_memory_format: the inputs' common suggested format, else
// contiguous. `unsqueeze_last` looks at each input with a trailing size-1 dim (stack).
static ct__memory_format joined_format(ct_tensor *const *tensors, int n, bool unsqueeze_last) {
  ct__memory_format format = CT__CONTIGUOUS_FORMAT;
  for (int i = 0; i < n; i++) {
    const ct_tensor *t = tensors[i];
    int64_t shape[CT_MAX_DIMS + 1], strides[CT_MAX_DIMS + 1];
    memcpy(shape, t->shape, sizeof t->shape);
    memcpy(strides, t->strides, sizeof t->strides);
    int nd = t->ndim;
    if (unsqueeze_last) { // unsqueeze(-1) gives the new dim stride 1
      shape[nd] = 1;
      strides[nd++] = 1;
    }
    ct__memory_format f = ct__suggest_format(nd, shape, strides);
    if (f == CT__CONTIGUOUS_FORMAT || (i > 0 && f != format)) return CT__CONTIGUOUS_FORMAT;
    format = f;
  }
  return format;
}

// Allocates the joined tensor of `shape` (dim d holds the inputs) and copies input i into
// its region: `extent[i]` indices along d (cat), or one index with d removed (stack with
// d == ndim, `select` true).
static ct_tensor *join_values(ct_tensor *const *tensors, int n, ct_dtype dtype, int ndim, const int64_t *shape, int d,
                              ct__memory_format format, const int64_t *extent, bool select) {
  ct_tensor *out = ct__alloc(dtype, ndim, shape); // checks the shape before strides are computed from it
  if (!out) return NULL;
  int64_t *strides = out->strides;
  ct__format_strides(format, ndim, shape, strides);
  int64_t start = 0;
  for (int i = 0; i < n; i++) {
    int64_t part[CT_MAX_DIMS], part_strides[CT_MAX_DIMS];
    int pn = 0;
    for (int k = 0; k < ndim; k++) {
      if (select && k == d) continue;
      part[pn] = k == d ? extent[i] : shape[k];
      part_strides[pn++] = strides[k];
    }
    if (!select && extent[i] == 0) continue; // includes the skipped [0] inputs
    ct_operand ops[2] = {ct__operand_as(out, pn, part, part_strides), ct__operand(tensors[i])}; // out's region
    ops[0].data += start * strides[d] * (int64_t)ct_dtype_size(dtype);
    if (ct__copy_operands(ops) != CT_OK) {
      ct__drop(out);
      return NULL;
    }
    start += extent[i];
  }
  return out;
}

static ct_dtype promoted_dtype(ct_tensor *const *tensors, int n) {
  ct_dtype dtype = tensors[0]->dtype; // no 0-dim inputs: the highest dtype wins
  for (int i = 1; i < n; i++)
    if (tensors[i]->dtype > dtype) dtype = tensors[i]->dtype;
  return dtype;
}

// CatBackward0 arguments.
typedef struct cat_args {
  int dim;              // wrapped
  const int64_t *sizes; // size of input i along dim (0 for skipped inputs); owned by the node
} cat_args;

static ct_status cat_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const cat_args *a = ct__node_args(node, cat_args);
  int d = a->dim;
  int64_t start = 0;
  for (int i = 0; i < node->num_next; i++) {
    int64_t len = a->sizes[i];
    if (node->next[i]) {
      const ct_input_meta *m = &node->inputs[i];
      if (m->ndim == 1 && m->shape[0] == 0) { // a skipped [0] input: an empty gradient of its dtype
        grad_in[i] = ct__alloc(m->dtype, 1, m->shape);
      } else {
        int64_t shape[CT_MAX_DIMS];
        memcpy(shape, grad->shape, sizeof shape);
        shape[d] = len;
        int64_t offset = grad->offset + start * grad->strides[d];
        ct_tensor *part = ct__create_graph() ? ct_narrow(grad, d, start, len)
                                             : ct__make_view(grad, grad->ndim, shape, grad->strides, offset);
        grad_in[i] = ct__grad_for_input(node, i, part); // converts dtype if cat promoted
      }
      if (!grad_in[i]) return ct_last_status();
    }
    start += len;
  }
  return CT_OK;
}

// PyTorch's check_cat_shape_except_dim.
static ct_status check_cat_shape(const ct_tensor *first, const ct_tensor *t, int d, int index) {
  if (t->ndim != first->ndim)
    return ct__error(CT_ERR_ARG, "Tensors must have same number of dimensions: got %d and %d", first->ndim, t->ndim);
  for (int k = 0; k < first->ndim; k++)
    if (k != d && t->shape[k] != first->shape[k])
      return ct__error(CT_ERR_ARG,
                       "Sizes of tensors must match except in dimension %d. Expected size %lld but got size %lld for "
                       "tensor number %d in the list.",
                       d, (long long)first->shape[k], (long long)t->shape[k], index);
  return CT_OK;
}

// cat's device check: PyTorch's wrapper checks its list argument `tensors`.
static ct_status check_devices(ct_tensor *const *tensors, int n) {
  return ct__check_same_device_args("wrapper_cat", n, (const ct_tensor *const *)tensors, (const char *[]){"tensors"}, 1);
}

ct_tensor *ct_cat(ct_tensor *const *tensors, int n, int dim) {
  if (n < 0) return ct__error_null(CT_ERR_ARG, "torch.cat(): the number of tensors is negative (%d)", n);
  if (n > 0 && !tensors) return ct__error_null(CT_ERR_ARG, "torch.cat(): tensors is NULL");
  for (int i = 0; i < n; i++)
    if (!tensors[i]) return NULL;
  if (check_devices(tensors, n) != CT_OK) return NULL;
  for (int i = 0; i < n; i++)
    if (tensors[i]->ndim == 0)
      return ct__error_null(CT_ERR_ARG, "zero-dimensional tensor (at position %d) cannot be concatenated", i);
  if (n <= 0) return ct__error_null(CT_ERR_ARG, "torch.cat(): expected a non-empty list of Tensors");
  const ct_tensor *first = NULL; // the first input that is not skipped
  for (int i = 0; i < n && !first; i++)
    if (!skipped(tensors[i])) first = tensors[i];
  int d = 0;
  int64_t shape[CT_MAX_DIMS] = {0};
  int ndim = 1; // every input skipped: the result is [0] and dim is never checked
  if (first) {
    d = ct__wrap_dim(dim, first->ndim, false);
    if (d < 0) return NULL;
    ndim = first->ndim;
    memcpy(shape, first->shape, sizeof shape);
    shape[d] = 0;
  }
  int64_t *extent = calloc((size_t)n, sizeof *extent);
  if (!extent) return ct__error_null(CT_ERR_MEMORY, "out of memory in cat");
  for (int i = 0; first && i < n; i++) {
    const ct_tensor *t = tensors[i];
    if (skipped(t)) continue;
    if (check_cat_shape(first, t, d, i) != CT_OK) {
      free(extent);
      return NULL;
    }
    extent[i] = t->shape[d];
    if (!ct__add_ok(shape[d], t->shape[d], &shape[d])) {
      free(extent);
      return ct__error_null(CT_ERR_MEMORY, "torch.cat(): the result is too large: its size along dim %d overflows",
                            d);
    }
  }
  ct_dtype dtype = promoted_dtype(tensors, n);
  ct_tensor *out = join_values(tensors, n, dtype, ndim, shape, d, joined_format(tensors, n, false), extent, false);
  ct_node *node = NULL;
  if (out && ct_dtype_is_floating(dtype) &&
      ct__record(out, "CatBackward0", cat_back, n, tensors, 0, NULL, &node) != CT_OK) {
    ct__drop(out);
    out = NULL;
  }
  if (node) *ct__node_args(node, cat_args) = (cat_args){.dim = d, .sizes = ct__node_adopt(node, extent)};
  else free(extent);
  return out;
}

// StackBackward0 arguments.
typedef struct stack_args {
  int dim; // wrapped (in the result's dims)
} stack_args;

// StackBackward0: input i's gradient is grad selected at index i along the stacked dim.
static ct_status stack_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  int d = ct__node_args(node, stack_args)->dim;
  for (int i = 0; i < node->num_next; i++) {
    if (!node->next[i]) continue;
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int k = 0, j = 0; k < grad->ndim; k++) {
      if (k == d) continue;
      shape[j] = grad->shape[k];
      strides[j++] = grad->strides[k];
    }
    ct_tensor *part = ct__create_graph() ? ct_select(grad, d, i)
                                         : ct__make_view(grad, grad->ndim - 1, shape, strides,
                                                         grad->offset + i * grad->strides[d]);
    grad_in[i] = ct__grad_for_input(node, i, part);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

// PyTorch's stack: for d < ndim, cat along d viewed with the new dim split off; for
// d == ndim, cat of the inputs unsqueezed at the end. Either way the result's strides
// follow cat's memory-format rule.
ct_tensor *ct_stack(ct_tensor *const *tensors, int n, int dim) {
  if (n < 0) return ct__error_null(CT_ERR_ARG, "stack: the number of tensors is negative (%d)", n);
  if (n > 0 && !tensors) return ct__error_null(CT_ERR_ARG, "stack: tensors is NULL");
  if (n == 0) return ct__error_null(CT_ERR_ARG, "stack expects a non-empty TensorList");
  for (int i = 0; i < n; i++)
    if (!tensors[i]) return NULL;
  const ct_tensor *ref = tensors[0];
  int d = ct__wrap_dim(dim, ref->ndim, true);
  if (d < 0) return NULL;
  for (int i = 1; i < n; i++) {
    const ct_tensor *t = tensors[i];
    if (t->ndim != ref->ndim || memcmp(t->shape, ref->shape, (size_t)ref->ndim * sizeof(int64_t))) {
      char a[256], b[256];
      ct__shape_to_str(ref->ndim, ref->shape, a, sizeof a);
      ct__shape_to_str(t->ndim, t->shape, b, sizeof b);
      return ct__error_null(CT_ERR_ARG,
                            "stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %d", a,
                            b, i);
    }
  }
  if (check_devices(tensors, n) != CT_OK) return NULL; // stack is cat of the inputs unsqueezed
  if (ref->ndim >= CT_MAX_DIMS) return ct__error_null(CT_ERR_ARG, "tensors have at most %d dimensions", CT_MAX_DIMS);
  int64_t *extent = malloc((size_t)n * sizeof *extent);
  if (!extent) return ct__error_null(CT_ERR_MEMORY, "out of memory in stack");
  int nd = ref->ndim;
  int64_t result[CT_MAX_DIMS];
  for (int k = 0, j = 0; k <= nd; k++) result[k] = k == d ? n : ref->shape[j++];
  ct_dtype dtype = promoted_dtype(tensors, n);
  ct_tensor *out;
  if (d < nd) {
    int64_t joined[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    memcpy(joined, ref->shape, sizeof joined);
    if (!ct__mul_ok(joined[d], n, &joined[d])) {
      free(extent);
      return ct__error_null(CT_ERR_MEMORY, "stack: the result is too large: its size along dim %d overflows",
                            d);
    }
    for (int i = 0; i < n; i++) extent[i] = ref->shape[d];
    // All inputs [0]: cat would skip them, and its result is [0] as well.
    ct__memory_format format = skipped(ref) ? CT__CONTIGUOUS_FORMAT : joined_format(tensors, n, false);
    ct_tensor *cat = join_values(tensors, n, dtype, nd, joined, d, format, extent, false);
    bool viewable = cat && ct__view_strides(nd, joined, cat->strides, nd + 1, result, strides);
    out = viewable ? ct__make_view(cat, nd + 1, result, strides, 0) : NULL;
    ct__drop(cat);
  } else {
    for (int i = 0; i < n; i++) extent[i] = 1;
    out = join_values(tensors, n, dtype, nd + 1, result, d, joined_format(tensors, n, true), extent, true);
  }
  free(extent);
  ct_node *node = NULL;
  if (out && ct_dtype_is_floating(dtype) &&
      ct__record(out, "StackBackward0", stack_back, n, tensors, 0, NULL, &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) *ct__node_args(node, stack_args) = (stack_args){.dim = d};
  return out;
}

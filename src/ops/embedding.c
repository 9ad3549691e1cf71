// F.embedding: rows of a 2-D weight picked by an index tensor (what nn.Embedding calls).
#include "core/copy.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "autograd/linear_backward.h"
#include "ctorch/index.h"
#include "ctorch/ops.h"
#include "ctorch/view.h"
#include "ops/index_internal.h"

// EmbeddingBackward0 arguments.
typedef struct embedding_args {
  int64_t padding_row; // gets no gradient (PyTorch skips its positions); -1: none
} embedding_args;

// EmbeddingBackward0: saved[0] = int64 indices.
// The rows the indices pick, a padding index's rows zero (they get no gradient).
static ct_tensor *embedding_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input, (void)out;
  ct_tensor *idx = ct__saved(node, 0);
  const int64_t padding_row = ct__node_args(node, embedding_args)->padding_row;
  ct_tensor *rows = idx ? ct_embedding(v, idx, -1) : NULL;
  if (!rows || padding_row < 0) return rows;
  return ct_masked_fill(rows, ct_unsqueeze(ct_eq_scalar(idx, (double)padding_row), -1), 0.0);
}

static ct_status embedding_back(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, embedding_jvp);
  const ct_input_meta *m = &node->inputs[0];
  ct_tensor *idx = ct__saved(node, 0);
  if (!idx) return ct_last_status();
  const int64_t padding_row = ct__node_args(node, embedding_args)->padding_row;
  const ct_operand idx_op = ct__operand(idx);
  grad_in[0] = ct__take_backward(grad, m->ndim, m->shape, 0, &idx_op, padding_row);
  return grad_in[0] ? CT_OK : ct_last_status();
}

// PyTorch's legacy type names, used by its argument-type message.
static const char *legacy_type_name(ct_dtype dtype) {
  switch (dtype) {
  case CT_FLOAT32: return "torch.FloatTensor";
  case CT_FLOAT64: return "torch.DoubleTensor";
  case CT_BOOL: return "CPUBoolType";
  default: return ct_dtype_name(dtype);
  }
}

ct_tensor *ct_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx) {
  CT_CHECK_NULL(weight);
  CT_CHECK_NULL(indices);
  int64_t pad = -1;
  if (padding_idx != CT_NO_PADDING_IDX && weight->ndim > 0) { // F.embedding checks this first
    int64_t rows = weight->shape[0];
    if (padding_idx >= rows || padding_idx < -rows)
      return ct__error_null(CT_ERR_ARG, "Padding_idx must be within num_embeddings");
    pad = padding_idx < 0 ? padding_idx + rows : padding_idx;
  }
  if (weight->ndim != 2) return ct__error_null(CT_ERR_ARG, "'weight' must be 2-D");
  if (indices->dtype != CT_INT64 && indices->dtype != CT_INT32)
    return ct__error_null(CT_ERR_ARG,
                          "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                          "Long, Int; but got %s instead (while checking arguments for embedding)",
                          legacy_type_name(indices->dtype));
  // F.embedding is weight.index_select(0, indices), which checks devices first.
  if (ct__check_same_device_args("wrapper__index_select", 2, (const ct_tensor *[]){weight, indices},
                                 (const char *[]){"self", "index"}, 2) != CT_OK)
    return NULL;
  int64_t rows = weight->shape[0];
  if (rows == 0 && ct_numel(indices) > 0)
    return ct__error_null(CT_ERR_INDEX, "index_select(): self indexing axis dim should be positive");
  ct_tensor *idx = indices->dtype == CT_INT64 ? indices : ct__copy_as(indices, CT_INT64);
  if (!idx) return NULL;
  bool bad_found;
  int64_t bad;
  ct_tensor *out = ct__take_checked(weight, idx, &bad_found, &bad);
  if (bad_found) ct__index_select_range_error(weight, 0, bad);
  ct_node *node;
  out = ct__index_record(out, "EmbeddingBackward0", embedding_back, weight, idx, &node);
  if (node) *ct__node_args(node, embedding_args) = (embedding_args){.padding_row = pad};
  if (idx != indices) ct__drop(idx);
  return out;
}

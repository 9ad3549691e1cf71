// The driver of the elementwise losses: dense operands, the loss kernel, PyTorch's
// reduction (the reduce kernels' cascade sum, mean = sum / numel), one backward node
// saving the dense operands. Loss files (loss_bce.c, loss_regression.c ...) supply the kernels.
#include <stdlib.h>
#include "core/error_impl.h"
#include "ctorch/scope.h"
#include "kernels/dispatch.h"
#include "kernels/reduce.h"
#include "nn/loss_internal.h"
#include "ops/sum_to.h"

// Reduced losses of up to this many bytes are computed in a stack buffer.
#define STACK_BYTES 4096

enum { SAVED_X, SAVED_T, SAVED_W, SAVED_PW };

// What a loss node keeps besides its saved tensors.
typedef struct pointwise_node_args {
  ct_reduction reduction;
} pointwise_node_args;

static const void *data_or_null(const ct_tensor *t) { return t ? ct__data(t) : NULL; }

// out[0] = sum of buf[0..n-1] by the device's sum kernel (PyTorch's cascade order), then
// / n for 'mean' (PyTorch: sum, then a true division by numel).
static void reduce_buffer(ct_tensor *out, const void *buf, int64_t n, ct_reduction reduction) {
  ct_reduce_ctx c = ct__reduce_ctx_run(n, (int64_t)ct_dtype_size(out->dtype), 0, 0);
  char *data[2] = {ct__data(out), (char *)buf};
  int64_t strides[2] = {0, 0};
  ct__kernels(out->storage->device)->reduce->sum[out->dtype](data, strides, 1, &c);
  if (reduction != CT_REDUCTION_MEAN) return;
  if (out->dtype == CT_FLOAT32) *(float *)ct__data(out) /= (float)n;
  else *(double *)ct__data(out) /= (double)n;
}

// Writes sum or mean of the n elementwise losses into out's only element.
static const char *reduce_into(const ct_pointwise_loss *L, const ct_pointwise_args *a, ct_dtype dtype,
                               ct_reduction reduction, ct_tensor *out, bool *oom) {
  size_t bytes = (size_t)a->n * ct_dtype_size(dtype);
  _Alignas(64) char stack[STACK_BYTES];
  void *buf = bytes <= STACK_BYTES ? stack : malloc(bytes);
  if (!buf) {
    *oom = true;
    return "out of memory computing a loss";
  }
  const char *msg = L->forward[dtype == CT_FLOAT64](a, buf);
  if (!msg) reduce_buffer(out, buf, a->n, reduction);
  if (buf != stack) free(buf);
  return msg;
}

ct_tensor *ct__pointwise_loss(const ct_pointwise_loss *L, ct_tensor *input, ct_tensor *target,
                              ct_tensor *weight, ct_tensor *pos_weight, ct_dtype dtype, int ndim,
                              const int64_t *shape, ct_reduction reduction) {
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *dense[4] = {
      ct__loss_dense(input, dtype, ndim, shape),
      ct__loss_dense(target, dtype, ndim, shape),
      weight ? ct__loss_dense(weight, dtype, ndim, shape) : NULL,
      pos_weight ? ct__loss_dense(pos_weight, dtype, ndim, shape) : NULL,
  };
  ct_tensor *out = NULL;
  if (!dense[SAVED_X] || !dense[SAVED_T] || (weight && !dense[SAVED_W]) || (pos_weight && !dense[SAVED_PW]))
    goto done;
  ct_pointwise_args a = {
      .x = ct__data(dense[SAVED_X]), .t = ct__data(dense[SAVED_T]), .w = data_or_null(dense[SAVED_W]),
      .pw = data_or_null(dense[SAVED_PW]), .n = ct__numel_of(ndim, shape), .divisor = 1,
  };
  bool none = reduction == CT_REDUCTION_NONE;
  out = none ? ct__alloc(dtype, ndim, shape) : ct__alloc(dtype, 0, NULL);
  if (!out) goto done;
  bool oom = false;
  const char *msg = none ? L->forward[dtype == CT_FLOAT64](&a, ct__data(out))
                         : reduce_into(L, &a, dtype, reduction, out, &oom);
  if (msg) {
    ct__error(oom ? CT_ERR_MEMORY : CT_ERR_RUNTIME, "%s", msg);
    out = NULL;
    goto done;
  }
  ct_tensor *inputs[2] = {input, target};
  ct_node *node;
  if (ct__record(out, L->node_name[reduction], L->backward, 2, inputs, 4, dense, &node) != CT_OK) {
    out = NULL;
    goto done;
  }
  if (node) *ct__node_args(node, pointwise_node_args) = (pointwise_node_args){.reduction = reduction};
  ct_keep(out);
done:
  ct_scope_close(scope);
  return out;
}

ct_status ct__pointwise_loss_backward(const ct_pointwise_loss *L, ct_node *node, ct_tensor *grad,
                                      ct_tensor **grad_in) {
  ct_tensor *x = ct__saved(node, SAVED_X);
  if (!x) return ct_last_status();
  ct_tensor *t = node->saved[SAVED_T], *w = node->saved[SAVED_W], *pw = node->saved[SAVED_PW];
  ct_reduction reduction = ct__node_args(node, pointwise_node_args)->reduction;
  int k = x->dtype == CT_FLOAT64;
  ct_pointwise_args a = {
      .x = ct__data(x), .t = ct__data(t), .w = data_or_null(w), .pw = data_or_null(pw),
      .n = ct_numel(x), .divisor = reduction == CT_REDUCTION_MEAN ? (double)ct_numel(x) : 1,
  };
  union { float f; double d; } g1;
  if (reduction == CT_REDUCTION_NONE) {
    ct_tensor *g = ct__loss_dense(grad, x->dtype, x->ndim, x->shape);
    if (!g) return ct_last_status();
    a.g = ct__data(g);
  } else {
    double v = ct__loss_scalar(grad);
    if (k) g1.d = v;
    else g1.f = (float)v;
    a.g = &g1;
    a.g_scalar = true;
  }
  ct_pointwise_backward fns[2] = {L->input_grad[k], L->target_grad[k]};
  for (int i = 0; i < 2; i++) {
    if (!node->next[i]) continue;
    if (!fns[i])
      return ct__error(CT_ERR_RUNTIME, "the derivative for 'target' is not implemented.");
    ct_tensor *gi = ct__alloc(x->dtype, x->ndim, x->shape);
    if (!gi) return ct_last_status();
    fns[i](&a, ct__data(gi));
    grad_in[i] = ct__grad_for_input(node, i, gi);
    if (!grad_in[i]) return ct_last_status();
  }
  return CT_OK;
}

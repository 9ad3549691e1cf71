// max_pool2d (MaxPool2DWithIndicesBackward0) and max_pool1d, as PyTorch 1.13 runs them:
// max_pool1d of an input that needs a gradient, and max_pool1d with indices, are
// max_pool2d on input.unsqueeze(-2) squeezed back; max_pool1d otherwise has checks of
// its own and computes values only. The loops are the pool kernel family's max / max_backward.
#include "autograd/linear_backward.h"
#include "ctorch/index.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "core/operand.h"
#include "ctorch/autograd.h"
#include "ctorch/scope.h"
#include "ctorch/view.h"
#include "kernels/dispatch.h"
#include "ops/pool_internal.h"
#include "ops/view_internal.h"

enum { SAVED_INPUT, SAVED_INDICES };

static const ct_pool_kernels *pool_kernels(const ct_tensor *t) {
  return ct__kernels(t->storage->device)->pool;
}

// MaxPool2DWithIndicesBackward0: each output's gradient goes to its maximum's position.
// grad_input takes the input's layout, as PyTorch's.
// The values at the maxima's positions: v.flatten(-2).gather(-1, indices.flatten(-2)).
static ct_tensor *max_pool2d_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  ct_tensor *indices = ct__saved(node, SAVED_INDICES);
  if (!indices) return NULL;
  ct_tensor *picked = ct_gather(ct_flatten(v, -2, -1), -1, ct_flatten(indices, -2, -1));
  return picked ? ct_reshape(picked, out->ndim, out->shape) : NULL;
}

static ct_status max_pool2d_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, max_pool2d_jvp);
  ct_tensor *input = ct__saved(node, SAVED_INPUT), *indices = ct__saved(node, SAVED_INDICES);
  if (!input || !indices) return ct_last_status();
  ct_tensor *gin = ct__pool_alloc(input->dtype, input->ndim, input->shape, input);
  if (!gin) return ct_last_status();
  const ct_operand g = ct__pool_operand(grad), at = ct__pool_operand(indices), x = ct__pool_operand(gin);
  pool_kernels(gin)->max_backward[gin->dtype](&g, &at, &x);
  grad_in[0] = gin;
  return CT_OK;
}

// max_pool2d_with_indices; *indices (may be NULL: not wanted) receives the indices.
static ct_tensor *max_pool2d_impl(ct_tensor *input, const int64_t kernel[2], ct_pool_options o,
                                  ct_tensor **indices) {
  if (indices) *indices = NULL;
  CT_CHECK_NULL(input);
  if (!kernel) return ct__error_null(CT_ERR_ARG, "max_pool2d: kernel_size is NULL");
  if (ct__check_device(input) != CT_OK) return NULL;
  ct_pool_window w;
  if (ct__pool_window(kernel, &o, true, &w) != CT_OK) return NULL;
  if (input->ndim == 5 && ct__suggest_format(5, input->shape, input->strides) == CT__CHANNELS_LAST_3D)
    return ct__error_null(CT_ERR_RUNTIME, "Unsupport memory format. Supports only ChannelsLast, Contiguous");
  if (input->ndim != 3 && input->ndim != 4)
    return ct__error_null(CT_ERR_RUNTIME, "non-empty 3D or 4D (batch mode) tensor expected for input");
  int64_t size[2];
  if (ct__pool2d_output_sizes(input, &w, o.ceil_mode, size) != CT_OK) return NULL;
  if (ct__pool_check_dtype(input, "max_pool2d", false) != CT_OK) return NULL;
  const int nd = input->ndim;
  int64_t shape[4];
  for (int d = 0; d < nd; d++)
    shape[d] = d < nd - 2 ? input->shape[d] : size[d - (nd - 2)];
  ct_tensor *out = ct__pool_alloc(input->dtype, nd, shape, input);
  ct_tensor *idx = ct__pool_alloc(CT_INT64, nd, shape, input);
  if (!out || !idx) goto fail;
  const ct_operand x = ct__pool_operand(input), y = ct__pool_operand(out), at = ct__pool_operand(idx);
  pool_kernels(input)->max[input->dtype](&x, &y, &at, &w);
  if (ct__record(out, "MaxPool2DWithIndicesBackward0", max_pool2d_backward, 1, &input, 2,
                 (ct_tensor *[]){input, idx}, NULL) != CT_OK)
    goto fail;
  if (indices)
    *indices = idx;
  else
    ct__drop(idx);
  return out;
fail:
  ct__drop(idx);
  ct__drop(out);
  return NULL;
}

ct_tensor *ct_max_pool2d(ct_tensor *input, const int64_t kernel[2], ct_pool_options o) {
  return max_pool2d_impl(input, kernel, o, NULL);
}

ct_tensor *ct_max_pool2d_with_indices(ct_tensor *input, const int64_t kernel[2], ct_pool_options o,
                                      ct_tensor **indices) {
  if (!indices) return ct__error_null(CT_ERR_ARG, "max_pool2d_with_indices: indices is NULL");
  return max_pool2d_impl(input, kernel, o, indices);
}

// ---- max_pool1d ----

// PyTorch's max_pool1d_with_indices: max_pool2d over input.unsqueeze(-2) with the window
// (1, kernel), then both results squeezed back (SqueezeBackward1 over the pooling node
// over UnsqueezeBackward0).
static ct_tensor *max_pool1d_via_2d(ct_tensor *input, int64_t kernel, const ct_pool_options *o,
                                    ct_tensor **indices) {
  const int64_t kernel2[2] = {1, kernel};
  ct_pool_options o2 = *o;
  o2.stride[0] = 1, o2.stride[1] = o->stride[0] == 0 ? kernel : o->stride[0];
  o2.padding[0] = 0, o2.padding[1] = o->padding[0];
  o2.dilation[0] = 1, o2.dilation[1] = o->dilation[0];
  ct_scope *scope = ct_scope_open();
  if (!scope) return NULL;
  ct_tensor *idx = NULL;
  ct_tensor *out =
      ct_squeeze_dim(max_pool2d_impl(ct_unsqueeze(input, -2), kernel2, o2, indices ? &idx : NULL), -2);
  if (out && indices) idx = ct_squeeze_dim(idx, -2);
  if (!out || (indices && !idx)) {
    ct_scope_close(scope);
    return NULL;
  }
  ct_tensor *results[2] = {out, idx};
  if (ct__close_keeping(scope, results, indices ? 2 : 1) != CT_OK) return NULL;
  if (indices) *indices = results[1];
  return results[0];
}

// max_pool1d's first check, on both of its paths.
static bool max_pool1d_dims_ok(const ct_tensor *x) {
  if ((x->ndim == 2 && x->shape[0] != 0 && x->shape[1] != 0) ||
      (x->ndim == 3 && x->shape[1] != 0 && x->shape[2] != 0))
    return true;
  char s[256];
  ct__shape_to_str(x->ndim, x->shape, s, sizeof s);
  ct__error(CT_ERR_RUNTIME,
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but "
            "got:%s",
            s);
  return false;
}

// check_max_pool1d of PyTorch's values-only path; sets the output length.
static ct_status check_max_pool1d(const ct_tensor *input, int64_t kernel, int64_t stride,
                                  const ct_pool_options *o, int64_t *length) {
  const int64_t pad = o->padding[0], dilation = o->dilation[0];
  if (kernel <= 0)
    return ct__error(CT_ERR_RUNTIME, "max_pool1d() kernel_size must be greater than zero, but got %lld",
                     (long long)kernel);
  if (stride <= 0)
    return ct__error(CT_ERR_RUNTIME, "max_pool1d() stride must be greater than zero, but got %lld",
                     (long long)stride);
  if (pad < 0)
    return ct__error(CT_ERR_RUNTIME, "max_pool1d() padding must be non-negative, but got %lld",
                     (long long)pad);
  if (pad > kernel / 2)
    return ct__error(CT_ERR_RUNTIME,
                     "max_pool1d() padding should be at most half of kernel size, but got padding=%lld and "
                     "kernel_size=%lld",
                     (long long)pad, (long long)kernel);
  if (dilation <= 0)
    return ct__error(CT_ERR_RUNTIME, "max_pool1d() dilation must be greater than zero, but got %lld",
                     (long long)dilation);
  if (ct__pool_output_size(input->shape[input->ndim - 1], kernel, pad, stride, dilation, o->ceil_mode,
                           length) != CT_OK)
    return ct_last_status();
  if (*length < 0)
    return ct__error(CT_ERR_RUNTIME, "max_pool1d() Invalid computed output size: %lld", (long long)*length);
  return ct__pool_check_dtype(input, "max_pool1d_impl", false);
}

// A (C, L) or (N, C, L) tensor as the (N, C, 1, L) operand the kernels take.
static ct_operand operand_1d(const ct_tensor *t) {
  ct_operand op = ct__operand(t);
  const bool batched = t->ndim == 3;
  op.ndim = 4;
  op.shape[3] = op.shape[batched ? 2 : 1], op.strides[3] = op.strides[batched ? 2 : 1];
  op.shape[2] = 1, op.strides[2] = 0;
  op.shape[1] = op.shape[batched ? 1 : 0], op.strides[1] = op.strides[batched ? 1 : 0];
  if (!batched) op.shape[0] = 1, op.strides[0] = 0;
  return op;
}

ct_tensor *ct_max_pool1d(ct_tensor *input, int64_t kernel, ct_pool_options o) {
  CT_CHECK_NULL(input);
  if (ct__check_device(input) != CT_OK || !max_pool1d_dims_ok(input)) return NULL;
  if (input->requires_grad && ct_is_grad_enabled()) return max_pool1d_via_2d(input, kernel, &o, NULL);
  const int64_t stride = o.stride[0] == 0 ? kernel : o.stride[0];
  int64_t length;
  if (check_max_pool1d(input, kernel, stride, &o, &length) != CT_OK) return NULL;
  int64_t shape[3];
  for (int d = 0; d < input->ndim - 1; d++)
    shape[d] = input->shape[d];
  shape[input->ndim - 1] = length;
  ct_tensor *out = ct__alloc(input->dtype, input->ndim, shape);
  if (!out) return NULL;
  const ct_pool_window w = {{1, kernel}, {1, stride}, {0, o.padding[0]}, {1, o.dilation[0]}};
  const ct_operand x = operand_1d(input), y = operand_1d(out), none = {.data = NULL};
  pool_kernels(input)->max[input->dtype](&x, &y, &none, &w);
  return out;
}

ct_tensor *ct_max_pool1d_with_indices(ct_tensor *input, int64_t kernel, ct_pool_options o,
                                      ct_tensor **indices) {
  if (!indices) return ct__error_null(CT_ERR_ARG, "max_pool1d_with_indices: indices is NULL");
  *indices = NULL;
  CT_CHECK_NULL(input);
  if (input->ndim < 2 || input->ndim > 3)
    return ct__error_null(
        CT_ERR_RUNTIME,
        "Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' (while "
        "checking arguments for max_pool1d)",
        input->ndim);
  return max_pool1d_via_2d(input, kernel, &o, indices);
}

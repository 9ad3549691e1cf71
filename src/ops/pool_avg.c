// avg_pool2d (AvgPool2DBackward0) and adaptive_avg_pool2d (AdaptiveAvgPool2DBackward0, or
// mean over H and W for a 1x1 output, as PyTorch 1.13 computes it). Checks, result
// layout and nodes here; the loops are the pool kernel family's avg / adaptive_avg.
#include "autograd/linear_backward.h"
#include "ctorch/conv.h"
#include "core/device.h"
#include "core/error_impl.h"
#include "ctorch/reduce.h"
#include "kernels/dispatch.h"
#include "ops/pool_internal.h"
#include "ops/sum_to.h"

static const ct_pool_kernels *pool_kernels(const ct_tensor *t) {
  return ct__kernels(t->storage->device)->pool;
}

// ---- avg_pool2d ----

// What AvgPool2DBackward0 keeps besides the input: the window (dilation 1).
typedef struct avg_pool_args {
  int64_t kernel[2], stride[2], padding[2];
  bool count_include_pad;
} avg_pool_args;

// avg_pool2d of v with the node's window; ceil_mode (not kept) is the one giving the
// output's shape.
static ct_tensor *avg_pool2d_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)input;
  const avg_pool_args *a = ct__node_args(node, avg_pool_args);
  ct_pool_options o = ct_pool_defaults();
  for (int i = 0; i < 2; i++) o.stride[i] = a->stride[i], o.padding[i] = a->padding[i];
  o.count_include_pad = a->count_include_pad;
  ct_tensor *r = ct_avg_pool2d(v, a->kernel, o);
  if (r && (r->shape[r->ndim - 1] != out->shape[out->ndim - 1] || r->shape[r->ndim - 2] != out->shape[out->ndim - 2])) {
    o.ceil_mode = true;
    r = ct_avg_pool2d(v, a->kernel, o);
  }
  return r;
}

static ct_status avg_pool2d_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, avg_pool2d_jvp);
  ct_tensor *input = ct__saved(node, 0);
  if (!input) return ct_last_status();
  const avg_pool_args *a = ct__node_args(node, avg_pool_args);
  const ct_pool_window w = {
      {a->kernel[0], a->kernel[1]}, {a->stride[0], a->stride[1]}, {a->padding[0], a->padding[1]}, {1, 1}};
  ct_tensor *gin = ct__pool_alloc(input->dtype, input->ndim, input->shape, input);
  if (!gin) return ct_last_status();
  const ct_operand g = ct__pool_operand(grad), x = ct__pool_operand(gin);
  pool_kernels(gin)->avg_backward[gin->dtype](&g, &x, &w, a->count_include_pad);
  grad_in[0] = gin;
  return CT_OK;
}

ct_tensor *ct_avg_pool2d(ct_tensor *input, const int64_t kernel[2], ct_pool_options o) {
  CT_CHECK_NULL(input);
  if (!kernel) return ct__error_null(CT_ERR_ARG, "avg_pool2d: kernel_size is NULL");
  if (ct__check_device(input) != CT_OK) return NULL;
  ct_pool_window w;
  if (ct__pool_window(kernel, &o, false, &w) != CT_OK) return NULL;
  if (ct_size(input, -3) < 0) return NULL; // PyTorch reads the plane count first
  int64_t size[2];
  if (ct__pool2d_output_sizes(input, &w, o.ceil_mode, size) != CT_OK) return NULL;
  if (ct__pool_check_dtype(input, "avg_pool2d", true) != CT_OK) return NULL;
  const int nd = input->ndim;
  int64_t shape[4];
  for (int d = 0; d < nd; d++)
    shape[d] = d < nd - 2 ? input->shape[d] : size[d - (nd - 2)];
  ct_tensor *out = ct__pool_alloc(input->dtype, nd, shape, input);
  if (!out) return NULL;
  const ct_operand x = ct__pool_operand(input), y = ct__pool_operand(out);
  pool_kernels(input)->avg[input->dtype](&x, &y, &w, o.count_include_pad, ct__pool_channels_last(input));
  ct_node *node;
  if (ct__record(out, "AvgPool2DBackward0", avg_pool2d_backward, 1, &input, 1, &input, &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node)
    *ct__node_args(node, avg_pool_args) = (avg_pool_args){.kernel = {w.kernel[0], w.kernel[1]},
                                                          .stride = {w.stride[0], w.stride[1]},
                                                          .padding = {w.padding[0], w.padding[1]},
                                                          .count_include_pad = o.count_include_pad};
  return out;
}

// ---- adaptive_avg_pool2d ----

// AdaptiveAvgPool2DBackward0: the cells follow from the input's and the gradient's sizes.
// PyTorch picks its kernel by the gradient's layout.
static ct_tensor *adaptive_avg_pool2d_jvp(ct_node *node, int input, ct_tensor *v, const ct_input_meta *out) {
  (void)node, (void)input;
  return ct_adaptive_avg_pool2d(v, out->shape + out->ndim - 2);
}

static ct_status adaptive_avg_pool2d_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  if (ct__create_graph()) return ct__linear_backward(node, grad, grad_in, adaptive_avg_pool2d_jvp);
  ct_tensor *input = ct__saved(node, 0);
  if (!input) return ct_last_status();
  for (int d = grad->ndim - 2; d < grad->ndim; d++)
    if (grad->shape[d] == 0) {
      char s[256];
      ct__shape_to_str(grad->ndim, grad->shape, s, sizeof s);
      return ct__error(
          CT_ERR_RUNTIME,
          "adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for non-batch "
          "dimensions, but grad_output has sizes %s with dimension %d being empty",
          s, d);
    }
  ct_tensor *gin = ct__pool_alloc(input->dtype, input->ndim, input->shape, input);
  if (!gin) return ct_last_status();
  const ct_operand g = ct__pool_operand(grad), x = ct__pool_operand(gin);
  pool_kernels(gin)->adaptive_avg_backward[gin->dtype](&g, &x, ct__pool_channels_last(grad));
  grad_in[0] = gin;
  return CT_OK;
}

// AsStridedBackward1 of the restrided mean: the same elements, so the same gradient.
static ct_status restride_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  grad_in[0] = ct__create_graph() ? ct__grad_for_input(node, 0, grad) : ct__alias(grad); // recorded: grad itself
  return grad_in[0] ? CT_OK : ct_last_status();
}

// A 1x1 output: the mean over H and W. For a channels-last input PyTorch then restrides
// it in place to channels-last strides (recorded as AsStridedBackward1).
static ct_tensor *mean_1x1(ct_tensor *input) {
  ct_tensor *mean = ct_mean_dims(input, (int[]){-1, -2}, 2, true);
  if (!mean || !ct__pool_channels_last(input)) return mean;
  const int64_t c = input->shape[1];
  ct_tensor *out = ct__make_view(mean, 4, mean->shape, (int64_t[]){c, 1, c, c}, mean->offset);
  if (!out || ct__record(out, "AsStridedBackward1", restride_backward, 1, &mean, 0, NULL, NULL) != CT_OK) {
    ct__drop(out);
    ct__drop(mean);
    return NULL;
  }
  ct__drop(mean);
  return out;
}

ct_tensor *ct__adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2], bool size_is_pair) {
  CT_CHECK_NULL(input);
  if (!output_size) return ct__error_null(CT_ERR_ARG, "adaptive_avg_pool2d: output_size is NULL");
  if (ct__check_device(input) != CT_OK) return NULL;
  if (size_is_pair && input->ndim < 3)
    return ct__error_null(CT_ERR_ARG, "Input dimension should be at least 3");
  if (output_size[0] < 0 || output_size[1] < 0)
    return ct__error_null(
        CT_ERR_RUNTIME,
        "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
        "received {%lld, %lld}",
        (long long)output_size[0], (long long)output_size[1]);
  if (output_size[0] == 1 && output_size[1] == 1) return mean_1x1(input);
  const int nd = input->ndim;
  char s[256];
  ct__shape_to_str(nd, input->shape, s, sizeof s);
  if (nd != 3 && nd != 4)
    return ct__error_null(CT_ERR_RUNTIME, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got %s", s);
  for (int d = nd - 2; d < nd; d++)
    if (input->shape[d] == 0)
      return ct__error_null(
          CT_ERR_RUNTIME,
          "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
          "but input has sizes %s with dimension %d being empty",
          s, d);
  if (ct__pool_check_dtype(input, "adaptive_avg_pool2d", false) != CT_OK) return NULL;
  int64_t shape[4];
  for (int d = 0; d < nd; d++)
    shape[d] = d < nd - 2 ? input->shape[d] : output_size[d - (nd - 2)];
  ct_tensor *out = ct__pool_alloc(input->dtype, nd, shape, input);
  if (!out) return NULL;
  const ct_operand x = ct__pool_operand(input), y = ct__pool_operand(out);
  pool_kernels(input)->adaptive_avg[input->dtype](&x, &y, ct__pool_channels_last(input));
  if (ct__record(out, "AdaptiveAvgPool2DBackward0", adaptive_avg_pool2d_backward, 1, &input, 1, &input,
                 NULL) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  return out;
}

ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2]) {
  return ct__adaptive_avg_pool2d(input, output_size, true);
}

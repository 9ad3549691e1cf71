// at::convolution on batched inputs: PyTorch's checks (conv_checks.c), the convolution
// kernels of the operands' device, and ConvolutionBackward0 (gradients of input, weight
// and bias, as PyTorch's convolution_backward).
#include "core/copy.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"
#include "ctorch/conv.h"
#include "ctorch/creation.h"
#include "ctorch/reduce.h"
#include "ctorch/view.h"
#include "kernels/dispatch.h"
#include "ops/conv_internal.h"
#include "ops/sum_to.h"
#include <limits.h>
#include <stdlib.h>
#include "ctorch/device.h"

// What ConvolutionBackward0 keeps: the parameters of the 2-D view (a 1-D convolution's
// height has stride 1, padding 0, dilation 1), the backend's emptiness and whether the
// kernels follow PyTorch's order of sums (ct_conv_args.exact).
typedef struct conv_args {
  int64_t stride[2], padding[2], dilation[2];
  int64_t groups;
  bool transposed, empty, exact;
} conv_args;

// t itself when contiguous, else a contiguous copy (dropped with release_dense).
static ct_tensor *dense(ct_tensor *t) {
  return ct_is_contiguous(t) ? t : ct__copy_as(t, t->dtype);
}
static void release_dense(ct_tensor *copy, const ct_tensor *original) {
  if (copy != original) ct__drop(copy);
}

// The kernels' geometry from the shapes of the (batched) convolution input, weight and
// output, 3-D ones seen with a height of 1.
static ct_conv_args geometry(const int64_t *in, const int64_t *w, const int64_t *out, int ndim, const conv_args *c) {
  const int h = ndim == 4; // index shift of the spatial dims: 1-D shapes have width only
  const int64_t in_hw[2] = {h ? in[2] : 1, in[2 + h]}, out_hw[2] = {h ? out[2] : 1, out[2 + h]};
  ct_conv_args a = {.batch = in[0], .groups = c->groups, .exact = c->exact};
  a.in_channels = c->transposed ? out[1] : in[1];
  a.out_channels = c->transposed ? in[1] : out[1];
  for (int d = 0; d < 2; d++) {
    a.in_size[d] = c->transposed ? out_hw[d] : in_hw[d];
    a.out_size[d] = c->transposed ? in_hw[d] : out_hw[d];
    a.kernel[d] = d == 0 && !h ? 1 : w[2 + d - !h];
    a.stride[d] = c->stride[d], a.padding[d] = c->padding[d], a.dilation[d] = c->dilation[d];
  }
  return a;
}

// Scratch space for the kernels (NULL when they need none or on error: *st tells).
static ct_tensor *workspace(const ct_conv_kernels *k, const ct_conv_args *a, ct_dtype dtype, ct_status *st) {
  *st = CT_OK;
  const int64_t n = k->workspace(a);
  if (n == 0) return NULL;
  ct_tensor *w = ct__alloc(dtype, 1, &n);
  if (!w) *st = ct_last_status();
  return w;
}

// ---- backward ----

static ct_status input_grad(const ct_node *node, const conv_args *c, const ct_conv_args *a, ct_tensor *g,
                            ct_tensor *weight, void *work, ct_tensor **out) {
  const ct_conv_kernels *k = ct__kernels(g->storage->device)->conv;
  ct_tensor *w = dense(weight);
  *out = w ? ct__alloc(g->dtype, node->inputs[0].ndim, node->inputs[0].shape) : NULL;
  if (*out) {
    if (c->transposed) // the gradient of a transposed convolution's input is a direct one
      k->forward[g->dtype](a, ct__data(g), ct__data(w), NULL, ct__data(*out), work);
    else
      k->transpose[g->dtype](a, ct__data(g), ct__data(w), NULL, ct__data(*out), work);
  }
  release_dense(w, weight);
  return *out ? CT_OK : ct_last_status();
}

static ct_status weight_grad(const ct_node *node, const conv_args *c, const ct_conv_args *a, ct_tensor *g,
                             ct_tensor *input, void *work, ct_tensor **out) {
  const ct_conv_kernels *k = ct__kernels(g->storage->device)->conv;
  ct_tensor *x = dense(input);
  *out = x ? ct__alloc(g->dtype, node->inputs[1].ndim, node->inputs[1].shape) : NULL;
  if (*out) { // the direct convolution's `out` is the gradient, or a transposed one's input
    const void *out_side = ct__data(c->transposed ? x : g), *in_side = ct__data(c->transposed ? g : x);
    k->weight_grad[g->dtype](a, out_side, in_side, ct__data(*out), work);
  }
  release_dense(x, input);
  return *out ? CT_OK : ct_last_status();
}

// The bias gradient: the output gradient summed over the batch and spatial dims; where
// PyTorch runs oneDNN, by the kernels in its order (when they have one). With groups
// PyTorch's slow paths sum each group's contiguous slice of channels on its own (their
// group loop), which orders the sums differently.
static ct_tensor *bias_grad(ct_tensor *g, const conv_args *c, const ct_conv_args *a) {
  const ct_conv_kernels *k = ct__kernels(g->storage->device)->conv;
  if (!c->exact && !c->transposed && k->bias_grad[g->dtype]) {
    ct_tensor *out = ct__alloc(g->dtype, 1, &g->shape[1]);
    if (out) k->bias_grad[g->dtype](a, ct__data(g), ct__data(out));
    return out;
  }
  const int64_t groups = c->groups;
  const int dims[3] = {0, 2, 3};
  if (groups == 1) return ct_sum_dims(g, dims, g->ndim - 1, false);
  if (groups > INT_MAX) return ct__error_null(CT_ERR_ARG, "convolution: too many groups");
  ct_tensor **parts = malloc((size_t)groups * sizeof *parts), *out = NULL;
  if (!parts) return ct__error_null(CT_ERR_MEMORY, "out of memory");
  const int64_t n = g->shape[1] / groups;
  int made = 0;
  for (; made < groups; made++) {
    ct_tensor *slice = ct_narrow(g, 1, made * n, n);
    ct_tensor *dense_slice = slice ? ct__copy_as(slice, g->dtype) : NULL;
    parts[made] = dense_slice ? ct_sum_dims(dense_slice, dims, g->ndim - 1, false) : NULL;
    ct__drop(dense_slice);
    ct__drop(slice);
    if (!parts[made]) break;
  }
  if (made == groups) out = ct_cat(parts, (int)groups, 0);
  for (int i = 0; i < made; i++) ct__drop(parts[i]);
  free(parts);
  return out;
}

// create_graph (a 2-D convolution, groups 1): the input's gradient is the transposed
// convolution of grad with the weight (output_padding restoring the input's size); the
// weight's is the convolution of the input with grad over the batch, stride and dilation
// swapped (input and grad seen with batch and channels transposed), cut to the kernel's
// size; recorded.
CT_CREATE_GRAPH_PATH static ct_status conv_backward_recorded(ct_node *node, const conv_args *c, ct_tensor *grad, ct_tensor **grad_in) {
  if (c->transposed || c->groups != 1 || node->inputs[0].ndim != 4)
    return ct__error(CT_ERR_RUNTIME, "double backward of transposed or grouped convolutions is not supported");
  ct_tensor *input = ct__saved(node, 0), *weight = input ? ct__saved(node, 1) : NULL;
  if (!weight) return ct_last_status();
  ct_conv_options o = ct_conv_defaults();
  for (int i = 0; i < 2; i++) o.stride[i] = c->stride[i], o.padding[i] = c->padding[i], o.dilation[i] = c->dilation[i];
  if (node->next[0]) {
    ct_conv_options t = o;
    for (int i = 0; i < 2; i++) {
      const int64_t reach = (grad->shape[2 + i] - 1) * c->stride[i] - 2 * c->padding[i] +
                            c->dilation[i] * (weight->shape[2 + i] - 1) + 1;
      t.output_padding[i] = input->shape[2 + i] - reach;
    }
    if (!(grad_in[0] = ct_conv_transpose2d(grad, weight, NULL, t))) return ct_last_status();
  }
  if (node->next[1]) {
    ct_conv_options w = o;
    for (int i = 0; i < 2; i++) w.stride[i] = c->dilation[i], w.dilation[i] = c->stride[i];
    ct_tensor *full = ct_conv2d(ct_transpose(input, 0, 1), ct_transpose(grad, 0, 1), NULL, w);
    ct_tensor *cut = full ? ct_narrow(ct_narrow(full, 2, 0, weight->shape[2]), 3, 0, weight->shape[3]) : NULL;
    if (!(grad_in[1] = cut ? ct_transpose(cut, 0, 1) : NULL)) return ct_last_status();
  }
  if (node->next[2]) {
    grad_in[2] = ct__grad_for_input(node, 2, ct_sum_dims(grad, (const int[]){0, 2, 3}, 3, false));
    if (!grad_in[2]) return ct_last_status();
  }
  return CT_OK;
}

static ct_status conv_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  const conv_args *c = ct__node_args(node, conv_args);
  if (ct__create_graph() && !c->empty) return conv_backward_recorded(node, c, grad, grad_in);
  if (c->empty) { // no element took part: every gradient is zero
    for (int i = 0; i < 3; i++) {
      if (!node->next[i]) continue;
      grad_in[i] = ct_new_zeros(grad, node->inputs[i].ndim, node->inputs[i].shape, node->inputs[i].dtype);
      if (!grad_in[i]) return ct_last_status();
    }
    return CT_OK;
  }
  ct_tensor *input = ct__saved(node, 0), *weight = input ? ct__saved(node, 1) : NULL;
  if (!weight) return ct_last_status();
  ct_tensor *g = dense(grad);
  if (!g) return ct_last_status();
  const ct_conv_args a = geometry(input->shape, weight->shape, g->shape, g->ndim, c);
  ct_status st = CT_OK;
  ct_tensor *work = node->next[0] || node->next[1] ? workspace(ct__kernels(g->storage->device)->conv, &a,
                                                               g->dtype, &st)
                                                   : NULL;
  void *scratch = work ? ct__data(work) : NULL;
  if (st == CT_OK && node->next[0]) st = input_grad(node, c, &a, g, weight, scratch, &grad_in[0]);
  if (st == CT_OK && node->next[1]) st = weight_grad(node, c, &a, g, input, scratch, &grad_in[1]);
  if (st == CT_OK && node->next[2]) {
    grad_in[2] = ct__grad_for_input(node, 2, bias_grad(g, c, &a));
    if (!grad_in[2]) st = ct_last_status();
  }
  ct__drop(work);
  release_dense(g, grad);
  return st;
}

// ---- forward ----

// Runs the kernel of a non-empty convolution into out.
static ct_status run_forward(const ct__conv_plan *plan, ct_tensor *input, ct_tensor *weight, ct_tensor *bias,
                             bool transposed, ct_tensor *out) {
  const ct_conv_kernels *k = ct__kernels(input->storage->device)->conv;
  const ct_dtype dtype = input->dtype;
  ct_status st = CT_OK;
  ct_tensor *x = dense(input), *w = x ? dense(weight) : NULL;
  ct_tensor *b = !bias || !w ? NULL : plan->convert_bias ? ct__copy_as(bias, dtype) : dense(bias);
  ct_tensor *work = w && (!bias || b) ? workspace(k, &plan->args, dtype, &st) : NULL;
  if (!w || (bias && !b) || st != CT_OK) {
    st = ct_last_status();
  } else if (transposed) {
    k->transpose[dtype](&plan->args, ct__data(x), ct__data(w), b ? ct__data(b) : NULL, ct__data(out),
                        work ? ct__data(work) : NULL);
  } else {
    k->forward[dtype](&plan->args, ct__data(x), ct__data(w), b ? ct__data(b) : NULL, ct__data(out),
                      work ? ct__data(work) : NULL);
  }
  ct__drop(work);
  if (b && b != bias) ct__drop(b);
  if (w) release_dense(w, weight);
  if (x) release_dense(x, input);
  return st;
}

ct_tensor *ct__convolution(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const ct__conv_params *p) {
  ct__conv_plan plan;
  if (ct__conv_check(input, weight, bias, p, &plan) != CT_OK) return NULL;
  ct_tensor *out = ct__alloc(input->dtype, plan.out_ndim, plan.out_shape);
  if (!out) return NULL;
  const bool empty = plan.backend == CT_CONV_EMPTY;
  if (!empty && run_forward(&plan, input, weight, bias, p->transposed, out) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  ct_tensor *inputs[3] = {input, weight, bias}, *saved[2] = {input, weight};
  ct_node *node;
  if (ct__record(out, "ConvolutionBackward0", conv_backward, 3, inputs, 2, saved, &node) != CT_OK) {
    ct__drop(out);
    return NULL;
  }
  if (node) {
    conv_args *c = ct__node_args(node, conv_args);
    *c = (conv_args){.groups = p->groups, .transposed = p->transposed, .empty = empty, .exact = plan.args.exact};
    for (int d = 0; d < 2; d++) {
      c->stride[d] = plan.args.stride[d];
      c->padding[d] = plan.args.padding[d];
      c->dilation[d] = plan.args.dilation[d];
    }
  }
  return out;
}

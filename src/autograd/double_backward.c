// Which backward functions support double backward, and what the engine does under
// create_graph with one that does not (docs/DESIGN.md, "Double backward").
//
// A backward that runs fused kernels under create_graph would return a gradient without
// history, whose second derivative is then silently zero. So the engine runs under
// create_graph only the backwards listed in SUPPORTED by name (each checked by a
// finite-difference case in tests/unit/test_autograd_higher*.c, or built from constants);
// any other runs its plain path and each gradient it returns gets a node that fails when
// it is differentiated, with PyTorch's text where PyTorch refuses too (torch raises at
// that point, not before, so a first derivative nobody differentiates stays usable).
#include <stdlib.h>
#include <string.h>
#include "autograd/engine.h"
#include "core/error_impl.h"
#include "ctorch/autograd.h"

// Names of the nodes whose backward, under create_graph, builds its gradients from
// recorded ops (or returns constants): sorted for bsearch (strcmp order).
static const char *const SUPPORTED[] = {
    "AbsBackward0", "AdaptiveAvgPool2DBackward0", "AddBackward0", "AddmmBackward0", "AmaxBackward0",
    "AminBackward0", "AsStridedBackward0", "AsStridedBackward1", "AvgPool2DBackward0", "BernoulliBackward2",
    "BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0", "BmmBackward0", "CatBackward0",
    "CeilBackward0", "ClampBackward1", "CloneBackward0", "ConstantPadNdBackward0", "ConvolutionBackward0",
    "CopyBackwards", "CopySlices", "CosBackward0", "CumprodBackward0", "CumsumBackward0", "DiagonalBackward0",
    "DivBackward0", "DotBackward0", "EluBackward0", "EmbeddingBackward0", "ExpBackward0", "ExpandBackward0",
    "FillBackward2", "FlipBackward0", "FloorBackward0", "GatherBackward0", "GeluBackward0",
    "GeluBackwardBackward0", "HardtanhBackward0", "HuberLossBackward0", "IndexBackward0", "IndexPutBackward0",
    "IndexSelectBackward0", "KthvalueBackward0", "LeakyReluBackward0", "LinearBackwardBackward",
    "LinearBackwardBackwardBackward", "Log1PBackward0", "LogBackward0", "LogSoftmaxBackward0",
    "LogcumsumexpBackward0", "LogsumexpBackward0", "MaskedFillBackward0", "MaskedScatterBackward0",
    "MaxBackward0", "MaxBackward1", "MaxPool2DWithIndicesBackward0", "MaximumBackward0", "MeanBackward0",
    "MeanBackward1", "MinBackward0", "MinBackward1", "MinimumBackward0", "MishBackward0", "MmBackward0",
    "MseLossBackward0", "MulBackward0", "MultiheadAttentionCoreBackward", "MvBackward0", "NativeBatchNormBackward0", "NativeGroupNormBackward0",
    "NativeLayerNormBackward0", "NegBackward0", "NllLoss2DBackward0", "NllLossBackward0", "NormBackward1",
    "NormalBackward0", "NormalBackward1", "NormalBackward2", "NormalBackward3", "PermuteBackward0",
    "PowBackward0", "PowBackward1", "ProdBackward0", "ProdBackward1", "RandomBackward0", "ReluBackward0",
    "RemainderBackward1", "RepeatBackward0", "ReshapeAliasBackward0", "RnnLayerBackward", "RollBackward0", "RoundBackward0",
    "RsqrtBackward0", "RsubBackward0", "RsubBackward1", "ScatterAddBackward0", "ScatterBackward0",
    "ScatterBackward1", "SelectBackward0", "SigmoidBackward0", "SignBackward0", "SiluBackward0",
    "SinBackward0", "SliceBackward0", "SmoothL1LossBackward0", "SoftmaxBackward0", "SoftplusBackward0",
    "SortBackward0", "SortBackward1", "SplitBackward0", "SplitWithSizesBackward0", "SqrtBackward0",
    "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward3", "StackBackward0", "StdBackward0",
    "SubBackward0", "SumBackward0", "SumBackward1", "TBackward0", "TanhBackward0", "ToCopyBackward0",
    "TopkBackward0", "TransposeBackward0", "TrilBackward0", "TrilinearBackward0", "TriuBackward0",
    "UnbindBackward0", "UnfoldBackward0", "UniformBackward0", "UnsafeViewBackward0", "UnsqueezeBackward0",
    "VarBackward0", "ViewBackward0", "WhereBackward0", "XlogyBackward0", "ZeroBackward0",
};

// Backwards refused with a message of their own (others get the generic one): `input`
// is the gradient's input, -1 for any.
static const struct {
  const char *name;
  int input;
  const char *message;
} REFUSED[] = {
    // torch 1.13 refuses too, with these texts (weight, per_sample_weights).
    {"EmbeddingBagBackward0", 0, "derivative for _embedding_bag_dense_backward is not implemented"},
    {"EmbeddingBagBackward0", 1, "derivative for aten::_embedding_bag_per_sample_weights_backward is not implemented"},
};

static int by_name(const void *key, const void *entry) { return strcmp(key, *(const char *const *)entry); }

static bool supported(const char *name) {
  return bsearch(name, SUPPORTED, sizeof SUPPORTED / sizeof *SUPPORTED, sizeof *SUPPORTED, by_name) != NULL;
}

// The node recorded on a gradient its backward could not record: it fails when reached.
typedef struct refused_args {
  const char *node_name;
  int input; // which input of that node the gradient is for
} refused_args;

static ct_status refused_backward(ct_node *node, ct_tensor *grad, ct_tensor **grad_in) {
  (void)grad, (void)grad_in;
  const refused_args *a = ct__node_args(node, refused_args);
  const char *name = a->node_name;
  for (size_t i = 0; i < sizeof REFUSED / sizeof *REFUSED; i++)
    if (!strcmp(name, REFUSED[i].name) && (REFUSED[i].input < 0 || REFUSED[i].input == a->input))
      return ct__error(CT_ERR_RUNTIME, "%s", REFUSED[i].message);
  return ct__error(CT_ERR_RUNTIME, "double backward is not supported for %s (ctorch)", name);
}

// What n's plain backward read: its incoming gradient and its saved tensors, with their
// history (ct__saved under grad mode); the refusing node's inputs.
static int backward_inputs(ct_node *n, ct_tensor *g, ct_tensor **inputs) {
  int k = 0;
  inputs[k++] = g;
  for (int i = 0; i < n->num_saved; i++) {
    if (!n->saved[i]) continue;
    ct_tensor *t = ct__saved(n, i);
    if (!t) return -1;
    inputs[k++] = t;
  }
  return k;
}

// Runs n's backward (plain) and gives each gradient a refusing node, unless nothing the
// backward read has a history (then its gradients are constants, rightly).
static ct_status run_refusing(ct_node *n, ct_tensor *g, ct_tensor **grad_in) {
  ct_tensor *inputs[1 + CT_NODE_MAX_SAVED];
  int k = backward_inputs(n, g, inputs);
  if (k < 0) return ct_last_status();
  bool mode = ct_no_grad_enter();
  ct_status st = n->backward(n, g, grad_in);
  ct_grad_mode_restore(mode);
  for (int i = 0; st == CT_OK && i < n->num_next; i++) {
    if (!grad_in[i]) continue;
    ct_tensor *r = ct__alias(grad_in[i]); // a node needs its own result tensor
    if (!r) return ct_last_status();
    ct_node *refuse;
    st = ct__record(r, "NotImplemented", refused_backward, k, inputs, 0, NULL, &refuse);
    if (refuse) *ct__node_args(refuse, refused_args) = (refused_args){n->name, i};
    grad_in[i] = r;
  }
  return st;
}

ct_status ct__backward_create_graph(ct_node *n, ct_tensor *g, ct_tensor **grad_in) {
  if (supported(n->name)) return n->backward(n, g, grad_in);
  return run_refusing(n, g, grad_in);
}

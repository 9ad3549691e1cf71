/// @file nn.h
/// @brief Neural-network modules (torch.nn): the module system and the standard layers.
///
/// A module is a struct that starts with a `ct_module` and has a small vtable (name,
/// forward, extra_repr, destroy). Modules own their registered parameters and children;
/// names compose recursively, so a Sequential inside a field `model` names its first
/// layer's weight "model.0.weight". A user module (the seed's MultilayerPerceptron):
///
/// ```c
/// typedef struct { ct_module base; ct_module *model; } MLP;
/// static ct_tensor *mlp_forward(ct_module *self, ct_tensor *x) {
///   return ct_module_forward(((MLP *)self)->model, x);
/// }
/// static const ct_module_vtable mlp_vtable = {"MultilayerPerceptron", mlp_forward, NULL, NULL};
/// ct_module *mlp_new(int64_t in, int64_t hidden) {
///   MLP *m = ct_module_new(sizeof *m, &mlp_vtable);
///   m->model = ct_module_register_module(&m->base, "model", ct_sequential_new(4, (ct_module *[]){
///       ct_linear_new(in, hidden, true), ct_relu_new(), ct_linear_new(hidden, in, true), ct_sigmoid_new()}));
///   return &m->base;
/// }
/// ```
#ifndef CTORCH_NN_H
#define CTORCH_NN_H
#include <stdio.h>
#include "ctorch/conv.h"
#include "ctorch/init.h"
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_module ct_module;

/// The behaviour of a module type.
typedef struct ct_module_vtable {
  /// Class name, as PyTorch prints it ("Linear", "MultilayerPerceptron").
  const char *name;
  /// Forward pass. The input is borrowed; the result follows the usual scope rules.
  ct_tensor *(*forward)(ct_module *self, ct_tensor *input);
  /// Optional: PyTorch's extra_repr ("in_features=4, out_features=2, bias=True").
  void (*extra_repr)(const ct_module *self, char *buf, size_t cap);
  /// Optional: frees resources of the embedding struct (not parameters or children).
  void (*destroy)(ct_module *self);
} ct_module_vtable;

/// Embed as the first member of a module struct. Fields are managed by ctorch.
struct ct_module {
  const ct_module_vtable *vtable;
  bool training;
  struct ct_module_entries *entries; ///< registered parameters and children (private)
};

/// A (name, tensor) pair, as named_parameters() yields.
typedef struct ct_named_tensor {
  char name[256];
  ct_tensor *tensor; ///< borrowed
} ct_named_tensor;

/// A list of named tensors (free with ct_named_list_free).
typedef struct ct_named_list {
  int count;
  ct_named_tensor *items;
} ct_named_list;

/// Allocate a zeroed module struct of `size` bytes (>= sizeof(ct_module)) with vtable.
/// Free it with ct_module_free. NULL on error.
CT_API void *ct_module_new(size_t size, const ct_module_vtable *vtable);
/// Free a module: its children, its parameter references, then vtable->destroy, then
/// the struct. NULL is a no-op. A module registered in a parent is not freed (an error is
/// recorded): its parent owns and frees it.
CT_API void ct_module_free(ct_module *m);
/// Call forward (PyTorch's module(input)). NULL module or input gives NULL.
CT_API ct_tensor *ct_module_forward(ct_module *m, ct_tensor *input);

/// Register (and own a reference to) a parameter: marks it requires_grad and a
/// Parameter (printed "Parameter containing:"). Returns the tensor (NULL on error).
/// PyTorch's checks and texts: the name is non-empty, without '.', and not in use (PyTorch
/// would replace a parameter of the same name; here that is an error, as callers hold
/// borrowed pointers); the tensor is a floating-point leaf. A NULL param returns NULL
/// without a new message. The same tensor may be registered in several modules (tying).
CT_API ct_tensor *ct_module_register_parameter(ct_module *m, const char *name, ct_tensor *param);
/// Register a child module; the parent owns it from now on (it is freed with the
/// parent, also when this call fails for a bad name or a NULL parent). Returns child
/// (NULL on error). Refused without freeing it: a child that already has a parent, or
/// one that contains m (a cycle). A NULL child returns NULL without a new message.
CT_API ct_module *ct_module_register_module(ct_module *m, const char *name, ct_module *child);

/// All parameters, recursively, with dotted names, in PyTorch's named_parameters() order:
/// a module's own parameters (in registration order), then each child's, recursively.
/// Shared parameters appear once. NULL on error (also for a dotted name longer than 255).
CT_API ct_named_list *ct_module_named_parameters(ct_module *m);
/// Direct children with their names (tensor field unused: NULL). NULL on error.
CT_API ct_named_list *ct_module_named_children(ct_module *m);
/// The i-th direct child module (registration order), NULL when out of range.
CT_API ct_module *ct_module_child(ct_module *m, int i);
/// Number of direct children.
CT_API int ct_module_num_children(const ct_module *m);
/// Parameters as a plain array (for optimizers): fills *count; free() the array.
CT_API ct_tensor **ct_module_parameters(ct_module *m, int *count);
/// Free a list from named_parameters / named_children / state_dict. NULL is a no-op.
CT_API void ct_named_list_free(ct_named_list *list);

/// train(mode) / eval(), recursively.
CT_API void ct_module_train(ct_module *m, bool mode);
/// eval(): train(false), recursively.
CT_API void ct_module_eval(ct_module *m);
/// zero_grad: set_to_none true clears .grad (PyTorch 2's default), false zeroes it.
CT_API void ct_module_zero_grad(ct_module *m, bool set_to_none);
/// requires_grad_(flag) on every parameter (freezing).
CT_API void ct_module_requires_grad_(ct_module *m, bool requires_grad);

/// PyTorch's module repr into buf. Errors (truncated text) when cap is too small.
CT_API ct_status ct_module_repr(const ct_module *m, char *buf, size_t cap);
/// Print the module repr and a newline to stdout.
CT_API ct_status ct_module_print(const ct_module *m);

/// state_dict(): the parameters under their dotted names, in named_parameters order but
/// with a shared parameter listed under each of its names (tensors borrowed).
CT_API ct_named_list *ct_module_state_dict(ct_module *m);
/// load_state_dict: copies values by name (converting dtypes, as Tensor.copy_). strict:
/// every parameter must be present, and no key unknown by PyTorch's per-module rule. Shapes
/// must match in both modes (PyTorch's legacy rule: a 1-D value for a 0-d parameter gives
/// its first element). Everything is checked before anything is copied, so a failed load
/// leaves the module unchanged (PyTorch copies the matching entries before raising). The
/// error is PyTorch's: "Error(s) in loading state_dict for Net:\n\tMissing key(s) in
/// state_dict: \"a\". \n\tUnexpected key(s) ...\n\tsize mismatch for ...".
CT_API ct_status ct_module_load_state_dict(ct_module *m, const ct_named_list *state, bool strict);
/// Save the state dict as one NumPy file per entry, "<dir>/<dotted name>.npy" (np.save's
/// bytes: np.load / torch.from_numpy(np.load(f)) read them). Creates dir (one level) if
/// missing; on a write error the files written so far are removed. Parameter names with
/// '/' are refused.
CT_API ct_status ct_module_save(ct_module *m, const char *dir);
/// Load a directory written by ct_module_save or by NumPy (for a torch model:
/// `for k, v in model.state_dict().items(): np.save(f"{dir}/{k}.npy", v.numpy())`): every
/// "<name>.npy" file is a state-dict entry (other files are ignored; names are sorted), and
/// the load is a strict ct_module_load_state_dict: all or nothing; float64 or Fortran-order
/// files convert on the way in.
CT_API ct_status ct_module_load(ct_module *m, const char *dir);

// ---- layers (PyTorch's default initialisation from the global generator) ----

/// nn.Linear(in, out, bias): weight [out, in] kaiming_uniform(a=sqrt(5)), bias uniform.
CT_API ct_module *ct_linear_new(int64_t in_features, int64_t out_features, bool bias);
/// The weight / bias (NULL without bias) of a Linear, borrowed.
CT_API ct_tensor *ct_linear_weight(ct_module *linear);
/// The bias of a Linear (borrowed), NULL without bias or for another module type.
CT_API ct_tensor *ct_linear_bias(ct_module *linear);
/// nn.Embedding(num, dim, padding_idx): weight N(0,1), padding row zero and never
/// updated by gradients. padding_idx < 0 counts from num; pass CT_NO_PADDING_IDX for none.
CT_API ct_module *ct_embedding_new(int64_t num_embeddings, int64_t embedding_dim, int64_t padding_idx);
/// The weight [num_embeddings, embedding_dim] of an Embedding (borrowed).
CT_API ct_tensor *ct_embedding_weight(ct_module *embedding);
/// Activations and utilities.
CT_API ct_module *ct_relu_new(void);
/// nn.Sigmoid().
CT_API ct_module *ct_sigmoid_new(void);
/// nn.Tanh().
CT_API ct_module *ct_tanh_new(void);
/// nn.LeakyReLU(negative_slope).
CT_API ct_module *ct_leaky_relu_new(double negative_slope);
/// nn.GELU() (exact erf form).
CT_API ct_module *ct_gelu_new(void);
/// nn.Softmax(dim).
CT_API ct_module *ct_softmax_new(int dim);
/// nn.LogSoftmax(dim).
CT_API ct_module *ct_log_softmax_new(int dim);
/// nn.Identity(): forward returns its input itself.
CT_API ct_module *ct_identity_new(void);
/// nn.Flatten(start_dim, end_dim) (PyTorch's defaults are 1, -1).
CT_API ct_module *ct_flatten_new(int start_dim, int end_dim);
/// nn.Dropout(p): in training mode zeroes elements with probability p (PyTorch's masks
/// from the global generator, drawn in row-major order whatever the input's strides) and
/// scales by 1/(1-p): grad_fn MulBackward0. In eval mode, or for p = 0 or an empty input,
/// returns the input itself (a new reference).
CT_API ct_module *ct_dropout_new(double p);
// ---- convolution layers (their options: ct_conv_options, conv.h) ----

/// nn.Conv1d(in, out, kernel_size, stride, padding, dilation, groups, bias): weight
/// [out, in / groups, k] from kaiming_uniform_(a=sqrt(5)), bias [out] from U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)) (left zero, with no draw, when fan_in is 0), fan_in = in / groups * k:
/// PyTorch's numbers after the same seed. Uses element [0] of each option pair. forward is
/// ct_conv1d. Named parameters "weight", "bias".
CT_API ct_module *ct_conv1d_new(int64_t in_channels, int64_t out_channels, int64_t kernel_size, ct_conv_options o);
/// nn.Conv2d: weight [out, in / groups, kh, kw], initialised as Conv1d's. forward is
/// ct_conv2d; printed as PyTorch prints it ("Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1),
/// padding=(1, 1))").
CT_API ct_module *ct_conv2d_new(int64_t in_channels, int64_t out_channels, const int64_t kernel_size[2],
                                ct_conv_options o);
/// nn.ConvTranspose2d(in, out, kernel_size, stride, padding, output_padding, groups, bias,
/// dilation): weight [in, out / groups, kh, kw], fan_in = out / groups * kh * kw as PyTorch
/// computes it from the weight's dim 1. forward is ct_conv_transpose2d. 'same' / 'valid'
/// padding is refused.
CT_API ct_module *ct_conv_transpose2d_new(int64_t in, int64_t out, const int64_t kernel_size[2], ct_conv_options o);

/// nn.Sequential: children named "0", "1", ...; takes ownership of the modules (also
/// on failure: a NULL element frees the others). forward chains them; intermediate
/// outputs are released, only the result goes to the caller's scope.
CT_API ct_module *ct_sequential_new(int n, ct_module *const *modules);

// ---- pooling layers (forward: the functional ops of conv.h) ----

/// nn.MaxPool1d(kernel, stride, padding, dilation, ceil_mode): forward is ct_max_pool1d
/// (o's [0] entries). Repr "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1,
/// ceil_mode=False)". PyTorch's return_indices is not offered (ct_max_pool1d_with_indices).
CT_API ct_module *ct_max_pool1d_new(int64_t kernel, ct_pool_options o);
/// nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode): forward is ct_max_pool2d.
/// Repr as PyTorch's, a pair of equal values printed as one int ("MaxPool2d(kernel_size=2,
/// stride=2, padding=0, dilation=1, ceil_mode=False)"); a stride of 0 prints the kernel.
CT_API ct_module *ct_max_pool2d_new(const int64_t kernel[2], ct_pool_options o);
/// nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad): forward is
/// ct_avg_pool2d. Repr "AvgPool2d(kernel_size=2, stride=2, padding=0)".
CT_API ct_module *ct_avg_pool2d_new(const int64_t kernel[2], ct_pool_options o);
/// nn.AdaptiveAvgPool2d(output_size): forward is ct_adaptive_avg_pool2d. Equal sizes act
/// as PyTorch's int argument (printed "output_size=2", no check of the input's rank
/// before the op's own), others as a tuple ("output_size=(2, 3)").
CT_API ct_module *ct_adaptive_avg_pool2d_new(const int64_t output_size[2]);

#ifdef __cplusplus
}
#endif
#endif

// Private parts of modules: the registry of parameters, buffers and children.
#ifndef CTORCH_SRC_NN_MODULE_IMPL_H
#define CTORCH_SRC_NN_MODULE_IMPL_H
#include "ctorch/nn.h"

/// What a registry entry holds (PyTorch's _parameters, _buffers and _modules).
typedef enum ct_entry_kind { CT_ENTRY_PARAMETER, CT_ENTRY_BUFFER, CT_ENTRY_CHILD } ct_entry_kind;

typedef struct ct_module_entry {
  char *name;
  ct_entry_kind kind;
  ct_tensor *tensor; // a parameter or buffer: owned reference (NULL for a child)
  ct_module *child;  // owned (NULL for a parameter or buffer)
  bool persistent;   // buffers: part of state_dict (PyTorch's persistent=True)
  bool zero_if_missing; // buffers: a state dict without the key loads 0 (see ct__module_mark_legacy_buffer)
} ct_module_entry;

struct ct_module_entries {
  int count, capacity;
  ct_module_entry *items;
  bool has_parent; // registered as a child: the parent frees it, nobody else may
};

/// A module with no state beyond the vtable (activations): allocated and named.
ct_module *ct__simple_module_new(const ct_module_vtable *vtable);

/// Containers (Sequential, ModuleList ...) own their module arguments, also when they fail:
/// frees modules[from..n-1], each once, leaving modules that another parent owns alone.
void ct__free_module_arguments(int n, ct_module *const *modules, int from);

/// Every parameter and persistent buffer under its dotted name in PyTorch's state_dict()
/// order (the module's own parameters, then its buffers, then each child's, recursively),
/// *without* removing shared tensors: state_dict lists a tied weight under each of its
/// names, named_parameters only once.
ct_named_list *ct__module_state_entries(ct_module *m);

/// True when the entry is part of the module's state dict (a parameter or a persistent
/// buffer): PyTorch's local_state of _load_from_state_dict.
static inline bool ct__entry_in_state(const ct_module_entry *e) {
  return e->kind == CT_ENTRY_PARAMETER || (e->kind == CT_ENTRY_BUFFER && e->persistent);
}

/// The entry registered under `name` directly in m, or NULL.
ct_module_entry *ct__module_entry(ct_module *m, const char *name);

/// BatchNorm's load rule for checkpoints saved before num_batches_tracked existed (a
/// state dict without version metadata, as every ct_named_list is): a missing key of this
/// buffer is not reported, the buffer is set to 0 instead.
void ct__module_mark_legacy_buffer(ct_module *m, const char *name);
/// A zero parameter of `dtype` made outside any scope and registered in m under `name`
/// (the module then holds the only reference); NULL with the error (torch.empty's
/// negative-size text, a registration error) otherwise. (src/nn/module_parameter.c)
ct_tensor *ct__module_new_parameter(ct_module *m, const char *name, int ndim, const int64_t *shape, ct_dtype dtype);
/// MultiheadAttention's out_proj: nn.Linear's parameters and draws, printed under PyTorch's
/// class name NonDynamicallyQuantizableLinear (ct_linear_weight / ct_linear_bias accept it).
ct_module *ct__nondynamically_quantizable_linear_new(int64_t in_features, int64_t out_features, bool bias);
/// F.dropout(x, p, training) (nn.Dropout's forward): the input itself when not training, p
/// is 0 or x is empty; PyTorch's bernoulli mask scaled by 1/(1-p) otherwise.
ct_tensor *ct__dropout(ct_tensor *x, double p, bool training);
#endif
